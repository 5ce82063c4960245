# -*- coding: utf-8 -*-
"""After the server upgrade: checks from the lab's upgraded server, in both languages."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import post_upgrade, preflight, probe_plan
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins


@pytest.fixture(scope="module")
def server():
    answer = twins.probe(state.load_seed("apexone-srv-upgraded"),
                         probe_plan.probe_params(list(probe_plan.HOST_SUBSETS) + ["folders"]))
    return preflight.host_facts(answer, [])


@pytest.mark.parametrize("lang, detail, fix", [
    ("en", "found ", "contact Trend Micro support"),
    ("ja", " あり", "サポートにお問い合わせください"),
])
def test_server_checks_are_worded_in_the_language_asked(server, lang, detail, fix):
    checks = dict((c["check"], c) for c in post_upgrade.worded(post_upgrade.server_checks(server), lang))
    assert checks["server_version"]["ok"] and checks["server_version"]["fix"] == ""
    assert detail in checks["folder iVP"]["detail"]
    missing = post_upgrade.worded([dict(checks["folder iVP"], ok=False, kind="folder_missing")], lang)[0]
    assert fix in missing["fix"] and "iVP" in missing["fix"]


def test_a_failed_rename_needs_action_with_the_file_named():
    result = {"renamed": [], "root": "C:\\OfficeScan", "failed_files": [{"path": "C:\\a.dll_Invalid", "error": "locked"}]}
    summary = post_upgrade.summary({"srv": post_upgrade.rename_checks(result)}, "ja")
    assert [a["check"] for a in summary["needs_action"]] == ["rename"]
    assert summary["lines"]["needs_action"] == ["srv: C:\\a.dll_Invalid を使用しているサービスを停止して再実行してください "
                                                "(KA-0012615 事項 11, KA-0000580)"]
