# -*- coding: utf-8 -*-
"""block_hotfix.yml and release_hotfix_block.yml end to end on the lab (KA-0012615 items 6 and 7)."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apexone.upgrade.tests.playbook import lab_hosts, labrun

TASK = "Set NoProgramUpgrade on the agent, verify it, and record when"
AGENTS = ["agent-win10-64", "agent-win10-32", "agent-win7-sp1-nokb", "agent-2008r2",
          "host-no-agent", "agent-missing-certs"]
CLOCK = "2026-11-22T06:00:00Z"


def _seed_lab(lab_dir, **changes):
    """Working states with a fixed host clock, so dates are passed in, never read from this machine."""
    for host in AGENTS + ["apexone-srv"]:
        lab_hosts.seed(lab_dir, host, lambda data, host=host: data.update(dict({"clock": CLOCK}, **changes.get(host, {}))))


def _registry(lab_dir, host):
    return lab_hosts.state_of(lab_dir, host)["registry"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, lab_transport):
    path = tmp_path_factory.mktemp("lab")
    _seed_lab(path)
    return path


@pytest.fixture(scope="module")
def first(lab):
    return labrun.run_playbook("playbooks/block_hotfix.yml", lab, extra_vars={"apexone_server_upgrade_date": "2026-12-10"},
                               diff=True)


@pytest.fixture(scope="module")
def second(lab, first):
    assert first.rc == 0
    return labrun.run_playbook("playbooks/block_hotfix.yml", lab, extra_vars={"apexone_server_upgrade_date": "2026-12-10"})


def test_64bit_agent_blocked_under_wow6432node(first, lab):
    result = first.result(TASK, "agent-win10-64")
    assert result["changed"] and result["blocked"] and result["verified"]
    assert result["registry_path"] == "HKLM\\SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion\\Misc."
    misc = _registry(lab, "agent-win10-64")["SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion\\Misc."]
    assert misc["NoProgramUpgrade"] == {"kind": "DWord", "value": 1}
    assert result["record"]["BlockedAt"] == CLOCK
    assert result["diff"]["before"] == "NoProgramUpgrade = 0 (REG_DWORD)\n"


def test_32bit_agent_blocked_at_plain_key_and_reg_sz_corrected(first, lab):
    result = first.result(TASK, "agent-win10-32")
    assert result["registry_path"] == "HKLM\\SOFTWARE\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion\\Misc."
    assert result["previous"] == {"kind": "String", "value": "1"}
    assert result["type_corrected"] and result["current"] == {"kind": "DWord", "value": 1}
    registry = _registry(lab, "agent-win10-32")
    assert registry["SOFTWARE\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion\\Misc."]["NoProgramUpgrade"]["kind"] == "DWord"
    assert not any("WOW6432Node\\TrendMicro" in key for key in registry)


def test_host_without_agent_is_skipped_and_nothing_created(first, lab):
    result = first.result(TASK, "host-no-agent")
    assert result["skipped"] and not result["changed"]
    registry = _registry(lab, "host-no-agent")
    assert not any("TrendMicro" in key or "apexone.upgrade" in key for key in registry)


def test_already_blocked_agent_gets_only_the_record(first):
    result = first.result(TASK, "agent-2008r2")
    assert not result["value_changed"] and result["record_changed"] and result["blocked"]


def test_summary_and_two_week_rule(first):
    summary = first.result("Sort the agents by outcome", "localhost")["ansible_facts"]["apexone_block_summary"]
    assert summary["skipped_no_agent"] == ["host-no-agent"]
    assert summary["already_blocked"] == ["agent-2008r2"]
    assert summary["type_corrected"] == ["agent-win10-32"]
    assert sorted(summary["blocked_now"]) == sorted(set(AGENTS) - {"host-no-agent", "agent-2008r2"})
    assert summary["failed_or_unreachable"] == []
    # blocked on 2026-11-22 for an upgrade on 2026-12-10: 18 days, every agent is ready
    assert summary["not_ready_for_upgrade"] == []
    assert summary["version_counts"] == {"12.0.5684": 5}  # agent-win7-rtm (12.0.5427, PowerShell 2.0) is in inventory_old_powershell.yml


def test_second_run_changes_nothing(second):
    assert second.rc == 0
    assert all(stats["changed"] == 0 for stats in second.stats.values()), second.stats


def test_one_remote_execution_per_agent_per_run(second):
    for host in AGENTS:
        assert second.counts(host)["executions"] == 2  # first run + second run
    assert second.counts("apexone-srv")["executions"] == 0


def test_check_mode_changes_nothing_and_says_what_would(tmp_path):
    _seed_lab(tmp_path)
    before = _registry(tmp_path, "agent-win10-64")
    run = labrun.run_playbook("playbooks/block_hotfix.yml", tmp_path, check=True, diff=True)
    assert run.rc == 0
    result = run.result(TASK, "agent-win10-64")
    assert result["changed"] and result["msg"].startswith("would set NoProgramUpgrade = 1")
    assert result["diff"]["after"] == "NoProgramUpgrade = 1 (REG_DWORD)\n"
    assert _registry(tmp_path, "agent-win10-64") == before


def test_upgrade_too_soon_is_reported(tmp_path):
    _seed_lab(tmp_path)
    run = labrun.run_playbook("playbooks/block_hotfix.yml", tmp_path,
                              extra_vars={"apexone_server_upgrade_date": "2026-11-30"}, limit="agent-win10-64,localhost")
    summary = run.result("Sort the agents by outcome", "localhost")["ansible_facts"]["apexone_block_summary"]
    assert [item["host"] for item in summary["not_ready_for_upgrade"]] == ["agent-win10-64"]
    assert "move the upgrade to 2026-12-06 or later" in summary["not_ready_for_upgrade"][0]["reason"]


def test_bad_upgrade_date_fails_before_touching_hosts(tmp_path):
    _seed_lab(tmp_path)
    run = labrun.run_playbook("playbooks/block_hotfix.yml", tmp_path, extra_vars={"apexone_server_upgrade_date": "10/12/2026"},
                              limit="agent-win10-64,localhost")
    assert run.rc != 0
    assert "write it as YYYY-MM-DD" in run.result(TASK, "agent-win10-64")["msg"]
    assert run.counts("agent-win10-64")["executions"] == 0


def test_release_in_waves_reports_agents_still_on_xg(tmp_path):
    # The staged rollout itself is tested in test_rollout.py; here, on the preflight lab, in no-wait mode:
    # the first run lifts wave 1 only, the second checks it and lifts wave 2.
    _seed_lab(tmp_path, **{"agent-win10-64": {"registry": {
        "SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion": {},
        "SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion\\Misc.": {
            "TmListen_Ver": {"kind": "String", "value": "14.0.12011"},
            "NoProgramUpgrade": {"kind": "DWord", "value": 1}}}}})
    settings = {"apexone_release_waves": [2, "100%"], "apexone_rollout_wait": False, "apexone_rollout_threshold": 50,
                "apexone_report_dir": str(tmp_path / "reports"), "apexone_report_lang": "en"}
    first = labrun.run_playbook("playbooks/release_hotfix_block.yml", tmp_path,
                                extra_vars=dict(settings, apexone_rollout_new=True))
    assert first.rc == 0, first.stdout[-2000:]
    misc = "SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion\\Misc."
    assert _registry(tmp_path, "agent-2008r2")[misc]["NoProgramUpgrade"]["value"] == 1  # wave 2: not yet
    second = labrun.run_playbook("playbooks/release_hotfix_block.yml", tmp_path, extra_vars=settings)
    assert second.rc == 0, second.stdout[-2000:]
    gate = second.result("Judge the wave (gate)", "agent-win10-64")
    assert gate["verdict"] == "pass" and gate["progress"]["upgraded"] == 1 and gate["still_xg"] == ["agent-win10-32"]
    registry = _registry(tmp_path, "agent-2008r2")
    assert registry[misc]["NoProgramUpgrade"] == {"kind": "DWord", "value": 0}
    assert registry["SOFTWARE\\apexone.upgrade\\HotfixBlock"]["ReleasedAt"]["value"] == CLOCK
    report = second.result("Write the rollout report (HTML and JSON)", "localhost")
    with open(report["report"]["json"], encoding="utf-8") as handle:
        data = json.load(handle)
    still_xg = [h["host"] for h in data["still_xg"]]
    assert "agent-win7-sp1-nokb" in still_xg and "agent-win10-64" not in still_xg
    assert "host-no-agent" not in still_xg


def test_console_reminder_comes_from_the_catalog(first):
    from ansible_collections.apexone.upgrade.plugins.module_utils import catalog
    from ansible_collections.apexone.upgrade.plugins.filter import words
    reminder = first.result("Make the console setting too (KA-0012615 item 6)", "localhost")["msg"]
    # the play's words are Japanese unless apexone_report_lang says otherwise; the setting is the catalog's
    assert reminder[0] == words.words("block_console", setting=catalog.CONSOLE_UPDATE_SETTING["ja"])
    assert reminder[0] == "コンソール: " + catalog.CONSOLE_UPDATE_SETTING["ja"]


def test_runbook_lookup_refuses_unknown_entries():
    from ansible.errors import AnsibleLookupError
    from ansible_collections.apexone.upgrade.plugins.lookup import runbook
    assert runbook.entry("builds")["apexone_self_rename"] == 9565
    assert runbook.entry("sql_password_forbidden")[0] == "&"  # tuples come back as lists
    with pytest.raises(AnsibleLookupError, match="not an entry of the runbook catalog; known: .*console_update_setting"):
        runbook.entry("__dict__")


def test_the_module_name_before_0_1_0_is_redirected(tmp_path):
    _seed_lab(tmp_path)
    run = labrun.run_playbook("tests/playbook/plays/registry_block_old_name.yml", tmp_path, check=True,
                              limit="agent-win10-64")
    assert run.rc == 0, run.stdout[-2000:]
    result = run.result("Block through the old name", "agent-win10-64")
    assert result["changed"] and result["value_changed"]  # what apexone_hotfix_block answers in check mode
    assert result["registry_path"].endswith("PC-cillinNTCorp\\CurrentVersion\\Misc.")
