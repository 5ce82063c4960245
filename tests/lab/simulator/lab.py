# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated Windows host: what one remote execution does, and what it costs.

For each execution: count it (and its bytes), decode the bootstrap and the stdin payload,
parse the script with tree-sitter-pwsh, refuse it as PowerShell would when it does not parse
or its parameters do not bind, then run the script's Python twin on the host's state.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os

from . import pwsh, twins, wire
from . import state as lab_state

COLLECTION_ROOT = os.path.dirname(os.path.dirname(lab_state.LAB_ROOT))
SCRIPT_DIR = os.path.join(COLLECTION_ROOT, "plugins", "plugin_utils", "scripts")

_KNOWN: dict[str, str] | None = None


def known_scripts() -> dict[str, str]:
    """Script text -> name, for every .ps1 the collection ships."""
    global _KNOWN  # pylint: disable=global-statement
    if _KNOWN is None:
        _KNOWN = {}
        for entry in sorted(os.listdir(SCRIPT_DIR)):
            if entry.endswith(".ps1"):
                with open(os.path.join(SCRIPT_DIR, entry), encoding="utf-8-sig") as handle:
                    _KNOWN[handle.read()] = entry[:-4]
    return _KNOWN


class ConnectionDropped(Exception):
    """The lab's WinRM 'connection' went away (a fault the host state asked for)."""


@contextlib.contextmanager
def _counts(host: str):
    folder = os.path.join(lab_state.lab_dir(), "counts")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, host + ".json")
    with open(path + ".lock", "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = {"executions": 0, "bytes_sent": 0, "bytes_received": 0, "scripts": {}, "refused": []}
            if os.path.exists(path):
                with open(path, encoding="utf-8") as handle:
                    data = json.load(handle)
            try:
                yield data
            finally:  # a dropped connection still cost an execution
                with open(path, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, sort_keys=True)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_counts(host: str) -> dict:
    path = os.path.join(lab_state.lab_dir(), "counts", host + ".json")
    if not os.path.exists(path):
        return {"executions": 0, "bytes_sent": 0, "bytes_received": 0, "scripts": {}, "refused": []}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _refuse(message: str, kind: str = "Lab.Refused") -> tuple[int, bytes, bytes]:
    """As the bootstrap's catch block reports a terminating error: the error line, rc 1."""
    return 1, wire.encode_line("APEXONE-ERROR:", {"message": message, "type": kind}), b""


def execute(host: str, seed: str, cmd: str, in_data: bytes | None) -> tuple[int, bytes, bytes]:
    """One remote execution against `host` (state seeded from `seed`)."""
    host_state = lab_state.HostState(host, seed)
    with host_state.open() as data:
        faults = data.get("faults") or {}
        if faults.get("drop_connections", 0) > 0:
            faults["drop_connections"] -= 1
            dropped = True
        else:
            dropped = False
    with _counts(host) as counts:
        counts["executions"] += 1
        counts["bytes_sent"] += len(cmd.encode("utf-8")) + len(in_data or b"")
        if dropped:
            raise ConnectionDropped("lab: the WinRM connection to %s was dropped (fault injected)" % host)
        rc, stdout, stderr, name, refusal = _run(host_state, cmd, in_data)
        counts["bytes_received"] += len(stdout) + len(stderr)
        counts["scripts"][name] = counts["scripts"].get(name, 0) + 1
        if refusal:
            counts["refused"].append({"script": name, "reason": refusal})
    return rc, stdout, stderr


def _run(host_state, cmd, in_data):
    try:
        bootstrap = wire.decode_command(cmd)
        script, params = wire.decode_stdin(in_data)
    except wire.WireError as exc:
        return 1, b"", str(exc).encode("utf-8"), "(undecodable)", str(exc)
    checked_bootstrap = pwsh.check(bootstrap)
    if not checked_bootstrap.ok or wire.bootstrap_digest(bootstrap) != wire.BOOTSTRAP_SHA256:
        reason = ("the bootstrap is not the one the lab emulates (sha256 %s); review tests/lab/simulator/wire.py "
                  "against the runner's BOOTSTRAP and update BOOTSTRAP_SHA256. %s"
                  % (wire.bootstrap_digest(bootstrap), "; ".join(checked_bootstrap.errors)))
        rc, out, err = _refuse(reason)
        return rc, out, err, "(bootstrap)", reason
    name = known_scripts().get(script, "(unknown script)")
    checked = pwsh.check(script)
    if not checked.ok:
        reason = "script %s does not parse as Windows PowerShell 5.1: %s" % (name, "; ".join(checked.errors))
        rc, out, err = _refuse(reason)
        return rc, out, err, name, reason
    problems = pwsh.check_arguments(checked, params)
    if problems:
        reason = "script %s: %s" % (name, "; ".join(problems))
        rc, out, err = _refuse(reason)
        return rc, out, err, name, reason
    if name not in twins.TWINS:
        reason = "the lab has no twin for script %s: add one in tests/lab/simulator/twins.py" % name
        rc, out, err = _refuse(reason)
        return rc, out, err, name, reason
    with host_state.open() as data:
        try:
            result = twins.TWINS[name](data, params)
        except twins.ScriptFailure as exc:
            rc, out, err = _refuse(str(exc), "Lab.ScriptFailure")
            return rc, out, err, name, None
    return 0, wire.encode_line("APEXONE-RESULT:", result), b"", name, None
