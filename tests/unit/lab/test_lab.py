# -*- coding: utf-8 -*-
"""The lab is a test double: it must refuse what real PowerShell would refuse, and count honestly."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _runner
from ansible_collections.apexone.upgrade.tests.lab.simulator import lab, state, wire


@pytest.fixture(autouse=True)
def lab_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("APEXONE_LAB_DIR", str(tmp_path))
    return tmp_path


def _send(host, seed, script, params):
    return lab.execute(host, seed, _runner.build_command(), _runner.build_payload(script, params))


def _error(stdout):
    line = stdout.decode("ascii").strip()
    assert line.startswith("APEXONE-ERROR:"), line
    return json.loads(gzip.decompress(base64.b64decode(line[len("APEXONE-ERROR:"):])))["message"]


def test_refuses_a_script_with_a_syntax_error():
    broken = _runner.script_text("probe").replace("if ($Subset -notcontains $Name) { return }", "if ($Subset -notcontains $Name { return }", 1)
    rc, stdout, stderr = _send("h1", "agent-win10-64", broken, {"Subset": ["os"]})
    assert rc == 1
    assert "does not parse as Windows PowerShell 5.1" in _error(stdout)
    counts = lab.read_counts("h1")
    assert counts["executions"] == 1 and counts["refused"][0]["script"] == "(unknown script)"


def test_refuses_a_parameter_the_param_block_lacks():
    rc, stdout, stderr = _send("h1", "agent-win10-64", _runner.script_text("probe"), {"Subset": ["os"], "Bogus": True})
    assert rc == 1
    assert "A parameter cannot be found that matches parameter name 'Bogus'" in _error(stdout)
    assert lab.read_counts("h1")["refused"][0]["script"] == "probe"


def test_refuses_a_changed_bootstrap():
    cmd = _runner.POWERSHELL + " " + base64.b64encode("Write-Output 1".encode("utf-16-le")).decode()
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", cmd, _runner.build_payload(_runner.script_text("probe"), {}))
    # PowerShell's own error record (the endpoint writes it to stderr as CLIXML), not the bootstrap's line
    assert rc == 1 and stdout == b"" and b"bootstrap is not the one the lab emulates" in stderr


def test_refuses_a_payload_that_is_not_gzip():
    plain = base64.b64encode(_runner.script_text("probe").encode("utf-8") + b"\0{}") + b"\r\n"
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", _runner.build_command(), plain)
    # the bootstrap decodes outside any try: PowerShell's own error record (stderr), no marked line
    assert rc == 1 and stdout == b"" and b"not gzip" in stderr


def test_refuses_a_stock_module_command():
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", "whoami", None)
    assert rc == 1 and b"Stock Windows modules are not emulated" in stderr


def test_answers_probe_and_counts_executions_and_bytes():
    params = probe_plan.probe_params(list(probe_plan.SUBSETS))
    rc, stdout, stderr = _send("h2", "agent-win10-32", _runner.script_text("probe"), params)
    assert rc == 0
    result = _runner.parse_output("probe", rc, stdout, b"")
    assert result["os"]["is_64bit"] is False
    # 32-bit Windows: the agent lives under the plain key, and the WOW6432Node read finds nothing
    assert result["registry"]["agent_32"]["exists"] and not result["registry"]["agent_64"]["exists"]
    assert result["registry"]["agent_misc_32"]["values"]["TmListen_Ver"]["value"] == "12.0.5684"
    counts = lab.read_counts("h2")
    assert counts["executions"] == 1 and counts["scripts"] == {"probe": 1}
    sent = len(_runner.build_command()) + len(_runner.build_payload(_runner.script_text("probe"), params))
    assert counts["bytes_received"] == len(stdout) and counts["bytes_sent"] == sent


def test_registry_views_redirect_like_64bit_windows():
    assert state.physical_key("SOFTWARE\\TrendMicro\\X", "Registry32", True) == "SOFTWARE\\WOW6432Node\\TrendMicro\\X"
    assert state.physical_key("SOFTWARE\\TrendMicro\\X", "Registry64", True) == "SOFTWARE\\TrendMicro\\X"
    assert state.physical_key("SOFTWARE\\TrendMicro\\X", "Registry64", False) == "SOFTWARE\\TrendMicro\\X"
    assert state.physical_key("SOFTWARE\\WOW6432Node\\T", "Registry32", True) == "SOFTWARE\\WOW6432Node\\T"


def test_server_files_resolve_beside_the_pccsrv_folder():
    params = probe_plan.probe_params(["files"])
    rc, stdout, stderr = _send("srv", "apexone-srv", _runner.script_text("probe"), params)
    result = _runner.parse_output("probe", rc, stdout, b"")
    backup = next(f for f in result["files"] if f["name"] == "auth_backup_64")
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
    rc, stdout, stderr = _send("h1", "agent-win10-64", _runner.sent_text("probe"), params)
    assert rc == 0 and lab.read_counts("h1")["scripts"] == {"probe": 1}
    # one string changed in the minified text: the lab does not know it (its digest is neither the
    # file's nor the file's minified form) and has no twin to answer it
    changed = _runner.sent_text("probe").replace("'os'", "'0s'", 1)
    rc, stdout, stderr = _send("h2", "agent-win10-64", changed, params)
    assert rc == 1 and "no twin for script (unknown script)" in _error(stdout)


def _send_common(host, common, script="probe", params=None):
    payload = _runner.build_payload(_runner.sent_text(script), params or {"Subset": ["certificates"],
                                                                          "CertificateStores": ["Root"]}, common)
    return lab.execute(host, "agent-win10-64", _runner.build_command(), payload)


def test_common_script_is_sent_with_each_script_and_checked():
    rc, stdout, stderr = _send_common("h1", None)  # the runner's own: common.ps1 minified
    assert rc == 0, stdout
    rc, stdout, stderr = _send_common("h2", _runner.script_text("common"))  # the file as it is
    assert rc == 0, stdout
    # RULE C1: any other common script is refused
    rc, stdout, stderr = _send_common("h3", _runner.sent_text("common").replace("yyyy-MM-dd", "yyyy-dd-MM"))
    assert rc == 1 and "not the collection's common.ps1" in _error(stdout)
    assert lab.read_counts("h3")["refused"][0]["reason"].startswith("the common script is not")


def test_a_script_without_the_common_function_it_calls_stops_as_powershell_would():
    # RULE C2: the older bootstrap sends no common script: the probe's calls to it are not there
    old = wire.BOOTSTRAPS[wire.GUARDED_PRELUDE_SHA256]
    decoded = wire.Decoded(_runner.sent_text("probe"), {"Subset": ["certificates"]}, None)
    assert old.decode is wire.decode_input_gzip
    state_seed = state.load_seed("agent-win10-64")
    assert lab._missing_common_function(decoded, state_seed) == (  # pylint: disable=protected-access
        "The term 'Open-RegistryKey' is not recognized as the name of a cmdlet, function, script file, or "
        "operable program.")
    with_common = decoded._replace(common=_runner.sent_text("common"))
    assert lab._missing_common_function(with_common, state_seed) is None  # pylint: disable=protected-access


def _packed(*parts):
    return base64.b64encode(gzip.compress("\0".join(parts).encode("utf-8"), mtime=0)) + b"\r\n"


def test_a_payload_of_another_shape_or_driver_is_refused():
    params = json.dumps({"Subset": ["os"]})
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", _runner.build_command(),
                                     _packed(_runner.sent_text("common"), _runner.sent_text("probe"), params))
    assert rc == 1 and stdout == b"" and b"3 NUL-separated parts instead of 4" in stderr
    driver = _runner.DRIVER.replace("-Depth 10", "-Depth 2")
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", _runner.build_command(),
                                     _packed(driver, _runner.sent_text("common"), _runner.sent_text("probe"), params))
    assert rc == 1 and b"driver is not the one the lab emulates" in stderr
    assert lab.read_counts("h1")["refused"][-1]["script"] == "(undecodable)"


def test_the_answer_is_gzip_and_the_runner_reads_it():
    rc, stdout, stderr = _send("h1", "agent-win10-64", _runner.sent_text("probe"), {"Subset": ["os"]})
    packed = base64.b64decode(stdout.decode("ascii").strip()[len("APEXONE-RESULT:"):])
    assert rc == 0 and packed[:2] == b"\x1f\x8b"
    assert _runner.parse_output("probe", rc, stdout, stderr)["os"]["version"] == "10.0.19045"


def test_a_cut_stdin_reads_as_input_damaged_through_the_lab():
    payload = _runner.build_payload(_runner.sent_text("probe"), {"Subset": ["os"]})
    rc, stdout, stderr = lab.execute("h1", "agent-win10-64", _runner.build_command(), payload[:len(payload) // 2 + 1])
    with pytest.raises(_runner.InputDamaged):
        _runner.parse_output("probe", rc, stdout, stderr)
