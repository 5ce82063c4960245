# -*- coding: utf-8 -*-
"""Every .ps1 the collection ships parses as PowerShell 5.1, and Python sends what its param() takes."""

from __future__ import annotations

import glob
import os

import pytest

from ansible_collections.apexone.upgrade.plugins.action import (
    apexone_auth_backup, apexone_cert_facts, apexone_cert_install, apexone_facts, apexone_hotfix_block,
    apexone_invalid_rename, apexone_winhttp_proxy)
from ansible_collections.apexone.upgrade.plugins.module_utils import preflight, winhttp
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _runner
from ansible_collections.apexone.upgrade.tests.lab.simulator import pwsh
from ansible_collections.apexone.upgrade.tests.unit import helpers, helpers_action, helpers_bundle

SCRIPTS = sorted(glob.glob(os.path.join(helpers.ROOT, "**", "*.ps1"), recursive=True))
SCRIPTS = [s for s in SCRIPTS if "/build/" not in s and "/.venv/" not in s and "/tests/output/" not in s]


def test_scripts_exist():
    assert os.path.join(helpers.ROOT, "plugins", "plugin_utils", "scripts", "probe.ps1") in SCRIPTS


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: os.path.relpath(p, helpers.ROOT))
def test_script_is_powershell_51(path):
    with open(path, encoding="utf-8-sig") as handle:
        text = handle.read()
    checked = pwsh.check(text)
    assert checked.ok, checked.errors
    assert "$ErrorActionPreference = 'Stop'" in text
    assert checked.parameters, "every script reads its input through a param() block"


def test_bootstrap_is_powershell_51():
    assert pwsh.check(_runner.BOOTSTRAP).ok


def _sent(module, args, answers=None, **kwargs):
    """The parameters the action of `module` sends for `args`, taken from the action itself."""
    dummy, calls = helpers_action.run_action(module, args, answers, **kwargs)
    assert calls, "%s called no script" % module.__name__
    return calls


def _calls(tmp_dir):
    """script name -> every parameter set the actions send in these cases."""
    bundle = helpers_bundle.make_bundle(os.path.join(tmp_dir, "bundle"))
    server = preflight.host_facts(helpers_action.recorded("probe_apexone-srv.json"), [])["server"]
    agent = {"group_names": ["apexone_agents"]}
    runs = [
        _sent(apexone_facts, {}, task_vars=agent),
        _sent(apexone_facts, {"role": "server", "post_upgrade": True}),
        _sent(apexone_facts, {"role": "both", "network": True, "extra_endpoints": [{"host": "x.example", "ports": [443]}]}),
        _sent(apexone_facts, {"role": "server", "network_proxy": "proxy.corp.example:8080"}),
        _sent(apexone_cert_facts, {}),
        _sent(apexone_cert_facts, {"stores": ["Root"]}),
        _sent(apexone_invalid_rename, {}),
        _sent(apexone_invalid_rename, {"path": "D:\\OfficeScan"}),
        _sent(apexone_invalid_rename, {"facts": {"server": server}}),
        _sent(apexone_auth_backup, {"dest": os.path.join(tmp_dir, "backup")}),
        _sent(apexone_winhttp_proxy, {}),
        _sent(apexone_winhttp_proxy, {}, check_mode=True),
    ]
    in_bundle = sorted(helpers_bundle.REAL_NAMES)
    runs += [_sent(apexone_cert_install, {"bundle": bundle, "names": in_bundle}, check_mode=check) for check in (False, True)]
    runs += [_sent(apexone_hotfix_block, {"state": state, "create_missing": create}, check_mode=check)
             for state in ("present", "absent") for create in (False, True) for check in (False, True)]
    calls = {}
    for run in runs:
        for call in run:
            calls.setdefault(call["script"], []).append(call["params"])
    # apexone_winhttp_proxy's second execution depends on what the first read: its parameters come from
    # the builder the action calls for it.
    calls["winhttp_import"] += [winhttp.script_params("import"), winhttp.script_params("set", "proxy.corp.example:8080"),
                                winhttp.script_params("set", "proxy.corp.example:8080", "<local>")]
    return calls


@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    return _calls(str(tmp_path_factory.mktemp("calls")))


SHIPPED = sorted(os.path.basename(p)[:-4] for p in SCRIPTS if "/plugins/plugin_utils/scripts/" in p)


@pytest.mark.parametrize("name", SHIPPED)
def test_parameters_sent_match_param_block(name, calls):
    checked = pwsh.check(_runner.script_text(name))
    assert calls.get(name), "no action case above calls %s.ps1" % name
    for params in calls[name]:
        assert pwsh.check_arguments(checked, params) == []


def test_every_script_the_actions_call_is_shipped(calls):
    assert sorted(calls) == SHIPPED


@pytest.mark.parametrize("text, message", [
    ("param($a)\n$ErrorActionPreference = 'Stop'\nif ($a { 1 }", "syntax error"),
    ("param($a)\n$b = $a ?? 'x'", "PowerShell 7"),
    ("param($a)\n$b = $a ? 1 : 2", "PowerShell 7"),
    ("param($j)\n$h = ConvertFrom-Json $j -AsHashtable", "does not exist in Windows PowerShell 5.1"),
    ("param($l)\n$l | ForEach-Object -Parallel { $_ }", "does not exist in Windows PowerShell 5.1"),
    ("param([int]$Count = 1, [switch]$Force)\n$x = 1", "leave defaults out of param()"),
    ("param($p)\n$h = [Security.Cryptography.SHA256]::Create()", "FIPS-enabled host"),
    ("param($p)\n$h = New-Object System.Security.Cryptography.SHA256Managed", "FIPS-enabled host"),
    ("param($p)\n$h = [System.Security.Cryptography.HashAlgorithm]::Create('SHA256')", "FIPS-enabled host"),
    ("param($p)\n$h = Get-FileHash -LiteralPath $p", "FIPS-enabled host"),
])
def test_checker_rejects_what_51_cannot_run(text, message):
    checked = pwsh.check(text)
    assert not checked.ok
    assert any(message in error for error in checked.errors), checked.errors


def test_checker_accepts_the_fips_validated_hash():
    checked = pwsh.check("param($p)\n# Get-FileHash needs 4.0\n"
                         "$h = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider")
    assert checked.ok, checked.errors


def test_checker_reads_param_types_and_mandatory():
    checked = pwsh.check("[CmdletBinding()]\nparam([Parameter(Mandatory = $true)][string]$Name, [int]$Count,"
                         " [switch]$Force, [object[]]$Items)\n$x = 1")
    assert {k: (p.type, p.mandatory) for k, p in checked.parameters.items()} == {
        "name": ("string", True), "count": ("int", False), "force": ("switch", False), "items": ("object[]", False)}
    assert pwsh.check_arguments(checked, {"Count": 2}) == ["Missing mandatory parameter 'Name'"]
    assert "expected an integer" in pwsh.check_arguments(checked, {"Name": "x", "Count": "2"})[0]
    assert "expected true/false" in pwsh.check_arguments(checked, {"Name": "x", "Force": "yes"})[0]
    assert "cannot be found" in pwsh.check_arguments(checked, {"Name": "x", "Bogus": 1})[0]
