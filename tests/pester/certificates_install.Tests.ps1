# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of certificates_install.ps1 on a real Windows host. Adds only to throwaway LocalMachine
# stores, "apexone.upgrade.pester" and "apexone.upgrade.pester.2", made here (the script opens a store only when it
# exists) and removed afterwards. Run as an administrator:
#   Invoke-Pester -Path tests\pester\certificates_install.Tests.ps1
$ErrorActionPreference = 'Stop'

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'certificates_install'
    $storeName = 'apexone.upgrade.pester'
    $secondStore = 'apexone.upgrade.pester.2'
    $absentStore = 'apexone.upgrade.pester.absent'
    foreach ($name in $storeName, $secondStore) {
        $made = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList $name, 'LocalMachine'
        $made.Open('ReadWrite')  # without OpenExistingOnly: makes the store
        $made.Close()
    }
    # Any root this host trusts serves as a real certificate to add to the throwaway store.
    $known = @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\Root')[0]
    $good = @{ store = $storeName; thumbprint = $known.Thumbprint; der_b64 = [Convert]::ToBase64String($known.RawData) }
    $bad = @{ store = $storeName; thumbprint = ('00' * 20); der_b64 = [Convert]::ToBase64String([Text.Encoding]::ASCII.GetBytes('not a certificate')) }
    function Invoke-Install($Items, [switch]$Check) {
        $certificates = @(ConvertTo-Wire $Items)
        & $script -Certificates $certificates -Stores @($storeName) -CheckMode:$Check
    }
}

AfterAll {
    foreach ($name in $storeName, $secondStore, $absentStore) {
        $path = 'HKLM:\SOFTWARE\Microsoft\SystemCertificates\' + $name
        if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Recurse -Force }
    }
}

Describe 'certificates_install.ps1' {
    It 'gives each certificate its own status: a bad one does not hide the good one' {
        $answer = Invoke-Install @($bad, $good)
        $answer.results[0].status | Should -Be 'failed'
        $answer.results[0].error | Should -Not -BeNullOrEmpty
        $answer.results[1].status | Should -Be 'added'
        @($answer.certificates[$storeName] | Where-Object { $_.thumbprint -eq $known.Thumbprint }).Count | Should -Be 1
        # .NET's full distinguished name, as the lab's twin writes it
        @($answer.certificates[$storeName])[0].subject | Should -Be $known.Subject
    }

    It 'reports present on a second run and adds nothing in check mode' {
        (Invoke-Install @($good)).results[0].status | Should -Be 'present'
        (Invoke-Install @($bad) -Check).results[0].status | Should -Be 'absent'
    }
}

Describe 'certificates_install.ps1: each certificate only into the store its entry names' {
    It 'two certificates, two stores: each in its own, neither in the other nor anywhere else' {
        $other = @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\Root' | Where-Object { $_.Thumbprint -ne $known.Thumbprint })[0]
        $second = @{ store = $secondStore; thumbprint = $other.Thumbprint; der_b64 = [Convert]::ToBase64String($other.RawData) }
        $rootBefore = @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\Root').Count
        $caBefore = @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\CA').Count
        $certificates = @(ConvertTo-Wire @($good, $second))
        $answer = & $script -Certificates $certificates -Stores @($storeName, $secondStore)
        @($answer.results | ForEach-Object { $_.store }) | Should -Be @($storeName, $secondStore)
        @($answer.certificates[$storeName] | ForEach-Object { $_.thumbprint }) | Should -Be @($known.Thumbprint)
        @($answer.certificates[$secondStore] | ForEach-Object { $_.thumbprint }) | Should -Be @($other.Thumbprint)
        @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\Root').Count | Should -Be $rootBefore
        @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\CA').Count | Should -Be $caBefore
    }

    It 'a store that does not exist is not made: the entry fails, the store stays absent' {
        $answer = & $script -Certificates @(ConvertTo-Wire @(@{ store = $absentStore; thumbprint = $known.Thumbprint; der_b64 = $good.der_b64 })) `
            -Stores @($absentStore)
        $answer.results[0].status | Should -Be 'failed'
        $answer.errors.ContainsKey($absentStore) | Should -BeTrue
        Test-Path -LiteralPath ('HKLM:\SOFTWARE\Microsoft\SystemCertificates\' + $absentStore) | Should -BeFalse
    }
}
