# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings we expect in what the collection sends, each with the reason a security team can read.

An entry names the text (a script block's name, or "command_lines[i]"), what was found (a suspicious word
as PowerShell 5.1 lists it, a finding kind "member" / "static" / "type", or a detection rule's id) and why
it stays. Anything found and not listed here fails the test that holds the sent texts to the yardstick.
"""

from __future__ import annotations

import typing as t


class Allowed(t.NamedTuple):
    text: str
    what: str
    reason: str


_STORE = ("it adds the runbook's root and intermediate certificates to LocalMachine\\Root and \\CA "
          "(KA-0001268): an X509Certificate2 from the certificate's bytes, added through X509Store, both in "
          "System.Security.Cryptography.X509Certificates; Import-Certificate does the same on Windows 8 / Server "
          "2012 and later only, and the runbook's hosts include Windows 7 and Server 2008 R2")
_CHECKSUM = ("the server's probe only (#region subset file_hashes; an agent's probe never holds these lines): the "
             "SHA-256 of OfficeScanAuth.dat, which the controller compares with the backup it keeps (KA-0012615 "
             "item 10). SHA256CryptoServiceProvider: Get-FileHash needs PowerShell 4.0, and SHA256Managed fails on "
             "a host with the FIPS policy before .NET 4.8")

_SEALED = ("it reads OfficeScanAuth.dat, the server certificate's only recovery copy, and encrypts it to the "
           "controller's per-run public key before it crosses PowerShell's pipeline (issue 19 item 5), so that "
           "transcription and module logging record only ciphertext: a random AES-256 key (AesCryptoServiceProvider, "
           "CreateEncryptor, TransformFinalBlock) wrapped with RSA-OAEP (RSACryptoServiceProvider), FIPS-validated "
           "CryptoAPI classes of .NET 4.5; runs on the management server only")

ALLOW: tuple[Allowed, ...] = (
    Allowed("auth_backup", "Cryptography", _SEALED),
    Allowed("auth_backup", "CryptoServiceProvider", _SEALED),
    Allowed("auth_backup", "CreateEncryptor", _SEALED),
    Allowed("auth_backup", "TransformFinalBlock", _SEALED),
    Allowed("certificates_install", "Cryptography", _STORE),
    Allowed("probe", "Cryptography", _CHECKSUM),
    Allowed("probe", "CryptoServiceProvider", _CHECKSUM),
)


def checked(entries: t.Iterable[Allowed]) -> tuple[Allowed, ...]:
    """The entries, refused if one lacks its text, what it allows or its reason."""
    entries = tuple(entries)
    for entry in entries:
        if not (entry.text.strip() and entry.what.strip() and entry.reason.strip()):
            raise ValueError("an allow-list entry needs a text, what it allows and a reason: %r" % (entry,))
    return entries


def unallowed(found: t.Iterable[tuple[str, str]], entries: t.Iterable[Allowed] = ALLOW) -> list[tuple[str, str]]:
    """The (text, what) pairs of `found` that no entry allows; `what` compares without case, as the word
    list and rule ids do."""
    allowed = {(e.text, e.what.lower()) for e in checked(entries)}
    return [(text, what) for text, what in found if (text, what.lower()) not in allowed]
