# -*- coding: utf-8 -*-
"""Messages that misled (issue: safe and right on real hosts, defect 10)."""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import fleet_summary, invalid_files, post_upgrade


def test_check_mode_counts_would_block_not_blocked():
    results = {"a": {"blocked": False, "value_changed": True, "check_mode": True, "record": {}},
               "b": {"blocked": True, "value_changed": False, "check_mode": True, "record": {}}}
    summary = fleet_summary.block_summary(results)
    assert summary["check_mode"] and summary["would_block"] == ["a"] and summary["already_blocked"] == ["b"]
    assert summary["blocked_now"] == [] and summary["released_now"] == []


def test_folder_named_invalid_is_information_not_action():
    planned = invalid_files.plan([{"path": "C:\\OfficeScan\\PCCSRV\\Temp_Invalid", "is_dir": True}])
    checks = post_upgrade.rename_checks({"renamed": [], "root": "C:\\OfficeScan", "skipped_files": planned["skipped"],
                                         "failed_files": [], "planned": []})
    folder = [c for c in checks if c["check"] == "folder named _Invalid"]
    assert folder and folder[0]["severity"] == "info" and not folder[0]["fix"]
    summary = post_upgrade.summary({"srv": checks})
    assert summary["ok"] and not summary["needs_action"]


def test_check_mode_rename_is_not_a_passed_check():
    result = {"renamed": [], "root": "C:\\OfficeScan", "skipped_files": [], "failed_files": [], "check_mode": True,
              "planned": [{"from": "a_Invalid", "to": "a"}, {"from": "b_Invalid", "to": "b"}]}
    summary = post_upgrade.summary({"srv": post_upgrade.rename_checks(result)})
    assert not summary["passed"]
    assert summary["lines"]["information"] == ["srv: check mode: would rename 2 file(s) under C:\\OfficeScan"]
