# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Gathers raw host state for the runbook checks in one execution. Decides nothing: which
# subsets, stores, registry keys, services and files to read all come from the controller.
# Read-only. Windows PowerShell 5.1.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string[]]$Subset,
    [string[]]$CertificateStores,
    [object[]]$RegistryReads,
    [string[]]$ServicePatterns,
    [string[]]$HotfixOsVersions,
    [object[]]$Files,
    [object[]]$InvalidRoots,
    [object[]]$Folders,
    [object[]]$Endpoints,
    [int]$TimeoutMs
)
$ErrorActionPreference = 'Stop'

function Format-Utc([datetime]$Value) {
    $Value.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
}

function Resolve-Folder($Spec, $Registry) {
    # A folder named absolutely (path) or relative to a value read from the registry above.
    if ($Spec.path) { return [string]$Spec.path }
    if (-not $Registry.ContainsKey([string]$Spec.registry)) { return $null }
    $read = $Registry[[string]$Spec.registry]
    if (-not $read.values.ContainsKey([string]$Spec.value)) { return $null }
    [IO.Path]::GetFullPath([IO.Path]::Combine([string]$read.values[[string]$Spec.value].value, [string]$Spec.relative))
}

function Read-RegistryKey($Read) {
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', [Microsoft.Win32.RegistryView]$Read.view)
    $key = $base.OpenSubKey([string]$Read.path)
    if ($null -eq $key) { return @{ exists = $false; values = @{} } }
    try {
        $values = @{}
        $names = @($key.GetValueNames())
        foreach ($name in @($Read.values)) {
            if ($names -notcontains $name) { continue }
            $value = $key.GetValue($name, $null, 'DoNotExpandEnvironmentNames')
            if ($value -is [byte[]]) { $value = [Convert]::ToBase64String($value) }
            $values[$name] = @{ kind = $key.GetValueKind($name).ToString(); value = $value }
        }
        return @{ exists = $true; values = $values }
    }
    finally { $key.Close() }
}

$result = @{ subsets = @($Subset) }

if ($Subset -contains 'os') {
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

if ($Subset -contains 'hotfixes') {
    # From CIM, not [Environment]::OSVersion, which compatibility shims can report lower.
    $version = [Version](Get-CimInstance -ClassName Win32_OperatingSystem).Version
    $short = '{0}.{1}' -f $version.Major, $version.Minor
    if ($HotfixOsVersions -contains '*' -or $HotfixOsVersions -contains $short) {
        $result.hotfixes = @(Get-CimInstance -ClassName Win32_QuickFixEngineering | ForEach-Object { [string]$_.HotFixID })
    }
    else { $result.hotfixes = $null }
}

if ($Subset -contains 'certificates') {
    $stores = @{}
    foreach ($storeName in $CertificateStores) {
        $store = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList $storeName, 'LocalMachine'
        $store.Open('ReadOnly, OpenExistingOnly')
        try {
            $stores[$storeName] = @(foreach ($cert in $store.Certificates) {
                    @{
                        thumbprint = $cert.Thumbprint
                        subject = $cert.Subject
                        issuer = $cert.Issuer
                        not_before = Format-Utc $cert.NotBefore
                        not_after = Format-Utc $cert.NotAfter
                    }
                })
        }
        finally { $store.Close() }
    }
    $result.certificates = $stores
}

$registry = @{}
if ($Subset -contains 'registry') {
    foreach ($read in $RegistryReads) { $registry[[string]$read.name] = Read-RegistryKey $read }
    $result.registry = $registry
}

if ($Subset -contains 'services') {
    $result.services = @(Get-CimInstance -ClassName Win32_Service | Where-Object {
            $service = $_
            @($ServicePatterns | Where-Object { $service.Name -like $_ -or $service.DisplayName -like $_ }).Count -gt 0
        } | ForEach-Object {
            @{ name = [string]$_.Name; display_name = [string]$_.DisplayName; state = [string]$_.State; start_mode = [string]$_.StartMode }
        })
}

if ($Subset -contains 'files') {
    # A file is named absolutely (path) or relative to a folder read from the registry above
    # (registry + value + relative), e.g. the server's AuthCertBackup beside its PCCSRV folder.
    $result.files = @(foreach ($file in $Files) {
            $path = Resolve-Folder $file $registry
            $entry = @{ name = [string]$file.name; path = $path; exists = $false }
            if ($path -and (Test-Path -LiteralPath $path -PathType Leaf)) {
                $item = Get-Item -LiteralPath $path -Force
                $entry.exists = $true
                $entry.size = $item.Length
                $entry.modified = Format-Utc $item.LastWriteTime
                $entry.sha256 = (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLowerInvariant()
            }
            $entry
        })
}

if ($Subset -contains 'invalid_files') {
    # Every file or folder whose name contains "invalid" (what Explorer's search shows). For a name
    # ending in _Invalid, also whether the name without the suffix exists. Listing errors are counted.
    $result.invalid_files = @(foreach ($spec in $InvalidRoots) {
            $root = Resolve-Folder $spec $registry
            $entry = @{ name = [string]$spec.name; root = $root; exists = $false; entries = @(); errors = @() }
            if ($root -and (Test-Path -LiteralPath $root -PathType Container)) {
                $entry.exists = $true
                $listErrors = @()
                $found = @(Get-ChildItem -LiteralPath $root -Filter '*invalid*' -Recurse -Force -ErrorAction SilentlyContinue -ErrorVariable listErrors)
                $entry.errors = @($listErrors | Select-Object -First 5 | ForEach-Object { [string]$_.Exception.Message })
                $entry.entries = @(foreach ($item in $found) {
                        $info = @{ path = $item.FullName; is_dir = $item.PSIsContainer; modified = Format-Utc $item.LastWriteTime; size = 0 }
                        if (-not $item.PSIsContainer) { $info.size = $item.Length }
                        $stripped = $item.FullName -replace '(?i)(_Invalid)+$', ''
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

if ($Subset -contains 'folders') {
    $result.folders = @(foreach ($spec in $Folders) {
            $path = Resolve-Folder $spec $registry
            @{ name = [string]$spec.name; path = $path; exists = [bool]($path -and (Test-Path -LiteralPath $path -PathType Container)) }
        })
}

if ($Subset -contains 'network') {
    # All name look-ups start at once and share one deadline; then all connections, with another.
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $lookups = @{}
    foreach ($target in $Endpoints) {
        $name = [string]$target.host
        if (-not $lookups.ContainsKey($name)) { $lookups[$name] = [Net.Dns]::BeginGetHostAddresses($name, $null, $null) }
    }
    $addresses = @{}
    foreach ($name in @($lookups.Keys)) {
        $pending = $lookups[$name]
        if ($pending.AsyncWaitHandle.WaitOne([int][Math]::Max(0, $TimeoutMs - $clock.ElapsedMilliseconds))) {
            try { $addresses[$name] = @([Net.Dns]::EndGetHostAddresses($pending)) } catch { $addresses[$name] = @() }
        }
    }
    $attempts = @(foreach ($target in $Endpoints) {
            $name = [string]$target.host
            $entry = @{ host = $name; port = [int]$target.port; dns = 'timeout'; tcp = 'not tried'; client = $null; pending = $null }
            if ($addresses.ContainsKey($name)) {
                if ($addresses[$name].Count -gt 0) {
                    $entry.dns = 'ok'
                    # IPv4 first; a client of the address's own family, or BeginConnect throws for IPv6.
                    $address = @(@($addresses[$name] | Where-Object { $_.AddressFamily -eq 'InterNetwork' }) + $addresses[$name])[0]
                    $entry.client = New-Object -TypeName System.Net.Sockets.TcpClient -ArgumentList $address.AddressFamily
                    try { $entry.pending = $entry.client.BeginConnect($address, [int]$target.port, $null, $null) }
                    catch { $entry.tcp = 'refused'; $entry.client.Close() }
                }
                else { $entry.dns = 'failed' }
            }
            $entry
        })
    $clock.Restart()
    $result.network = @(foreach ($entry in $attempts) {
            if ($null -ne $entry.pending) {
                if ($entry.pending.AsyncWaitHandle.WaitOne([int][Math]::Max(0, $TimeoutMs - $clock.ElapsedMilliseconds))) {
                    try { $entry.client.EndConnect($entry.pending); $entry.tcp = 'ok' } catch { $entry.tcp = 'refused' }
                }
                else { $entry.tcp = 'timeout' }
                $entry.client.Close()
            }
            @{ host = $entry.host; port = $entry.port; dns = $entry.dns; tcp = $entry.tcp }
        })
}

$result
