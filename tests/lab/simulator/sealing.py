# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What auth_backup.ps1's Protect-Bytes does with .NET Framework 4.5, done with `cryptography` for its twin.

Rules written down (the script's header says why):
- the public key arrives as .NET's RSAKeyValue XML (Modulus, Exponent: base64, big-endian);
  RSACryptoServiceProvider.FromXmlString refuses anything else with a CryptographicException, and so
  does this (a key shorter than 1024 bits too, which the controller never makes);
- the AES-256 key and the IV are fresh random bytes for every call (GenerateKey, GenerateIV);
- AES-CBC with PKCS7 padding encrypts the file;
- RSA-OAEP with SHA-1 (RSACryptoServiceProvider.Encrypt(data, $true)) wraps the AES key;
- each part comes back as base64 (Convert.ToBase64String); the integrity check is the file's SHA-256,
  which the script returns beside the sealed parts.
"""

from __future__ import annotations

import base64
import os
from xml.etree import ElementTree

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as asymmetric_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


class SealRefused(Exception):
    """What FromXmlString or Encrypt would throw."""


def _public_key(xml_text: str):
    try:
        root = ElementTree.fromstring(xml_text)
        if root.tag != "RSAKeyValue":
            raise ValueError(root.tag)
        modulus = int.from_bytes(base64.b64decode(root.findtext("Modulus"), validate=True), "big")
        exponent = int.from_bytes(base64.b64decode(root.findtext("Exponent"), validate=True), "big")
        key = rsa.RSAPublicNumbers(exponent, modulus).public_key()
    except (ElementTree.ParseError, ValueError, TypeError) as exc:
        raise SealRefused("Exception calling \"FromXmlString\" with \"1\" argument(s): \"Input string does not contain "
                          "a valid encoding of the 'RSA' 'Modulus' parameter.\" (%s)" % exc)
    if key.key_size < 1024:
        raise SealRefused("Exception calling \"Encrypt\" with \"2\" argument(s): \"Bad Length.\"")
    return key


def seal(data: bytes, public_key_xml: str) -> dict:
    key = _public_key(public_key_xml)
    aes_key, iv = os.urandom(32), os.urandom(16)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    cipher = encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()
    wrapped = key.encrypt(aes_key, asymmetric_padding.OAEP(
        mgf=asymmetric_padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
    return dict((name, base64.b64encode(value).decode("ascii"))
                for name, value in (("key", wrapped), ("iv", iv), ("data", cipher)))
