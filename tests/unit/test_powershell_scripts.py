# -*- coding: utf-8 -*-
"""Every .ps1 the collection ships parses as PowerShell 5.1, and Python sends what its param() takes."""

from __future__ import annotations

import glob
import os

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    auth_backup, certificates, hotfix_block, probe_plan, winhttp)
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _runner
from ansible_collections.apexone.upgrade.tests.lab.simulator import pwsh
from ansible_collections.apexone.upgrade.tests.unit import helpers

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


# The parameters each script is called with, built by the same Python the plugins use.
CALLS = {
    "probe": [probe_plan.probe_params(list(probe_plan.SUBSETS)), probe_plan.probe_params(["certificates"]),
              probe_plan.probe_params(["network"], network_proxy="proxy.corp.example:8080"),
              probe_plan.probe_params(["os", "registry", "invalid_files"], invalid_path="D:\\OfficeScan"),
              probe_plan.probe_params(list(probe_plan.HOST_SUBSETS))],
    "certificates_install": [certificates.install_plan(
        [{"store": "Root", "thumbprint": "ab" * 20, "der_b64": "MIIB"}], check) for check in (False, True)],
    "auth_backup": [auth_backup.plan(10 * 1024 * 1024)],
    "invalid_rename": [{"Renames": [{"from": "C:\\a.dll_Invalid", "to": "C:\\a.dll"}]}],
    "winhttp_import": [winhttp.script_params("read"), winhttp.script_params("import"),
                       winhttp.script_params("set", "proxy.corp.example:8080", "<local>"),
                       winhttp.script_params("set", "proxy.corp.example:8080")],
    # the action adds CheckMode to the plan
    "registry_block": [dict(hotfix_block.plan(state, "ops@ctl", create), CheckMode=check)
                       for state in ("present", "absent") for create in (False, True) for check in (False, True)],
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_parameters_sent_match_param_block(name):
    checked = pwsh.check(_runner.script_text(name))
    for params in CALLS[name]:
        assert pwsh.check_arguments(checked, params) == []


def test_every_shipped_script_has_its_calls_listed():
    shipped = set(os.path.basename(p)[:-4] for p in SCRIPTS if "/plugins/plugin_utils/scripts/" in p)
    assert shipped == set(CALLS)


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
