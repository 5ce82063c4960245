# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of winhttp_import.ps1 on a real Windows host. The machine's WinHTTP proxy is only read: the
# import and set actions run against a throwaway key (HKLM\SOFTWARE\apexone.upgrade.pester\WinHttp) and a netsh.exe
# of the test's own, compiled into a throwaway folder that stands for %SystemRoot% while the script runs, which
# records the arguments it was given and changes nothing.
#   Invoke-Pester -Path tests\pester\winhttp_import.Tests.ps1
$ErrorActionPreference = 'Stop'

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'winhttp_import'
    $connections = 'SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\Connections'

    # WinHttpSettings as Windows keeps it: version, counter, flags (direct | proxy), proxy, bypass.
    function New-WinHttpBytes([string]$Proxy, [string]$Bypass) {
        $ascii = [Text.Encoding]::ASCII
        [byte[]](@([BitConverter]::GetBytes([int]0x18) + [BitConverter]::GetBytes([int]7) + [BitConverter]::GetBytes([int]3) +
            [BitConverter]::GetBytes([int]$Proxy.Length) + $ascii.GetBytes($Proxy) +
            [BitConverter]::GetBytes([int]$Bypass.Length) + $ascii.GetBytes($Bypass)))
    }

    # The machine's own setting, to show it is never touched.
    function Get-MachineSetting {
        $key = $hive.OpenSubKey($connections)
        if ($null -eq $key) { return '' }
        try { $value = $key.GetValue('WinHttpSettings'); if ($null -eq $value) { '' } else { [Convert]::ToBase64String([byte[]]$value) } }
        finally { $key.Close() }
    }

    # A netsh.exe that writes its arguments (one per line, then a blank line) to $env:APEXONE_PESTER_NETSH_LOG.
    $fakeRoot = New-TestFolder
    $source = 'public static class Program { public static int Main(string[] args) { System.IO.File.AppendAllText(' +
        'System.Environment.GetEnvironmentVariable("APEXONE_PESTER_NETSH_LOG"), string.Join("\r\n", args) + "\r\n\r\n"); return 0; } }'
    foreach ($folder in 'System32', 'Sysnative') {
        New-Item -ItemType Directory -Path (Join-Path $fakeRoot $folder) | Out-Null
        Add-Type -TypeDefinition $source -OutputType ConsoleApplication -OutputAssembly (Join-Path $fakeRoot ($folder + '\netsh.exe'))
    }
    $log = Join-Path $fakeRoot 'netsh.log'
    $throwaway = $base + '\WinHttp'

    # Run the script with %SystemRoot% pointing at the recording netsh; the arguments of each netsh run.
    function Invoke-Recorded([hashtable]$Params) {
        if (Test-Path -LiteralPath $log) { Remove-Item -LiteralPath $log }
        $systemRoot = $env:SystemRoot
        $env:SystemRoot = $fakeRoot
        $env:APEXONE_PESTER_NETSH_LOG = $log
        try { $answer = Invoke-TestedScript $Params }
        finally { $env:SystemRoot = $systemRoot; Remove-Item -LiteralPath Env:\APEXONE_PESTER_NETSH_LOG }
        $runs = @()
        if (Test-Path -LiteralPath $log) {
            $runs = @(((Get-Content -LiteralPath $log -Raw) -split "\r\n\r\n") | Where-Object { $_ } | ForEach-Object { , @($_ -split "\r\n") })
        }
        @{ answer = $answer; runs = $runs }
    }
}

AfterAll {
    Remove-Item -LiteralPath $fakeRoot -Recurse -Force
    Remove-TestKey
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

Describe 'winhttp_import.ps1: netsh runs only what the controller decided, and never resets the proxy' {
    BeforeEach {
        Remove-TestKey
        $key = $hive.CreateSubKey($throwaway)
        $key.SetValue('WinHttpSettings', (New-WinHttpBytes 'proxy.corp.example:8080' '<local>'), 'Binary')
        $key.Close()
        $machine = Get-MachineSetting
    }

    It 'read runs no netsh at all' {
        $done = Invoke-Recorded @{ SettingsPath = $throwaway; UserSettingsPath = 'Software\apexone.upgrade.pester.none'; Action = 'read' }
        $done.runs.Count | Should -Be 0
        $done.answer.ran | Should -BeFalse
        $done.answer.before | Should -Be ([Convert]::ToBase64String((New-WinHttpBytes 'proxy.corp.example:8080' '<local>')))
    }

    It 'import runs exactly "winhttp import proxy source=ie"' {
        $done = Invoke-Recorded @{ SettingsPath = $throwaway; UserSettingsPath = 'Software\apexone.upgrade.pester.none'; Action = 'import' }
        $done.runs.Count | Should -Be 1
        $done.runs[0] | Should -Be @('winhttp', 'import', 'proxy', 'source=ie')
        $done.answer.exit_code | Should -Be 0
    }

    It 'set runs exactly "winhttp set proxy" with the proxy and bypass list given, each one argument' {
        $done = Invoke-Recorded @{ SettingsPath = $throwaway; UserSettingsPath = 'Software\apexone.upgrade.pester.none'; Action = 'set'
            Proxy = 'proxy2.corp.example:3128'; ProxyExceptions = '<local>;*.corp.example' }
        $done.runs.Count | Should -Be 1
        $done.runs[0] | Should -Be @('winhttp', 'set', 'proxy', 'proxy-server=proxy2.corp.example:3128', 'bypass-list=<local>;*.corp.example')
    }

    It 'no action says reset, and the machine''s own WinHTTP setting is unchanged' {
        foreach ($action in 'read', 'import', 'set') {
            $done = Invoke-Recorded @{ SettingsPath = $throwaway; UserSettingsPath = 'Software\apexone.upgrade.pester.none'; Action = $action; Proxy = 'p:1' }
            foreach ($run in $done.runs) { $run | Should -Not -Contain 'reset' }
        }
        Get-MachineSetting | Should -Be $machine
    }
}
