# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of what the runner really sends, on a real Windows host (read-only): the bootstrap as the
# winrm plugin runs it (powershell.exe -EncodedCommand, stdin lines enumerated into $input) and as the psrp
# plugin runs it (the bootstrap as a script in a remote runspace, each stdin line one input object), with
# stdin = one line of ASCII JSON holding the driver, common.ps1, the minified script and its parameters. The
# cases are the ones the lab is tested with (tests/cases/runner.json, written by make_cases.py).
#   Invoke-Pester -Path tests\pester\Runner.Tests.ps1
# The psrp cases need PowerShell remoting to this host (Enable-PSRemoting); without it they are skipped.
$ErrorActionPreference = 'Stop'

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'probe'
    $cases = @(foreach ($case in (Read-CaseTable 'runner').cases) { @{ Case = $case } })
    $remoting = $true
    try { Test-WSMan -ComputerName localhost | Out-Null } catch { $remoting = $false }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'probe'
    $table = Read-CaseTable 'runner'

    # One marked line (or none, where the case expects PowerShell's own error), read as the controller reads it:
    # the marker, then ASCII JSON.
    function Assert-Answer($Case, [string[]]$Lines) {
        $marked = @($Lines | Where-Object { $_ -like 'APEXONE-*' })
        if ($null -eq $Case.marker) {
            $marked.Count | Should -Be 0
            return
        }
        $marked.Count | Should -Be 1
        $marked[0].StartsWith($Case.marker) | Should -BeTrue
        $json = $marked[0].Substring($Case.marker.Length)
        $json | Should -Match '^[ -~]+$'  # ASCII only, whatever the console's code page
        $answer = $json | ConvertFrom-Json
        if ($Case.keys) { @($answer | Get-Member -MemberType NoteProperty | ForEach-Object { $_.Name } | Sort-Object) | Should -Be @($Case.keys) }
        if ($Case.mentions) { $answer.message | Should -Match ([regex]::Escape($Case.mentions)) }
        # an empty JSON array, not null and not a missing key (assignment keeps an empty array as it is)
        foreach ($key in @($Case.empty_lists)) {
            if (-not $key) { continue }
            $value = @($answer | Select-Object -ExpandProperty $key)
            $value.Count | Should -Be 0
            $json | Should -Match ('"' + $key + '":\[\]')
        }
    }
}

Describe 'The winrm path: powershell.exe -EncodedCommand with the input on stdin' {
    It '<Case.name>' -ForEach $cases {
        $ErrorActionPreference = 'Continue'  # PowerShell's own error text on stderr is expected in one case
        $exe = Join-Path $PSHOME 'powershell.exe'
        $encoded = $table.command.Split(' ')[-1]
        $lines = @($Case.stdin | & $exe -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand $encoded 2>$null)
        $LASTEXITCODE | Should -Be $Case.rc
        Assert-Answer $Case $lines
    }
}

Describe 'The psrp path: the bootstrap as a script in a remote runspace, stdin lines as input objects' -Skip:(-not $remoting) {
    It '<Case.name>' -ForEach $cases {
        $session = New-PSSession -ComputerName localhost
        try {
            # what the psrp plugin runs for a command given as text: the command, then `exit $LASTEXITCODE`
            $block = [ScriptBlock]::Create($table.bootstrap + "`nexit `$LASTEXITCODE")
            $failed = $false
            try { $lines = @(Invoke-Command -Session $session -ScriptBlock $block -InputObject $Case.stdin -ErrorAction Stop | ForEach-Object { [string]$_ }) }
            catch { $failed = $true; $lines = @() }
            if ($null -eq $Case.marker) { $failed | Should -BeTrue }
            else { $failed | Should -BeFalse }
            Assert-Answer $Case $lines
        }
        finally { Remove-PSSession -Session $session }
    }
}
