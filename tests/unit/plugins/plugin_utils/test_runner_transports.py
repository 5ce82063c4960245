# -*- coding: utf-8 -*-
"""The runner through ansible-core's real `winrm` and `psrp` connection plugins (real pywinrm and
pypsrp, HTTP, NTLM with message encryption) against the lab's loopback WS-Management endpoint:
results on both transports, and every injected fault at every step (FAULT_TABLE)."""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import uuid
import os
import re

import pytest
from ansible.errors import AnsibleConnectionFailure
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import connection_loader

from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan, winhttp
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _remote
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import sections
from ansible_collections.apexone.upgrade.tests.lab.endpoint import server
from ansible_collections.apexone.upgrade.tests.lab.simulator import lab, state
from ansible_collections.apexone.upgrade.tests.unit import helpers

USER, PASSWORD = "apexone-lab", "Lab-Passw0rd-1"
TRANSPORTS = ("winrm", "psrp")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    with server.Endpoint(str(tmp_path_factory.mktemp("lab"))) as running:
        yield running


# HTTP read timeout of the fault cases: a "timeout" fault costs this long per attempt; shorter ones
# misfire when the machine is loaded (a slow answer is taken for a dropped one). Each Receive waits
# at most OPERATION_TIMEOUT seconds on the host (WS-Man OperationTimeout).
READ_TIMEOUT = 5
OPERATION_TIMEOUT = 3


def connect(endpoint, transport, host, seed, timeout=10):
    """The real connection plugin for `host`, set up as an inventory would set it."""
    conn = connection_loader.get(transport, PlayContext())
    path = "wsman/%s?seed=%s" % (host, seed)
    hostvars = {"ansible_host": "127.0.0.1", "ansible_port": endpoint.port, "ansible_user": USER,
                "ansible_password": PASSWORD}
    if transport == "winrm":  # operation timeout below the read timeout, as pywinrm requires
        extras = {"ansible_winrm_operation_timeout_sec": max(1, timeout - 2), "ansible_winrm_read_timeout_sec": timeout}
        hostvars.update(extras, ansible_winrm_scheme="http", ansible_winrm_path=path, ansible_winrm_transport="ntlm")
    else:
        hostvars.update(ansible_psrp_protocol="http", ansible_psrp_path=path, ansible_psrp_auth="ntlm",
                        ansible_psrp_connection_timeout=timeout, ansible_psrp_read_timeout=timeout,
                        ansible_psrp_operation_timeout=max(1, timeout - 2), ansible_psrp_reconnection_retries=0,
                        # pypsrp repeats a Receive that timed out 5 times, sleeping backoff * (2**n - 1)
                        # between: 2 minutes with the default backoff of 2 s; none here
                        ansible_psrp_reconnection_backoff=0)
    hostvars["_extras"] = extras if transport == "winrm" else {}
    conn.set_options(var_options=hostvars)
    return conn


def seed_with(tmp_path, name="agent-win10-64", **extra):
    data = state._load_yaml(state.seed_path(name))  # pylint: disable=protected-access
    data.update(extra)
    path = tmp_path / ("%s-%s.yml" % (name, uuid.uuid4().hex))
    path.write_text(json.dumps(data))
    return str(path)


def counts(endpoint, host):
    return lab.read_counts(host, endpoint.lab_dir)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_probe_answers_over_the_real_plugin(endpoint, transport):
    host = "ok-" + transport
    conn = connect(endpoint, transport, host, "agent-win10-64")
    params = probe_plan.probe_params(list(probe_plan.HOST_SUBSETS))
    result = _remote.run_script(conn, "probe", params, read_only=True, list_paths=probe_plan.LIST_PATHS)
    conn.close()
    assert result["os"]["version"] == "10.0.19045"
    seen = counts(endpoint, host)
    assert seen["executions"] == 1 and seen["scripts"] == {"probe": 1}
    opened = "runspaces" if transport == "psrp" else "shells"
    assert seen[opened + "_opened"] == 1 and seen[opened + "_open"] == 0


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_script_error_comes_back_with_rc_1_on_both_transports(endpoint, transport):
    # PowerShell would refuse to bind the parameter: the bootstrap's catch writes the error line and
    # exits 1 (powershell.exe's exit code over winrm, the host's SetShouldExit(1) over psrp)
    conn = connect(endpoint, transport, "err-" + transport, "agent-win10-64")
    with pytest.raises(_remote.RemoteScriptError) as caught:
        _remote.run_script(conn, "probe", {"NoSuchParameter": 1}, read_only=True)
    conn.close()
    assert caught.value.rc == 1 and "NoSuchParameter" in caught.value.msg


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_subset_whose_part_was_left_out_is_an_error_not_an_empty_answer(endpoint, transport, monkeypatch):
    # The runner sends the network part only when network is asked for; were it ever left out (here on
    # purpose), the script that ran has no network block (lab RULE S1) and the runner says so.
    params = probe_plan.probe_params(["os", "network"])
    conn = connect(endpoint, transport, "net-" + transport, "apexone-srv")
    assert "network" in _remote.run_script(conn, "probe", params, read_only=True)
    monkeypatch.setattr(sections, "kept", lambda text, params: frozenset())
    with pytest.raises(_remote.RemoteScriptError, match="neither a result nor an error for the subsets asked of it: "
                                                        "network"):
        _remote.run_script(conn, "probe", params, read_only=True)
    conn.close()


# --- faults at each step, on both transports ---------------------------------------------------

STEPS = ("connect", "create", "command", "send", "receive")
FAULTS = ("timeout", "reset", "http_401", "http_500", "quota_shells", "quota_operations")
CHANGE = ("winhttp_import", winhttp.script_params("import"))  # a script that changes the host
_CASES = itertools.count(1)


def observe(endpoint, tmp_path, transport, faults, read_only=True):
    """Run one script through the real plugin against a host with `faults`; what happened, in short."""
    host = "f%d-%s" % (next(_CASES), transport)  # itertools.count: one number per case, thread-safe
    seed = seed_with(tmp_path, faults=faults)
    conn = connect(endpoint, transport, host, seed, timeout=READ_TIMEOUT)
    name, params = ("probe", {"Subset": ["os"]}) if read_only else CHANGE
    try:
        _remote.run_script(conn, name, params, read_only=read_only)
        outcome, message = "ok", ""
    except AnsibleConnectionFailure as exc:
        outcome, message = "unreachable", str(exc)
    except Exception as exc:  # pylint: disable=broad-except
        outcome, message = "failed: %s" % type(exc).__name__, str(exc)
    finally:
        try:
            conn.close()  # what Ansible's task executor does after every task
        except Exception:  # pylint: disable=broad-except
            pass
    seen = counts(endpoint, host)
    kind = "runspaces" if transport == "psrp" else "shells"
    return {"outcome": outcome, "message": message, "executions": seen["executions"],
            "opened": seen.get(kind + "_opened", 0), "open": seen.get(kind + "_open", 0),
            "requests": seen.get("http_requests", 0), "injected": len(seen.get("faults_injected", []))}


def refused(step, fault):
    """A 401 while the session is set up (the handshake, or the Create it rides on) is the host refusing the
    credentials: step authenticate, never tried again (a wrong password must cost one logon per host)."""
    return fault == "http_401" and step in ("connect", "create")


def step_named(message, step, transport, fault):
    """Whether the message names the step. Where the plugin hides it, what it can tell (written down):
    - a refused credential is its own step, authenticate;
    - winrm flattens its connect errors to text: a failed handshake other than a refused password reads as
      the Create that follows it, and the message says the two cannot be told apart (psrp alike);
    - psrp opens the runspace pool with a Receive: a fault on the first Receive fails the opening (create
      runspace); a TCP reset while the pool opens reads as no connection at all (the plugin's words)."""
    if refused(step, fault):
        return "step: authenticate" in message and "not retried" in message
    if transport == "psrp" and step in ("connect", "create", "receive") and fault == "reset":
        return "step: connect" in message
    if step == "connect":
        return "step: create %s) (or the authentication before it" % (
            "runspace" if transport == "psrp" else "shell") in message
    if step == "create" or (transport == "psrp" and step == "receive"):
        return "step: create %s" % ("runspace" if transport == "psrp" else "shell") in message
    return "step: %s" % step in message


SCENARIOS = {  # name: (faults of the host for one fault kind at one step, read-only script?)
    "once": (lambda step, fault: {"inject": [{"step": step, "fault": fault}]}, True),
    "always": (lambda step, fault: {"inject": [{"step": step, "fault": fault, "times": 20}]}, True),
    "change": (lambda step, fault: {"inject": [{"step": step, "fault": fault}]}, False),
}
CASES = [(scenario, transport, step, fault) for scenario in SCENARIOS for transport in TRANSPORTS
         for step in STEPS for fault in FAULTS]


@pytest.fixture(scope="module")
def fault_table(endpoint, tmp_path_factory):
    """Every scenario x transport x step x fault, observed once (in parallel: most of the time is
    spent waiting for timeouts), and written to build/fault_table.md for the issue's closing note."""
    folder = tmp_path_factory.mktemp("seeds")

    def one(case):
        scenario, transport, step, fault = case
        faults, read_only = SCENARIOS[scenario]
        return case, observe(endpoint, folder, transport, faults(step, fault), read_only=read_only)

    def slow(transport):  # every command takes longer than one Receive waits (the operation timeout)
        return ("slow", transport, "receive", "latency"), observe(endpoint, folder, transport,
                                                                  {"latency": OPERATION_TIMEOUT + 0.5})

    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        table = dict(pool.map(one, CASES))
        table.update(pool.map(slow, TRANSPORTS))
    write_table(table)
    return table


def write_table(table):
    lines = ["| fault | step | transport | read-only, fault once | read-only, fault every time | changing script, "
             "fault once |", "|---|---|---|---|---|---|"]
    for fault in FAULTS:
        for step in STEPS:
            for transport in TRANSPORTS:
                cells = []
                for scenario in SCENARIOS:
                    seen = table[(scenario, transport, step, fault)]
                    text = seen["outcome"]
                    if seen["outcome"] == "unreachable":
                        text += " (%s)" % re.search(r"step: [a-z ]+(\([a-z ]+\))?", seen["message"]).group(0).strip()
                        text += "; half done" if "may be half done" in seen["message"] else (
                            "; never started" if "never started" in seen["message"] else "")
                    text += "; runs %d, %s opened %d, left open %d" % (
                        seen["executions"], "runspaces" if transport == "psrp" else "shells", seen["opened"],
                        seen["open"])
                    cells.append(text)
                lines.append("| %s | %s | %s | %s |" % (fault, step, transport, " | ".join(cells)))
    for transport in TRANSPORTS:
        seen = table[("slow", transport, "receive", "latency")]
        slow = "slow host (%.1f s per command, Receive waits %d s)" % (OPERATION_TIMEOUT + 0.5, OPERATION_TIMEOUT)
        lines.append("| %s | receive | %s | %s; runs %d, HTTP requests %d, left open %d | - | - |" % (
            slow, transport, seen["outcome"], seen["executions"], seen["requests"], seen["open"]))
    os.makedirs(os.path.join(helpers.ROOT, "build"), exist_ok=True)
    with open(os.path.join(helpers.ROOT, "build", "fault_table.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_read_only_script_survives_one_fault_at_any_step(fault_table, transport, step, fault):
    seen = fault_table[("once", transport, step, fault)]
    assert seen["injected"] == 1, seen
    if refused(step, fault):  # one logon attempt, no second one: the account's lockout counter
        assert seen["outcome"] == "unreachable" and step_named(seen["message"], step, transport, fault), seen
        assert seen["executions"] == 0 and seen["open"] == 0, seen
        return
    assert seen["outcome"] == "ok", seen
    assert seen["executions"] <= 2 and seen["open"] == 0, seen


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_host_that_keeps_failing_is_unreachable_naming_the_step(fault_table, transport, step, fault):
    seen = fault_table[("always", transport, step, fault)]
    assert seen["outcome"] == "unreachable", seen
    assert step_named(seen["message"], step, transport, fault), seen
    if step == "connect":
        assert "twice" not in seen["message"], seen
        assert ("Nothing ran" if refused(step, fault) else "never started") in seen["message"], seen
    if refused(step, fault):
        assert seen["injected"] == 1, seen  # never a second attempt
    assert seen["open"] == 0, seen


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_changing_script_is_never_repeated(fault_table, transport, step, fault):
    seen = fault_table[("change", transport, step, fault)]
    assert seen["executions"] <= 1, seen
    if seen["outcome"] != "ok":
        assert seen["outcome"] == "unreachable" and step_named(seen["message"], step, transport, fault), seen
        if refused(step, fault):
            assert "Nothing ran" in seen["message"], seen
        elif step in ("send", "receive") and "step: send" in seen["message"] or "step: receive" in seen["message"]:
            assert "may be half done: re-run, every change is idempotent" in seen["message"], seen
        else:
            assert "never started" in seen["message"], seen
    assert seen["open"] == 0, seen


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_slow_host_answers_with_one_more_receive_per_timeout(fault_table, transport):
    seen = fault_table[("slow", transport, "receive", "latency")]
    assert seen["outcome"] == "ok" and seen["executions"] == 1 and seen["open"] == 0, seen
    assert seen["requests"] <= 11, seen  # NTLM legs + the steps + one Receive that timed out


# --- anti-malware on the host: each reaction named, none repeated (simulator/antimalware.py) --------------

ANTIMALWARE = [
    # (case, transports, the host's antimalware:, Blocked.how, words of the message)
    ("AMSI refuses the script", TRANSPORTS, {"amsi_signatures": ["Invoke-Subset"]}, "amsi",
     "blocked by anti-malware on this host (apexone.upgrade.probe.ps1)"),
    ("AMSI refuses the driver", TRANSPORTS, {"amsi_signatures": ["Write-ApexOneAnswer"]}, "amsi",
     "blocked by anti-malware on this host"),
    ("AMSI refuses the bootstrap", TRANSPORTS, {"amsi_signatures": ["New-ApexOneBlock([string]"]}, "amsi",
     "blocked by anti-malware on this host"),
    ("powershell.exe killed as it starts", ("winrm",), {"kill_on_command_line": ["-EncodedCommand"]}, "killed",
     "ended on the host before it had read its input"),
    ("the PSRP host process killed", ("psrp",), {"kill_runspace": True}, "killed",
     "the PowerShell host process on the host (wsmprovhost.exe) ended"),
    ("powershell.exe may not start", ("winrm",), {"block_launch": True}, "launch",
     "the host refused to start PowerShell"),
]


@pytest.mark.parametrize("transport, spec, how, words", [
    pytest.param(transport, spec, how, words, id="%s-%s" % (transport, case.replace(" ", "-")))
    for case, transports, spec, how, words in ANTIMALWARE for transport in transports])
def test_anti_malware_is_named_and_never_retried(endpoint, tmp_path, transport, spec, how, words):
    host = "am%d-%s" % (next(_CASES), transport)
    conn = connect(endpoint, transport, host, seed_with(tmp_path, antimalware=spec), timeout=READ_TIMEOUT)
    with pytest.raises(_remote.Blocked) as caught:
        _remote.run_script(conn, "probe", {"Subset": ["os"]}, read_only=True)
    conn.close()
    assert caught.value.how == how and words in caught.value.msg, caught.value.msg
    assert "not retried" in caught.value.msg and "README's 'For the security team'" in caught.value.msg
    seen = counts(endpoint, host)
    kind = "runspaces" if transport == "psrp" else "shells"
    assert seen[kind + "_opened"] == 1 and seen[kind + "_open"] == 0, seen  # one attempt, nothing left behind
    if transport == "winrm" and how != "launch":
        assert seen["processes"] == 1, seen  # one powershell.exe, never a second
    # the AMSI cases on a host before Windows 10 (no AMSI): the same script runs
    if how == "amsi":
        old = connect(endpoint, transport, host + "-2012r2", seed_with(tmp_path, name="agent-2008r2", antimalware=spec))
        assert "os" in _remote.run_script(old, "probe", {"Subset": ["os"]}, read_only=True)
        old.close()
