# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of auth_backup.ps1 on a real Windows host, with a throwaway server key
# (HKLM\SOFTWARE\apexone.upgrade.pester\Server) and a folder under $env:TEMP, both removed afterwards.
#   Invoke-Pester -Path tests\pester\auth_backup.Tests.ps1
$ErrorActionPreference = 'Stop'

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'auth_backup'
    $folder = New-TestFolder
    $leaf = Split-Path -Leaf $folder
    New-Item -ItemType Directory -Path (Join-Path $folder 'PCCSRV') | Out-Null
    New-Item -ItemType Directory -Path (Join-Path $folder 'AuthCertBackup') | Out-Null
    [IO.File]::WriteAllBytes((Join-Path $folder 'AuthCertBackup\OfficeScanAuth.dat'), [byte[]](1, 2, 3))
    $keys = @(ConvertTo-Wire @{ view = 'Registry64'; path = $base + '\Server' })
}

AfterAll {
    Remove-Item -LiteralPath $folder -Recurse -Force
    Remove-TestKey
}

Describe 'auth_backup.ps1' {
    It 'expands a REG_EXPAND_SZ Local_Path and reads a file the server holds open for writing' {
        Set-ServerValue 'Local_Path' ('%TEMP%\' + $leaf + '\PCCSRV\') 'ExpandString'
        $held = [IO.File]::Open((Join-Path $folder 'AuthCertBackup\OfficeScanAuth.dat'), 'Open', 'ReadWrite', 'ReadWrite')
        try { $answer = & $script -ServerKeys $keys -Relative '..\AuthCertBackup\OfficeScanAuth.dat' -DefaultPaths @('C:\nowhere.dat') -MaxBytes 1024 }
        finally { $held.Close() }
        $answer.found | Should -BeTrue
        $answer.path | Should -Be (Join-Path $folder 'AuthCertBackup\OfficeScanAuth.dat')
        $answer.content_b64 | Should -Be 'AQID'
    }

    It 'skips an empty Local_Path instead of resolving it under the working folder' {
        Set-ServerValue 'Local_Path' '' 'String'
        $answer = & $script -ServerKeys $keys -Relative '..\AuthCertBackup\OfficeScanAuth.dat' -DefaultPaths @('C:\nowhere.dat') -MaxBytes 1024
        $answer.local_path_empty | Should -BeTrue
        @($answer.candidates) | Should -Be @('C:\nowhere.dat')
    }

    It 'skips a Local_Path .NET refuses as a path, says why, and still searches the default folders' {
        Set-ServerValue 'Local_Path' 'C:\Trend|Micro\PCCSRV\' 'String'
        $answer = & $script -ServerKeys $keys -Relative '..\AuthCertBackup\OfficeScanAuth.dat' -DefaultPaths @('C:\nowhere.dat') -MaxBytes 1024
        $answer.local_path_invalid | Should -Match 'GetFullPath|Combine'
        @($answer.candidates) | Should -Be @('C:\nowhere.dat')
        $answer.found | Should -BeFalse
    }
}
