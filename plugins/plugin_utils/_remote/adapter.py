# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only place that relies on details of ansible-core's winrm / psrp plugins and their libraries that
are not public. Internal: not a public API.

Everything else in this package uses public calls: the plugin's exec_command(), close(), get_option() and
the ConnectionBase contract's _connect() (what exec_command's ensure_connect runs first), exception types
and the texts the libraries and plugins document. What only a private detail tells is read here, each
detail named with why it is needed, and tests/unit/plugins/plugin_utils/test_adapter.py runs on every
ansible-core version the collection supports and fails the day one of them moves:

- which WS-Man step a dropped execution died in (the frames it passed through): a Command that never
  reached the host means the script never ran, which a changing script's message should say;
- whether an exception was raised inside the HTTP / WS-Man libraries (pywinrm raises KeyError for an answer
  that is not sealed, for one): a transport failure whatever its type;
- whether the winrm plugin's Send had failed when a later step raised (its _winrm_exec's `stdin_push_failed`:
  it swallows the Send's error and tries one Receive): then the Send is the step that failed;
- the exit code the winrm plugin had read when it reports "winrm send_input failed" (a local of its
  _winrm_exec): -1 means the command was still running (its input was lost), anything else that it had
  ended without an answer;
- how to delete the shell / runspace of a failed execution: its HTTP session holds the dead connection's
  NTLM or Kerberos context, so the session is dropped first and close() authenticates anew; after a failed
  close() the plugin is told it is no longer connected, so that the next execution opens a new one.
"""

from __future__ import annotations

import typing as t

from ansible.module_utils.common.text.converters import to_text
from ansible.utils.display import Display

display = Display()

# Function names of the frames a dropped execution passes through -> the WS-Man step
# (ansible-core's winrm plugin + pywinrm; psrp plugin + pypsrp); the innermost match wins.
STEP_OF_FRAME = {
    "_winrm_connect": "create shell", "open_shell": "create shell",
    "_winrm_run_command": "command", "run_command": "command",
    "_winrm_write_stdin": "send", "_winrm_send_input": "send",
    "_winrm_get_raw_command_output": "receive", "_winrm_get_command_output": "receive",
    "cleanup_command": "receive",
    "exchange_keys": "create runspace", "open": "create runspace",
    "_invoke": "command", "begin_invoke": "send", "command": "command",
    "poll_invoke": "receive", "end_invoke": "receive", "_receive": "receive",
    "stop": "signal",
}
TRANSPORT_PACKAGES = ("/winrm/", "/pypsrp/", "/requests/", "/urllib3/", "/spnego/", "/requests_ntlm/",
                      "/requests_kerberos/", "/gssapi/", "/krb5/", "/http/client.py", "/socket.py", "/ssl.py")
WINRM_EXEC_FRAME = "_winrm_exec"  # the winrm plugin's function that raises "winrm send_input failed"
RUNSPACE_OPENED = 2  # pypsrp.complex_objects.RunspacePoolState.OPENED


def frames(exc: BaseException) -> list[tuple[str, str]]:
    """(function name, file) of every frame `exc` and the exceptions it came from passed through."""
    found: list[tuple[str, str]] = []
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        trace = exc.__traceback__
        chain = []
        while trace is not None:
            chain.append((trace.tb_frame.f_code.co_name, trace.tb_frame.f_code.co_filename))
            trace = trace.tb_next
        found = chain + found
        exc = exc.__cause__ or exc.__context__
    return found


def steps(exc: BaseException) -> list[str]:
    """The WS-Man steps `exc` passed through, innermost first."""
    return [STEP_OF_FRAME[name] for name, _file in reversed(frames(exc)) if name in STEP_OF_FRAME]


def raised_in_transport(exc: BaseException) -> bool:
    """Whether the innermost frame of `exc` is in the HTTP / WS-Man / authentication libraries."""
    found = frames(exc)
    return bool(found) and any(part in found[-1][1].replace("\\", "/") for part in TRANSPORT_PACKAGES)


def _winrm_exec_locals(exc: BaseException) -> dict:
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_name == WINRM_EXEC_FRAME:
            return trace.tb_frame.f_locals
        trace = trace.tb_next
    return {}


def send_failed(exc: BaseException) -> bool:
    """Whether the winrm plugin's Send had failed before `exc` was raised (its _winrm_exec's stdin_push_failed)."""
    return _winrm_exec_locals(exc).get("stdin_push_failed") is True


def send_failed_rc(exc: BaseException) -> int | None:
    """The exit code the winrm plugin had read when it raised "winrm send_input failed" (its _winrm_exec's
    `rc`, -1 while the command still ran), or None when the frame is not there."""
    found = _winrm_exec_locals(exc)
    try:
        return int(found["rc"])
    except (KeyError, TypeError, ValueError):
        return None


def close_after_failure(connection: t.Any) -> None:
    """Delete the shell / runspace pool of a failed execution, on a fresh authenticated HTTP session."""
    psrp = getattr(connection, "transport", "") == "psrp"
    try:
        if psrp:
            runspace = getattr(connection, "runspace", None)
            transport = getattr(getattr(runspace, "connection", None), "transport", None)
            if transport is not None:
                transport.session = None
                transport.encryption = None
            if runspace is not None and runspace.state != RUNSPACE_OPENED:
                runspace.close()  # created but never opened: the plugin's close() would skip it
        else:
            transport = getattr(getattr(connection, "protocol", None), "transport", None)
            if transport is not None:
                transport.close_session()
        connection.close()
    except Exception as exc:  # pylint: disable=broad-except
        display.vvv("apexone: closing the failed %s failed too (%s); the next execution opens a new one"
                    % ("runspace" if psrp else "shell", " ".join(to_text(exc).split())[:300]))
        for attribute in (("runspace", "_last_pipeline") if psrp else ("protocol", "shell_id")):
            if hasattr(connection, attribute):
                setattr(connection, attribute, None)
        if hasattr(connection, "_connected"):
            connection._connected = False  # pylint: disable=protected-access
