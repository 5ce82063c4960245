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
    $key = Open-RegistryKey 'LocalMachine' $spec.view $spec.path
    if ($null -eq $key) { continue }
    try {
        # GetValue without options expands a REG_EXPAND_SZ value (%ProgramFiles%\...).
        $result.server = @{
            local_path = [string]$key.GetValue('Local_Path')
            version = [string]$key.GetValue('Server_Version')
            build = [string]$key.GetValue('ServicePack_Build')
        }
        # An empty value would resolve under the session's working folder: it is skipped and reported.
        # A value .NET refuses as a path (a quote or '|' from a hand edit: ArgumentException; a stray
        # ':': NotSupportedException) is skipped and reported too; the default folders are still tried.
        if ($result.server.local_path.Trim() -ne '') {
            try { $result.candidates += [IO.Path]::GetFullPath([IO.Path]::Combine($result.server.local_path, $Relative)) }
            catch { $result.local_path_invalid = $_.Exception.Message }
        }
        else { $result.local_path_empty = $true }
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
    $result.modified = Format-Utc $item.LastWriteTimeUtc
    if ($item.Length -le $MaxBytes) {
        # FileShare.ReadWrite: the server may hold the file open; ReadAllBytes would refuse it.
        $stream = New-Object -TypeName System.IO.FileStream -ArgumentList $path, 'Open', 'Read', 'ReadWrite'
        try {
            $bytes = New-Object -TypeName byte[] -ArgumentList $stream.Length
            $read = 0
            while ($read -lt $bytes.Length) {
                $count = $stream.Read($bytes, $read, $bytes.Length - $read)
                if ($count -eq 0) { throw "$path shrank while it was read: run again" }
                $read += $count
            }
        }
        finally { $stream.Close() }
        $result.content_b64 = [Convert]::ToBase64String($bytes)
    }
    break
}
$result
