# -*- coding: utf-8 -*-
"""One playbook end to end, on whichever ansible-core runs the tests: scripts/versions.sh runs this file on every
version the collection supports, over winrm and psrp (conftest.py), against the lab.

What each version must show: every host read in one remote execution, through one powershell.exe over winrm (a
version that wrapped the runner's command once more would start two: hostmodel RULE 8) and none over psrp, nothing
the lab refused, and the report's verdict the same as on every other version."""

from __future__ import annotations

import glob
import json

import pytest

from ansible_collections.apexone.upgrade.tests.playbook import labrun

GROUPS = {"apexone_server": {"apexone-srv": "apexone-srv"},
          "apexone_agents": {"agent-win10-64": "agent-win10-64", "agent-win7-sp1-nokb": "agent-win7-sp1-nokb"}}


@pytest.fixture(scope="module")
def preflight(tmp_path_factory, lab_transport):
    path = tmp_path_factory.mktemp("versions")
    inventory = labrun.write_inventory(path / "inventory.yml", GROUPS)
    run = labrun.run_playbook("playbooks/preflight.yml", path / "lab", inventory=inventory, extra_vars={
        "apexone_report_dir": str(path / "reports"), "apexone_backup_dir": str(path / "backups"),
        "apexone_fail_on_blockers": False})
    return path, run, lab_transport


def test_every_host_is_read_in_one_execution_through_one_process(preflight):
    path, run, transport = preflight
    assert run.rc == 0, run.stderr[-2000:]
    assert "shell type" not in run.stderr  # 2.21's winrm plugin warns when the inventory forces a shell type
    for group in GROUPS.values():
        for host in group:
            seen = run.counts(host)
            assert seen["executions"] == 1 and seen["refused"] == [], (host, seen)
            assert seen["processes"] == (1 if transport == "winrm" else 0), (host, seen)
            opened = "runspaces" if transport == "psrp" else "shells"
            assert seen[opened + "_opened"] == 1 and seen[opened + "_open"] == 0, (host, seen)


def test_the_verdict_is_the_same_on_every_version(preflight):
    path, run, transport = preflight
    files = glob.glob(str(path / "reports" / "preflight-*.json"))
    assert len(files) == 1
    with open(files[0], encoding="utf-8") as handle:
        report = json.load(handle)
    assert report["summary"]["fleet_blocked"] is True
    checks = {host["host"]: sorted(check for check, severity in host["findings"].items() if severity == "blocker")
              for host in report["hosts"]}
    assert checks["agent-win7-sp1-nokb"] == ["hotfix_block", "sha2_updates"], checks
    assert checks["agent-win10-64"] == ["hotfix_block"], checks
    assert "auth_backup_on_controller" in checks["apexone-srv"], checks
