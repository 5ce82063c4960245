# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The store: where everything that must outlive a job is kept. Internal use only: not a public API.

Rollout state and its lock, server certificate backups, reports, rename manifests and self-test
recordings all go through one small interface with two backends, chosen by how the folder is written:
a folder of the controller (directory.py: local, NFS, a persistent volume) or a share
(smb.py: \\\\fileserver\\apexone$\\...). Both write atomically, never overwrite a file that must not
be, and lock with a wait and a timeout. job_folder.py says when a folder would vanish with an
AWX / ansible-runner job.

    store = open_store(folder)
    store.write_new(name, data) / store.replace(name, data) / store.read(name[, limit]) / store.lock(name, timeout)
"""

from __future__ import annotations

import ntpath
import os

from . import location
from .directory import DirectoryStore
from .errors import JobFolderRefused, LockTimeout, StoreError, StoreExists
from .smb import SmbStore

__all__ = ["open_store", "split", "DirectoryStore", "SmbStore", "StoreError", "StoreExists", "LockTimeout",
           "JobFolderRefused"]


def open_store(folder: str, environ=None):
    """The store rooted at `folder`: a share for \\\\server\\share\\..., else a controller folder."""
    if location.is_share(folder):
        return SmbStore(folder, environ)
    return DirectoryStore(folder)


def split(path: str) -> tuple:
    """(folder, file name) of a file's full path, in the store's own form."""
    if location.is_share(path):
        server, share, parts = location.share_parts(path)
        if not parts:
            raise StoreError("%s names a share, not a file on it" % path)
        return ntpath.join("\\\\%s\\%s" % (server, share), *parts[:-1]) if parts[:-1] else \
            "\\\\%s\\%s" % (server, share), parts[-1]
    full = location.local_folder(path)
    return os.path.dirname(full), os.path.basename(full)
