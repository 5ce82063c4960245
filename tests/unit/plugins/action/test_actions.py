# -*- coding: utf-8 -*-
"""Action plugins run directly, each remote execution answered from a recorded answer (test_data/).

The recordings are what the lab's twins of the scripts answered (probe.ps1 for a 64-bit XG agent
without the block and for the XG server; registry_block.ps1 in check mode on a 32-bit agent whose
NoProgramUpgrade is a REG_SZ). No connection is opened: the action's one seam to the host,
``run_script``, returns the recording and keeps what the action asked for.
"""

from __future__ import annotations

from unittest import mock

import pytest

from ansible_collections.apexone.upgrade.plugins.action import apexone_facts, apexone_hotfix_block, apexone_report
from ansible_collections.apexone.upgrade.plugins.module_utils import preflight, probe_plan
from ansible_collections.apexone.upgrade.tests.unit.helpers_action import recorded, run_action


def test_facts_of_an_agent_in_one_read_only_execution():
    result, calls = run_action(apexone_facts, {}, {"probe": recorded("probe_agent-win10-64.json")},
                               task_vars={"group_names": ["apexone_agents"]})
    assert [(c["script"], c["read_only"]) for c in calls] == [("probe", True)]
    assert calls[0]["params"]["Subset"] == list(probe_plan.HOST_SUBSETS)  # an agent tests no network
    host = result["ansible_facts"]["apexone_host"]
    assert host["role"] == "agent" and host["os"]["bits"] == 64
    assert host["agent"]["registry_path"].endswith("WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion")
    assert host["agent"]["product"] == "xg" and not host["agent"]["block"]["blocked"]
    found = result["ansible_facts"]["apexone_findings"]
    assert [(f["check"], f["severity"], f["source"]) for f in found] == [("hotfix_block", "blocker", "KA-0012615 item 6")]
    assert result["msg"] == "blockers: hotfix_block" and not result["changed"] and not result.get("failed")


def test_facts_of_the_server_test_its_destinations():
    result, calls = run_action(apexone_facts, {"server_upgrade_date": "2026-12-10"}, {"probe": recorded("probe_apexone-srv.json")},
                               task_vars={"group_names": ["apexone_server"]})
    assert "network" in calls[0]["params"]["Subset"] and calls[0]["params"]["Endpoints"]
    found = dict((f["check"], f) for f in result["ansible_facts"]["apexone_findings"])
    assert sorted(found) == ["invalid_files", "network"]
    assert found["invalid_files"]["params"]["count"] == 2
    assert result["msg"] == "no blocker on this host"


@pytest.mark.parametrize("args, message", [
    ({"server_upgrade_date": "10.12.2026"}, "write it as YYYY-MM-DD"),
    ({"region": "mars", "role": "server"}, "unknown region 'mars'"),
    ({"required_certificates": [{"name": "x", "store": "My"}]}, "store must be 'Root'"),
])
def test_bad_input_fails_with_what_to_do_before_any_remote_execution(args, message):
    result, calls = run_action(apexone_facts, args, {"probe": recorded("probe_agent-win10-64.json")})
    assert result["failed"] and message in result["msg"]
    assert calls == []


def test_a_programming_error_keeps_its_traceback():
    with mock.patch.object(preflight, "host_facts", side_effect=ValueError("a bug, not the user's input")):
        with pytest.raises(ValueError, match="a bug"):
            run_action(apexone_facts, {}, {"probe": recorded("probe_agent-win10-64.json")})


def test_hotfix_block_in_check_mode_reports_the_change_it_would_make():
    result, calls = run_action(apexone_hotfix_block, {"actor": "ops@ctl"},
                               {"registry_block": recorded("registry_block_agent-win10-32_check.json")},
                               check_mode=True, diff=True)
    assert [(c["script"], c["read_only"]) for c in calls] == [("registry_block", False)]
    params = calls[0]["params"]
    assert params["CheckMode"] is True and params["Value"] == 1
    assert {"name": "BlockedBy", "value": "ops@ctl"} in params["Record"]["write"]
    # REG_SZ "1" is not the block: it would become a REG_DWORD; in check mode nothing is reported as corrected yet
    assert result["changed"] and result["value_changed"] and not result["type_corrected"]
    assert result["diff"]["before"] == "NoProgramUpgrade = 1 (REG_SZ)\n"
    assert result["diff"]["after"] == "NoProgramUpgrade = 1 (REG_DWORD)\n"


def test_the_report_refuses_a_required_directory_that_is_empty(tmp_path):
    result, calls = run_action(apexone_report, {"report_dir": str(tmp_path), "directory_required": True},
                               task_vars={"groups": {"apexone_server": [], "apexone_agents": []}, "hostvars": {}})
    assert result["failed"] and "no computer came from Active Directory" in result["msg"]
    assert calls == [] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("local_path, problem", [
    ("C:\\Trend|Micro\\PCCSRV\\", "is not a usable path (Exception calling \"GetFullPath\""),
    ('"C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\PCCSRV\\"', "Illegal characters in path"),
    ("", "is empty"),
])
def test_a_local_path_dotnet_refuses_still_searches_the_default_folders(tmp_path, monkeypatch, local_path, problem):
    # KA-0012615 item 10: a hand-edited Local_Path must not cost the backup (PowerShell review finding 13)
    from ansible_collections.apexone.upgrade.plugins.action import apexone_auth_backup
    from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins
    monkeypatch.setenv("APEXONE_LAB_DIR", str(tmp_path))
    host = state.load_seed("apexone-srv")
    host["registry"]["SOFTWARE\\WOW6432Node\\TrendMicro\\OfficeScan\\service\\Information"]["Local_Path"]["value"] = local_path
    result, calls = run_action(apexone_auth_backup, {"dest": str(tmp_path / "keep")},
                               {"auth_backup": lambda params: twins.TWINS["auth_backup"](host, params)}, check_mode=True)
    assert [c["script"] for c in calls] == ["auth_backup"]
    assert result["found"] is True and result["source"].endswith("OfficeScan\\AuthCertBackup\\OfficeScanAuth.dat")
    assert problem in result["local_path_problem"]
    assert result["searched"] == calls[0]["params"]["DefaultPaths"]  # nothing resolved from the bad value
    assert not result.get("failed")


def test_a_bad_local_path_is_not_reported_when_a_registry_view_gave_the_folder():
    # auth_backup.ps1 reads the server key through both registry views; one good Local_Path is enough
    from ansible_collections.apexone.upgrade.plugins.module_utils import auth_backup
    params = auth_backup.plan(1024)
    beside = "C:\\OfficeScan\\AuthCertBackup\\OfficeScanAuth.dat"
    answer = {"found": False, "server": {"local_path": "C:\\x|y"}, "local_path_invalid": "Illegal characters in path.",
              "candidates": [beside] + params["DefaultPaths"]}
    assert auth_backup.local_path_problem(answer, params) is None
    answer["candidates"] = params["DefaultPaths"]
    assert "Illegal characters in path." in auth_backup.local_path_problem(answer, params)
