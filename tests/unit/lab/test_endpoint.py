# -*- coding: utf-8 -*-
"""The lab's WS-Management endpoint, driven with pywinrm's own Protocol as a real client."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
import winrm
from winrm.exceptions import InvalidCredentialsError, WinRMOperationTimeoutError, WSManFaultError

from ansible_collections.apexone.upgrade.plugins.plugin_utils import _remote
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import answer, payload
from ansible_collections.apexone.upgrade.tests.lab.endpoint import hostmodel, server
from ansible_collections.apexone.upgrade.tests.lab.simulator import lab, state, wire

PASSWORD = "Lab-Passw0rd-1"


@pytest.fixture()
def endpoint(tmp_path):
    with server.Endpoint(str(tmp_path)) as running:
        yield running


def _seed(tmp_path, name="agent-win10-64", **extra):
    """A seed file: the named lab seed plus `extra` top-level keys."""
    data = state._load_yaml(state.seed_path(name))  # pylint: disable=protected-access
    data.update(extra)
    path = tmp_path / ("%s-custom.yml" % name)
    path.write_text(json.dumps(data))
    return str(path)


def _protocol(endpoint, host="h1", seed="agent-win10-64", password=PASSWORD, encryption="auto", timeout=3):
    return winrm.Protocol("%s/wsman/%s?seed=%s" % (endpoint.url, host, seed), transport="ntlm",
                          username="apexone-lab", password=password, message_encryption=encryption,
                          operation_timeout_sec=timeout, read_timeout_sec=timeout + 1)


def _command_line():
    """The runner's command as the winrm plugin starts it."""
    return wire.winrm_command_line(payload.command())


def _input(params=None, name="probe", script=None):
    """The runner's input for `name` with `params` ({"Subset": ["os"]}), as bytes on stdin."""
    return payload.stdin(name, {"Subset": ["os"]} if params is None else params, script=script).encode("ascii")


def _probe(protocol, subset=("os",), data=None, command=None):
    shell = protocol.open_shell(codepage=65001)
    words = (command or _command_line()).split(" ")
    command_id = protocol.run_command(shell, words[0], words[1:], console_mode_stdin=False)
    protocol.send_command_input(shell, command_id, data if data is not None else
                                _input({"Subset": list(subset)}), end=True)
    stdout, stderr, rc = protocol.get_command_output(shell, command_id)
    protocol.cleanup_command(shell, command_id)
    protocol.close_shell(shell)
    return rc, stdout, stderr


def test_ntlm_encrypted_round_trip_answers_from_the_twin_and_counts(endpoint):
    rc, stdout, stderr = _probe(_protocol(endpoint))
    assert rc == 0 and stderr == b""
    result = answer.parse("probe", rc, stdout, stderr)
    assert result["os"]["version"] == "10.0.19045"
    counts = lab.read_counts("h1", endpoint.lab_dir)
    assert counts["executions"] == 1 and counts["scripts"] == {"probe": 1}
    # 2 handshake legs + blank message + create, command, send, receive, signal, delete
    assert counts["http_requests"] == 9 and counts["connections"] == 1
    assert counts["shells_opened"] == 1 and counts["shells_open"] == 0
    sent = len(_command_line()) + len(_input())
    assert counts["bytes_sent"] == sent and counts["wire_bytes_to_host"] > sent
    assert counts["wire_bytes_from_host"] > len(stdout)


def test_messages_are_sealed_on_the_wire(endpoint, monkeypatch):
    seen = []
    original = requests.Session.send

    def spy(self, request, **kwargs):
        seen.append((request.headers.get("Content-Type", ""), request.body or b""))
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", spy)
    _probe(_protocol(endpoint))
    sealed = [body for kind, body in seen if kind.startswith("multipart/encrypted")]
    assert len(sealed) == 6
    assert not any(b"Envelope" in body or b"APEXONE" in body for _kind, body in seen)


def test_unencrypted_messages_are_refused(endpoint):
    with pytest.raises(Exception, match="unencrypted message over HTTP"):
        _protocol(endpoint, encryption="never").open_shell()


def test_a_wrong_password_is_refused(endpoint):
    with pytest.raises(InvalidCredentialsError):
        _protocol(endpoint, password="wrong").open_shell()
    assert "NTLM" in lab.read_counts("h1", endpoint.lab_dir)["refused"][0]["reason"]


def test_unknown_shell_id_is_the_windows_fault(endpoint):
    protocol = _protocol(endpoint)
    with pytest.raises(WSManFaultError) as caught:
        protocol.run_command("0D7F5C1B-0000-0000-0000-000000000000", "PowerShell", ["-NoProfile"])
    assert caught.value.wsman_fault_code == 2150858843 and caught.value.fault_subcode == "w:InvalidSelectors"
    assert "shell was not found on the server" in caught.value.reason


def test_stdin_lines_become_input_whatever_the_chunking(endpoint):
    """RULE 3: stdin ends in several Sends (ansible's chunks) and CRLF lines: $input gets the lines."""
    protocol = _protocol(endpoint)
    data = _input()
    lines = b"\r\n".join(data[i:i + 1000] for i in range(0, len(data), 1000))
    shell = protocol.open_shell(codepage=65001)
    words = _command_line().split(" ")
    command_id = protocol.run_command(shell, words[0], words[1:], console_mode_stdin=False)
    for i in range(0, len(lines), 4096):
        protocol.send_command_input(shell, command_id, lines[i:i + 4096], end=i + 4096 >= len(lines))
    stdout, stderr, rc = protocol.get_command_output(shell, command_id)
    assert rc == 0 and answer.parse("probe", rc, stdout, stderr)["os"]["is_64bit"] is True


def test_console_mode_stdin_leaves_input_empty(endpoint):
    protocol = _protocol(endpoint)
    shell = protocol.open_shell(codepage=65001)
    words = _command_line().split(" ")
    command_id = protocol.run_command(shell, words[0], words[1:], console_mode_stdin=True)
    stdout, stderr, rc = protocol.get_command_output(shell, command_id)
    assert rc == 1  # ConvertFrom-Json refuses the empty input: nothing ran
    with pytest.raises(_remote.InputDamaged, match="input arrived cut or damaged"):
        answer.parse("probe", rc, stdout, stderr)


def test_a_command_line_over_8191_characters_is_refused_by_cmd(endpoint):
    """RULE 1."""
    long_command = _command_line() + " " + "A" * 8200
    rc, stdout, stderr = _probe(_protocol(endpoint), command=long_command)
    assert rc == 1 and stdout == b"" and stderr == b"The command line is too long.\r\n"
    assert lab.read_counts("h1", endpoint.lab_dir)["executions"] == 0


def test_other_programs_and_options_are_refused_loudly(endpoint):
    """RULE 2: the model does not guess what Windows would do."""
    rc, stdout, stderr = _probe(_protocol(endpoint), command="whoami /all")
    assert rc == 1 and b"Stock Windows modules are not emulated" in stderr
    rc, stdout, stderr = _probe(_protocol(endpoint), command=_command_line().replace("-NoProfile", "-NoP"))
    assert rc == 1 and b"option '-NoP' is not modelled" in stderr


def test_an_unknown_bootstrap_is_an_error_record_on_stderr(endpoint):
    """RULE 4 / 6 / 7: PowerShell-like: CLIXML on stderr, exit code 1, nothing on stdout."""
    command = wire.POWERSHELL + " " + base64.b64encode("Write-Output 1".encode("utf-16-le")).decode()
    rc, stdout, stderr = _probe(_protocol(endpoint), command=command)
    assert rc == 1 and stdout == b"" and stderr.startswith(b"#< CLIXML\r\n")
    assert "is not the bootstrap the lab emulates" in answer.decode_stderr(stderr)


def test_stdout_carries_a_bom_where_the_seed_says(endpoint, tmp_path):
    """RULE 5."""
    rc, stdout, stderr = _probe(_protocol(endpoint, host="bom", seed=_seed(tmp_path, console={"utf8_bom": True})))
    assert rc == 0 and stdout.startswith(b"\xef\xbb\xbfAPEXONE-RESULT:")
    rc, stdout, stderr = _probe(_protocol(endpoint))
    assert stdout.startswith(b"APEXONE-RESULT:")


def test_clixml_helper_round_trips_through_ansible():
    from ansible.plugins.shell.powershell import _parse_clixml
    assert _parse_clixml(hostmodel.clixml_error("line <1>\nline 2")) == b"line <1>\r\nline 2\r\n"


def test_latency_makes_receive_wait_then_time_out(endpoint, tmp_path):
    seed = _seed(tmp_path, faults={"latency": 1.5})
    protocol = _protocol(endpoint, host="slow", seed=seed, timeout=1)
    shell = protocol.open_shell(codepage=65001)
    words = _command_line().split(" ")
    command_id = protocol.run_command(shell, words[0], words[1:], console_mode_stdin=False)
    data = _input()
    protocol.send_command_input(shell, command_id, data, end=True)
    started = time.monotonic()
    with pytest.raises(WinRMOperationTimeoutError):
        protocol._raw_get_command_output(shell, command_id)  # pylint: disable=protected-access
    stdout, stderr, rc, done = protocol._raw_get_command_output(shell, command_id)  # pylint: disable=protected-access
    assert done and rc == 0 and time.monotonic() - started >= 1.4  # not before the host took its time


def test_shells_left_open_are_counted_and_meet_the_quota(endpoint, tmp_path):
    seed = _seed(tmp_path, winrm={"max_shells_per_user": 2})
    protocol = _protocol(endpoint, host="q", seed=seed)
    protocol.open_shell()
    protocol.open_shell()
    with pytest.raises(WSManFaultError) as caught:
        protocol.open_shell()
    assert caught.value.wsman_fault_code == 2150859173 and caught.value.wmierror_code == 2150859173
    assert "maximum number of 2 concurrent shells" in caught.value.reason
    counts = lab.read_counts("q", endpoint.lab_dir)
    assert counts["shells_opened"] == 2 and counts["shells_open"] == 2


# --- fault injection at each step ---------------------------------------------------------------

STEPS = ("connect", "create", "command", "send", "receive", "signal", "delete")


def _walk(protocol):
    """Every step once, in order; returns the step reached when something was raised, and the error."""
    reached = "connect"
    try:
        protocol.transport.build_session()
        reached = "create"
        shell = protocol.open_shell(codepage=65001)
        reached = "command"
        words = _command_line().split(" ")
        command_id = protocol.run_command(shell, words[0], words[1:], console_mode_stdin=False)
        reached = "send"
        data = _input()
        protocol.send_command_input(shell, command_id, data, end=True)
        reached = "receive"
        protocol.get_command_output(shell, command_id)
        reached = "signal"
        protocol.cleanup_command(shell, command_id)
        reached = "delete"
        protocol.close_shell(shell)
    except Exception as exc:  # pylint: disable=broad-except
        return reached, exc
    return None, None


EXPECTED = {
    "reset": lambda exc: isinstance(exc, requests.ConnectionError) and "reset by peer" in str(exc),
    "timeout": lambda exc: isinstance(exc, requests.exceptions.ReadTimeout),
    "http_401": lambda exc: isinstance(exc, InvalidCredentialsError),
    "http_500": lambda exc: isinstance(exc, WSManFaultError) and exc.wsman_fault_code == 1359
    and exc.fault_subcode == "w:InternalError",
    "quota_shells": lambda exc: isinstance(exc, WSManFaultError) and exc.wmierror_code == 2150859173
    and "concurrent shells" in exc.reason,
    "quota_operations": lambda exc: isinstance(exc, WSManFaultError) and exc.wmierror_code == 0x803381A6
    and "concurrent operations" in exc.reason,
}


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_each_fault_at_each_step(endpoint, tmp_path, step, fault):
    seed = _seed(tmp_path, faults={"inject": [{"step": step, "fault": fault}]})
    reached, error = _walk(_protocol(endpoint, host="f", seed=seed, timeout=1))
    if step == "connect" and fault in ("http_500", "quota_shells", "quota_operations"):
        # no session to seal a WS-Man fault with yet: the first request gets a bare 500
        assert reached == "connect" and "500" in str(error), repr(error)
    else:
        assert reached == step, (reached, error)
        assert EXPECTED[fault](error), repr(error)
    counts = lab.read_counts("f", endpoint.lab_dir)
    assert counts["faults_injected"] == [{"step": step, "fault": fault}]
    # used up: the next client walks through
    assert _walk(_protocol(endpoint, host="f", seed=seed, timeout=1)) == (None, None)


def test_unreachable_resets_every_connection_and_runs_nothing(endpoint, tmp_path):
    seed = _seed(tmp_path, faults={"unreachable": True})
    for _attempt in range(2):
        reached, error = _walk(_protocol(endpoint, host="down", seed=seed))
        assert reached == "connect" and EXPECTED["reset"](error)
    assert lab.read_counts("down", endpoint.lab_dir)["executions"] == 0


def test_legacy_drop_connections_runs_the_command_then_never_answers(endpoint, tmp_path):
    seed = _seed(tmp_path, faults={"drop_connections": 1})
    reached, error = _walk(_protocol(endpoint, host="drop", seed=seed, timeout=1))
    assert reached == "receive" and EXPECTED["timeout"](error)
    counts = lab.read_counts("drop", endpoint.lab_dir)
    assert counts["executions"] == 1 and counts["shells_open"] == 1  # the client left it behind
    with state.HostState("drop", seed, endpoint.lab_dir).open() as data:
        assert data["faults"]["drop_connections"] == 0  # used up, in the host's working state


def test_a_fault_spec_the_endpoint_does_not_know_is_refused(endpoint, tmp_path):
    seed = _seed(tmp_path, faults={"inject": [{"step": "handshake", "fault": "reset"}]})
    with pytest.raises(Exception, match="500"):
        _protocol(endpoint, host="bad", seed=seed).open_shell()


def test_operations_quota_counts_commands_until_the_shell_is_deleted(endpoint, tmp_path):
    seed = _seed(tmp_path, winrm={"max_concurrent_operations_per_user": 2})
    protocol = _protocol(endpoint, host="ops", seed=seed)
    shell = protocol.open_shell()
    for _attempt in range(2):
        command_id = protocol.run_command(shell, "PowerShell", ["-NoProfile"])
        protocol.cleanup_command(shell, command_id)
    with pytest.raises(WSManFaultError) as caught:
        protocol.run_command(shell, "PowerShell", ["-NoProfile"])
    assert caught.value.wmierror_code == 0x803381A6  # what ansible's winrm plugin re-creates the shell on
    protocol.close_shell(shell)
    protocol.run_command(protocol.open_shell(), "PowerShell", ["-NoProfile"])


def test_unknown_resource_uri_and_psrp_hook(endpoint):
    protocol = _protocol(endpoint)
    from ansible_collections.apexone.upgrade.tests.lab.endpoint import resources
    if resources.resource_class(resources.PSRP_URI) is None:
        message = protocol._get_soap_header(  # pylint: disable=protected-access
            resource_uri=resources.PSRP_URI, action="http://schemas.xmlsoap.org/ws/2004/09/transfer/Create")
        body = {"env:Envelope": dict(message, **{"env:Body": {"rsp:Shell": {"rsp:InputStreams": "stdin pr",
                                                                            "rsp:OutputStreams": "stdout"}}})}
        import xmltodict
        with pytest.raises(WSManFaultError) as caught:
            protocol.send_message(xmltodict.unparse(body))
        assert caught.value.wsman_fault_code == 2150858811


@pytest.mark.parametrize("auth", ["ntlm", "negotiate"])
def test_pypsrp_authenticates_and_runs_the_bootstrap_over_winrs(endpoint, auth):
    """pypsrp (the psrp plugin's library) with NTLM, and with SPNEGO-wrapped NTLM, and sealed messages."""
    pytest.importorskip("pypsrp")
    from pypsrp.shell import Process, WinRS
    from pypsrp.wsman import WSMan
    wsman = WSMan("127.0.0.1", port=endpoint.port, path="wsman/h1?seed=agent-win10-64", ssl=False, auth=auth,
                  encryption="auto", username="apexone-lab", password=PASSWORD, operation_timeout=3, read_timeout=5)
    with wsman, WinRS(wsman, codepage=65001) as shell:
        words = _command_line().split(" ")
        process = Process(shell, words[0], words[1:], id="6D3D1C38-3A59-4C67-9E4D-2D8B1D0C1E11")
        process.begin_invoke()
        process.send(_input(), end=True)
        process.end_invoke()
    assert process.rc == 0 and process.stderr == b""
    assert answer.parse("probe", process.rc, process.stdout, b"")["os"]["hostname"] == "PC-WIN10-64"
    counts = lab.read_counts("h1", endpoint.lab_dir)
    assert counts["executions"] == 1 and counts["shells_opened"] == 1 and counts["shells_open"] == 0


def test_serve_runs_an_endpoint_in_the_background_for_a_lab_folder(tmp_path):
    import os
    import subprocess
    import sys
    from ansible_collections.apexone.upgrade.tests.lab.endpoint import serve
    assert (serve.PORT_FILE, serve.PID_FILE) == (server.PORT_FILE, server.PID_FILE)
    script = serve.__file__
    started = subprocess.run([sys.executable, script, "start", "--lab-dir", str(tmp_path)], capture_output=True,
                             text=True, check=False, timeout=60)
    try:
        assert started.returncode == 0, started.stderr
        port = int((tmp_path / server.PORT_FILE).read_text())
        protocol = winrm.Protocol("http://127.0.0.1:%d/wsman/bg?seed=agent-win10-64" % port, transport="ntlm",
                                  username="apexone-lab", password=PASSWORD, operation_timeout_sec=3, read_timeout_sec=5)
        protocol.close_shell(protocol.open_shell())
        assert lab.read_counts("bg", str(tmp_path))["shells_opened"] == 1
    finally:
        subprocess.run([sys.executable, script, "stop", "--lab-dir", str(tmp_path)], check=True, timeout=60)
    assert not os.path.exists(tmp_path / server.PID_FILE) and not os.path.exists(tmp_path / server.PORT_FILE)
