# -*- coding: utf-8 -*-
"""verify_post_upgrade.yml end to end on the post-upgrade lab (KA-0001268 rename; KA-0012615 items 4, 7, 11)."""

from __future__ import annotations

import glob
import json
import os

import pytest

from ansible_collections.apexone.upgrade.tests.playbook import lab_hosts, labrun

PLAYBOOK = "playbooks/verify_post_upgrade.yml"
INVENTORY = os.path.join(labrun.LAB, "inventory_post_upgrade.yml")
RENAME = "Rename the server's *_Invalid files back (KA-0001268)"
ROOT = "C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\PCCSRV\\"


def _run(path, **kwargs):
    extra = dict({"apexone_report_dir": str(path / "reports"), "apexone_report_lang": "en"}, **kwargs.pop("extra_vars", {}))
    return labrun.run_playbook(PLAYBOOK, path / "lab", extra_vars=extra, inventory=INVENTORY, **kwargs)


def _server_files(path):
    with open(path / "lab" / "state" / "apexone-srv.json", encoding="utf-8") as handle:
        return json.load(handle)["files"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, lab_transport):
    path = tmp_path_factory.mktemp("verify")
    (path / "reports").mkdir()
    first = _run(path, diff=True)
    second = _run(path)
    return path, first, second


def test_four_renamed_collision_reported_lookalikes_untouched(runs):
    path, first, dummy = runs
    assert first.rc == 2  # the collision needs a human: the play says so at the end
    result = first.result(RENAME, "apexone-srv")
    assert sorted(r["to"][len(ROOT):] for r in result["renamed"]) == [
        "Admin\\TmUpdate.dll", "Admin\\Utility\\TMVerify.exe", "Download\\日本語モジュール.dll", "Web_OSCE\\images\\invalid.gif"]
    assert [s["path"][len(ROOT):] for s in result["skipped_files"]] == ["Admin\\tmssclient.dll_Invalid"]
    collision = result["skipped_files"][0]
    assert collision["file"]["modified"] == "2026-11-20T01:00:00Z" and collision["existing"]["modified"] == "2026-11-21T03:00:00Z"
    assert sorted(e["path"][len(ROOT):] for e in result["excluded"]) == [
        "Web\\images\\invalid.gif", "Web_OSCE\\config_invalid_rendering_class.xml", "Web_OSCE\\config_invalid_syntax.php"]
    files = _server_files(path)
    for lookalike in ("Web\\images\\invalid.gif", "Web_OSCE\\config_invalid_syntax.php",
                      "Web_OSCE\\config_invalid_rendering_class.xml", "Admin\\tmssclient.dll", "Admin\\tmssclient.dll_Invalid"):
        assert ROOT + lookalike in files
    assert ROOT + "Admin\\TmUpdate.dll_Invalid" not in files and ROOT + "Admin\\TmUpdate.dll" in files


def test_manifest_lists_every_rename(runs):
    path, first, dummy = runs
    manifests = glob.glob(str(path / "reports" / "invalid-renames-apexone-srv-*.json"))
    assert len(manifests) == 1
    with open(manifests[0], encoding="utf-8") as handle:
        manifest = json.load(handle)
    assert sorted(m["new_name"] for m in manifest) == sorted(r["to"] for r in first.result(RENAME, "apexone-srv")["renamed"])
    assert all(m["old_name"].endswith("_Invalid") and m["time"] for m in manifest)


def test_checks_and_information(runs):
    dummy, first, dummy2 = runs
    summary = first.result("Sort the checks", "localhost")["ansible_facts"]["apexone_verify_summary"]
    assert not summary["ok"] and summary["unknown"] == []
    assert [(a["host"], a["check"]) for a in summary["needs_action"]] == [("apexone-srv", "rename")]
    assert "tmssclient.dll_Invalid" in summary["needs_action"][0]["fix"]
    passed = [(p["host"], p["check"]) for p in summary["passed"]]
    for check in ("server_version", "service iVP", "service iAC", "folder iVP", "folder iAC", "certificates"):
        assert ("apexone-srv", check) in passed
    iac = next(p for p in summary["passed"] if p["check"] == "folder iAC")
    assert "spelled iServiceSvr" in iac["detail"]
    info = dict(((i["host"], i["check"]), i["detail"]) for i in summary["information"])
    assert "expected after the server upgrade (KA-0012615 item 7)" in info[("agent-xg-renamed", "service_names")]
    assert ("agent-apexone", "service_names") not in info  # an upgraded agent's names are no news


def test_second_run_changes_nothing(runs):
    dummy, dummy2, second = runs
    assert second.result(RENAME, "apexone-srv")["renamed"] == []
    assert all(s["changed"] == 0 for s in second.stats.values()), second.stats


def test_remote_executions(runs):
    dummy, first, dummy2 = runs
    # first run: probe + renames on the server; one probe per agent (counts cover both runs)
    assert first.counts("apexone-srv")["scripts"] == {"probe": 2, "invalid_rename": 1}
    assert first.counts("agent-apexone")["executions"] == 2 and first.counts("agent-xg-renamed")["executions"] == 2


def test_check_mode_renames_nothing(tmp_path):
    (tmp_path / "reports").mkdir()
    run = _run(tmp_path, check=True)
    result = run.result(RENAME, "apexone-srv")
    assert result["changed"] and len(result["planned"]) == 4 and result["renamed"] == []
    assert ROOT + "Admin\\TmUpdate.dll_Invalid" in _server_files(tmp_path)
    assert run.counts("apexone-srv")["scripts"] == {"probe": 1}
    assert not glob.glob(str(tmp_path / "reports" / "invalid-renames-*"))


def test_locked_file_fails_and_the_rest_continue(tmp_path):
    (tmp_path / "reports").mkdir()
    lab_hosts.seed(tmp_path / "lab", "apexone-srv", from_seed="apexone-srv-upgraded",
                   change=lambda data: data["files"][ROOT + "Admin\\TmUpdate.dll_Invalid"].update(locked=True))
    run = _run(tmp_path)
    result = run.result(RENAME, "apexone-srv")
    assert result["failed"] is True
    assert [f["path"][len(ROOT):] for f in result["failed_files"]] == ["Admin\\TmUpdate.dll_Invalid"]
    assert "being used by another process" in result["msg"]
    assert len(result["renamed"]) == 3
    summary = run.result("Sort the checks", "localhost")["ansible_facts"]["apexone_verify_summary"]
    assert not summary["ok"] and run.rc != 0
    fixes = [a["fix"] for a in summary["needs_action"]]
    assert any("stop the service holding" in f and "TmUpdate.dll_Invalid" in f for f in fixes)
    assert any("tmssclient.dll_Invalid" in f for f in fixes)  # the collision needs a human too


def test_bad_paths_are_refused(tmp_path):
    inventory = labrun.write_inventory(tmp_path / "inv.yml", hosts={"apexone-srv": "apexone-srv-upgraded"})
    play = tmp_path / "play.yml"
    play.write_text(
        "- hosts: windows\n  gather_facts: false\n  tasks:\n"
        "    - {name: drive root, apexone.upgrade.apexone_invalid_rename: {path: 'C:\\'}, ignore_errors: true}\n"
        "    - {name: outside, apexone.upgrade.apexone_invalid_rename: {path: 'C:\\Temp'}, ignore_errors: true}\n"
        "    - {name: missing, apexone.upgrade.apexone_invalid_rename: {path: '%sNoSuchFolder'}}\n" % ROOT.replace("\\", "\\\\"))
    run = labrun.run_playbook(str(play), tmp_path / "lab", inventory=str(inventory))
    assert "drive or share root" in run.result("drive root", "apexone-srv")["msg"]
    assert "outside the server's install folder" in run.result("outside", "apexone-srv")["msg"]
    missing = run.result("missing", "apexone-srv")
    assert missing["failed"] and "NoSuchFolder does not exist on the host" in missing["msg"]
    assert run.counts("apexone-srv")["scripts"] == {"probe": 2}  # the drive root never reached the host
