# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The store on an SMB share (\\\\fileserver\\apexone$\\...), through smbprotocol's smbclient.

Internal use only: not a public API.

- Credentials: the environment's APEXONE_STORE_USERNAME / APEXONE_STORE_PASSWORD (an AWX credential
  type injects them; see extensions/awx), else Kerberos with the controller's ticket (kinit).
  APEXONE_STORE_AUTH picks negotiate (default), kerberos or ntlm. Nothing of them is ever printed.
- Every message is signed, and encrypted (SMB 3) unless APEXONE_STORE_ENCRYPT=false: a server
  certificate backup crosses this connection.
- A file is written under a temporary name in its own folder, then renamed: without replacing for a
  file that is never overwritten (the server refuses the rename when the name exists), replacing for
  the rollout state. Rights and retention are the share's (its ACL), not file modes.
- The lock is a lock file opened with no sharing at all: while one run holds it open, the server
  refuses any other open (STATUS_SHARING_VIOLATION), from any machine. When a killed run's TCP
  connection drops, the server closes its handles, which frees the lock.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import secrets

from . import location, waiting
from .base import StoreBase
from .errors import StoreError, StoreExists

smbclient = smb_exceptions = None  # imported when a share is first used: it costs about a second of CPU


def _import_client():
    global smbclient, smb_exceptions  # pylint: disable=global-statement
    if smbclient is None:
        try:
            import smbclient as client  # pylint: disable=import-outside-toplevel
            from smbprotocol import exceptions  # pylint: disable=import-outside-toplevel
        except ImportError as exc:
            raise StoreError("a store on a share needs the Python package 'smbprotocol' on the controller "
                             "(requirements.txt of this collection): %s" % exc)
        smbclient, smb_exceptions = client, exceptions


STATUS_SHARING_VIOLATION = 0xC0000043
ENV_USERNAME, ENV_PASSWORD, ENV_AUTH, ENV_ENCRYPT = ("APEXONE_STORE_USERNAME", "APEXONE_STORE_PASSWORD",
                                                     "APEXONE_STORE_AUTH", "APEXONE_STORE_ENCRYPT")
AUTH_PROTOCOLS = ("negotiate", "kerberos", "ntlm")


def _settings(environ) -> dict:
    auth = (environ.get(ENV_AUTH) or "negotiate").strip().lower()
    if auth not in AUTH_PROTOCOLS:
        raise StoreError("%s=%s: use one of %s" % (ENV_AUTH, auth, ", ".join(AUTH_PROTOCOLS)))
    encrypt = (environ.get(ENV_ENCRYPT) or "true").strip().lower() not in ("false", "no", "0", "off")
    username = environ.get(ENV_USERNAME) or None
    password = environ.get(ENV_PASSWORD) or None
    if password and not username:
        raise StoreError("%s is set but %s is not: set both, or neither to use Kerberos" % (ENV_PASSWORD, ENV_USERNAME))
    return {"username": username, "password": password, "auth_protocol": auth, "encrypt": encrypt}


class SmbStore(StoreBase):
    kind = "smb"

    def __init__(self, unc: str, environ=None):
        _import_client()
        self.server, self.share, parts = location.share_parts(unc)
        self.root = "\\\\%s\\%s%s" % (self.server, self.share, "".join("\\" + p for p in parts))
        self.location = self.root
        self._settings = _settings(os.environ if environ is None else environ)
        self._cache: dict = {}
        self._session = None
        self._share_seen = False

    # --- connection ---
    def _kwargs(self) -> dict:
        if self._session is None:
            with self._errors("connect to"):
                self._session = smbclient.register_session(
                    self.server, username=self._settings["username"], password=self._settings["password"],
                    encrypt=self._settings["encrypt"], auth_protocol=self._settings["auth_protocol"],
                    connection_cache=self._cache)
        return {"username": self._settings["username"], "password": self._settings["password"],
                "connection_cache": self._cache, "auth_protocol": self._settings["auth_protocol"]}

    @contextlib.contextmanager
    def _errors(self, what: str, path: str | None = None):
        target = path or self.root
        try:
            yield
        except StoreError:
            raise
        except OSError as exc:
            if getattr(exc, "ntstatus", None) is None:  # a socket error, before any SMB answer
                raise StoreError("cannot %s %s: %s. Check that %s answers on port 445 from this controller"
                                 % (what, target, exc, self.server))
            raise StoreError("cannot %s %s: %s" % (what, target, exc))
        except (smb_exceptions.SMBAuthenticationError, smb_exceptions.LogonFailure) as exc:
            raise StoreError("the server %s refused the credentials (%s): check %s / %s, or the Kerberos ticket of "
                             "this controller (klist). Nothing is retried, so the account is not locked out"
                             % (self.server, getattr(exc, "message", exc), ENV_USERNAME, ENV_PASSWORD))
        except smb_exceptions.BadNetworkName:
            raise StoreError("the server %s has no share named %s: check the path %s" % (self.server, self.share, target))
        except smb_exceptions.SMBResponseException as exc:
            raise StoreError("cannot %s %s: %s" % (what, target, exc.message))
        except smb_exceptions.SMBException as exc:
            raise StoreError("cannot %s %s: %s" % (what, target, exc))
        except ValueError as exc:  # smbprotocol's "Failed to connect to 'host:445'"
            raise StoreError("cannot %s %s: %s. Check the server name and that port 445 is open from this controller"
                             % (what, target, exc))

    def _check_share(self) -> None:
        """A missing share is an error, never an empty store (a typo must not look like "no state yet")."""
        if self._share_seen:
            return
        share_root = "\\\\%s\\%s" % (self.server, self.share)
        with self._errors("open the share", share_root):
            if not smbclient.path.isdir(share_root, **self._kwargs()):
                raise StoreError("the server %s has no share named %s (or this account may not see it): check the "
                                 "path %s" % (self.server, self.share, self.root))
        self._share_seen = True

    # --- names ---
    def where(self, name: str) -> str:
        return self.root + "".join("\\" + p for p in location.name_parts(name))

    def _folder_of(self, path: str) -> str:
        """Create the folders below the share as needed (smbclient.makedirs loops for ever on a missing share)."""
        folder = path.rsplit("\\", 1)[0]
        kwargs = self._kwargs()
        share_root = "\\\\%s\\%s" % (self.server, self.share)
        with self._errors("create the folder", folder):
            if smbclient.path.isdir(folder, **kwargs):
                return folder
            self._check_share()
            current = share_root
            for part in folder[len(share_root):].split("\\"):
                if not part:
                    continue
                current += "\\" + part
                try:
                    smbclient.mkdir(current, **kwargs)
                except OSError as exc:
                    if exc.errno != errno.EEXIST:
                        raise
        return folder

    # --- reading ---
    def read(self, name: str, limit: int | None = None):
        """The file's bytes (at most ``limit`` of them), or None when it does not exist."""
        path = self.where(name)
        kwargs = self._kwargs()
        try:
            with smbclient.open_file(path, mode="rb", share_access="rwd", **kwargs) as handle:
                return handle.read() if limit is None else handle.read(limit)
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                self._check_share()
                return None
            with self._errors("read", path):
                raise

    def exists(self, name: str) -> bool:
        path = self.where(name)
        kwargs = self._kwargs()
        with self._errors("look at", path):
            return smbclient.path.isfile(path, **kwargs)

    def names(self, folder: str = "") -> list:
        path = self.where(folder) if folder else self.root
        kwargs = self._kwargs()
        self._check_share()
        with self._errors("list", path):
            if not smbclient.path.isdir(path, **kwargs):
                return []
            return sorted(n for n in smbclient.listdir(path, **kwargs) if not n.startswith("."))

    # --- writing ---
    @contextlib.contextmanager
    def create_new(self, name: str, replace: bool = False):
        path = self.where(name)
        folder = self._folder_of(path)
        kwargs = self._kwargs()
        if not replace and self.exists(name):
            raise StoreExists("%s already exists: it is never overwritten" % path)
        tmp = "%s\\.%s.%s.tmp" % (folder, path.rsplit("\\", 1)[1], secrets.token_hex(6))
        buffer = io.BytesIO()
        yield buffer
        try:
            with self._errors("write", tmp):
                with smbclient.open_file(tmp, mode="xb", **kwargs) as out:
                    out.write(buffer.getvalue())
            try:
                (smbclient.replace if replace else smbclient.rename)(tmp, path, **kwargs)
            except OSError as exc:
                if not replace and exc.errno == errno.EEXIST:
                    raise StoreExists("%s already exists: it is never overwritten" % path)
                with self._errors("write", path):
                    raise
        except BaseException:
            with contextlib.suppress(Exception):
                smbclient.remove(tmp, **kwargs)
            raise

    # --- locking ---
    @contextlib.contextmanager
    def lock(self, name: str, timeout: float = waiting.DEFAULT_TIMEOUT):
        path = self.where(name)
        self._folder_of(path)
        kwargs = self._kwargs()

        def try_once():
            try:
                # No share access at all: the server refuses every other open while this one lasts.
                return smbclient.open_file(path, mode="ab", share_access=None, **kwargs)
            except OSError as exc:
                if getattr(exc, "ntstatus", None) == STATUS_SHARING_VIOLATION:
                    return None
                with self._errors("lock", path):
                    raise

        handle = waiting.acquire(try_once, timeout, path)
        try:
            yield path
        finally:
            with contextlib.suppress(Exception):
                handle.close()

    def close(self) -> None:
        if self._cache:
            with contextlib.suppress(Exception):
                smbclient.reset_connection_cache(fail_on_error=False, connection_cache=self._cache)
        self._cache = {}
        self._session = None
