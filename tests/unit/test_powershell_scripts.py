# -*- coding: utf-8 -*-
"""Every .ps1 the collection ships parses as PowerShell 5.1, and Python sends what its param() takes."""

from __future__ import annotations

import glob
import os

import pytest

from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload
from ansible_collections.apexone.upgrade.tests.lab.simulator import oldhosts, pwsh
from ansible_collections.apexone.upgrade.tests.unit import helpers, helpers_action

SCRIPTS = sorted(glob.glob(os.path.join(helpers.ROOT, "**", "*.ps1"), recursive=True))
SCRIPTS = [s for s in SCRIPTS if "/build/" not in s and "/.venv/" not in s and "/tests/output/" not in s]
COMMON = os.path.join(helpers.ROOT, "plugins", "plugin_utils", "scripts", "common.ps1")


def test_scripts_exist():
    assert os.path.join(helpers.ROOT, "plugins", "plugin_utils", "scripts", "probe.ps1") in SCRIPTS


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: os.path.relpath(p, helpers.ROOT))
def test_script_is_powershell_51(path):
    with open(path, encoding="utf-8-sig") as handle:
        text = handle.read()
    checked = pwsh.check(text)
    assert checked.ok, checked.errors
    assert "$ErrorActionPreference = 'Stop'" in text
    if path == COMMON:  # dot-sourced by the bootstrap before every script: functions only
        assert not checked.parameters
    elif os.path.dirname(path) == os.path.dirname(COMMON):  # the scripts the runner sends
        assert checked.parameters, "every script reads its input through a param() block"


# Syntax and .NET calls PowerShell 3.0 lacks (5.0 brought classes, enums, `using`, and `[T]::new()`).
PS5_NODE_TYPES = {"class_statement", "enum_statement", "using_statement"}


def _not_in_powershell_3(text: str) -> list[str]:
    root = pwsh._parser().parse(text.encode("utf-8")).root_node  # pylint: disable=protected-access
    found = ["%s at line %d" % (node.type, node.start_point[0] + 1) for node in pwsh._walk(root)  # pylint: disable=protected-access
             if node.type in PS5_NODE_TYPES or (node.type == "member_name" and pwsh._text(node).lower() == "new")]  # pylint: disable=protected-access
    found += ["%s (PowerShell %s)" % (command, since) for command, since in oldhosts.NEWER_COMMANDS.items()
              if since > "3.0" and command.lower() in pwsh.commands(text)]
    return found


@pytest.mark.parametrize("name", ["common", "probe"])
def test_what_powershell_3_hosts_run_is_powershell_3(name):
    # The probe's agent subsets run on PowerShell 3.0 (Windows 8 / Server 2012); common.ps1 runs before
    # every script.
    assert _not_in_powershell_3(payload.script_text(name)) == []
    assert _not_in_powershell_3(payload.sent_text(name)) == []


@pytest.mark.parametrize("text", ["class A { }", "$x = [Text.StringBuilder]::new()", "Get-FileHash -LiteralPath $p",
                                  "using namespace System.IO"])
def test_the_powershell_3_check_can_fail(text):
    assert _not_in_powershell_3(text)


def test_common_defines_what_the_scripts_call_and_they_define_none_of_it():
    common = pwsh.functions(payload.script_text("common"))
    assert common == {"format-utc", "open-registrykey", "read-registryvalue", "read-certificatestore"}
    used = set()
    for name in SHIPPED:
        assert not pwsh.functions(payload.script_text(name)) & common, name  # one definition, in common.ps1
        used |= pwsh.commands(payload.script_text(name)) & common
    assert used == common  # nothing in common.ps1 that no script calls


def test_bootstrap_is_powershell_51():
    for text in (payload.command(), payload.own_text("bootstrap"), payload.driver(), payload.own_text("driver")):
        assert pwsh.check(text).ok, pwsh.check(text).errors
        assert _not_in_powershell_3(text) == []


@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    return helpers_action.script_calls(str(tmp_path_factory.mktemp("calls")))


SHIPPED = sorted(os.path.basename(p)[:-4] for p in SCRIPTS if "/plugins/plugin_utils/scripts/" in p and p != COMMON)


@pytest.mark.parametrize("name", SHIPPED)
def test_parameters_sent_match_param_block(name, calls):
    checked = pwsh.check(payload.script_text(name))
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


def _defined_too_late(text: str) -> list[str]:
    """Calls that run before the function they call is defined. A function is defined when its
    `function` statement runs, in order: a call at the top level (a script block passed to a
    function included) needs the function, and every function it calls in turn, defined on an earlier
    line. Calls inside a function body run when that function is called."""
    root = pwsh._parser().parse(text.encode("utf-8")).root_node  # pylint: disable=protected-access
    defined, calls_in = {}, {}
    for node in pwsh._walk(root):  # pylint: disable=protected-access
        if node.type == "function_statement":
            name = next(pwsh._text(p).lower() for p in node.children if p.type == "function_name")  # pylint: disable=protected-access
            defined[name] = node.start_point[0]
            calls_in[name] = {pwsh._text(c).lower() for c in pwsh._walk(node) if c.type == "command_name"}  # pylint: disable=protected-access

    def top_level_calls(node):
        for child in node.children:
            if child.type == "function_statement":
                continue
            if child.type == "command_name":
                yield pwsh._text(child).lower(), child.start_point[0]  # pylint: disable=protected-access
            yield from top_level_calls(child)

    late = []
    for name, line in top_level_calls(root):
        needed, seen = [name], set()
        while needed:
            called = needed.pop()
            if called in seen or called not in defined:
                continue
            seen.add(called)
            if defined[called] > line:
                late.append("%s (line %d) runs before %s is defined (line %d)" % (name, line + 1, called,
                                                                                  defined[called] + 1))
            needed.extend(calls_in[called])
    return late


@pytest.mark.parametrize("name", sorted(n[:-4] for n in os.listdir(os.path.dirname(COMMON)) if n.endswith(".ps1")))
def test_every_function_is_defined_before_a_call_runs(name):
    assert _defined_too_late(payload.script_text(name)) == []


def test_the_definition_order_check_can_fail():
    text = payload.script_text("probe")
    # the network subset's block moved above the functions it calls (as it stood before they moved down)
    block = "Invoke-Subset 'network' {\n    if ($ProxyHost) { $result.network = Test-ThroughProxy } else { $result.network = Test-Direct }\n}\n"
    assert block in text
    moved = text.replace(block, "").replace("#region subset network\n", block + "#region subset network\n", 1)
    assert moved != text
    assert any("test-direct" in item for item in _defined_too_late(moved))
    assert _defined_too_late("function A { B }\nA\nfunction B { 1 }") == ["a (line 2) runs before b is defined (line 3)"]
