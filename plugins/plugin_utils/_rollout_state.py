# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout's state file, kept in the store: read, locked, written atomically. Internal: not a public API.

The file may be a controller path (local, NFS, a persistent volume) or a share path
(\\\\fileserver\\apexone$\\rollout\\rollout-state.json): the store writes a temporary file and
replaces the old one in one rename, so a run killed at any moment leaves either the old state or the
new one. The lock (<state>.lock) keeps two runs from interleaving their read-modify-write; a run
waits for it up to a timeout instead of failing at once.
"""

from __future__ import annotations

import contextlib
import json

from ansible_collections.apexone.upgrade.plugins.plugin_utils import _store
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import job_folder, waiting

VARIABLE = "apexone_rollout_state_file (or apexone_report_dir)"


class StateFileError(Exception):
    """The state file cannot be read or written; the message says what to do."""


class StateFile:
    """One rollout state file in its store (one connection for a step's lock, read and write)."""

    def __init__(self, path: str, environ=None):
        try:
            folder, self.name = _store.split(path)
            self.store = _store.open_store(folder, environ)
        except _store.StoreError as exc:
            raise StateFileError(str(exc))
        self.path = self.store.where(self.name)

    def load(self):
        """The state dict, or None when there is no state file yet."""
        try:
            data = self.store.read(self.name)
        except _store.StoreError as exc:
            raise StateFileError("cannot read the rollout state: %s" % exc)
        if data is None:
            return None
        try:
            return json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise StateFileError("the rollout state file %s is not JSON (%s): it was not written by this collection, "
                                 "which replaces it atomically; move it aside to start a new rollout" % (self.path, exc))

    def save(self, state: dict, allow_job_folder: bool = False, environ=None) -> None:
        text = json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        try:
            job_folder.refuse(self.store.location, "the rollout state", VARIABLE, allow_job_folder, environ)
            self.store.replace(self.name, text.encode("utf-8"))
        except _store.StoreError as exc:
            raise StateFileError(str(exc))

    @contextlib.contextmanager
    def locked(self, timeout: float = waiting.DEFAULT_TIMEOUT):
        """Hold the state's lock for a read-modify-write; wait up to `timeout` seconds for another run's."""
        try:
            lock = self.store.lock(self.name + ".lock", timeout)
            lock.__enter__()
        except _store.LockTimeout as exc:
            raise StateFileError("%s. Two rollouts of one fleet at once would release hosts twice" % exc)
        except _store.StoreError as exc:
            raise StateFileError(str(exc))
        try:
            yield self
        finally:
            lock.__exit__(None, None, None)

    def close(self) -> None:
        self.store.close()


@contextlib.contextmanager
def opened(path: str, environ=None):
    state_file = StateFile(path, environ)
    try:
        yield state_file
    finally:
        state_file.close()


def load(path: str):
    with opened(path) as state_file:
        return state_file.load()


def save(path: str, state: dict) -> None:
    with opened(path) as state_file:
        state_file.save(state)


@contextlib.contextmanager
def locked(path: str, timeout: float = waiting.DEFAULT_TIMEOUT):
    with opened(path) as state_file:
        with state_file.locked(timeout):
            yield state_file
