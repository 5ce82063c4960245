# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout's state file on the controller: read, locked, written atomically. Internal: not a public API.

A write goes to a temporary file in the same folder, is flushed to disk, then replaces the old file
in one rename (os.replace): a run killed at any moment leaves either the old state or the new one,
never half of each. A lock file keeps two runs from interleaving their read-modify-write.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile


class StateFileError(Exception):
    """The state file cannot be read or written; the message says what to do."""


def load(path: str):
    """The state dict, or None when there is no state file yet."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except ValueError as exc:
        raise StateFileError("the rollout state file %s is not JSON (%s): it was not written by this collection, "
                             "which replaces it atomically; move it aside to start a new rollout" % (path, exc))
    except OSError as exc:
        raise StateFileError("cannot read the rollout state file %s: %s" % (path, exc))


def save(path: str, state: dict) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(state, out, ensure_ascii=False, indent=1, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError:
        pass


@contextlib.contextmanager
def locked(path: str):
    """Hold the state's lock file for a read-modify-write; refuse when another run holds it."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, mode=0o700, exist_ok=True)
    with open(path + ".lock", "a", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise StateFileError("another run holds the rollout state %s (lock %s.lock): wait for it to finish; "
                                 "two rollouts of one fleet at once would release hosts twice" % (path, path))
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
