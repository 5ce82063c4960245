# -*- coding: utf-8 -*-
"""The case tables shared with the Pester tests: written from the collection's Python, and the lab's
twins answer every case as the table says (the Pester tests hold the real scripts to the same table)."""

from __future__ import annotations

import os
import re

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import installed_updates, invalid_files, probe_plan
from ansible_collections.apexone.upgrade.tests.cases import make_cases
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins

TABLES = make_cases.tables()


def _committed(name):
    with open(os.path.join(make_cases.HERE, name), encoding="utf-8") as handle:
        return handle.read()


@pytest.mark.parametrize("name", sorted(TABLES))
def test_committed_table_is_what_the_python_sends(name):
    assert _committed(name) == make_cases.text(TABLES[name]), (
        "tests/cases/%s is out of date: run 'python tests/cases/make_cases.py' and commit it" % name)


@pytest.fixture(autouse=True)
def lab_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("APEXONE_LAB_DIR", str(tmp_path))


BLOCK = TABLES["registry_block.json"]


@pytest.mark.parametrize("case", BLOCK["cases"], ids=lambda c: c["name"])
def test_registry_block_twin_follows_the_table(case):
    host = state.load_seed("host-no-agent")
    host["registry"][BLOCK["agent_path"]] = {}
    if case["before"] is not None:
        host["registry"][BLOCK["agent_path"] + "\\Misc."] = {"NoProgramUpgrade": dict(case["before"])}
    if case.get("record"):
        host["registry"][BLOCK["record_path"]] = dict((k, {"kind": "String", "value": v}) for k, v in case["record"].items())
    params = dict(BLOCK["params"][case["state"]], CheckMode=bool(case.get("check_mode")))
    answer = twins.TWINS["registry_block"](host, params)
    assert (answer["seen"], answer["action"], answer["noted"]) == (case["seen"], case["action"], case["noted"])
    assert answer["current"] == case["after"]
    assert all(name in answer["record"] for name in case.get("record_after_has", []))
    assert not any(name in answer["record"] for name in case.get("record_after_lacks", []))
    assert not any("TrendMicro" in key or "apexone.upgrade\\HotfixBlock" in key for key in host["registry"]), \
        "the table's keys are throwaway keys only"


STRIP = TABLES["invalid_strip.json"]


def test_strip_pattern_is_the_collections():
    assert STRIP["pattern"] == invalid_files.SUFFIX.pattern


@pytest.mark.parametrize("case", STRIP["cases"], ids=lambda c: c["name"])
def test_invalid_names_follow_the_table(case):
    folder = "C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\PCCSRV\\Admin"
    host = state.load_seed("host-no-agent")
    for name in [case["file"]] + list(case.get("also") or []):
        host["files"][folder + "\\" + name] = {"content_b64": "eA=="}
    answer = twins.TWINS["probe"](host, {"Subset": ["invalid_files"], "InvalidStrip": STRIP["pattern"],
                                         "InvalidRoots": [{"name": "path", "path": folder}]})
    entry = [e for e in answer["invalid_files"][0]["entries"] if e["path"].endswith("\\" + case["file"])][0]
    if case["target"] is None:
        assert "target" not in entry
        assert not invalid_files.SUFFIX.search(case["file"])
    else:
        assert entry["target"] == dict(entry["target"], path=folder + "\\" + case["target"], exists=case["target_exists"])
        # the controller's own reading of the name agrees (the plan checks the host's answer against it)
        assert invalid_files.SUFFIX.sub("", case["file"]) == case["target"]
        assert re.sub(STRIP["pattern"], "", case["file"]) == case["target"]


RUNNER = TABLES["runner.json"]


@pytest.mark.parametrize("case", RUNNER["cases"], ids=lambda c: c["name"])
def test_the_lab_answers_the_runner_cases_as_the_table_says(case):
    # the same table tests/pester/Runner.Tests.ps1 holds a real Windows host to
    import json
    from ansible_collections.apexone.upgrade.tests.lab.simulator import lab
    rc, stdout, stderr = lab.execute("agent-win10-64", "agent-win10-64", RUNNER["bootstrap"],
                                     case["stdin"].encode("ascii") + b"\r\n")
    assert rc == case["rc"]
    lines = [line for line in stdout.decode("utf-8").splitlines() if line.startswith("APEXONE-")]
    if case["marker"] is None:
        assert lines == [] and stderr
        return
    assert len(lines) == 1 and lines[0].startswith(case["marker"])
    answer = json.loads(lines[0][len(case["marker"]):])
    if "keys" in case:
        assert sorted(answer) == case["keys"]
    if "mentions" in case:
        assert case["mentions"] in answer["message"]
    for key in case.get("empty_lists", []):
        assert answer[key] == []


HOTFIX = TABLES["hotfix_read.json"]


def test_hotfix_params_are_the_probes_but_for_the_throwaway_key():
    sent = probe_plan.probe_params(["hotfixes"])
    assert dict(HOTFIX["params"], HotfixKey=sent["HotfixKey"], HotfixOsVersions=sent["HotfixOsVersions"]) == sent
    assert HOTFIX["packages_path"].startswith(make_cases.PESTER_BASE + "\\")
    assert HOTFIX["servicing_key"] == sent["HotfixKey"]


@pytest.mark.parametrize("case", HOTFIX["cases"], ids=lambda c: c["name"])
def test_hotfix_read_follows_the_table(case):
    host = state.load_seed("agent-win7-sp1-nokb")
    host["registry"][HOTFIX["packages_path"]] = {}
    for name, current in case["packages"].items():
        host["registry"][HOTFIX["packages_path"] + "\\" + name] = {} if current is None else {
            "CurrentState": {"kind": "DWord", "value": current}}
    answer = twins.TWINS["probe"](host, dict(HOTFIX["params"], Subset=["hotfixes"]))
    assert answer["errors"] == {}
    listed = answer["hotfixes"]
    assert listed["packages"] == len(case["packages"])
    assert dict((s, sorted(kbs)) for s, kbs in listed["states"].items()) == dict(
        (s, sorted(kbs)) for s, kbs in case["states"].items())
    # what the controller makes of the same answer
    read = installed_updates.read(listed)
    assert (read["installed"], read["after_restart"]) == (case["installed"], case["after_restart"])
