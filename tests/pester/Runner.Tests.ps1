# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of what the runner really sends, on a real Windows host (read-only): the bootstrap as
# the winrm plugin runs it (powershell.exe -EncodedCommand, stdin lines enumerated into $input) and as
# the psrp plugin runs it (the decoded bootstrap in a runspace without a console, each stdin line one
# input object), with stdin = the driver, common.ps1 and the minified script, gzip and base64. The
# cases are the ones the lab is tested with (tests/cases/runner.json, written by make_cases.py).
#   Invoke-Pester -Path tests\pester\Runner.Tests.ps1
$ErrorActionPreference = 'Stop'

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'probe'
    $cases = @(foreach ($case in (Read-CaseTable 'runner').cases) { @{ Case = $case } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'probe'
    $table = Read-CaseTable 'runner'

    # The marked line's value: base64 of gzip of UTF-8 JSON.
    function Read-Marked([string]$Line, [string]$Marker) {
        $bytes = [Convert]::FromBase64String($Line.Substring($Marker.Length))
        $zip = New-Object IO.Compression.GZipStream((New-Object IO.MemoryStream(, $bytes)), [IO.Compression.CompressionMode]::Decompress)
        (New-Object IO.StreamReader($zip, [Text.Encoding]::UTF8)).ReadToEnd() | ConvertFrom-Json
    }

    # One marked line (or none, where the case expects PowerShell's own error), read as the controller reads it.
    function Assert-Answer($Case, [string[]]$Lines) {
        $marked = @($Lines | Where-Object { $_ -like 'APEXONE-*' })
        if ($null -eq $Case.marker) {
            $marked.Count | Should -Be 0
            return
        }
        $marked.Count | Should -Be 1
        $marked[0].StartsWith($Case.marker) | Should -BeTrue
        $answer = Read-Marked $marked[0] $Case.marker
        if ($Case.keys) { @($answer.PSObject.Properties.Name | Sort-Object) | Should -Be @($Case.keys) }
        if ($Case.mentions) { $answer.message | Should -Match ([regex]::Escape($Case.mentions)) }
        # an empty JSON array, not null and not a missing key (assignment keeps an empty array as it is)
        if ($Case.empty_lists) {
            foreach ($key in @($Case.empty_lists)) {
                $value = $answer.PSObject.Properties[$key].Value
                ($value -is [array]) | Should -BeTrue
                @($value).Count | Should -Be 0
            }
        }
    }
}

Describe 'The winrm path: powershell.exe -EncodedCommand with the payload on stdin' {
    It '<Case.name>' -ForEach $cases {
        $ErrorActionPreference = 'Continue'  # PowerShell's own error text on stderr is expected in one case
        $exe = Join-Path $PSHOME 'powershell.exe'
        $encoded = $table.command.Split(' ')[-1]
        $lines = @($Case.stdin | & $exe -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand $encoded 2>$null)
        $LASTEXITCODE | Should -Be $Case.rc
        Assert-Answer $Case $lines
    }
}

Describe 'The psrp path: the bootstrap in a runspace without a console, stdin lines as input objects' {
    It '<Case.name>' -ForEach $cases {
        $shell = [PowerShell]::Create()
        try {
            $null = $shell.AddScript($table.bootstrap, $true)
            $failed = $false
            try { $lines = @($shell.Invoke(@($Case.stdin)) | ForEach-Object { [string]$_ }) }
            catch { $failed = $true; $lines = @() }
            if ($Case.rc -eq 0) {
                $failed | Should -BeFalse
                $shell.HadErrors | Should -BeFalse
            }
            elseif ($null -eq $Case.marker) {
                ($failed -or $shell.HadErrors) | Should -BeTrue
            }
            Assert-Answer $Case $lines
        }
        finally { $shell.Dispose() }
    }
}
