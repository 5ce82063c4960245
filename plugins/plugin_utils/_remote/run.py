# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One remote execution of one of the collection's scripts, through the task's connection. Internal: not a
public API.

1. The credential gate (credentials.py) says whether this host may try the run's credentials now.
2. The connection's _connect() sets up the session (TCP, TLS, NTLM / Kerberos, the shell or runspace pool):
   a failure here ran nothing on the host.
3. exec_command() runs the bootstrap with the script's input (payload.py); answer.py reads what came back.
A read-only script is sent once more after a dropped connection; never after an authentication failure, an
anti-malware block, or a drop while a changing script may have run.
"""

from __future__ import annotations

import typing as t

from ansible.errors import AnsibleAuthenticationFailure, AnsibleConnectionFailure
from ansible.utils.display import Display

from . import adapter, answer, credentials, failures, messages, payload
from .errors import Blocked, InputDamaged, RemoteScriptError

display = Display()


def require_windows(connection: t.Any) -> None:
    """The task's connection must be winrm or psrp. ansible-core 2.21's winrm plugin defaults to the cmd
    shell (its exec_command still runs PowerShell), so the shell family alone does not tell."""
    family = getattr(getattr(connection, "_shell", None), "SHELL_FAMILY", None)
    if family == "powershell" or (family == "cmd" and getattr(connection, "transport", "") == "winrm"):
        return
    raise RemoteScriptError(messages.not_windows(family))


def host_of(connection: t.Any) -> str:
    return str(credentials.option(connection, "remote_addr") or "the host")


def _where(connection: t.Any, step: str, label: str | None = None) -> str:
    return "%s over %s (step: %s)" % (label or host_of(connection), getattr(connection, "transport", "winrm"), step)


def protocol_of(connection: t.Any, text: str = "") -> str:
    """The authentication protocol in use, as a user names it."""
    if getattr(connection, "transport", "") == "psrp":
        chosen = str(credentials.option(connection, "auth") or "negotiate")
    else:
        chosen = credentials.option(connection, "transport") or ["ntlm"]
        chosen = ",".join(chosen) if isinstance(chosen, (list, tuple)) else str(chosen)
    lowered = text.lower()
    if chosen == "negotiate":
        if "kerberos" in lowered or "gssapi" in lowered or "krb5" in lowered:
            return "Kerberos (negotiate)"
        return "Negotiate (Kerberos, else NTLM)"
    return {"ntlm": "NTLM", "kerberos": "Kerberos", "basic": "Basic", "credssp": "CredSSP",
            "certificate": "certificate"}.get(chosen, chosen)


def run_script(connection: t.Any, name: str, params: dict, read_only: bool, list_paths: t.Iterable[str] = (),
               credential_limit: int = credentials.LIMIT, inventory_name: str | None = None) -> dict:
    """Run scripts/<name>.ps1 on the host with `params`; return its result dict. `inventory_name`: the host's
    name in the inventory (the run's credential gate counts hosts by it; many may share one address)."""
    require_windows(connection)
    command = payload.command()
    data = payload.stdin(name, params)
    psrp = getattr(connection, "transport", "") == "psrp"
    host = inventory_name or host_of(connection)
    attempts = 2 if read_only else 1
    last: failures.Failure | None = None
    for attempt in range(1, attempts + 1):
        display.vvv("apexone: running %s (%d bytes of input, attempt %d)" % (name, len(data), attempt))
        failure = _connect(connection, name, host, psrp, credential_limit)
        if failure is None:
            try:
                rc, stdout, stderr = connection.exec_command(command, in_data=data, sudoable=False)
            except Exception as exc:  # pylint: disable=broad-except
                failure = failures.at_run(exc, psrp)
                if failure is None:
                    raise
                if failure.kind == "drop" and failure.step == "send" and answer.RESULT_MARKER in failure.text:
                    # winrm: the Send failed, yet the script ran: its answer is in the error's stdout
                    adapter.close_after_failure(connection)
                    out = failure.text.split("stdout:", 1)[-1].rsplit("\nstderr", 1)[0]
                    return _checked(name, params, answer.parse(name, None, out, b""), list_paths)
                _stop_if_blocked(connection, name, failure, host)
            else:
                try:
                    return _checked(name, params, answer.parse(name, rc, stdout, stderr), list_paths)
                except InputDamaged as exc:
                    if attempt < attempts:  # nothing ran: a read-only script is sent once more
                        display.warning("apexone: %s: %s; retrying once" % (host, exc.msg))
                        continue
                    raise
        last = failure
        adapter.close_after_failure(connection)  # never leave the shell / runspace behind
        if attempt < attempts:
            display.warning("apexone: %s: the connection failed at step %s while running read-only %s (%s); "
                            "retrying once" % (host, failure.step, name, messages.short(failure.text)))
    raise AnsibleConnectionFailure(_final(connection, name, read_only, last, host))


def _connect(connection: t.Any, name: str, gate_name: str, psrp: bool, limit: int) -> failures.Failure | None:
    """Set up the session (the gate first). None when it is up; the failure otherwise. An authentication
    failure or a refused launch is raised at once: it is never tried again."""
    gate = credentials.gate_for(connection, gate_name, limit)
    if gate is not None:
        try:
            gate.enter()
        except credentials.Stopped as exc:
            raise AnsibleAuthenticationFailure(messages.credentials_stopped(
                _where(connection, "authenticate", gate_name),
                str(credentials.option(connection, "remote_user") or ""), len(exc.rejected), exc.rejected))
    try:
        connection._connect()  # pylint: disable=protected-access  # the ConnectionBase contract; exec_command runs it too
    except Exception as exc:  # pylint: disable=broad-except
        failure = failures.at_connect(exc, psrp)
        if failure is None:
            if gate is not None:
                gate.left()
            raise
        if failure.kind == "authenticate":
            if gate is not None:
                gate.rejected() if failure.rejected else gate.left()
            adapter.close_after_failure(connection)
            raise AnsibleAuthenticationFailure(messages.authenticate(
                _where(connection, "authenticate", gate_name), protocol_of(connection, failure.text), failure.text,
                str(credentials.option(connection, "remote_user") or "")))
        if gate is not None:
            gate.left()
        _stop_if_blocked(connection, name, failure, gate_name)
        return failure
    if gate is not None:
        gate.accepted()
    return None


def _stop_if_blocked(connection: t.Any, name: str, failure: failures.Failure, label: str) -> None:
    """Anti-malware, application control or an EDR stopped the execution: say so, never again."""
    where = _where(connection, failure.step, label)
    text = {"launch_blocked": messages.launch_blocked, "provider_died": messages.provider_died}.get(failure.kind)
    if text is not None:
        adapter.close_after_failure(connection)
        raise Blocked(text(name, where, failure.text), "launch" if failure.kind == "launch_blocked" else "killed",
                      script=name)
    if failure.kind == "ended_before_input":
        adapter.close_after_failure(connection)
        raise Blocked(messages.ended_before_input(name, where), "killed", rc=failure.rc, script=name)


def _checked(name: str, params: dict, result: dict, list_paths: t.Iterable[str]) -> dict:
    missing = answer.unanswered(params, result)
    if missing:
        raise RemoteScriptError(messages.unanswered(name, missing), script=name)
    return answer.ensure_lists(result, list_paths)


def _final(connection: t.Any, name: str, read_only: bool, last: failures.Failure, label: str) -> str:
    """What Ansible shows for the unreachable host: the step, what it means, what to do."""
    where = _where(connection, last.step, label)
    if last.kind == "unreachable":
        return messages.unreachable(where, name, last.text)
    if last.kind == "not_opened":
        # both plugins authenticate on the Create request itself and report the two as one step
        where += " (or the authentication before it: the %s plugin does not tell them apart)" % (
            getattr(connection, "transport", "winrm"))
        return messages.not_opened(where, "runspace" if last.step == "create runspace" else "shell", last.text, name)
    if not last.started:
        return messages.not_started(where, last.text, name)
    if read_only:
        return messages.failed_twice(where, name, last.text)
    return messages.half_done(where, name, last.text)
