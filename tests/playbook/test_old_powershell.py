# -*- coding: utf-8 -*-
"""Hosts WinRM reaches but whose PowerShell cannot run the scripts: PowerShell 2.0 and Constrained
Language Mode (issue 11; issue 12 item 8). They are classified, never reported unreachable."""

from __future__ import annotations

import glob
import json
import os

import pytest

from ansible_collections.apexone.upgrade.tests.playbook import labrun

INVENTORY = os.path.join(labrun.LAB, "inventory_old_powershell.yml")


@pytest.fixture(scope="module")
def old_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("old-powershell")
    run = labrun.run_playbook("playbooks/preflight.yml", path / "lab", inventory=INVENTORY, extra_vars={
        "apexone_report_dir": str(path / "reports"), "apexone_backup_dir": str(path / "backups"),
        "apexone_fail_on_blockers": False, "apexone_report_lang": "en"})
    with open(glob.glob(str(path / "reports" / "*.json"))[0], encoding="utf-8") as handle:
        return run, json.load(handle)


@pytest.mark.parametrize("host, findings, words", [
    ("agent-win7-rtm", {"unsupported_os": "blocker"}, "Windows 7 without SP1 (6.1.7600)"),
    ("agent-xp-ps2", {"unsupported_os": "blocker"}, "Windows XP (5.1.2600)"),
    # Windows 7 SP1: its SHA-2 updates (KA-0012615 item 9) are not known from the short answer either
    ("agent-win7-ps2", {"wmf51_required": "blocker", "sha2_unknown": "warning"},
     "install WMF 5.1 to run the remaining checks"),
    ("agent-win10-clm", {"powershell_restricted": "blocker"}, "ConstrainedLanguage"),
    ("agent-vista-nowmi", {"os_unknown": "blocker"}, "PowerShell 2.0 answered, WMI (Win32_OperatingSystem) did not"),
])
def test_old_powershell_hosts_are_classified_not_unreachable(old_run, host, findings, words):
    run, model = old_run
    assert run.stats[host]["unreachable"] == 0 and run.stats[host]["failures"] == 0
    rows = dict((h["host"], h) for h in model["hosts"])
    assert rows[host]["findings"] == findings
    assert rows[host]["status"] == "blocked"
    details = [h["detail"] for c in model["checks"] for h in c["hosts"] if h["host"] == host]
    assert any(words in d for d in details), details
    assert "unreachable" not in rows[host]["findings"]


def test_restricted_host_gets_the_restricted_message(old_run):
    dummy, model = old_run
    check = dict((c["check"], c) for c in model["checks"])["powershell_restricted"]
    assert check["title"] == "PowerShell is restricted on this host"
    assert "administrator" not in check["fix"]


def test_one_execution_each_and_no_script_ran(old_run):
    run, dummy = old_run
    for host in ("agent-win7-rtm", "agent-xp-ps2", "agent-win7-ps2", "agent-win10-clm", "agent-vista-nowmi"):
        counts = run.counts(host)
        assert counts["executions"] == 1, (host, counts)
        assert counts["scripts"] == {"(short answer)": 1}, (host, counts)
