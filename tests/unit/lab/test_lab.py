# -*- coding: utf-8 -*-
"""The lab is a test double: it must refuse what real PowerShell would refuse, and count honestly."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _remote
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import answer, payload
from ansible_collections.apexone.upgrade.tests.lab.simulator import lab, state, wire


@pytest.fixture(autouse=True)
def lab_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("APEXONE_LAB_DIR", str(tmp_path))
    return tmp_path


def _input(params, name="probe", script=None, common=None):
    return payload.stdin(name, params, script=script, common=common).encode("ascii")


def _send(host, seed, script, params, name="probe"):
    return lab.execute(host, seed, payload.command(), _input(params, name, script))


def _error(stdout):
    line = stdout.decode("ascii").strip()
    assert line.startswith("APEXONE-ERROR:"), line
    return json.loads(line[len("APEXONE-ERROR:"):])["message"]


def test_refuses_a_script_with_a_syntax_error():
    broken = payload.script_text("probe").replace("if ($Subset -notcontains $Name) { return }", "if ($Subset -notcontains $Name { return }", 1)
    rc, stdout, stderr = _send("h1", "agent-win10-64", broken, {"Subset": ["os"]})
    assert rc == 1
    assert "does not parse as Windows PowerShell 5.1" in _error(stdout)
    counts = lab.read_counts("h1")
    assert counts["executions"] == 1 and counts["refused"][0]["script"] == "(unknown script)"


def test_refuses_a_parameter_the_param_block_lacks():
    rc, stdout, stderr = _send("h1", "agent-win10-64", payload.script_text("probe"), {"Subset": ["os"], "Bogus": True})
    assert rc == 1
    assert "A parameter cannot be found that matches parameter name 'Bogus'" in _error(stdout)
    assert lab.read_counts("h1")["refused"][0]["script"] == "probe"


def test_refuses_a_changed_bootstrap():
    changed = payload.command().replace("exit 0", "exit 2")
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", changed, _input({}))
    # PowerShell's own error record (the endpoint writes it to stderr as CLIXML), not the driver's line
    assert rc == 1 and stdout == b"" and b"is not the bootstrap the lab emulates" in stderr
    # indentation and blank lines are not changes (the winrm plugin of 2.16-2.20 strips them)
    indented = "\n\n".join("    " + line for line in payload.command().splitlines())
    rc, stdout, stderr = lab.execute("h2", "agent-win10-64", indented, _input({"Subset": ["os"]}))
    assert rc == 0, stderr


def test_refuses_input_that_is_not_json():
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", payload.command(), b"not json\r\n")
    # ConvertFrom-Json runs outside any try: PowerShell's own error record (stderr), no marked line
    assert rc == 1 and stdout == b"" and b"ConvertFromJsonCommand" in stderr


def test_refuses_a_stock_module_command():
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", "whoami", None)
    assert rc == 1 and b"is not the bootstrap the lab emulates" in stderr


def test_answers_probe_and_counts_executions_and_bytes():
    params = probe_plan.probe_params(list(probe_plan.SUBSETS))
    rc, stdout, stderr = _send("h2", "agent-win10-32", payload.script_text("probe"), params)
    assert rc == 0
    result = answer.parse("probe", rc, stdout, b"")
    assert result["os"]["is_64bit"] is False
    # 32-bit Windows: the agent lives under the plain key, and the WOW6432Node read finds nothing
    assert result["registry"]["agent_32"]["exists"] and not result["registry"]["agent_64"]["exists"]
    assert result["registry"]["agent_misc_32"]["values"]["TmListen_Ver"]["value"] == "12.0.5684"
    counts = lab.read_counts("h2")
    assert counts["executions"] == 1 and counts["scripts"] == {"probe": 1}
    sent = len(payload.command()) + len(_input(params, script=payload.script_text("probe")))
    assert counts["bytes_received"] == len(stdout) and counts["bytes_sent"] == sent


def test_registry_views_redirect_like_64bit_windows():
    assert state.physical_key("SOFTWARE\\TrendMicro\\X", "Registry32", True) == "SOFTWARE\\WOW6432Node\\TrendMicro\\X"
    assert state.physical_key("SOFTWARE\\TrendMicro\\X", "Registry64", True) == "SOFTWARE\\TrendMicro\\X"
    assert state.physical_key("SOFTWARE\\TrendMicro\\X", "Registry64", False) == "SOFTWARE\\TrendMicro\\X"
    assert state.physical_key("SOFTWARE\\WOW6432Node\\T", "Registry32", True) == "SOFTWARE\\WOW6432Node\\T"


def test_server_files_resolve_beside_the_pccsrv_folder():
    params = probe_plan.probe_params(["os", "file_hashes"])
    rc, stdout, stderr = _send("srv", "apexone-srv", payload.script_for("probe", params), params)
    result = answer.parse("probe", rc, stdout, b"")
    backup = probe_plan.Answer(result).file("auth_backup")
    assert backup["exists"] and len(backup["sha256"]) == 64
    assert backup["path"] == "C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\AuthCertBackup\\OfficeScanAuth.dat"


def test_state_changes_persist_in_the_lab_folder_not_the_seed(lab_dir):
    host = state.HostState("h3", "agent-win10-64")
    with host.open() as data:
        data["hotfixes"].append("KB0000001")
    with host.open() as data:
        assert "KB0000001" in data["hotfixes"]
    assert "KB0000001" not in state.load_seed("agent-win10-64")["hotfixes"]


def test_missing_lab_dir_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("APEXONE_LAB_DIR")
    with pytest.raises(state.LabError, match="APEXONE_LAB_DIR is not set"):
        state.lab_dir()


def test_knows_the_minified_script_the_runner_sends_and_no_other_change():
    params = {"Subset": ["os"]}
    rc, stdout, stderr = _send("h1", "agent-win10-64", payload.sent_text("probe"), params)
    assert rc == 0 and lab.read_counts("h1")["scripts"] == {"probe": 1}
    # one string changed in the minified text: the lab does not know it (its digest is neither the
    # file's nor the file's minified form) and has no twin to answer it
    changed = payload.sent_text("probe").replace("'os'", "'0s'", 1)
    rc, stdout, stderr = _send("h2", "agent-win10-64", changed, params)
    assert rc == 1 and "no twin for script (unknown script)" in _error(stdout)


def _send_common(host, common, script="probe", params=None):
    data = _input(params or {"Subset": ["certificates"], "CertificateStores": ["Root"]}, script, common=common)
    return lab.execute(host, "agent-win10-64", payload.command(), data)


def test_common_script_is_sent_with_each_script_and_checked():
    rc, stdout, stderr = _send_common("h1", None)  # the runner's own: common.ps1 minified
    assert rc == 0, stdout
    rc, stdout, stderr = _send_common("h2", payload.script_text("common"))  # the file as it is
    assert rc == 0, stdout
    # RULE C1: any other common script is refused
    rc, stdout, stderr = _send_common("h3", payload.sent_text("common").replace("yyyy-MM-dd", "yyyy-dd-MM"))
    assert rc == 1 and "not the collection's common.ps1" in _error(stdout)
    assert lab.read_counts("h3")["refused"][0]["reason"].startswith("the common script is not")


def test_a_script_without_the_common_function_it_calls_stops_as_powershell_would():
    # RULE C2: a common script that lacks a function the probe calls: the call is not there
    decoded = wire.Decoded("probe", payload.driver(), "", payload.sent_text("probe"), {"Subset": ["certificates"]})
    state_seed = state.load_seed("agent-win10-64")
    assert lab._missing_common_function(decoded, state_seed) == (  # pylint: disable=protected-access
        "The term 'Open-RegistryKey' is not recognized as the name of a cmdlet, function, script file, or "
        "operable program.")
    with_common = decoded._replace(common=payload.sent_text("common"))
    assert lab._missing_common_function(with_common, state_seed) is None  # pylint: disable=protected-access


def test_input_of_another_shape_or_driver_is_refused():
    body = json.loads(_input({"Subset": ["os"]}))
    del body["common"]
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", payload.command(), json.dumps(body).encode() + b"\r\n")
    assert rc == 1 and stdout == b"" and b"not the runner's object" in stderr
    body = json.loads(_input({"Subset": ["os"]}))
    body["driver"] = body["driver"].replace("-Depth 10", "-Depth 2")
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", payload.command(), json.dumps(body).encode() + b"\r\n")
    assert rc == 1 and b"driver is not the one the lab emulates" in stderr
    assert lab.read_counts("h1")["refused"][-1]["script"] == "(driver)"
    body = json.loads(_input({"Subset": ["os"]}))
    body["params"] = {"Subset": ["os"]}  # an object, not [name, value] pairs: the driver would splat nothing
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", payload.command(), json.dumps(body).encode() + b"\r\n")
    assert rc == 1 and b"not [name, value] pairs" in stderr


def test_a_script_named_as_another_is_refused():
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", payload.command(),
                                     _input({"Subset": ["os"]}, name="registry_block", script=payload.sent_text("probe")))
    assert rc == 1 and "names script registry_block, but its text is probe.ps1" in _error(stdout)


def test_the_answer_is_ascii_json_and_the_runner_reads_it():
    rc, stdout, stderr = _send("h1", "agent-win10-64", payload.sent_text("probe"), {"Subset": ["os"]})
    line = stdout.decode("ascii").strip()
    assert rc == 0 and line.startswith("APEXONE-RESULT:{")
    assert answer.parse("probe", rc, stdout, stderr)["os"]["version"] == "10.0.19045"


def test_a_cut_stdin_reads_as_input_damaged_through_the_lab():
    data = _input({"Subset": ["os"]}, script=payload.sent_text("probe"))
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", payload.command(), data[:len(data) // 2 + 1])
    with pytest.raises(_remote.InputDamaged):
        answer.parse("probe", rc, stdout, stderr)
