# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KA-0012615 item 10: where the server authentication certificate backup may be, and when it matters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ntpath

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, hotfix_block


def plan(max_bytes):
    """Parameters for auth_backup.ps1: beside the PCCSRV folder the registry names, then the defaults."""
    return {
        "ServerKeys": [catalog.SERVER_KEY[bits] for bits in (64, 32)],
        "Relative": "..\\" + catalog.AUTH_BACKUP_RELATIVE,
        "DefaultPaths": [ntpath.join(folder, catalog.AUTH_BACKUP_RELATIVE)
                         for bits in (64, 32) for folder in catalog.SERVER_INSTALL_DIRS[bits]],
        "MaxBytes": int(max_bytes),
    }


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
