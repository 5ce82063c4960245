# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of certificates_install.ps1 on a real Windows host. Adds only to a throwaway
# LocalMachine store, "apexone.upgrade.pester", removed afterwards. Run as an administrator:
#   Invoke-Pester -Path tests\pester\certificates_install.Tests.ps1
$ErrorActionPreference = 'Stop'

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'certificates_install'
    $storeName = 'apexone.upgrade.pester'
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
    $path = 'HKLM:\SOFTWARE\Microsoft\SystemCertificates\' + $storeName
    if (Test-Path -LiteralPath $path) { Remove-Item -LiteralPath $path -Recurse -Force }
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
