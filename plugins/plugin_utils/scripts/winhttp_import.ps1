# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# seed003 method 1: give WinHTTP (used by Windows Update to fetch root certificates) the proxy of
# Internet Explorer. Reads WinHTTP's setting, imports, reads it back; the controller compares.
# Windows PowerShell 5.1.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$SettingsPath,
    [switch]$CheckMode
)
$ErrorActionPreference = 'Stop'

function Read-Setting {
    $key = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', 'Registry64').OpenSubKey($SettingsPath)
    if ($null -eq $key) { return $null }
    try {
        $value = $key.GetValue('WinHttpSettings')
        if ($null -eq $value) { return $null }
        [Convert]::ToBase64String([byte[]]$value)
    }
    finally { $key.Close() }
}

$result = @{ before = Read-Setting; imported = $false; output = '' }
if (-not $CheckMode) {
    $result.output = (& netsh.exe winhttp import proxy source=ie 2>&1 | Out-String).Trim()
    if ($LASTEXITCODE -ne 0) { throw "netsh winhttp import proxy source=ie failed ($LASTEXITCODE): $($result.output)" }
    $result.imported = $true
}
$result.after = Read-Setting
$result
