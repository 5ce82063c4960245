# -*- coding: utf-8 -*-
"""Action plugins run directly, each remote execution answered from a recorded answer (test_data/).

The recordings are what the lab's twins of the scripts answered (probe.ps1 for a 64-bit XG agent
without the block and for the XG server; registry_block.ps1 in check mode on a 32-bit agent whose
NoProgramUpgrade is a REG_SZ). No connection is opened: the action's one seam to the host,
``run_script``, returns the recording and keeps what the action asked for.
"""

from __future__ import annotations

import json
import os
from unittest import mock

import pytest
from ansible.errors import AnsibleAuthenticationFailure, AnsibleConnectionFailure

from ansible_collections.apexone.upgrade.plugins.action import apexone_facts, apexone_hotfix_block, apexone_report
from ansible_collections.apexone.upgrade.plugins.module_utils import fleet_record, preflight, probe_plan
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _collection, _remote
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


def test_compact_facts_leave_only_the_record_for_the_fleet_report():
    result, calls = run_action(apexone_facts, {"compact": True}, {"probe": recorded("probe_agent-win10-64.json")},
                               task_vars={"group_names": ["apexone_agents"]})
    assert [c["script"] for c in calls] == ["probe"]
    assert list(result["ansible_facts"]) == ["apexone_preflight"]
    kept = result["ansible_facts"]["apexone_preflight"]
    assert kept["collection"] == _collection.version() != "unknown"
    assert fleet_record.parse_time(kept["read_at"]) is not None and kept["role"] == "agent"
    assert kept["findings"] == [{"check": "hotfix_block", "severity": "blocker", "params": {"value": 0, "kind": "DWord"}}]
    assert kept["agent"] == {"present": True, "version": "12.0.5684", "product": "xg"}
    assert result["msg"] == "blockers: hotfix_block" and not result.get("failed")


@pytest.mark.parametrize("error", [
    _remote.RemoteScriptError("script probe failed on the host: Access is denied"),
    AnsibleConnectionFailure("10.0.0.9 over winrm (step: connect): no WinRM session could be set up"),
])
def test_a_host_the_compact_probe_cannot_read_keeps_a_record_that_says_why(error):
    with mock.patch.object(apexone_facts.ActionModule, "run_script", side_effect=error):
        result, dummy = run_action(apexone_facts, {"compact": True}, task_vars={"group_names": ["apexone_server"]})
    kept = result["ansible_facts"]["apexone_preflight"]
    assert kept["error"] == str(error) and kept["role"] == "server" and "findings" not in kept
    assert not result.get("failed") and result["msg"] == "not read: %s" % error
    assert "the report counts it as unknown" in result["warnings"][0]


def test_the_compact_probe_never_carries_on_past_refused_credentials_or_bad_input():
    refused = AnsibleAuthenticationFailure("the server rejected the credentials")
    with mock.patch.object(apexone_facts.ActionModule, "run_script", side_effect=refused):
        with pytest.raises(AnsibleAuthenticationFailure):
            run_action(apexone_facts, {"compact": True})
    result, calls = run_action(apexone_facts, {"compact": True, "server_upgrade_date": "12/10"})
    assert result["failed"] and "YYYY-MM-DD" in result["msg"] and "ansible_facts" not in result and calls == []
    result, calls = run_action(apexone_facts, {"compact": True, "post_upgrade": True})
    assert result["failed"] and "cannot be used together" in result["msg"] and calls == []


def _report_hostvars(agents):
    """hostvars of a server and `agents` agents, each with the record the compact probe leaves."""
    cases = [recorded("probe_agent-win10-64.json"), recorded("probe_apexone-srv.json")]
    records = []
    for index, (answer, role) in enumerate(((cases[0], "agents"), (cases[1], "server"))):
        result, dummy = run_action(apexone_facts, {"compact": True}, {"probe": answer},
                                   task_vars={"group_names": ["apexone_" + role]})
        records.append(result["ansible_facts"]["apexone_preflight"])
    hostvars = dict(("agent-%05d" % i, {"apexone_preflight": records[0], "ansible_host": "10.0.%d.%d" % (i // 250, i % 250)})
                    for i in range(agents))
    hostvars["apexone-srv"] = {"apexone_preflight": records[1]}
    hostvars["agent-00007"] = {}  # never probed
    groups = {"apexone_server": ["apexone-srv"], "apexone_agents": sorted(h for h in hostvars if h != "apexone-srv")}
    return {"groups": groups, "hostvars": hostvars}


def test_the_report_of_a_large_fleet_splits_its_hosts_table_into_pages(tmp_path):
    result, calls = run_action(apexone_report, {"report_dir": str(tmp_path), "lang": "en"},
                               task_vars=_report_hostvars(2499))
    assert calls == [] and not result.get("failed")
    summary = result["summary"]
    assert (summary["hosts"], summary["blocked"], summary["not_read"]) == (2500, 2499, 1)
    assert summary["verdict"] == "partial" and "1 of 2500 host(s) have no usable probe record" in result["partial"]
    with open(result["json"], encoding="utf-8") as handle:
        model = json.load(handle)
    assert len(model["hosts"]) == 2500 and model["summary"] == summary
    # blocked hosts first, then the one not probed; 1,000 rows a page
    pages = [os.path.basename(p) for p in result["pages"]]
    assert pages == [os.path.basename(result["html"])[:-len(".html")] + "-hosts-%03d.html" % n for n in (1, 2, 3, 4)]
    rows = []
    for path in result["pages"]:
        with open(path, encoding="utf-8") as handle:
            rows.append(handle.read().count('<tr class="'))
    assert rows == [1000, 1000, 499, 1]
    with open(result["html"], encoding="utf-8") as handle:
        html = handle.read()
    assert html.count('<tr class="') == 0 and all(p in html for p in pages)
    assert "Not a verdict on the fleet: 1 of 2500 hosts have no recent probe facts" in html
    assert "NoProgramUpgrade: 0 (DWord) — <b>2498</b>: agent-00000, agent-00001" in html and "and 2478 more" in html
    # what the task returns stays small: a sample of each check's hosts, never all of them
    hotfix = next(b for b in result["blockers"] if b["check"] == "hotfix_block")
    assert hotfix["count"] == 2498 and len(hotfix["hosts"]) == 20
    assert len(json.dumps(result)) < 20000


def test_the_report_of_a_small_fleet_is_one_page(tmp_path):
    result, dummy = run_action(apexone_report, {"report_dir": str(tmp_path), "lang": "en", "max_age_hours": 0},
                               task_vars=_report_hostvars(5))
    assert result["pages"] == [] and sorted(os.listdir(tmp_path)) == sorted(
        os.path.basename(p) for p in (result["html"], result["json"]))
    with open(result["html"], encoding="utf-8") as handle:
        assert handle.read().count('<tr class="') == 7  # the server, 5 agents and the one never probed


def test_the_report_refuses_a_bad_age_or_run_start(tmp_path):
    result, dummy = run_action(apexone_report, {"report_dir": str(tmp_path), "max_age_hours": -1},
                               task_vars=_report_hostvars(1))
    assert result["failed"] and "0 (any age) or more" in result["msg"]
    result, dummy = run_action(apexone_report, {"report_dir": str(tmp_path), "read_since": "yesterday"},
                               task_vars=_report_hostvars(1))
    assert result["failed"] and "read_since must be a UTC time" in result["msg"] and os.listdir(tmp_path) == []
