# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Never lock the service account: a run stops using credentials that hosts keep rejecting. Internal: not a
public API.

Every failed logon with a wrong password counts towards the account's lockout threshold in the domain (often 5
or 10), and a fleet run would make one per host, fifty at a time. So, per set of credentials (user name and
password) in one run of ansible-playbook:
- until some host has accepted them, at most `limit` hosts try them at once; the others wait;
- once a host has accepted them, every host goes ahead;
- once `limit` hosts have rejected them, no further host is contacted with them: its task fails at once with a
  message that says why.
A rejected attempt is never repeated on the same host (run.py).

The run's state is a few empty files in the controller's temporary folder of this run (ansible-core's
DEFAULT_LOCAL_TMP, made by ansible-playbook before it starts its workers and removed when it ends), under a
name derived from the credentials with a salt made for the run: no password, and nothing that outlives the run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import time
import typing as t

from ansible import constants as C

LIMIT = 3  # hosts that may reject one set of credentials before the run stops using them
POLL = 0.2  # seconds between looks while waiting for a slot
STALE = 600.0  # an attempt older than this (a worker that died) no longer holds its slot


class Stopped(Exception):
    """The credentials were rejected by `limit` hosts in this run: do not contact this host with them."""

    def __init__(self, rejected: list[str]) -> None:
        super().__init__("credentials rejected by %d host(s)" % len(rejected))
        self.rejected = rejected


def _run_folder() -> str:
    folder = os.path.join(C.DEFAULT_LOCAL_TMP, "apexone-credentials")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def _salt(folder: str) -> bytes:
    path = os.path.join(folder, "salt")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(32))
    for _attempt in range(50):  # another worker may be writing it this instant
        with open(path, "rb") as handle:
            salt = handle.read()
        if len(salt) == 32:
            return salt
        time.sleep(0.01)
    raise OSError("the credential salt %s is not 32 bytes" % path)


def _safe(host: str) -> str:
    return hashlib.sha256(host.encode("utf-8")).hexdigest()[:32]


class Gate:
    """The run-wide state of one set of credentials, as the worker of `host` sees it."""

    def __init__(self, user: str, password: str, host: str, limit: int = LIMIT) -> None:
        folder = _run_folder()
        digest = hashlib.sha256(_salt(folder) + user.encode("utf-8") + b"\0" + password.encode("utf-8")).hexdigest()
        self.folder = os.path.join(folder, digest[:40])
        os.makedirs(self.folder, mode=0o700, exist_ok=True)
        self.host = host
        self.limit = max(1, int(limit))
        self.attempt = os.path.join(self.folder, "attempt-" + _safe(host))

    @contextlib.contextmanager
    def _locked(self):
        with open(os.path.join(self.folder, "lock"), "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _names(self, prefix: str) -> list[str]:
        return [name for name in os.listdir(self.folder) if name.startswith(prefix)]

    def rejected_hosts(self) -> list[str]:
        found = []
        for name in self._names("rejected-"):
            with open(os.path.join(self.folder, name), encoding="utf-8") as handle:
                found.append(handle.read().strip())
        return found

    def enter(self) -> None:
        """Wait until this host may try the credentials; Stopped when they were rejected `limit` times."""
        while True:
            with self._locked():
                if os.path.exists(os.path.join(self.folder, "accepted")):
                    return
                rejected = self.rejected_hosts()
                if len(rejected) >= self.limit:
                    raise Stopped(rejected)
                now = time.time()
                trying = []
                for name in self._names("attempt-"):
                    path = os.path.join(self.folder, name)
                    if now - os.path.getmtime(path) > STALE:
                        os.remove(path)
                    elif path != self.attempt:
                        trying.append(name)
                if len(trying) + len(rejected) < self.limit:
                    with open(self.attempt, "w", encoding="utf-8"):
                        pass
                    return
            time.sleep(POLL)

    def accepted(self) -> None:
        with self._locked():
            with open(os.path.join(self.folder, "accepted"), "w", encoding="utf-8"):
                pass
            self._leave()

    def rejected(self) -> None:
        with self._locked():
            with open(os.path.join(self.folder, "rejected-" + _safe(self.host)), "w", encoding="utf-8") as handle:
                handle.write(self.host)
            self._leave()

    def left(self) -> None:
        """This host's attempt ended without telling whether the credentials are right (the host was down)."""
        with self._locked():
            self._leave()

    def _leave(self) -> None:
        try:
            os.remove(self.attempt)
        except FileNotFoundError:
            pass


def option(connection: t.Any, name: str) -> t.Any:
    try:
        return connection.get_option(name)
    except Exception:  # pylint: disable=broad-except
        return None


def gate_for(connection: t.Any, host: str, limit: int = LIMIT) -> Gate | None:
    """The gate for the connection's credentials, or None when no password is used (a Kerberos ticket already
    held, a client certificate): then no attempt can count towards a lockout."""
    password = option(connection, "remote_password")
    if not password:
        return None
    return Gate(str(option(connection, "remote_user") or ""), str(password), host, limit)
