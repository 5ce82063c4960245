# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of probe.ps1 on a real Windows host, read-only except for a throwaway folder under
# $env:TEMP and a throwaway key HKLM\SOFTWARE\apexone.upgrade.pester. The _Invalid cases are the ones
# the lab's twin and the controller's plan are tested with (tests/cases/invalid_strip.json).
#   Invoke-Pester -Path tests\pester\probe.Tests.ps1
$ErrorActionPreference = 'Stop'

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'probe'
    $table = Read-CaseTable 'invalid_strip'
    $cases = @(foreach ($case in $table.cases) { @{ Case = $case } })
    $hotfixCases = @(foreach ($case in (Read-CaseTable 'hotfix_read').cases) { @{ Case = $case } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'probe'
    $table = Read-CaseTable 'invalid_strip'
    $hotfixTable = Read-CaseTable 'hotfix_read'
    $folder = New-TestFolder

    # The hotfixes parameters the controller sends, with another key or deadline where a test says so.
    function Get-HotfixParams([string]$Key, [int]$DeadlineMs) {
        $params = @{}
        foreach ($property in $hotfixTable.params.PSObject.Properties) { $params[$property.Name] = $property.Value }
        $params.Subset = @('hotfixes')
        if ($Key) { $params.HotfixKey = $Key }
        if ($DeadlineMs) { $params.HotfixDeadlineMs = $DeadlineMs }
        $params
    }

    function Remove-Packages {
        if ($null -ne $hive.OpenSubKey($hotfixTable.packages_path)) { $hive.DeleteSubKeyTree($hotfixTable.packages_path) }
    }
}

AfterAll {
    Remove-Item -LiteralPath $folder -Recurse -Force
    Remove-TestKey
    # The same throwaway key in the 32-bit view (WOW6432Node on 64-bit Windows), made by the view test.
    $wow = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', 'Registry32')
    if ($null -ne $wow.OpenSubKey($base)) { $wow.DeleteSubKeyTree($base) }
}

Describe 'probe.ps1: _Invalid names, with the controller''s pattern' {
    It '<Case.name>' -ForEach $cases {
        $path = Join-Path $folder $Case.file
        Set-Content -LiteralPath $path -Value 'x'
        foreach ($other in @($Case.also)) { if ($other) { Set-Content -LiteralPath (Join-Path $folder $other) -Value 'y' } }
        $answer = Invoke-TestedScript @{ Subset = @('invalid_files'); InvalidRoots = @(@{ name = 'path'; path = $folder }); InvalidStrip = $table.pattern }
        $entry = @($answer.invalid_files[0].entries | Where-Object { $_.path -eq $path })[0]
        if ($null -eq $Case.target) { $entry.ContainsKey('target') | Should -BeFalse }
        else {
            $entry.target.path | Should -Be (Join-Path $folder $Case.target)
            $entry.target.exists | Should -Be ([bool]$Case.target_exists)
        }
        Get-ChildItem -LiteralPath $folder -Force | Remove-Item -Force
    }
}

Describe 'probe.ps1: installed updates from the package keys, as the table lists them' {
    AfterEach { Remove-Packages }

    It '<Case.name>' -ForEach $hotfixCases {
        foreach ($package in $Case.packages.PSObject.Properties) {
            $key = $hive.CreateSubKey($hotfixTable.packages_path + '\' + $package.Name)
            if ($null -ne $package.Value) { $key.SetValue('CurrentState', [int]$package.Value, 'DWord') }
            $key.Close()
        }
        $answer = Invoke-TestedScript (Get-HotfixParams)
        $answer.errors.Count | Should -Be 0
        $answer.hotfixes.packages | Should -Be @($Case.packages.PSObject.Properties).Count
        $expected = @($Case.states.PSObject.Properties)
        @($answer.hotfixes.states.Keys).Count | Should -Be $expected.Count
        foreach ($state in $expected) {
            @($answer.hotfixes.states[$state.Name] | Sort-Object) | Should -Be @($state.Value | Sort-Object)
        }
    }

    It 'reads this host''s own package keys, well within the deadline' {
        $answer = Invoke-TestedScript (Get-HotfixParams $hotfixTable.servicing_key)
        $answer.errors.Count | Should -Be 0
        $answer.hotfixes.packages | Should -BeGreaterThan 0
        $answer.hotfixes.elapsed_ms | Should -BeLessThan $hotfixTable.params.HotfixDeadlineMs
    }

    It 'past the deadline the read stops with its error, never a partial list' {
        $key = $hive.CreateSubKey($hotfixTable.packages_path)
        foreach ($index in 1..2000) { $key.CreateSubKey(('Package_for_KB{0}~31bf3856ad364e35~amd64~~6.1.1.0' -f (4000000 + $index))).Close() }
        $key.Close()
        $answer = Invoke-TestedScript (Get-HotfixParams -DeadlineMs 1)
        $answer.ContainsKey('hotfixes') | Should -BeFalse
        $answer.errors.hotfixes.message | Should -Match 'took longer than 1 ms'
    }

    It 'needs no WMI: the OS version comes from [Environment]::OSVersion' {
        Mock Get-CimInstance { throw 'Invalid class "Win32_OperatingSystem"' }
        Mock Get-WmiObject { throw 'Invalid class "Win32_OperatingSystem"' }
        $params = Get-HotfixParams $hotfixTable.servicing_key
        $params.HotfixOsVersions = @('{0}.{1}' -f [Environment]::OSVersion.Version.Major, [Environment]::OSVersion.Version.Minor)
        $answer = Invoke-TestedScript $params
        $answer.errors.Count | Should -Be 0
        $answer.hotfixes.packages | Should -BeGreaterThan 0
        Should -Invoke Get-CimInstance -Times 0 -Exactly
        Should -Invoke Get-WmiObject -Times 0 -Exactly
    }

    It 'a package key that does not exist is an error, not an empty list' {
        $answer = Invoke-TestedScript (Get-HotfixParams ($hotfixTable.packages_path + '\absent'))
        $answer.ContainsKey('hotfixes') | Should -BeFalse
        $answer.errors.hotfixes.message | Should -Match 'does not exist'
    }
}

Describe 'probe.ps1: each subset fails on its own' {
    It 'an empty Local_Path fails files, not certificates' {
        Set-ServerValue 'Local_Path' '' 'String'
        $answer = Invoke-TestedScript @{
            Subset = @('registry', 'files', 'certificates')
            CertificateStores = @('Root')
            RegistryReads = @(@{ name = 'server'; view = 'Registry64'; path = $base + '\Server'; values = @('Local_Path') })
            Files = @(@{ name = 'f'; registry = 'server'; value = 'Local_Path'; relative = 'x.dat' })
        }
        $answer.errors.files.message | Should -Match 'is empty'
        $answer.ContainsKey('files') | Should -BeFalse
        @($answer.certificates.Root).Count | Should -BeGreaterThan 0
    }

    It 'a REG_EXPAND_SZ Local_Path is expanded before it is used' {
        Set-ServerValue 'Local_Path' ('%TEMP%\' + (Split-Path -Leaf $folder)) 'ExpandString'
        Set-Content -LiteralPath (Join-Path $folder 'known.dat') -Value 'apexone' -NoNewline -Encoding Ascii
        $answer = Invoke-TestedScript @{
            Subset = @('registry', 'files', 'file_hashes')
            RegistryReads = @(@{ name = 'server'; view = 'Registry64'; path = $base + '\Server'; values = @('Local_Path') })
            Files = @(@{ name = 'f'; registry = 'server'; value = 'Local_Path'; relative = 'known.dat' })
        }
        $answer.registry.server.values.Local_Path.kind | Should -Be 'ExpandString'
        $answer.files[0].exists | Should -BeTrue
        # sha256 of the 7 ASCII bytes "apexone", computed without Get-FileHash
        $answer.file_hashes[0].name | Should -Be 'f'
        $answer.file_hashes[0].sha256 | Should -Be $table.sha256_of_apexone
    }

    It 'a REG_BINARY value (LastSyncTime, a FILETIME) comes back as the base64 of its bytes; an absent value is left out' {
        $key = $hive.CreateSubKey($base + '\AutoUpdate')
        $key.SetValue('LastSyncTime', [byte[]](0x00, 0xC0, 0x52, 0x67, 0x6B, 0x6B, 0xDA, 0x01), 'Binary')
        $key.Close()
        $answer = Invoke-TestedScript @{ Subset = @('registry')
            RegistryReads = @(@{ name = 'state'; view = 'Registry64'; path = $base + '\AutoUpdate'; values = @('LastSyncTime', 'RootDirUrl') }) }
        $answer.registry.state.values.LastSyncTime.kind | Should -Be 'Binary'
        $answer.registry.state.values.LastSyncTime.value | Should -Be 'AMBSZ2tr2gE='  # 2024-03-01, as the lab seed holds it
        $answer.registry.state.values.ContainsKey('RootDirUrl') | Should -BeFalse
    }

    It 'a file held open without sharing reports its error, the listing survives' {
        $path = Join-Path $folder 'locked.dat'
        Set-Content -LiteralPath $path -Value 'x'
        $held = [IO.File]::Open($path, 'Open', 'ReadWrite', 'None')
        try {
            $answer = Invoke-TestedScript @{ Subset = @('files', 'file_hashes'); Files = @(@{ name = 'f'; path = $path }) }
            $answer.files[0].exists | Should -BeTrue
            $answer.file_hashes[0].error | Should -Not -BeNullOrEmpty
            $answer.file_hashes[0].ContainsKey('sha256') | Should -BeFalse
        }
        finally { $held.Close() }
    }

    It 'an empty store name is an error, not the list of stores' {
        $answer = Invoke-TestedScript @{ Subset = @('certificates'); CertificateStores = @('Root', '') }
        $answer.ContainsKey('certificates') | Should -BeFalse
        $answer.errors.certificates.message | Should -Be 'no store name'
    }

    It 'answers os and services from CIM' {
        $answer = Invoke-TestedScript @{ Subset = @('os', 'services'); ServicePatterns = @('wuauserv') }
        $answer.errors.Count | Should -Be 0
        $answer.os.version | Should -Match '^\d+\.\d+\.\d+'
        @($answer.services | Where-Object { $_.name -eq 'wuauserv' }).Count | Should -Be 1
    }
}

Describe 'probe.ps1: network' {
    It 'a refused connection is named by its Winsock code' {
        $listener = New-Object -TypeName System.Net.Sockets.TcpListener -ArgumentList ([Net.IPAddress]::Loopback), 0
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()  # nothing listens there now: 10061
        $answer = Invoke-TestedScript @{ Subset = @('network'); Endpoints = @(@{ host = '127.0.0.1'; port = $port }); TimeoutMs = 3000 }
        $answer.network[0].tcp | Should -Be 'error'
        $answer.network[0].error.code | Should -Be 10061
    }

    It 'a name .NET cannot look up fails alone; the other endpoints answer' {
        $answer = Invoke-TestedScript @{ Subset = @('network'); TimeoutMs = 3000
            Endpoints = @(@{ host = ('a' * 300); port = 443 }, @{ host = '127.0.0.1'; port = 9 }) }
        $answer.errors.Count | Should -Be 0
        $answer.network[0].dns | Should -Be 'failed'
        $answer.network[1].dns | Should -Be 'ok'
    }

    It 'an IPv6-only proxy is reached (TcpClient() alone is IPv4-only)' -Skip:(-not [Net.Sockets.Socket]::OSSupportsIPv6) {
        # The listener accepts in its backlog and never answers: the connection succeeds and the
        # CONNECT read times out (10060). An IPv4-only client fails at once with 10047 instead.
        $listener = New-Object -TypeName System.Net.Sockets.TcpListener -ArgumentList ([Net.IPAddress]::IPv6Loopback), 0
        $listener.Start()
        try {
            $answer = Invoke-TestedScript @{ Subset = @('network'); Endpoints = @(@{ host = 'example.com'; port = 443 })
                ProxyHost = '::1'; ProxyPort = $listener.LocalEndpoint.Port; TimeoutMs = 1500 }
        }
        finally { $listener.Stop() }
        $answer.network[0].via | Should -Be 'proxy'
        $answer.network[0].error.code | Should -Be 10060
    }
}

Describe 'probe.ps1: the registry view the controller names, never the process''s own' {
    It 'a value only in the 32-bit view is read in Registry32 and absent in Registry64, and the other way round' -Skip:(-not [Environment]::Is64BitOperatingSystem) {
        foreach ($view in 'Registry32', 'Registry64') {
            $key = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', $view).CreateSubKey($base + '\Views')
            $key.SetValue('Seen', $view, 'String')
            $key.Close()
        }
        $only32 = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', 'Registry32').CreateSubKey($base + '\Only32')
        $only32.SetValue('Seen', 'Registry32', 'String')
        $only32.Close()
        $answer = Invoke-TestedScript @{ Subset = @('registry'); RegistryReads = @(
                @{ name = 'v32'; view = 'Registry32'; path = $base + '\Views'; values = @('Seen') },
                @{ name = 'v64'; view = 'Registry64'; path = $base + '\Views'; values = @('Seen') },
                @{ name = 'only32_in_64'; view = 'Registry64'; path = $base + '\Only32'; values = @('Seen') },
                @{ name = 'only32_in_32'; view = 'Registry32'; path = $base + '\Only32'; values = @('Seen') }) }
        $answer.registry.v32.values.Seen.value | Should -Be 'Registry32'
        $answer.registry.v64.values.Seen.value | Should -Be 'Registry64'
        $answer.registry.only32_in_64.exists | Should -BeFalse
        $answer.registry.only32_in_32.values.Seen.value | Should -Be 'Registry32'
    }
}
