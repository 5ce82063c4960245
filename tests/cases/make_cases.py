# -*- coding: utf-8 -*-
"""Writes the case tables that the Pester tests (on Windows) and pytest (against the lab's twins) share.

The parameters in each table are what the collection's Python sends; tests/unit/test_case_tables.py
fails when a table and the Python drift apart. Run from the collection root after changing a plan:
    python tests/cases/make_cases.py
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Throwaway keys: the Pester tests never touch Trend Micro's or the collection's real keys.
PESTER_BASE = "SOFTWARE\\apexone.upgrade.pester"
AGENT_PATH = PESTER_BASE + "\\Agent\\CurrentVersion"
RECORD_PATH = PESTER_BASE + "\\Record"

BLOCK_CASES = [
    {"name": "block: no value -> set", "state": "present", "before": None, "seen": "absent", "action": "set",
     "after": {"kind": "DWord", "value": 1}, "noted": False, "record_after_has": ["BlockedAt", "BlockedBy"]},
    {"name": "block: DWORD 0 -> set", "state": "present", "before": {"kind": "DWord", "value": 0}, "seen": "DWord:0",
     "action": "set", "after": {"kind": "DWord", "value": 1}, "noted": False, "record_after_has": ["BlockedAt"]},
    {"name": "block: DWORD 1 set by hand -> kept, first seen noted", "state": "present",
     "before": {"kind": "DWord", "value": 1}, "seen": "DWord:1", "action": "keep", "after": {"kind": "DWord", "value": 1},
     "noted": True, "record_after_has": ["FirstSeenAt"], "record_after_lacks": ["BlockedAt"]},
    {"name": "block: DWORD 1 with our record -> kept, nothing noted", "state": "present",
     "before": {"kind": "DWord", "value": 1}, "record": {"BlockedAt": "2026-11-01T00:00:00Z"}, "seen": "DWord:1",
     "action": "keep", "after": {"kind": "DWord", "value": 1}, "noted": False, "record_after_lacks": ["FirstSeenAt"]},
    {"name": "block: REG_SZ 1 -> replaced by a DWORD in one write", "state": "present",
     "before": {"kind": "String", "value": "1"}, "seen": "String:1", "action": "set",
     "after": {"kind": "DWord", "value": 1}, "noted": False},
    {"name": "block in check mode: DWORD 0 -> would set, nothing written", "state": "present", "check_mode": True,
     "before": {"kind": "DWord", "value": 0}, "seen": "DWord:0", "action": "set", "after": {"kind": "DWord", "value": 0},
     "noted": False, "record_after_lacks": ["BlockedAt"]},
    {"name": "lift: DWORD 1 -> set 0", "state": "absent", "before": {"kind": "DWord", "value": 1}, "seen": "DWord:1",
     "action": "set", "after": {"kind": "DWord", "value": 0}, "noted": False, "record_after_has": ["ReleasedAt"]},
    {"name": "lift: no value -> nothing written", "state": "absent", "before": None, "seen": "absent", "action": "keep",
     "after": None, "noted": False, "record_after_lacks": ["ReleasedAt"]},
    {"name": "lift: DWORD 0 -> kept", "state": "absent", "before": {"kind": "DWord", "value": 0}, "seen": "DWord:0",
     "action": "keep", "after": {"kind": "DWord", "value": 0}, "noted": False},
]

# File names found by the probe's '*invalid*' listing -> the name it must report without the suffix.
STRIP_CASES = [
    {"name": "one suffix", "file": "TmUpdate.dll_Invalid", "target": "TmUpdate.dll", "target_exists": False},
    {"name": "two suffixes: all removed", "file": "TmUpdate.dll_Invalid_Invalid", "target": "TmUpdate.dll",
     "target_exists": False},
    {"name": "any case", "file": "a.exe_INVALID", "target": "a.exe", "target_exists": False},
    {"name": "the original exists", "file": "b.dll_Invalid", "also": ["b.dll"], "target": "b.dll", "target_exists": True},
    {"name": "a product file that only contains invalid", "file": "invalid.gif", "target": None},
    {"name": "suffix not at the end", "file": "x_Invalid.log", "target": None},
]


# Package keys under a throwaway key, as probe.ps1's hotfixes subset must list them (raw CurrentState -> KBs), and
# what the controller makes of them (installed_updates.read). None: the key has no CurrentState value.
PACKAGES_PATH = PESTER_BASE + "\\Packages"
_TOKEN = "~31bf3856ad364e35~amd64~~"
HOTFIX_CASES = [
    {"name": "an installed update", "packages": {"Package_for_KB4474419" + _TOKEN + "6.1.3.2": 112},
     "states": {"112": ["KB4474419"]}, "installed": ["KB4474419"], "after_restart": []},
    {"name": "a rollup: its sub-packages name the KB, its top package none",
     "packages": {"Package_for_RollupFix" + _TOKEN + "7601.24544.1.4": 112,
                  "Package_1_for_KB4537820" + _TOKEN + "6.1.1.4": 112, "Package_2_for_KB4537820" + _TOKEN + "6.1.1.4": 112},
     "states": {"112": ["KB4537820"]}, "installed": ["KB4537820"], "after_restart": []},
    {"name": "superseded and permanent count as installed",
     "packages": {"Package_for_KB3033929" + _TOKEN + "6.1.1.3": 80, "Package_for_KB976902" + _TOKEN + "6.1.1.17514": 128},
     "states": {"80": ["KB3033929"], "128": ["KB976902"]}, "installed": ["KB3033929", "KB976902"], "after_restart": []},
    {"name": "install pending counts only after a restart", "packages": {"Package_for_KB4490628" + _TOKEN + "6.1.1.0": 96},
     "states": {"96": ["KB4490628"]}, "installed": [], "after_restart": ["KB4490628"]},
    {"name": "staged is not installed", "packages": {"Package_for_KB4536952" + _TOKEN + "6.1.1.0": 64},
     "states": {"64": ["KB4536952"]}, "installed": [], "after_restart": []},
    {"name": "one KB in two states: installed wins",
     "packages": {"Package_for_KB4474419" + _TOKEN + "6.1.1.5": 80, "Package_for_KB4474419" + _TOKEN + "6.1.3.2": 112},
     "states": {"80": ["KB4474419"], "112": ["KB4474419"]}, "installed": ["KB4474419"], "after_restart": []},
    {"name": "names without a KB, or with one elsewhere, are not listed",
     "packages": {"Microsoft-Windows-Foundation-Package" + _TOKEN + "6.1.7601.17514": 112,
                  "WinEmb-Package_for_KB2533552" + _TOKEN + "6.1.1.0": 112, "Package_for_KB12x" + _TOKEN + "6.1.1.0": 112},
     "states": {}, "installed": [], "after_restart": []},
    {"name": "any case", "packages": {"package_for_kb2533552" + _TOKEN + "6.1.1.0": 112},
     "states": {"112": ["kb2533552"]}, "installed": ["KB2533552"], "after_restart": []},
    {"name": "a package key without CurrentState", "packages": {"Package_for_KB2533552" + _TOKEN + "6.1.1.0": None},
     "states": {"none": ["KB2533552"]}, "installed": [], "after_restart": []},
]


def tables():
    sys.path.insert(0, os.path.join(HERE, "..", "..", "build", "collections"))
    from ansible_collections.apexone.upgrade.plugins.module_utils import hotfix_block, probe_plan  # pylint: disable=import-outside-toplevel
    keys = {64: {"view": "Registry64", "path": AGENT_PATH}, 32: {"view": "Registry64", "path": AGENT_PATH}}
    record = {"view": "Registry64", "path": RECORD_PATH}
    block = {
        "description": "registry_block.ps1: what the script must do for what it finds. Read by "
                       "tests/pester/registry_block.Tests.ps1 and tests/unit/test_case_tables.py. Generated by "
                       "tests/cases/make_cases.py.",
        "agent_path": AGENT_PATH, "record_path": RECORD_PATH,
        "params": dict((state, hotfix_block.plan(state, "pester", agent_keys=keys, record_key=record))
                       for state in ("present", "absent")),
        "cases": BLOCK_CASES,
    }
    strip = {
        "description": "probe.ps1's InvalidStrip: the name reported without the _Invalid suffix. Read by "
                       "tests/pester/probe.Tests.ps1 and tests/unit/test_case_tables.py. Generated by "
                       "tests/cases/make_cases.py.",
        "pattern": probe_plan.probe_params(["invalid_files"], invalid_path="C:\\x")["InvalidStrip"],
        "sha256_of_apexone": hashlib.sha256(b"apexone").hexdigest(),
        "cases": STRIP_CASES,
    }
    hotfix = probe_plan.probe_params(["hotfixes"])
    hotfixes = {
        "description": "probe.ps1's hotfixes subset: package keys under a throwaway key, the raw CurrentState -> KBs "
                       "the script must list, and the updates the controller counts as installed. Read by "
                       "tests/pester/probe.Tests.ps1 and tests/unit/test_case_tables.py. Generated by "
                       "tests/cases/make_cases.py.",
        "packages_path": PACKAGES_PATH,
        "servicing_key": hotfix["HotfixKey"],
        "params": dict(hotfix, HotfixKey=PACKAGES_PATH, HotfixOsVersions=["*"]),
        "cases": HOTFIX_CASES,
    }
    return {"registry_block.json": block, "invalid_strip.json": strip, "runner.json": runner_cases(),
            "hotfix_read.json": hotfixes}


def runner_cases():
    """What the runner really sends (the bootstrap as text, which the winrm plugin wraps in powershell.exe
    -EncodedCommand and the psrp plugin runs as a script; stdin = one line of ASCII JSON with the driver,
    common.ps1, the minified script and its parameters) and what must come back, for
    tests/pester/Runner.Tests.ps1 on Windows and tests/unit/test_case_tables.py against the lab."""
    from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan  # pylint: disable=import-outside-toplevel
    from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import answer, payload  # pylint: disable=import-outside-toplevel
    from ansible_collections.apexone.upgrade.tests.lab.simulator import wire  # pylint: disable=import-outside-toplevel
    params = probe_plan.probe_params(["os"])
    whole = payload.stdin("probe", params).strip()
    network = dict(params, Subset=["network"], Endpoints=[], TimeoutMs=1000)
    return {
        "description": "The runner's command and stdin as the winrm plugin sends them (PowerShell "
                       "-EncodedCommand, stdin lines -> $input) and the psrp plugin runs them (the bootstrap as a "
                       "script in a runspace, each stdin line one input object). Read by "
                       "tests/pester/Runner.Tests.ps1 and tests/unit/test_case_tables.py. Generated by "
                       "tests/cases/make_cases.py.",
        "command": wire.winrm_command_line(payload.command()),
        "bootstrap": payload.command(),
        "result_marker": answer.RESULT_MARKER, "error_marker": answer.ERROR_MARKER,
        "cases": [
            {"name": "the probe's os subset answers one result line", "stdin": whole, "rc": 0,
             "marker": answer.RESULT_MARKER, "keys": ["errors", "os", "subsets"]},
            {"name": "a parameter the script refuses is one error line, exit 1",
             "stdin": payload.stdin("probe", dict(params, Subset=[])).strip(),
             "rc": 1, "marker": answer.ERROR_MARKER, "mentions": "Subset"},
            {"name": "the probe with its network part (#region subset network) answers the network subset",
             "stdin": payload.stdin("probe", network).strip(),
             "rc": 0, "marker": answer.RESULT_MARKER, "keys": ["errors", "network", "subsets"],
             "empty_lists": ["network"]},
            {"name": "stdin cut in half: PowerShell's own error (ConvertFrom-Json), exit 1, no marked line",
             "stdin": whole[:len(whole) // 2], "rc": 1, "marker": None},
        ],
    }


def text(data):
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    for name, data in tables().items():
        with open(os.path.join(HERE, name), "w", encoding="utf-8") as handle:
            handle.write(text(data))
        print("wrote", os.path.join(HERE, name))
