# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Gathers raw host state for the runbook checks in one execution. Decides nothing: which
# subsets, stores, registry keys, services, files, the _Invalid pattern and the proxy all come
# from the controller, which also reads every answer. Each subset fails on its own: its error is
# reported under errors.<subset> and the other subsets still answer. Read-only.
# Windows PowerShell 5.1 (3.0 and 4.0 as well: no Get-FileHash).
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string[]]$Subset,
    [string[]]$CertificateStores,
    [object[]]$RegistryReads,
    [string[]]$ServicePatterns,
    [string[]]$HotfixOsVersions,
    [string]$HotfixKey,
    [string]$HotfixPattern,
    [int]$HotfixDeadlineMs,
    [object[]]$Files,
    [object[]]$InvalidRoots,
    [string]$InvalidStrip,
    [object[]]$Folders,
    [object[]]$Endpoints,
    [string]$ProxyHost,
    [int]$ProxyPort,
    [int]$TimeoutMs
)
$ErrorActionPreference = 'Stop'

$result = @{ subsets = @($Subset); errors = @{} }
$registry = @{}

function Invoke-Subset([string]$Name, [scriptblock]$Body) {
    # One subset's terminating error (broken WMI repository, denied folder, odd path) is caught
    # here: the subset is left out of the answer and its message is kept under errors.<name>.
    if ($Subset -notcontains $Name) { return }
    try { & $Body }
    catch { $result.errors[$Name] = @{ message = $_.Exception.Message; type = $_.Exception.GetType().FullName } }
}

function Resolve-Folder($Spec) {
    # A folder named absolutely (path) or relative to a value read from the registry above.
    if ($Spec.path) { return [string]$Spec.path }
    if (-not $registry.ContainsKey([string]$Spec.registry)) { return $null }
    $read = $registry[[string]$Spec.registry]
    if (-not $read.values.ContainsKey([string]$Spec.value)) { return $null }
    $entry = $read.values[[string]$Spec.value]
    $base = [string]$entry.value
    if ($entry.ContainsKey('expanded')) { $base = [string]$entry.expanded }
    # An empty value would resolve under the WinRM session's working folder: refuse it.
    if ($base.Trim() -eq '') { throw ('registry value {0} under HKLM\{1} is empty' -f $Spec.value, $read.path) }
    [IO.Path]::GetFullPath([IO.Path]::Combine($base, [string]$Spec.relative))
}

function Read-RegistryKey($Read) {
    # An explicit view (Open-RegistryKey, common.ps1), whatever the process bitness.
    $key = Open-RegistryKey 'LocalMachine' $Read.view $Read.path
    if ($null -eq $key) { return @{ exists = $false; values = @{}; path = [string]$Read.path } }
    try {
        $values = @{}
        foreach ($name in @($Read.values)) {
            $entry = Read-RegistryValue $key $name
            if ($null -eq $entry) { continue }
            if ($entry.value -is [byte[]]) { $entry.value = [Convert]::ToBase64String($entry.value) }
            # REG_EXPAND_SZ (%ProgramFiles%\...): expanded with this session's environment.
            if ($entry.kind -like 'Expand*') { $entry.expanded = [Environment]::ExpandEnvironmentVariables([string]$entry.value) }
            $values[$name] = $entry
        }
        return @{ exists = $true; values = $values; path = [string]$Read.path }
    }
    finally { $key.Close() }
}

Invoke-Subset 'os' {
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    $result.os = @{
        version = [string]$os.Version
        build = [int]$os.BuildNumber
        product_type = [int]$os.ProductType
        service_pack = [int]$os.ServicePackMajorVersion
        caption = [string]$os.Caption
        is_64bit = [Environment]::Is64BitOperatingSystem
        hostname = [string]$env:COMPUTERNAME
        powershell = $PSVersionTable.PSVersion.ToString()
    }
}

Invoke-Subset 'hotfixes' {
    # [Environment]::OSVersion, not WMI: the hosts this subset is for (6.0 / 6.1) are those where a broken WMI
    # repository is common, and the registry read below does not need it. It is exact there; it can report less
    # (6.2) only on 6.3 and later under a process not manifested for them (powershell.exe 5.1 is manifested
    # for 10.0), never a 6.0 or 6.1 that is not.
    $version = [Environment]::OSVersion.Version
    $short = '{0}.{1}' -f $version.Major, $version.Minor
    # Assigned once, at the end: a failure leaves no half answer beside errors.hotfixes.
    $found = $null
    if ($HotfixOsVersions -contains '*' -or $HotfixOsVersions -contains $short) {
        # The servicing stack's package keys (HotfixKey, 64-bit view), not Win32_QuickFixEngineering, which
        # waits on the servicing stack and can take minutes while TrustedInstaller works. Each package whose
        # name the controller's pattern matches is listed by the pattern's first group (its KB) under its raw
        # CurrentState ('none' without one). Past the deadline the read stops with an error: never a partial list.
        if (-not $HotfixKey -or -not $HotfixPattern -or $HotfixDeadlineMs -le 0) { throw 'the hotfixes subset needs HotfixKey, HotfixPattern and HotfixDeadlineMs' }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        # Per package key: one compiled pattern (made before the key is opened), one value read (GetValue answers
        # $null for a value that is absent).
        $pattern = New-Object -TypeName System.Text.RegularExpressions.Regex -ArgumentList $HotfixPattern
        $packages = Open-RegistryKey 'LocalMachine' 'Registry64' $HotfixKey
        if ($null -eq $packages) { throw ('HKLM\{0} does not exist' -f $HotfixKey) }
        $states = @{}
        try {
            $names = @($packages.GetSubKeyNames())
            $read = 0
            foreach ($packageName in $names) {
                if ($clock.ElapsedMilliseconds -gt $HotfixDeadlineMs) { throw ('reading the installed updates took longer than {0} ms ({1} of {2} packages read)' -f $HotfixDeadlineMs, $read, $names.Count) }
                $read++
                $match = $pattern.Match($packageName)
                if (-not $match.Success) { continue }
                $package = $packages.OpenSubKey($packageName)
                $current = $null
                if ($null -ne $package) { try { $current = $package.GetValue('CurrentState') } finally { $package.Close() } }
                $state = if ($null -eq $current) { 'none' } else { [string]$current }
                if (-not $states.ContainsKey($state)) { $states[$state] = @{} }
                $states[$state][$match.Groups[1].Value] = 1
            }
        }
        finally { $packages.Close() }
        foreach ($state in @($states.Keys)) { $states[$state] = @($states[$state].Keys) }
        $found = @{ packages = $names.Count; states = $states; elapsed_ms = [int]$clock.ElapsedMilliseconds }
    }
    $result.hotfixes = $found
}

Invoke-Subset 'certificates' {
    $stores = @{}
    foreach ($storeName in $CertificateStores) { $stores[$storeName] = @(Read-CertificateStore $storeName) }
    $result.certificates = $stores
}

# The files, invalid_files and folders subsets resolve their paths from these reads.
Invoke-Subset 'registry' {
    foreach ($read in $RegistryReads) { $registry[[string]$read.name] = Read-RegistryKey $read }
    $result.registry = $registry
}
# (A registry read that fails half-way leaves the keys read so far for the subsets below; the
# controller judges nothing from a failed registry subset.)

Invoke-Subset 'services' {
    # Matched on the short name or the display name against the controller's patterns (-like is
    # case-insensitive).
    $result.services = @(Get-CimInstance -ClassName Win32_Service | Where-Object {
            $service = $_
            @($ServicePatterns | Where-Object { $service.Name -like $_ -or $service.DisplayName -like $_ }).Count -gt 0
        } | ForEach-Object {
            @{ name = [string]$_.Name; display_name = [string]$_.DisplayName; state = [string]$_.State; start_mode = [string]$_.StartMode }
        })
}

Invoke-Subset 'files' {
    # A file is named absolutely (path) or relative to a folder read from the registry above
    # (registry + value + relative), e.g. the server's AuthCertBackup beside its PCCSRV folder.
    # A file that exists but cannot be read (locked, denied) keeps its error; the others answer.
    $result.files = @(foreach ($file in $Files) {
            $path = Resolve-Folder $file
            $entry = @{ name = [string]$file.name; path = $path; exists = $false }
            if ($path -and (Test-Path -LiteralPath $path -PathType Leaf)) {
                $entry.exists = $true
                try {
                    $item = Get-Item -LiteralPath $path -Force
                    $entry.size = $item.Length
                    $entry.modified = Format-Utc $item.LastWriteTime
                }
                catch { $entry.error = $_.Exception.Message }
            }
            $entry
        })
}

Invoke-Subset 'invalid_files' {
    # Every file or folder whose name contains "invalid" (what Explorer's search shows). For each,
    # the name with the controller's pattern removed (InvalidStrip) and whether that exists; the
    # controller checks the name it expects. Listing errors are kept (first five).
    $result.invalid_files = @(foreach ($spec in $InvalidRoots) {
            $root = Resolve-Folder $spec
            $entry = @{ name = [string]$spec.name; root = $root; exists = $false; entries = @(); errors = @() }
            if ($root -and (Test-Path -LiteralPath $root -PathType Container)) {
                $entry.exists = $true
                $listErrors = @()
                $found = @(Get-ChildItem -LiteralPath $root -Filter '*invalid*' -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable listErrors)
                $entry.errors = @($listErrors | Select-Object -First 5 | ForEach-Object { [string]$_.Exception.Message })
                $entry.entries = @(foreach ($item in $found) {
                        $info = @{ path = $item.FullName; is_dir = $item.PSIsContainer; modified = Format-Utc $item.LastWriteTime; size = 0 }
                        if (-not $item.PSIsContainer) { $info.size = $item.Length }
                        $stripped = $item.FullName -replace $InvalidStrip, ''
                        if ($stripped -ne $item.FullName) {
                            $info.target = @{ path = $stripped; exists = Test-Path -LiteralPath $stripped }
                            if ($info.target.exists) {
                                $other = Get-Item -LiteralPath $stripped -Force
                                $info.target.is_dir = $other.PSIsContainer
                                $info.target.modified = Format-Utc $other.LastWriteTime
                                if (-not $other.PSIsContainer) { $info.target.size = $other.Length }
                            }
                        }
                        $info
                    })
            }
            $entry
        })
}

Invoke-Subset 'folders' {
    $result.folders = @(foreach ($spec in $Folders) {
            $path = Resolve-Folder $spec
            @{ name = [string]$spec.name; path = $path; exists = [bool]($path -and (Test-Path -LiteralPath $path -PathType Container)) }
        })
}

#region subset file_hashes
# Sent only when file_hashes is asked for (the server's preflight): the SHA-256 of each file the files subset found.
# Agents never receive these lines: PowerShell logs a script block that names the cryptography namespace as
# suspicious content (a Warning 4104 event, even with script block logging off), and thousands of agents need no
# checksum. Get-FileHash needs PowerShell 4.0; [SHA256]::Create() (SHA256Managed) throws on a FIPS-enabled host
# before .NET 4.8: the CryptoAPI class. FileShare.ReadWrite reads a file another process holds open for writing; a
# file opened with no sharing at all fails, reported per file.
function Get-Sha256([string]$Path) {
    $stream = New-Object -TypeName System.IO.FileStream -ArgumentList $Path, 'Open', 'Read', 'ReadWrite'
    $sha = $null
    try {
        $sha = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
        [BitConverter]::ToString($sha.ComputeHash($stream)).Replace('-', '').ToLowerInvariant()
    }
    finally {
        # The provider's handle is released even when ComputeHash throws (a read error half-way).
        if ($null -ne $sha) { $sha.Clear() }
        $stream.Close()
    }
}

Invoke-Subset 'file_hashes' {
    $result.file_hashes = @(foreach ($entry in @($result.files)) {
            if (-not $entry.exists -or $entry.ContainsKey('error')) { continue }
            $hash = @{ name = $entry.name }
            try { $hash.sha256 = Get-Sha256 $entry.path }
            catch { $hash.error = $_.Exception.Message }
            $hash
        })
}
#endregion subset file_hashes

#region subset network
# Sent only when the network subset is asked for (the runner leaves these lines out otherwise).
function Get-SocketError($Exception) {
    # A .NET exception thrown by a method call arrives wrapped (MethodInvocationException): walk
    # the chain to the SocketException; its code (10061, 10060, ...) is read by the controller.
    $inner = $Exception
    while ($null -ne $inner -and -not ($inner -is [Net.Sockets.SocketException])) { $inner = $inner.InnerException }
    if ($null -eq $inner) { return @{ code = $null; name = $Exception.GetType().Name; message = $Exception.Message } }
    @{ code = [int]$inner.ErrorCode; name = $inner.SocketErrorCode.ToString(); message = $inner.Message }
}

function Test-Direct {
    # All name look-ups start at once and share one deadline; then all connections, with another.
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $lookups = @{}
    foreach ($target in $Endpoints) {
        $name = [string]$target.host
        if (-not $lookups.ContainsKey($name)) { $lookups[$name] = $null }
    }
    $addresses = @{}
    $dnsErrors = @{}
    # BeginGetHostAddresses throws at once for a name it cannot look up at all (longer than 255,
    # empty): that name alone answers 'failed'.
    foreach ($name in @($lookups.Keys)) {
        try { $lookups[$name] = [Net.Dns]::BeginGetHostAddresses($name, $null, $null) }
        catch { $lookups.Remove($name); $addresses[$name] = @(); $dnsErrors[$name] = Get-SocketError $_.Exception }
    }
    foreach ($name in @($lookups.Keys)) {
        $pending = $lookups[$name]
        if ($pending.AsyncWaitHandle.WaitOne([int][Math]::Max(0, $TimeoutMs - $clock.ElapsedMilliseconds))) {
            try { $addresses[$name] = @([Net.Dns]::EndGetHostAddresses($pending)) }
            catch { $addresses[$name] = @(); $dnsErrors[$name] = Get-SocketError $_.Exception }
        }
    }
    $attempts = @(foreach ($target in $Endpoints) {
            $name = [string]$target.host
            $entry = @{ host = $name; port = [int]$target.port; dns = 'timeout'; tcp = 'not tried'; client = $null; pending = $null }
            if ($addresses.ContainsKey($name) -and $addresses[$name].Count -gt 0) {
                $entry.dns = 'ok'
                # IPv4 first; a client of the address's own family. The constructor sits inside the
                # try: an IPv6-only answer on a host without IPv6 throws here (10047), not later.
                $address = @(@($addresses[$name] | Where-Object { $_.AddressFamily -eq 'InterNetwork' }) + $addresses[$name])[0]
                try {
                    $entry.client = New-Object -TypeName System.Net.Sockets.TcpClient -ArgumentList $address.AddressFamily
                    $entry.pending = $entry.client.BeginConnect($address, [int]$target.port, $null, $null)
                }
                catch {
                    $entry.tcp = 'error'; $entry.error = Get-SocketError $_.Exception
                    if ($null -ne $entry.client) { $entry.client.Close() }
                }
            }
            elseif ($addresses.ContainsKey($name)) { $entry.dns = 'failed'; $entry.error = $dnsErrors[$name] }
            $entry
        })
    $clock.Restart()
    , @(foreach ($entry in $attempts) {
            if ($null -ne $entry.pending) {
                if ($entry.pending.AsyncWaitHandle.WaitOne([int][Math]::Max(0, $TimeoutMs - $clock.ElapsedMilliseconds))) {
                    try { $entry.client.EndConnect($entry.pending); $entry.tcp = 'ok' }
                    catch { $entry.tcp = 'error'; $entry.error = Get-SocketError $_.Exception }
                }
                else { $entry.tcp = 'timeout' }
                $entry.client.Close()
            }
            $answer = @{ host = $entry.host; port = $entry.port; dns = $entry.dns; tcp = $entry.tcp; via = 'direct' }
            if ($entry.ContainsKey('error')) { $answer.error = $entry.error }
            $answer
        })
}

function Test-ThroughProxy {
    # One CONNECT per destination through the proxy the controller names, each with its own
    # deadline; the proxy resolves the name. Only the status line is kept: the controller reads it.
    # TcpClient() is an IPv4-only socket on .NET Framework, so an IPv6-only proxy could never be
    # reached: the proxy's name is looked up (IPv4 first) and the client made for that family.
    , @(foreach ($target in $Endpoints) {
            $entry = @{ host = [string]$target.host; port = [int]$target.port; dns = 'proxy'; tcp = 'not tried'; via = 'proxy' }
            $client = $null
            try {
                $clock = [Diagnostics.Stopwatch]::StartNew()
                $lookup = [Net.Dns]::BeginGetHostAddresses($ProxyHost, $null, $null)
                $pending = $null
                if ($lookup.AsyncWaitHandle.WaitOne($TimeoutMs)) {
                    $all = @([Net.Dns]::EndGetHostAddresses($lookup))
                    $address = @(@($all | Where-Object { $_.AddressFamily -eq 'InterNetwork' }) + $all)[0]
                    $client = New-Object -TypeName System.Net.Sockets.TcpClient -ArgumentList $address.AddressFamily
                    $pending = $client.BeginConnect($address, $ProxyPort, $null, $null)
                }
                if ($null -eq $pending -or -not $pending.AsyncWaitHandle.WaitOne([int][Math]::Max(0, $TimeoutMs - $clock.ElapsedMilliseconds))) { $entry.tcp = 'timeout' }
                else {
                    $client.EndConnect($pending)
                    $stream = $client.GetStream()
                    $stream.ReadTimeout = $TimeoutMs
                    # HTTP's line ends written as characters: backtick escapes inside words read as obfuscation to SIEM rules
                    $crlf = [string][char]13 + [char]10
                    $request = [Text.Encoding]::ASCII.GetBytes(('CONNECT {0}:{1} HTTP/1.1' + $crlf + 'Host: {0}:{1}' + $crlf + $crlf) -f $entry.host, $entry.port)
                    $stream.Write($request, 0, $request.Length)
                    $buffer = New-Object -TypeName byte[] -ArgumentList 1024
                    $count = $stream.Read($buffer, 0, $buffer.Length)
                    $entry.tcp = 'ok'
                    $entry.proxy_status = ([Text.Encoding]::ASCII.GetString($buffer, 0, $count) -split $crlf)[0]
                }
            }
            catch { $entry.tcp = 'error'; $entry.error = Get-SocketError $_.Exception }
            finally { if ($null -ne $client) { $client.Close() } }
            $entry
        })
}

Invoke-Subset 'network' {
    if ($ProxyHost) { $result.network = Test-ThroughProxy } else { $result.network = Test-Direct }
}
#endregion subset network

$result
