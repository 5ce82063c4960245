# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of invalid_rename.ps1 on a real Windows host, in a throwaway folder under $env:TEMP.
#   Invoke-Pester -Path tests\pester\invalid_rename.Tests.ps1
$ErrorActionPreference = 'Stop'

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'invalid_rename'
    $folder = New-TestFolder
    foreach ($name in 'a.dll_Invalid', 'b.dll_Invalid', 'b.dll', 'c.dll_Invalid') { Set-Content -LiteralPath (Join-Path $folder $name) -Value $name }
}

AfterAll { Remove-Item -LiteralPath $folder -Recurse -Force }

Describe 'invalid_rename.ps1' {
    It 'renames, never overwrites, and one locked file does not stop the others' {
        $held = [IO.File]::Open((Join-Path $folder 'c.dll_Invalid'), 'Open', 'Read', 'None')
        try {
            $renames = ConvertTo-Wire @(foreach ($name in 'a.dll', 'b.dll', 'c.dll') {
                    @{ from = (Join-Path $folder ($name + '_Invalid')); to = (Join-Path $folder $name) }
                })
            $answer = & $script -Renames @($renames)
        }
        finally { $held.Close() }
        @($answer.results | ForEach-Object { $_.status }) | Should -Be @('renamed', 'skipped', 'failed')
        Get-Content -LiteralPath (Join-Path $folder 'b.dll') | Should -Be 'b.dll'
        Test-Path -LiteralPath (Join-Path $folder 'a.dll') | Should -BeTrue
    }
}
