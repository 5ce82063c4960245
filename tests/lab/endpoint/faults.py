# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection at each WS-Management step, driven by the host's state (`faults:` in its seed).

    faults:
      unreachable: true          # every connection to this host is reset before any answer
      latency: 1.0               # a slow host: each command runs this many seconds
      drop_connections: 1        # the next N commands run, but their Receive never answers
                                 # (= {step: receive, fault: timeout}; the client times out)
      inject:                    # used up in order; each entry fires `times` times (default 1)
        - {step: command, fault: reset}
        - {step: create, fault: quota_shells, times: 2}

Steps: connect (the NTLM handshake of a new connection), create (shell or runspace), command,
send, receive, signal, delete. Faults:

    timeout           no answer: the request is read and the connection held until the client
                      gives up (its read timeout) or the endpoint stops
    reset             the TCP connection is reset (RST) instead of an answer
    http_401          HTTP 401: at connect, the credentials are refused (WWW-Authenticate:
                      Negotiate, as Windows); later, the session's security context is gone
                      (401 without a new challenge, connection closed)
    http_500          HTTP 500 with a WS-Man fault (w:InternalError, 1359)
    quota_shells      MaxShellsPerUser exceeded (w:QuotaLimit 2150859173), the fault Windows sends
    quota_operations  MaxConcurrentOperationsPerUser exceeded (w:QuotaLimit 2150859174)

A fault is used up when it fires and the rest is written back to the host's working state, so a
second run of a playbook sees what the first left. The twins answer their own faults (TWIN_KEYS:
what a script meets on the host, e.g. `not_admin`); anything else in `faults:` is refused.
"""

from __future__ import annotations

STEPS = ("connect", "create", "command", "send", "receive", "signal", "delete")
KINDS = ("timeout", "reset", "http_401", "http_500", "quota_shells", "quota_operations")
KEYS = ("unreachable", "latency", "drop_connections", "inject")
# Host faults below the WS-Man layer, answered by the scripts' twins (tests/lab/simulator/twins.py).
TWIN_KEYS = ("wmi_broken", "protected_keys", "not_admin", "store_denied")


class FaultSpecError(Exception):
    """The seed's `faults:` asks for something the endpoint cannot inject."""


def validate(faults: dict) -> None:
    unknown = sorted(set(faults or {}) - set(KEYS) - set(TWIN_KEYS))
    if unknown:
        raise FaultSpecError("faults: unknown key(s) %s; the endpoint injects %s and the twins answer %s (a new twin "
                             "fault goes into TWIN_KEYS in tests/lab/endpoint/faults.py)"
                             % (", ".join(unknown), ", ".join(KEYS), ", ".join(TWIN_KEYS)))
    latency = (faults or {}).get("latency", 0)
    if not isinstance(latency, (int, float)) or latency < 0:
        raise FaultSpecError("faults.latency must be seconds (a number >= 0), got %r" % (latency,))
    for entry in (faults or {}).get("inject") or []:
        if not isinstance(entry, dict) or entry.get("step") not in STEPS or entry.get("fault") not in KINDS:
            raise FaultSpecError("faults.inject entry %r: write {step: <%s>, fault: <%s>, times: N}"
                                 % (entry, "|".join(STEPS), "|".join(KINDS)))
        times = entry.get("times", 1)
        if not isinstance(times, int) or times < 1:
            raise FaultSpecError("faults.inject entry %r: times must be a whole number >= 1" % (entry,))


def take(faults: dict, step: str) -> str | None:
    """The fault to inject at `step` now, or None; uses it up in `faults` (changed in place)."""
    if faults.get("unreachable"):
        return "reset"
    if step == "receive" and faults.get("drop_connections", 0) > 0:
        faults["drop_connections"] -= 1
        return "timeout"
    for entry in faults.get("inject") or []:
        if entry["step"] == step and entry.get("times", 1) > 0:
            entry["times"] = entry.get("times", 1) - 1
            return entry["fault"]
    return None


def pending(faults: dict, step: str) -> bool:
    """Whether `take` would inject something at `step` (cheap check before locking the state)."""
    if faults.get("unreachable"):
        return True
    if step == "receive" and faults.get("drop_connections", 0) > 0:
        return True
    return any(e["step"] == step and e.get("times", 1) > 0 for e in faults.get("inject") or [])
