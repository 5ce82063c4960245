# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of winhttp_import.ps1 on a real Windows host: the read action only (import and set
# change the machine's WinHTTP proxy; run those through the integration target in check mode).
#   Invoke-Pester -Path tests\pester\winhttp_import.Tests.ps1
$ErrorActionPreference = 'Stop'

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'winhttp_import'
    $connections = 'SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections'
}

Describe 'winhttp_import.ps1' {
    It 'reads WinHTTP and the account''s IE setting without running netsh' {
        $answer = & $script -SettingsPath $connections -UserSettingsPath $connections -Action 'read'
        $answer.ran | Should -BeFalse
        $answer.account | Should -Be ([Security.Principal.WindowsIdentity]::GetCurrent().Name)
        $answer.before | Should -Be $answer.after
        if ($answer.before) { [Convert]::FromBase64String($answer.before).Length | Should -BeGreaterOrEqual 16 }
    }

    It 'refuses an action it does not know before doing anything' {
        { & $script -SettingsPath $connections -UserSettingsPath $connections -Action 'reset' } | Should -Throw
    }

    It 'reads netsh''s exit code even when netsh writes to stderr (ErrorActionPreference Stop)' {
        # "netsh winhttp bogus" fails with a message; the script pattern must not throw before $LASTEXITCODE.
        $ErrorActionPreference = 'Continue'
        $lines = @(& netsh.exe winhttp bogus 2>&1 | ForEach-Object { [string]$_ })
        $code = $LASTEXITCODE
        $ErrorActionPreference = 'Stop'
        $code | Should -Not -Be 0
        $lines.Count | Should -BeGreaterThan 0
    }

    It 'a 32-bit PowerShell reaches the 64-bit netsh through Sysnative' -Skip:(-not [Environment]::Is64BitOperatingSystem) {
        # What the script runs when its host process is 32-bit (the Microsoft.PowerShell32 endpoint).
        $wow = Join-Path $env:SystemRoot 'SysWOW64\WindowsPowerShell\v1.0\powershell.exe'
        $seen = & $wow -NoProfile -NonInteractive -Command '[Environment]::Is64BitProcess; Test-Path -LiteralPath (Join-Path $env:SystemRoot ''Sysnative\netsh.exe'')'
        @($seen) | Should -Be @('False', 'True')
    }
}
