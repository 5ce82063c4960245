# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of auth_backup.ps1 on a real Windows host, with a throwaway server key
# (HKLM\SOFTWARE\apexone.upgrade.pester\Server) and a folder under $env:TEMP, both removed afterwards.
# The test plays the controller: it makes the key pair, sends the public key, and opens the answer.
#   Invoke-Pester -Path tests\pester\auth_backup.Tests.ps1
$ErrorActionPreference = 'Stop'

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'auth_backup'
    $folder = New-TestFolder
    $leaf = Split-Path -Leaf $folder
    New-Item -ItemType Directory -Path (Join-Path $folder 'PCCSRV') | Out-Null
    New-Item -ItemType Directory -Path (Join-Path $folder 'AuthCertBackup') | Out-Null
    $plain = [byte[]](48, 130, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18)
    [IO.File]::WriteAllBytes((Join-Path $folder 'AuthCertBackup\OfficeScanAuth.dat'), $plain)
    $keys = @(ConvertTo-Wire @{ view = 'Registry64'; path = $base + '\Server' })
    $controller = New-Object -TypeName System.Security.Cryptography.RSACryptoServiceProvider -ArgumentList 3072
    $controller.PersistKeyInCsp = $false
    $public = $controller.ToXmlString($false)

    function Open-Sealed($Sealed) {
        $aes = New-Object -TypeName System.Security.Cryptography.AesCryptoServiceProvider
        try {
            $aes.Key = $controller.Decrypt([Convert]::FromBase64String($Sealed.key), $true)
            $aes.IV = [Convert]::FromBase64String($Sealed.iv)
            $data = [Convert]::FromBase64String($Sealed.data)
            $aes.CreateDecryptor().TransformFinalBlock($data, 0, $data.Length)
        }
        finally { $aes.Dispose() }
    }
    function Get-PlainSha256 {
        $sha = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
        [BitConverter]::ToString($sha.ComputeHash($plain)).Replace('-', '').ToLowerInvariant()
    }
}

AfterAll {
    Remove-Item -LiteralPath $folder -Recurse -Force
    Remove-TestKey
    $controller.Dispose()
}

Describe 'auth_backup.ps1' {
    It 'seals a file the server holds open for writing to the public key, beside its SHA-256; nothing in clear' {
        Set-ServerValue 'Local_Path' ('%TEMP%\' + $leaf + '\PCCSRV\') 'ExpandString'
        $held = [IO.File]::Open((Join-Path $folder 'AuthCertBackup\OfficeScanAuth.dat'), 'Open', 'ReadWrite', 'ReadWrite')
        try {
            $answer = & $script -ServerKeys $keys -Relative '..\AuthCertBackup\OfficeScanAuth.dat' `
                -DefaultPaths @('C:\nowhere.dat') -MaxBytes 1024 -PublicKey $public -Known @()
        }
        finally { $held.Close() }
        $answer.found | Should -BeTrue
        $answer.path | Should -Be (Join-Path $folder 'AuthCertBackup\OfficeScanAuth.dat')
        $answer.sha256 | Should -Be (Get-PlainSha256)
        $answer.ContainsKey('content_b64') | Should -BeFalse
        $answer.sealed.data | Should -Not -Be ([Convert]::ToBase64String($plain))
        [Convert]::ToBase64String((Open-Sealed $answer.sealed)) | Should -Be ([Convert]::ToBase64String($plain))
    }

    It 'sends no content when the controller already keeps a copy with that SHA-256' {
        $answer = & $script -ServerKeys $keys -Relative '..\AuthCertBackup\OfficeScanAuth.dat' `
            -DefaultPaths @('C:\nowhere.dat') -MaxBytes 1024 -PublicKey $public -Known @(Get-PlainSha256)
        $answer.sha256 | Should -Be (Get-PlainSha256)
        $answer.ContainsKey('sealed') | Should -BeFalse
    }

    It 'refuses to read the file without a public key: it never returns it in clear' {
        { & $script -ServerKeys $keys -Relative '..\AuthCertBackup\OfficeScanAuth.dat' -DefaultPaths @('C:\nowhere.dat') `
            -MaxBytes 1024 } | Should -Throw '*never returned in clear*'
        $looked = & $script -ServerKeys $keys -Relative '..\AuthCertBackup\OfficeScanAuth.dat' `
            -DefaultPaths @('C:\nowhere.dat') -MaxBytes 0
        $looked.found | Should -BeTrue
        $looked.ContainsKey('sha256') | Should -BeFalse
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

Describe 'auth_backup.ps1: OfficeScanAuth.dat is only ever opened for reading' {
    BeforeAll {
        $file = Join-Path $folder 'AuthCertBackup\OfficeScanAuth.dat'
        # Everyone (by SID: the name is translated on a Japanese host) may not write the file; the account running
        # the test included, administrator or not. Reading needs no write access.
        $everyone = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-1-0'
        $deny = New-Object -TypeName System.Security.AccessControl.FileSystemAccessRule -ArgumentList $everyone, 'Write', 'Deny'
        function Invoke-Backup {
            & $script -ServerKeys $keys -Relative '..\AuthCertBackup\OfficeScanAuth.dat' -DefaultPaths @('C:\nowhere.dat') `
                -MaxBytes 1024 -PublicKey $public -Known @()
        }
    }

    BeforeEach { Set-ServerValue 'Local_Path' ('%TEMP%\' + $leaf + '\PCCSRV\') 'ExpandString' }

    It 'reads a file whose ACL denies writing to everyone: sealed, its SHA-256, the file unchanged' {
        $before = Get-Item -LiteralPath $file
        $acl = Get-Acl -LiteralPath $file
        $acl.AddAccessRule($deny)
        Set-Acl -LiteralPath $file -AclObject $acl
        try {
            { [IO.File]::Open($file, 'Open', 'ReadWrite', 'ReadWrite').Close() } | Should -Throw  # the deny holds
            $answer = Invoke-Backup
        }
        finally {
            $acl = Get-Acl -LiteralPath $file
            $null = $acl.RemoveAccessRule($deny)
            Set-Acl -LiteralPath $file -AclObject $acl
        }
        $answer.found | Should -BeTrue
        $answer.sha256 | Should -Be (Get-PlainSha256)
        [Convert]::ToBase64String((Open-Sealed $answer.sealed)) | Should -Be ([Convert]::ToBase64String($plain))
        $after = Get-Item -LiteralPath $file
        $after.Length | Should -Be $before.Length
        $after.LastWriteTimeUtc | Should -Be $before.LastWriteTimeUtc
        [Convert]::ToBase64String([IO.File]::ReadAllBytes($file)) | Should -Be ([Convert]::ToBase64String($plain))
    }

    It 'reads a file another process holds open letting others only read (FileShare.Read): a writer would be refused' {
        $held = [IO.File]::Open($file, 'Open', 'Read', 'Read')
        try {
            { [IO.File]::Open($file, 'Open', 'Read', 'ReadWrite').Close() } | Should -Not -Throw
            { [IO.File]::Open($file, 'Open', 'ReadWrite', 'ReadWrite').Close() } | Should -Throw
            $answer = Invoke-Backup
        }
        finally { $held.Close() }
        $answer.sha256 | Should -Be (Get-PlainSha256)
        $answer.ContainsKey('sealed') | Should -BeTrue
    }
}
