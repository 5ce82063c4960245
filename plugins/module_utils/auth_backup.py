# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KA-0012615 item 10: where the server authentication certificate backup may be, and when it matters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import ntpath

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, hotfix_block


FILE_NAME = "OfficeScanAuth.dat"
DIGEST_SUFFIX = ".sha256"


def plan(max_bytes, public_key="", known=()):
    """Parameters for auth_backup.ps1: beside the PCCSRV folder the registry names, then the defaults.

    `public_key`: the run's RSAKeyValue XML the file is sealed to (without one, only max_bytes 0 makes
    sense: the script never returns the file in clear). `known`: SHA-256 digests of the copies already
    kept; a file with one of them is not sent again.
    """
    return {
        "ServerKeys": [catalog.SERVER_KEY[bits] for bits in (64, 32)],
        "Relative": "..\\" + catalog.AUTH_BACKUP_RELATIVE,
        "DefaultPaths": [ntpath.join(folder, catalog.AUTH_BACKUP_RELATIVE)
                         for bits in (64, 32) for folder in catalog.SERVER_INSTALL_DIRS[bits]],
        "MaxBytes": int(max_bytes),
        "PublicKey": public_key or "",
        "Known": sorted(set(known)),
    }


def digest_line(digest, name):
    """The <file>.sha256 beside a kept copy, in sha256sum's format."""
    return "%s  %s\n" % (digest, name)


def read_digest_line(text):
    """The digest of a <file>.sha256 line, or None when it is not one."""
    parts = (text or "").split()
    if parts and len(parts[0]) == 64 and all(c in "0123456789abcdef" for c in parts[0].lower()):
        return parts[0].lower()
    return None


def kept_name(main_digest, digest, modified):
    """Where a copy with `digest` is kept in <server>/: OfficeScanAuth.dat, or beside it when that name already
    holds another certificate (never overwritten). None when this copy is already kept as the main one."""
    if main_digest is None:
        return FILE_NAME
    if main_digest == digest:
        return None
    return "OfficeScanAuth-%s-%s.dat" % ((modified or "").replace(":", "").replace("-", ""), digest[:8])


UNVERIFIABLE, DAMAGED = "unverifiable", "damaged"


def backup_problem(data, digest_text):
    """What is wrong with a kept copy (bytes) and its .sha256 text: None when it matches its checksum,
    UNVERIFIABLE when the checksum file is missing or unreadable, DAMAGED when the copy does not match it."""
    if data is None:
        return None
    expected = read_digest_line(digest_text)
    if expected is None:
        return UNVERIFIABLE
    if hashlib.sha256(data).hexdigest() != expected:
        return DAMAGED
    return None


def export_limit(server_version):
    """The build from which this product can no longer export the certificate (XG 5684, Apex One 8378)."""
    product = hotfix_block.product_of(server_version)
    return catalog.BUILDS["apexone_auth_export_blocked" if product == "apexone" else "xg_auth_export_blocked"]


def local_path_problem(answer, params):
    """What was wrong with the server's Local_Path value, in words ops can act on; None when nothing was.

    auth_backup.ps1 skips an empty value (it would resolve under the session's working folder) and one
    .NET refuses as a path (a quote or '|' from a hand edit); the default folders are searched either way.
    The script reads both registry views: when one of them gave a folder (more candidates than the
    defaults), the folder beside PCCSRV was searched, and nothing is said.
    """
    if len(answer.get("candidates") or []) > len(params["DefaultPaths"]):
        return None
    if answer.get("local_path_empty"):
        return ("the server's Local_Path registry value is empty, so the folder beside PCCSRV was not searched: "
                "only the default install folders were")
    if answer.get("local_path_invalid"):
        return ("the server's Local_Path registry value %r is not a usable path (%s), so the folder beside PCCSRV was "
                "not searched: only the default install folders were. Correct the value in the registry if the "
                "server is installed elsewhere" % ((answer.get("server") or {}).get("local_path"), answer["local_path_invalid"]))
    return None
