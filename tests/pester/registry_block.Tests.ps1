# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of registry_block.ps1 on a real Windows host, with the cases the lab's twin is
# tested with (tests/cases/registry_block.json). Everything happens under a throwaway key,
# HKLM\SOFTWARE\apexone.upgrade.pester, removed afterwards. Run as an administrator:
#   Invoke-Pester -Path tests\pester\registry_block.Tests.ps1
$ErrorActionPreference = 'Stop'

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'registry_block'
    $table = Read-CaseTable 'registry_block'
    $cases = @(foreach ($case in $table.cases) { @{ Case = $case } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'registry_block'
    $table = Read-CaseTable 'registry_block'

    function Invoke-Case($Case) {
        $params = @{ CheckMode = [bool]$Case.check_mode }
        foreach ($property in $table.params.($Case.state).PSObject.Properties) { $params[$property.Name] = $property.Value }
        Invoke-TestedScript $params
    }
}

AfterAll { Remove-TestKey }

Describe 'registry_block.ps1 against the shared case table' {
    BeforeEach { Remove-TestKey }

    It '<Case.name>' -ForEach $cases {
        $agent = $hive.CreateSubKey($table.agent_path)
        $agent.Close()
        if ($null -ne $Case.before) {
            $misc = $hive.CreateSubKey($table.agent_path + '\Misc.')
            $misc.SetValue('NoProgramUpgrade', $Case.before.value, [Microsoft.Win32.RegistryValueKind]$Case.before.kind)
            $misc.Close()
        }
        if ($null -ne $Case.record) {
            $record = $hive.CreateSubKey($table.record_path)
            foreach ($property in $Case.record.PSObject.Properties) { $record.SetValue($property.Name, [string]$property.Value) }
            $record.Close()
        }
        $answer = Invoke-Case $Case
        $answer.seen | Should -Be $Case.seen
        $answer.action | Should -Be $Case.action
        $answer.noted | Should -Be ([bool]$Case.noted)
        if ($null -eq $Case.after) { $answer.current | Should -BeNullOrEmpty }
        else {
            $answer.current.kind | Should -Be $Case.after.kind
            [string]$answer.current.value | Should -Be ([string]$Case.after.value)
        }
        foreach ($name in @($Case.record_after_has)) { $answer.record.ContainsKey($name) | Should -BeTrue }
        foreach ($name in @($Case.record_after_lacks)) { $answer.record.ContainsKey($name) | Should -BeFalse }
    }
}

Describe 'registry_block.ps1: guards' {
    BeforeEach { Remove-TestKey }

    It 'a host without the agent''s key: nothing is created, not the agent''s key, not the record (check mode <CheckMode>)' -ForEach @(
        @{ CheckMode = $false }, @{ CheckMode = $true }) {
        foreach ($state in 'present', 'absent') {
            $answer = Invoke-Case ([pscustomobject]@{ state = $state; check_mode = $CheckMode })
            $answer.agent_present | Should -BeFalse
            $answer.action | Should -Be 'keep'
            $answer.ContainsKey('seen') | Should -BeFalse
            $hive.OpenSubKey($table.agent_path) | Should -BeNullOrEmpty
            $hive.OpenSubKey($table.record_path) | Should -BeNullOrEmpty
            $hive.OpenSubKey($base) | Should -BeNullOrEmpty
        }
    }

    It 'writes the block as REG_DWORD in the view the controller names, never in the other view' -Skip:(-not [Environment]::Is64BitOperatingSystem) {
        $agent = $hive.CreateSubKey($table.agent_path)
        $agent.Close()
        $answer = Invoke-Case ([pscustomobject]@{ state = 'present'; check_mode = $false })
        $answer.current.kind | Should -Be 'DWord'
        $misc = $hive.OpenSubKey($table.agent_path + '\Misc.')
        try { $misc.GetValueKind('NoProgramUpgrade') | Should -Be ([Microsoft.Win32.RegistryValueKind]::DWord) }
        finally { $misc.Close() }
        # The 32-bit view (WOW6432Node) holds no copy of the throwaway key.
        $other = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', 'Registry32').OpenSubKey($table.agent_path)
        $other | Should -BeNullOrEmpty
    }
}

Describe 'registry_block.ps1: Write-Record' {
    BeforeEach { Remove-TestKey }

    It 'skips a null entry and an empty name: the record key''s (Default) value is never written' {
        $agent = $hive.CreateSubKey($table.agent_path)
        $agent.Close()
        $params = @{ CheckMode = $false }
        foreach ($property in $table.params.present.PSObject.Properties) { $params[$property.Name] = $property.Value }
        $params.Record = ConvertTo-Wire $params.Record
        $params.Record.write = @($null, @{ name = ''; value = 'x' }, @{ name = 'BlockedBy'; value = 'pester' })
        $answer = Invoke-TestedScript $params
        $answer.action | Should -Be 'set'
        $record = $hive.OpenSubKey($table.record_path)
        try {
            @($record.GetValueNames()) | Should -Not -Contain ''
            $record.GetValue('BlockedBy') | Should -Be 'pester'
        }
        finally { $record.Close() }
    }
}
