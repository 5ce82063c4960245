# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The store as a folder of the controller: local disk, a mounted NFS share, a persistent volume.

Internal use only: not a public API.

- A file is written to a temporary name in its own folder, flushed to disk, then published in one
  step: os.link for a file that is never overwritten (the link fails when the name exists, so two
  runs cannot both win), os.replace for the rollout state. A run killed at any moment leaves the old
  file or the new one, never half of one, and no partial file under the real name.
- Folders are created 0700, files 0600: backups and state are for the account that runs Ansible.
- The lock is a POSIX byte-range lock (fcntl.lockf) on a lock file: NFS carries those to the server
  (NLM on NFSv3, built in on NFSv4), where flock() would lock only this machine's view on many
  clients. The lock goes with the process that held it, so a killed run never leaves it behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile

from . import location, waiting
from .base import StoreBase
from .errors import StoreError, StoreExists


class DirectoryStore(StoreBase):
    kind = "directory"

    def __init__(self, folder: str):
        self.root = location.local_folder(folder)
        self.location = self.root
        if os.path.exists(self.root) and not os.path.isdir(self.root):
            raise StoreError("%s is a file, not a folder: give a folder for the store" % self.root)

    # --- names ---
    def where(self, name: str) -> str:
        return os.path.join(self.root, *location.name_parts(name))

    def _folder_of(self, path: str) -> str:
        folder = os.path.dirname(path)
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise StoreError("cannot create the folder %s: %s" % (folder, exc.strerror or exc))
        return folder

    # --- reading ---
    def read(self, name: str, limit: int | None = None):
        """The file's bytes (at most ``limit`` of them), or None when it does not exist."""
        path = self.where(name)
        try:
            with open(path, "rb") as handle:
                return handle.read() if limit is None else handle.read(limit)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError("cannot read %s: %s" % (path, exc.strerror or exc))

    def exists(self, name: str) -> bool:
        return os.path.isfile(self.where(name))

    def names(self, folder: str = "") -> list:
        path = self.where(folder) if folder else self.root
        try:
            return sorted(n for n in os.listdir(path) if not n.startswith("."))
        except FileNotFoundError:
            return []

    # --- writing ---
    @contextlib.contextmanager
    def create_new(self, name: str, replace: bool = False):
        """A binary handle; what was written is published under `name` when the block ends without error."""
        path = self.where(name)
        folder = self._folder_of(path)
        if not replace and os.path.lexists(path):
            raise StoreExists("%s already exists: it is never overwritten" % path)
        handle, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                os.fchmod(out.fileno(), 0o600)
                yield out
                out.flush()
                os.fsync(out.fileno())
            if replace:
                os.replace(tmp, path)
            else:
                self._publish_new(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        _sync_folder(folder)

    @staticmethod
    def _publish_new(tmp: str, path: str) -> None:
        try:
            os.link(tmp, path)
        except FileExistsError:
            raise StoreExists("%s already exists: it is never overwritten" % path)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                raise StoreError("cannot write %s: %s" % (path, exc.strerror or exc))
            # A file system without hard links: create the name exclusively, then copy (still never overwrites).
            with open(tmp, "rb") as source, open(path, "xb") as target:
                target.write(source.read())
                target.flush()
                os.fsync(target.fileno())
        os.unlink(tmp)

    # --- locking ---
    @contextlib.contextmanager
    def lock(self, name: str, timeout: float = waiting.DEFAULT_TIMEOUT):
        path = self.where(name)
        self._folder_of(path)

        def try_once():
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EACCES, errno.EAGAIN):
                    return None
                raise StoreError("cannot lock %s: %s (on NFS, the lock service must run on the server and this "
                                 "machine)" % (path, exc.strerror or exc))
            return fd

        fd = waiting.acquire(try_once, timeout, path)
        try:
            yield path
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN)
            os.close(fd)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (a folder can be opened and synced on Linux; elsewhere it is skipped)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
