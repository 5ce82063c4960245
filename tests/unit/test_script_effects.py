# -*- coding: utf-8 -*-
"""Every script changes only what its contract declares, behind the declared guards, and decides nothing itself.

The rules are in script_effects.py. Each script the runner sends is read from its syntax tree with common.ps1; the
second half of this file breaks the scripts on purpose, one change at a time, and holds the check to failing.
"""

from __future__ import annotations

import glob
import os

import pytest

from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload
from ansible_collections.apexone.upgrade.tests.lab.simulator import pwsh
from ansible_collections.apexone.upgrade.tests.unit import helpers, script_effects

SCRIPT_DIR = os.path.join(helpers.ROOT, "plugins", "plugin_utils", "scripts")
SCRIPTS = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(SCRIPT_DIR, "*.ps1"))
                 if os.path.basename(p) != "common.ps1")
CHANGING = ("registry_block", "certificates_install", "winhttp_import", "invalid_rename", "gpo_certificates")
READ_ONLY = ("auth_backup", "probe")


def test_every_script_is_one_of_the_two_kinds():
    assert sorted(CHANGING + READ_ONLY) == SCRIPTS


@pytest.mark.parametrize("name", SCRIPTS)
def test_every_contract_declares_the_script_effects(name):
    declared = script_effects.read_declaration(name)
    assert "effects" in declared, "tests/contracts/%s.schema.json has no x-effects.effects" % name
    assert bool(declared["effects"]) == (name in CHANGING)
    for entry in declared["effects"]:
        assert entry.get("why"), entry
        for guard in entry.get("guards") or []:
            assert guard in declared["guards"], guard
            assert set(declared["guards"][guard]) == {"condition", "effect_only_when", "why"}


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_script_changes_only_what_its_contract_declares(name):
    problems, found = script_effects.check(name)
    assert problems == []
    assert bool(found) == (name in CHANGING)


def test_common_changes_nothing():
    # The runner sends common.ps1 with every script: its functions read; a script that called a writing one would
    # show it in its own effects, and the read-only scripts have none.
    script = script_effects.Script("probe")
    assert [e for e in script.effects() if e.node.start_byte < len(script.common) and
            script_effects._text(e.node) in script.common] == []  # pylint: disable=protected-access


def test_what_each_changing_script_does_is_named():
    done = dict((name, sorted(set(e.do for e in script_effects.check(name)[1]))) for name in CHANGING)
    assert done == {
        "registry_block": ["CreateSubKey", "SetValue"],
        "certificates_install": ["X509Store.Add"],
        "winhttp_import": ["run"],
        "invalid_rename": ["Rename-Item"],
        "gpo_certificates": ["New-GPLink", "New-GPO", "Set-GPRegistryValue"],
    }


def test_the_block_value_is_a_dword_of_the_controller_in_the_controller_view():
    found = [e for e in script_effects.check("registry_block")[1]
             if e.do == "SetValue" and "ValueName" in e.fields["name"].srcs]
    assert found and all(e.fields["kind"].srcs == {"'DWord'"} and e.fields["data"].srcs == {"Value"}
                         and e.fields["view"].srcs == {"AgentKeys.view"} for e in found)
    assert all(("$null -eq $agent -and -not $CreateMissing", False) in [(t, p) for t, p, v in e.conditions]
               for e in found)


# --- the check can fail: each change below, made on purpose, must be reported -----------------------

MUTANTS = [
    # registry_block deciding for itself, three ways
    ("registry_block", "block decides by a value of its own",
     "if ([string]$entry.seen -eq $result.seen)", "if ($result.seen -eq 'DWord:1')", "decides by itself"),
    ("registry_block", "block compares what it read with the wanted value, not the table",
     "    if ([string]$entry.seen -eq $result.seen) { $result.action = [string]$entry.action }",
     "    if ($result.previous.value -eq $Value) { $result.action = [string]$entry.action }",
     "names no table to look up"),
    ("registry_block", "block sets whenever the value is absent",
     "$result.record_before = Read-Record $Record",
     "if ($null -eq $result.previous) { $result.action = 'set' }\n$result.record_before = Read-Record $Record",
     "decides by itself"),
    # registry_block writing NoProgramUpgrade as REG_SZ, two ways
    ("registry_block", "block written as REG_SZ",
     "$key.SetValue($ValueName, $Value, [Microsoft.Win32.RegistryValueKind]::DWord)",
     "$key.SetValue($ValueName, $Value, [Microsoft.Win32.RegistryValueKind]::String)", "differs in kind"),
    ("registry_block", "block written with the kind .NET infers from a string",
     "$key.SetValue($ValueName, $Value, [Microsoft.Win32.RegistryValueKind]::DWord)",
     "$key.SetValue($ValueName, [string]$Value)", "differs in kind"),
    ("registry_block", "block kind copied from what was read",
     "$key.SetValue($ValueName, $Value, [Microsoft.Win32.RegistryValueKind]::DWord)",
     "$key.SetValue($ValueName, $Value, $result.previous.kind)", "differs in kind"),
    # registry_block creating the agent key on a host without the agent, three ways
    ("registry_block", "no stop without the agent",
     "if ($null -eq $agent -and -not $CreateMissing) { return $result }\n", "", "not behind its guard agent_present"),
    ("registry_block", "stop only when asked to create",
     "if ($null -eq $agent -and -not $CreateMissing) { return $result }",
     "if ($null -eq $agent -and $CreateMissing) { return $result }", "not behind its guard agent_present"),
    ("registry_block", "agent key created when missing",
     "$agent = $hive.OpenSubKey([string]$target.path)", "$agent = $hive.CreateSubKey([string]$target.path)",
     "changes what its contract does not declare: CreateSubKey"),
    ("registry_block", "check mode writes", "if (-not $CheckMode) {", "if ($true) {", "not behind its guard check_mode"),
    ("registry_block", "an old value removed first",
     "            $key = $hive.CreateSubKey($miscPath)\n",
     "            $key = $hive.CreateSubKey($miscPath)\n            $key.DeleteValue($ValueName)\n",
     "changes what its contract does not declare: DeleteValue"),
    ("registry_block", "the record written in the default view",
     "$key = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', [Microsoft.Win32.RegistryView]$Spec.view)"
     ".CreateSubKey([string]$Spec.path)",
     "$key = [Microsoft.Win32.Registry]::LocalMachine.CreateSubKey([string]$Spec.path)", "the view of the process"),
    # the probe reading the default registry view, three ways
    ("probe", "probe through Registry::LocalMachine", "$key = Open-RegistryKey 'LocalMachine' $Read.view $Read.path",
     "$key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey($Read.path)", "the view of the process"),
    ("probe", "probe through a provider path", "$key = Open-RegistryKey 'LocalMachine' $Read.view $Read.path",
     "$key = Get-Item -LiteralPath ('Registry::HKEY_LOCAL_MACHINE\\' + $Read.path)", "registry provider path"),
    ("probe", "probe in the Default view", "$key = Open-RegistryKey 'LocalMachine' $Read.view $Read.path",
     "$key = Open-RegistryKey 'LocalMachine' 'Default' $Read.path", "explicit view"),
    # auth_backup opening OfficeScanAuth.dat for writing, three ways
    ("auth_backup", "backup opened read-write",
     "-ArgumentList $path, 'Open', 'Read', 'ReadWrite'", "-ArgumentList $path, 'Open', 'ReadWrite', 'ReadWrite'",
     "New-Object System.IO.FileStream"),
    ("auth_backup", "backup opened with the default access",
     "-ArgumentList $path, 'Open', 'Read', 'ReadWrite'", "-ArgumentList $path, 'Open'", "New-Object System.IO.FileStream"),
    ("auth_backup", "backup opened through File::Open",
     "$stream = New-Object -TypeName System.IO.FileStream -ArgumentList $path, 'Open', 'Read', 'ReadWrite'",
     "$stream = [IO.File]::Open($path, 'OpenOrCreate', 'ReadWrite', 'ReadWrite')", "[io.file]::Open"),
    ("auth_backup", "backup written back", "        [Array]::Clear($bytes, 0, $bytes.Length)\n",
     "        [Array]::Clear($bytes, 0, $bytes.Length)\n        [IO.File]::WriteAllBytes($path, $bytes)\n",
     "WriteAllBytes"),
    # winhttp_import resetting the proxy, two ways
    ("winhttp_import", "netsh resets the proxy", "$arguments = @('winhttp', 'import', 'proxy', 'source=ie')",
     "$arguments = @('winhttp', 'reset', 'proxy')", "differs in arguments"),
    ("winhttp_import", "netsh by name resets the proxy", "$result.after = Read-Binary",
     "& netsh.exe winhttp reset proxy\n$result.after = Read-Binary", "changes what its contract does not declare: run"),
    ("winhttp_import", "another program", "'\\netsh.exe'", "'\\reg.exe'", "differs in program"),
    # invalid_rename renaming over an existing file, three ways
    ("invalid_rename", "no check of the target",
     "            elseif (Test-Path -LiteralPath $item.to) {\n"
     "                $outcome.status = 'skipped'\n"
     "                $outcome.error = 'the target appeared since the listing; nothing was overwritten'\n"
     "            }\n", "", "not behind its guard target_absent"),
    ("invalid_rename", "moved over the target",
     "Rename-Item -LiteralPath $item.from -NewName ([IO.Path]::GetFileName([string]$item.to))",
     "Move-Item -LiteralPath $item.from -Destination $item.to -Force", "changes what its contract does not declare: Move-Item"),
    ("invalid_rename", "the target's name chosen by the script",
     "-NewName ([IO.Path]::GetFileName([string]$item.to))",
     "-NewName ((Get-Item -LiteralPath $item.from).Name -replace '_Invalid$', '')", "differs in NewName"),
    ("invalid_rename", "renamed into another folder",
     "            if ([IO.Path]::GetDirectoryName([string]$item.from) -ne [IO.Path]::GetDirectoryName([string]$item.to)) {",
     "            if ($false) {", "not behind its guard same_folder"),
    # certificates_install installing every certificate into Root, two ways
    ("certificates_install", "every certificate into Root",
     "-ArgumentList ([string]$item.store), 'LocalMachine'", "-ArgumentList 'Root', 'LocalMachine'",
     "differs in store"),
    ("certificates_install", "every certificate into the first store read back",
     "-ArgumentList ([string]$item.store), 'LocalMachine'", "-ArgumentList $Stores[0], 'LocalMachine'",
     "differs in store"),
    ("certificates_install", "a store created where none exists", "'ReadWrite, OpenExistingOnly'", "'ReadWrite'",
     "X509Store.Open"),
    ("certificates_install", "a certificate removed",
     "                $store.Add($cert)\n", "                $store.Remove($cert)\n                $store.Add($cert)\n",
     "X509Store.Remove"),
    # gpo_certificates: a value removed, a GPO set by the script's own name
    ("gpo_certificates", "a policy value removed",
     "        $result.set += [string]$item.key\n",
     "        $result.set += [string]$item.key\n        Remove-GPRegistryValue -Guid $gpo.Id -Key ('HKLM\\' + [string]$item.key)\n",
     "Remove-GPRegistryValue"),
    ("gpo_certificates", "GPO name of its own", "$gpo = New-GPO -Name $Name", "$gpo = New-GPO -Name 'Certificates'",
     "differs in Name"),
    ("gpo_certificates", "values set on a GPO not found", "if ($null -ne $gpo) {", "if ($true) {",
     "not behind its guard gpo_found"),
]


@pytest.mark.parametrize("name, dummy, old, new, reported", MUTANTS, ids=[m[1] for m in MUTANTS])
def test_each_change_made_on_purpose_is_reported(name, dummy, old, new, reported):
    text = payload.script_text(name)
    assert text.count(old) == 1, "the text to change is no longer in %s.ps1: update this case" % name
    changed = text.replace(old, new)
    assert pwsh.check(changed).ok, pwsh.check(changed).errors  # still a valid script: only its effects differ
    problems, dummy2 = script_effects.check(name, text=changed)
    assert any(reported in problem for problem in problems), problems


def test_a_declaration_the_script_no_longer_makes_is_reported():
    declared = script_effects.read_declaration("invalid_rename")
    declared = dict(declared, effects=declared["effects"] + [dict(declared["effects"][0], do="Move-Item")])
    problems, dummy = script_effects.check("invalid_rename", declared=declared)
    assert problems == ["invalid_rename.ps1: the contract declares Move-Item, which the script no longer makes"]
