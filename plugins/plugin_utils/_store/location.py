# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a store lives, from the path a user wrote. Internal use only: not a public API.

`\\\\fileserver\\apexone$\\reports` (or `//fileserver/apexone$/reports`, the form a YAML file or a
shell keeps more easily) is a folder on an SMB share; anything else is a folder of the controller's
file system (local, a mounted NFS share, a persistent volume).
"""

from __future__ import annotations

import os
import re

from .errors import StoreError

UNC = re.compile(r"^(?:\\\\|//)([^\\/]+)[\\/]+([^\\/]+)(?:[\\/]+(.*))?$")


def is_share(location: str) -> bool:
    return bool(location) and location[:2] in ("\\\\", "//")


def share_parts(location: str) -> tuple:
    """(server, share, [folder parts]) of a UNC path; a clear error when it names no share."""
    match = UNC.match(location)
    if not match:
        raise StoreError("%s is not a share path: write \\\\server\\share\\folder (or //server/share/folder)" % location)
    parts = [p for p in re.split(r"[\\/]+", match.group(3) or "") if p]
    for part in parts:
        if part in (".", ".."):
            raise StoreError("%s: '.' and '..' are not allowed in a share path; write the folder in full" % location)
    return match.group(1), match.group(2), parts


def local_folder(location: str) -> str:
    """A controller folder, absolute (relative to the working folder, as Ansible's path options are)."""
    if not location:
        raise StoreError("no folder given for the store")
    return os.path.abspath(os.path.expanduser(location))


def name_parts(name: str) -> list:
    """A file name inside a store ('apexone-srv/OfficeScanAuth.dat'): no absolute path, no '..'."""
    parts = [p for p in re.split(r"[\\/]+", name) if p]
    if not parts or any(p in (".", "..") for p in parts) or name.startswith(("/", "\\")) or ":" in name:
        raise StoreError("%r is not a file name inside the store" % name)
    return parts
