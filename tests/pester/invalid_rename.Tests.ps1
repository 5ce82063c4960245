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

Describe 'invalid_rename.ps1: guards' {
    BeforeEach {
        $case = Join-Path $folder ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $case | Out-Null
    }

    It 'an existing target is never overwritten: its content, size and time stay, the _Invalid file stays too' {
        Set-Content -LiteralPath (Join-Path $case 'x.dll_Invalid') -Value 'new'
        Set-Content -LiteralPath (Join-Path $case 'x.dll') -Value 'the file in use'
        $before = Get-Item -LiteralPath (Join-Path $case 'x.dll')
        $answer = & $script -Renames @(ConvertTo-Wire @(@{ from = (Join-Path $case 'x.dll_Invalid'); to = (Join-Path $case 'x.dll') }))
        $answer.results[0].status | Should -Be 'skipped'
        $after = Get-Item -LiteralPath (Join-Path $case 'x.dll')
        Get-Content -LiteralPath $after.FullName | Should -Be 'the file in use'
        $after.Length | Should -Be $before.Length
        $after.LastWriteTimeUtc | Should -Be $before.LastWriteTimeUtc
        Test-Path -LiteralPath (Join-Path $case 'x.dll_Invalid') | Should -BeTrue
    }

    It 'a folder of the target''s name is not replaced' {
        Set-Content -LiteralPath (Join-Path $case 'y.dll_Invalid') -Value 'y'
        New-Item -ItemType Directory -Path (Join-Path $case 'y.dll') | Out-Null
        $answer = & $script -Renames @(ConvertTo-Wire @(@{ from = (Join-Path $case 'y.dll_Invalid'); to = (Join-Path $case 'y.dll') }))
        $answer.results[0].status | Should -Be 'skipped'
        Test-Path -LiteralPath (Join-Path $case 'y.dll') -PathType Container | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $case 'y.dll_Invalid') -PathType Leaf | Should -BeTrue
    }

    It 'a target in another folder is refused: nothing moves, nothing is made there' {
        New-Item -ItemType Directory -Path (Join-Path $case 'other') | Out-Null
        Set-Content -LiteralPath (Join-Path $case 'z.dll_Invalid') -Value 'z'
        $answer = & $script -Renames @(ConvertTo-Wire @(@{ from = (Join-Path $case 'z.dll_Invalid'); to = (Join-Path $case 'other\z.dll') }))
        $answer.results[0].status | Should -Be 'failed'
        $answer.results[0].error | Should -Match 'another folder'
        Test-Path -LiteralPath (Join-Path $case 'z.dll_Invalid') | Should -BeTrue
        @(Get-ChildItem -LiteralPath (Join-Path $case 'other') -Force).Count | Should -Be 0
    }
}
