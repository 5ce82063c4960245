# -*- coding: utf-8 -*-
"""The fleet filters read each host's variables the same way: a host hostvars lacks is not read."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.apexone.upgrade.plugins.filter import block_summary, post_upgrade_summary

BLOCKED = {"blocked": True, "value_changed": True, "agent_version": "14.0.9999"}
RENAMED = {"renamed": [{"path": "C:\\PCCSRV\\a.dll_Invalid"}], "root": "C:\\PCCSRV"}


def test_block_summary_reads_the_named_variable_and_counts_a_missing_host_as_failed():
    hostvars = {"a1": {"blocked": BLOCKED}, "a2": {"hotfix_block_result": BLOCKED}}
    summary = block_summary.block_summary(hostvars, ["a1", "a2", "gone"], result_var="blocked")
    assert summary["blocked_now"] == ["a1"]
    assert summary["failed_or_unreachable"] == ["a2", "gone"]


def test_post_upgrade_summary_adds_the_renames_and_lists_unread_hosts_as_unknown():
    hostvars = {"srv": {"apexone_post_upgrade": [], "renames": RENAMED}, "a1": {}}
    summary = post_upgrade_summary.post_upgrade_summary(hostvars, ["srv", "a1", "gone"], rename_var="renames",
                                                        lang="en")
    assert summary["unknown"] == ["a1", "gone"]
    assert [(line["host"], line["check"]) for line in summary["passed"]] == [("srv", "renamed _Invalid files")]


def test_a_user_input_error_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="2026-13-40"):
        block_summary.block_summary({"a1": {"hotfix_block_result": BLOCKED}}, ["a1"], upgrade_date="2026-13-40")
