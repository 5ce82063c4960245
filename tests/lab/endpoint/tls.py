# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS for the lab endpoint: a test CA made at test time, the listener's certificate, channel binding.

Nothing here is committed: `make_pki(folder, names)` writes a CA and a server certificate (with the
host names as DNS subject alternative names) into a folder of the test's own, with `cryptography`,
as an enterprise CA would issue a WinRM HTTPS listener's certificate (Server Authentication EKU,
RSA 2048, SHA-256). The controller trusts the CA file (ansible_winrm_ca_trust_path /
ansible_psrp_ca_cert); `make_pki(..., ca_name=...)` twice gives a CA it does not trust.

`channel_binding(certificate)` is what Windows binds an authentication to on an HTTPS listener:
RFC 5929 tls-server-end-point, the hash of the server certificate (SHA-256 when the certificate is
signed with MD5 or SHA-1, else the certificate's own signature hash), as GSS application data.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import os
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DAY = datetime.timedelta(days=1)


@dataclasses.dataclass
class PKI:
    ca_file: str    # PEM: the CA certificate the controller is told to trust
    cert_file: str  # PEM: the listener's certificate
    key_file: str   # PEM: its private key (0600, in the test's folder only)
    names: tuple


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "apexone.upgrade lab"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(path: str, data: bytes, mode: int = 0o644) -> str:
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), "wb") as handle:
        handle.write(data)
    return path


def make_pki(folder: str, names, ca_name: str = "apexone lab test CA") -> PKI:
    """A new CA and a listener certificate for `names` (DNS names; an IP address becomes an IP SAN)."""
    os.makedirs(folder, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = _key()
    ca_cert = (x509.CertificateBuilder().subject_name(_name(ca_name)).issuer_name(_name(ca_name))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - DAY).not_valid_after(now + 30 * DAY)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                            content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False,
                                            encipher_only=False, decipher_only=False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    names = tuple(names)
    alt = []
    for name in names:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    key = _key()
    cert = (x509.CertificateBuilder().subject_name(_name(names[0])).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - DAY).not_valid_after(now + 30 * DAY)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256()))
    stem = ca_name.replace(" ", "-")
    return PKI(
        ca_file=_write(os.path.join(folder, stem + ".ca.pem"), ca_cert.public_bytes(serialization.Encoding.PEM)),
        cert_file=_write(os.path.join(folder, stem + ".listener.pem"), cert.public_bytes(serialization.Encoding.PEM)),
        key_file=_write(os.path.join(folder, stem + ".listener.key"), key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), 0o600),
        names=names)


def server_context(pki: PKI) -> ssl.SSLContext:
    """The listener's TLS: 1.2 or later, as a hardened Windows Server offers it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(pki.cert_file, pki.key_file)
    return context


def channel_binding(certificate_der: bytes) -> bytes:
    """RFC 5929 tls-server-end-point application data for the certificate (DER)."""
    cert = x509.load_der_x509_certificate(certificate_der)
    algorithm = cert.signature_hash_algorithm
    if algorithm is None or isinstance(algorithm, (hashes.MD5, hashes.SHA1)):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(certificate_der)
    return b"tls-server-end-point:" + digest.finalize()
