# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Reads the server authentication certificate backup (AuthCertBackup\OfficeScanAuth.dat) so the
# controller can keep a copy, with the server's version and build. Candidates come from the
# controller: beside the PCCSRV folder the registry names, then the default install folders.
# Read-only. Windows PowerShell 5.1.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][object[]]$ServerKeys,
    [Parameter(Mandatory = $true)][string]$Relative,
    [Parameter(Mandatory = $true)][string[]]$DefaultPaths,
    [Parameter(Mandatory = $true)][int]$MaxBytes
)
$ErrorActionPreference = 'Stop'

$result = @{ found = $false; candidates = @(); server = $null }
foreach ($spec in $ServerKeys) {
    $key = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', [Microsoft.Win32.RegistryView]$spec.view).OpenSubKey([string]$spec.path)
    if ($null -eq $key) { continue }
    try {
        $result.server = @{
            local_path = [string]$key.GetValue('Local_Path')
            version = [string]$key.GetValue('Server_Version')
            build = [string]$key.GetValue('ServicePack_Build')
        }
        if ($result.server.local_path) {
            $result.candidates += [IO.Path]::GetFullPath([IO.Path]::Combine($result.server.local_path, $Relative))
        }
    }
    finally { $key.Close() }
}
$result.candidates += $DefaultPaths

foreach ($path in $result.candidates) {
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { continue }
    $item = Get-Item -LiteralPath $path -Force
    $result.found = $true
    $result.path = $path
    $result.size = $item.Length
    $result.modified = $item.LastWriteTimeUtc.ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
    if ($item.Length -le $MaxBytes) {
        $result.content_b64 = [Convert]::ToBase64String([IO.File]::ReadAllBytes($path))
    }
    break
}
$result
