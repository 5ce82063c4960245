# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of gpo_certificates.ps1 on a real Windows domain controller (the script talks to the DC it runs
# on: -Server is this host by default), as a domain administrator, in Windows PowerShell 5.1. They make a throwaway GPO,
# "apexone.upgrade.pester <random>", never link it, and delete it afterwards:
#   Invoke-Pester -Path tests\pester\gpo_certificates.Tests.ps1
# The cases are the rules the lab's twin states (tests/lab/simulator/grouppolicy.py, G1-G8).
$ErrorActionPreference = 'Stop'

BeforeDiscovery {
    # Read here for -Skip (discovery) and again in BeforeAll: Pester 5 does not carry it into the run.
    $noModule = $null -eq (Get-Module -ListAvailable -Name GroupPolicy)
}

BeforeAll {
    $noModule = $null -eq (Get-Module -ListAvailable -Name GroupPolicy)
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'gpo_certificates'
    $gpoName = 'apexone.upgrade.pester ' + [guid]::NewGuid().ToString('N')
    $partialName = 'apexone.upgrade.pester partial ' + [guid]::NewGuid().ToString('N')
    # The DC the script talks to by default (this host's DNS name), for the tests' own reads and cleanup.
    $ownName = [Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties()
    $ownServer = $ownName.HostName
    if ($ownName.DomainName) { $ownServer = $ownName.HostName + '.' + $ownName.DomainName }
    $rootKey = 'Software\Policies\Microsoft\SystemCertificates\Root\Certificates'
    $keys = @($rootKey, 'Software\Policies\Microsoft\SystemCertificates\CA\Certificates')
    # Any root this host trusts: its DER bytes in the Blob form the controller sends (hash property, then the certificate).
    $known = @(Get-ChildItem -LiteralPath 'Cert:\LocalMachine\Root')[0]
    $hash = [byte[]]@(for ($i = 0; $i -lt 40; $i += 2) { [Convert]::ToByte($known.Thumbprint.Substring($i, 2), 16) })
    $header = { param($id, $size) [BitConverter]::GetBytes([uint32]$id) + [BitConverter]::GetBytes([uint32]1) + [BitConverter]::GetBytes([uint32]$size) }
    $blob = [byte[]]((& $header 3 20) + $hash + (& $header 32 $known.RawData.Length) + $known.RawData)
    $item = @{ key = $rootKey + '\' + $known.Thumbprint; value_name = 'Blob'; data_b64 = [Convert]::ToBase64String($blob) }
}

AfterAll {
    if (-not $noModule) {
        Remove-GPO -Name $gpoName -Server $ownServer -ErrorAction SilentlyContinue
        Remove-GPO -Name $partialName -Server $ownServer -ErrorAction SilentlyContinue
    }
}

Describe 'gpo_certificates.ps1' -Skip:$noModule {
    It 'reports a GPO no one made as a lookup error, and changes nothing (G2)' {
        $answer = Invoke-TestedScript @{ Name = $gpoName; Keys = $keys }
        $answer.gpo | Should -BeNullOrEmpty
        $answer.lookup_error.id | Should -BeLike 'GpoWithNameNotFound*'
        $answer.created | Should -BeFalse
    }

    It 'talks to this DC by its own DNS name when the controller names none (G7)' {
        $answer = Invoke-TestedScript @{ Name = $gpoName; Keys = $keys }
        $answer.server | Should -BeLike ($env:COMPUTERNAME + '.*')
        (Get-ADDomainController -Server $answer.server).HostName | Should -Be $answer.server
    }

    It 'creates the GPO, sets the Blob as REG_BINARY and reads it back byte for byte (G3, G4, G5)' {
        # The value sits one key below the keys read: the answer comes from the subkey read (HKLM\ + KeyPath).
        $answer = Invoke-TestedScript @{ Name = $gpoName; Keys = $keys; Set = @($item); Create = $true }
        $answer.created | Should -BeTrue
        $answer.gpo.display_name | Should -Be $gpoName
        @($answer.values).Count | Should -Be 1
        $answer.values[0].type | Should -Be 'Binary'
        $answer.values[0].key | Should -BeLike 'HKEY_LOCAL_MACHINE\*'
        $answer.values[0].data_b64 | Should -Be $item.data_b64
    }

    It 'reads the GPO again without changing it' {
        $answer = Invoke-TestedScript @{ Name = $gpoName; Keys = $keys }
        $answer.set.Count | Should -Be 0
        $answer.values[0].data_b64 | Should -Be $item.data_b64
        (Get-GPO -Name $gpoName -Server $ownServer).Computer.DSVersion | Should -Be 1
    }

    It 'refuses to create a GPO whose name is taken (G3)' {
        { Invoke-TestedScript @{ Name = $gpoName; Keys = $keys; Create = $true } } | Should -Throw
    }

    It 'keeps what it did when the link fails after create and set, and reads nothing back (G8)' {
        $missing = 'OU=apexone.upgrade.pester missing,' + (Get-ADDomain).DistinguishedName
        $answer = Invoke-TestedScript @{ Name = $partialName; Keys = $keys; LinkTarget = $missing; Set = @($item); Create = $true; Link = $true }
        $answer.created | Should -BeTrue
        @($answer.set) | Should -Be @($item.key)
        $answer.linked | Should -BeFalse
        $answer.write_error.message | Should -Not -BeNullOrEmpty
        $answer.links | Should -BeNullOrEmpty
        (Get-GPRegistryValue -Name $partialName -Key ('HKLM\' + $item.key) -ValueName 'Blob' -Server $ownServer).Type | Should -Be 'Binary'
    }

    It 'lists the links of a container without linking (G6)' {
        $domain = (Get-ADDomain).DistinguishedName
        $answer = Invoke-TestedScript @{ Name = $gpoName; Keys = $keys; LinkTarget = $domain }
        @($answer.links | Where-Object { $_.id -eq $answer.gpo.id }).Count | Should -Be 0
    }
}
