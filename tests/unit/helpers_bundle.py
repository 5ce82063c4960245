# -*- coding: utf-8 -*-
"""Certificate bundles made of real CA files from Debian's ca-certificates, as ops would carry them in."""

from __future__ import annotations

import os
import shutil

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ansible_collections.apexone.upgrade.tests.unit import helpers

# Runbook roots Debian ships: file in /usr/share/ca-certificates/mozilla -> SHA-1 in the article
REAL_ROOTS = {
    "DigiCert_Assured_ID_Root_CA.crt": "0563b8630d62d75abbc8ab1e4bdfb5a899b24d43",
    "USERTrust_RSA_Certification_Authority.crt": "2b8f1b57330dbba2d07a6c51f70ee90ddab9ad8e",
    "GlobalSign_Root_CA_-_R3.crt": "d69b561148f01c77c54578c10926df5b856976ad",
    "DigiCert_High_Assurance_EV_Root_CA.crt": "5fb7ee0633e259dbad0c4c9ae6d38f1a61c7dc25",
    "DigiCert_Trusted_Root_G4.crt": "ddfb16cd4931c973a2037d3fc83a4d7d775d05e4",
}
# The catalog names of those five roots (their subject CN).
REAL_NAMES = ("DigiCert Assured ID Root CA", "USERTrust RSA Certification Authority", "GlobalSign",
              "DigiCert High Assurance EV Root CA", "DigiCert Trusted Root G4")


def make_bundle(folder, der=True):
    """The five runbook roots Debian ships, named by thumbprint as CertUtil -syncWithWU names them (DER)."""
    os.makedirs(folder, exist_ok=True)
    for source, thumbprint in REAL_ROOTS.items():
        with open(os.path.join(helpers.DEBIAN_CA_DIR, source), "rb") as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
        target = os.path.join(folder, thumbprint + ".crt")
        if der:
            with open(target, "wb") as handle:
                handle.write(cert.public_bytes(Encoding.DER))
        else:
            shutil.copy(os.path.join(helpers.DEBIAN_CA_DIR, source), target)
    return folder
