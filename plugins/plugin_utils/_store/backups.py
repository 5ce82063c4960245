# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server certificate backups in the store: <server>/OfficeScanAuth.dat and its .sha256, never overwritten.

Internal use only: not a public API. The names and the checks are module_utils.auth_backup's.
"""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import auth_backup

from . import open_store
from .errors import StoreExists


def _name(server: str, file_name: str) -> str:
    return "%s/%s" % (server, file_name)


def known_digests(store, server: str) -> dict:
    """kept file name -> SHA-256 of every copy kept for `server` (read from the .sha256 files)."""
    found = {}
    for name in store.names(server):
        if name.endswith(auth_backup.DIGEST_SUFFIX):
            data = store.read(_name(server, name))
            digest = auth_backup.read_digest_line((data or b"").decode("ascii", "replace"))
            if digest:
                found[name[:-len(auth_backup.DIGEST_SUFFIX)]] = digest
    return found


def keep(store, server: str, data: bytes, digest: str, modified: str, check_mode: bool = False) -> dict:
    """Keep `data` for `server`: {"where", "kept" (True: written now), "name"}."""
    known = known_digests(store, server)
    for name, kept_digest in sorted(known.items()):
        if kept_digest == digest:
            return {"where": store.where(_name(server, name)), "kept": False, "name": name}
    main = known.get(auth_backup.FILE_NAME)
    if main is None and store.exists(_name(server, auth_backup.FILE_NAME)):
        main = "unknown"  # a copy without its checksum file: never replaced, the new one goes beside it
    name = auth_backup.kept_name(main, digest, modified)
    where = store.where(_name(server, name))
    if check_mode:
        return {"where": where, "kept": True, "name": name}
    try:
        store.write_new(_name(server, name), data)
    except StoreExists:
        return {"where": where, "kept": False, "name": name}
    store.write_new(_name(server, name + auth_backup.DIGEST_SUFFIX), auth_backup.digest_line(digest, name).encode("ascii"))
    return {"where": where, "kept": True, "name": name}


def verify(folder: str, server: str):
    """The kept copy of `server` read back through the store: None when there is none, else
    {"where", "problem"} (problem None when it matches its checksum)."""
    with open_store(folder) as store:
        data = store.read(_name(server, auth_backup.FILE_NAME))
        if data is None:
            return None
        digest_text = store.read(_name(server, auth_backup.FILE_NAME + auth_backup.DIGEST_SUFFIX))
        return {"where": store.where(_name(server, auth_backup.FILE_NAME)),
                "problem": auth_backup.backup_problem(data, (digest_text or b"").decode("ascii", "replace"))}
