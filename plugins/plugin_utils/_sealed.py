# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's side of a sealed answer: a key pair per run, and opening what a script sealed to it.

A script that must return a secret (auth_backup.ps1: OfficeScanAuth.dat) never writes it to
PowerShell's pipeline in clear, where transcription or module logging would keep it. The controller
makes an RSA key pair for the run and sends only the public key, as .NET's RSAKeyValue XML; the script
answers with an RSA-OAEP(SHA-1)-wrapped AES-256 key, the IV and the AES-CBC ciphertext, beside the
SHA-256 of the plain bytes, which the caller compares after opening (the integrity check; that the
answer comes from the host is the WinRM channel's to prove, as anyone may seal to a public key). The
private key never leaves this process's memory. Internal: not a public API.
"""

from __future__ import annotations

import base64
import binascii

from ansible_collections.apexone.upgrade.plugins.module_utils import errors

KEY_BITS = 3072


class SealError(errors.InputError):
    """A sealed answer that cannot be opened: damaged or not sealed to this run's key."""


def _crypto():
    try:
        from cryptography.hazmat.primitives import hashes, padding  # pylint: disable=import-outside-toplevel
        from cryptography.hazmat.primitives.asymmetric import padding as asym  # pylint: disable=import-outside-toplevel
        from cryptography.hazmat.primitives.asymmetric import rsa  # pylint: disable=import-outside-toplevel
        from cryptography.hazmat.primitives.ciphers import (  # pylint: disable=import-outside-toplevel
            Cipher, algorithms, modes)
    except ImportError as exc:
        raise errors.InputError("keeping the server certificate needs the Python package 'cryptography' on the "
                                "controller (requirements.txt of this collection): %s" % exc)
    return {"hashes": hashes, "padding": padding, "asym": asym, "rsa": rsa, "Cipher": Cipher,
            "algorithms": algorithms, "modes": modes}


def _b64(number: int) -> str:
    return base64.b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big")).decode("ascii")


class RunKey:
    """One run's key pair; `public_xml` goes to the host, the private key stays here."""

    def __init__(self, bits: int = KEY_BITS):
        self._c = _crypto()
        self._private = self._c["rsa"].generate_private_key(public_exponent=65537, key_size=bits)
        numbers = self._private.public_key().public_numbers()
        self.public_xml = "<RSAKeyValue><Modulus>%s</Modulus><Exponent>%s</Exponent></RSAKeyValue>" % (
            _b64(numbers.n), _b64(numbers.e))

    def open(self, sealed: dict) -> bytes:
        """The plain bytes of a sealed answer; SealError when it cannot be opened with this run's key."""
        c = self._c
        try:
            wrapped, iv, data = (base64.b64decode(sealed[part], validate=True) for part in ("key", "iv", "data"))
            key = self._private.decrypt(wrapped, c["asym"].OAEP(mgf=c["asym"].MGF1(algorithm=c["hashes"].SHA1()),
                                                                algorithm=c["hashes"].SHA1(), label=None))
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise SealError("the sealed answer cannot be opened with this run's key (%s): nothing was kept; run again"
                            % exc)
        if len(key) != 32 or len(iv) != 16 or not data or len(data) % 16:
            raise SealError("the sealed answer has parts of the wrong length: nothing was kept; run again")
        decryptor = c["Cipher"](c["algorithms"].AES(key), c["modes"].CBC(iv)).decryptor()
        unpadder = c["padding"].PKCS7(128).unpadder()
        try:
            return unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
        except ValueError as exc:
            raise SealError("the sealed answer does not decrypt (%s): nothing was kept; run again" % exc)
