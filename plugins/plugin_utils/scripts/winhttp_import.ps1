# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# KA-0001268 method 1: WinHTTP's proxy (used by Windows Update to fetch root certificates). Reads the
# WinHTTP setting and the connecting account's Internet Explorer setting (raw bytes); with Action
# 'import' or 'set' runs exactly that netsh command, then reads WinHTTP back. The controller parses
# the bytes, decides the action and judges the result. Windows PowerShell 5.1.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$SettingsPath,
    [Parameter(Mandatory = $true)][string]$UserSettingsPath,
    [Parameter(Mandatory = $true)][ValidateSet('read', 'import', 'set')][string]$Action,
    [string]$Proxy,
    [string]$ProxyExceptions
)
$ErrorActionPreference = 'Stop'

function Read-Binary([string]$Hive, [string]$Path, [string]$Name) {
    # WinHTTP keeps a 32-bit and a 64-bit setting on 64-bit Windows; the 64-bit one (what CryptSvc
    # and Windows Update use, and what the 64-bit netsh writes) is read, whatever this process is.
    $key = Open-RegistryKey $Hive 'Registry64' $Path
    if ($null -eq $key) { return $null }
    try {
        $value = $key.GetValue($Name)
        if ($null -eq $value) { return $null }
        [Convert]::ToBase64String([byte[]]$value)
    }
    finally { $key.Close() }
}

$result = @{
    action = $Action
    before = Read-Binary 'LocalMachine' $SettingsPath 'WinHttpSettings'
    # HKCU of the account WinRM runs as: what netsh's "source=ie" reads.
    user = Read-Binary 'CurrentUser' $UserSettingsPath 'DefaultConnectionSettings'
    account = [Security.Principal.WindowsIdentity]::GetCurrent().Name
    ran = $false
    output = ''
    exit_code = $null
}
if ($Action -ne 'read') {
    $arguments = @('winhttp', 'import', 'proxy', 'source=ie')
    if ($Action -eq 'set') {
        # The controller refused spaces and quotes: each argument reaches netsh as one word.
        $arguments = @('winhttp', 'set', 'proxy', ('proxy-server=' + $Proxy))
        if ($ProxyExceptions) { $arguments += ('bypass-list=' + $ProxyExceptions) }
    }
    # The 64-bit netsh by full path: in a 32-bit PowerShell (the Microsoft.PowerShell32 endpoint) the
    # File System Redirector turns System32 into SysWOW64, whose netsh sets the 32-bit WinHTTP setting;
    # Sysnative is the 64-bit System32 as a 32-bit process sees it.
    $folder = 'System32'
    if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) { $folder = 'Sysnative' }
    $netsh = Join-Path -Path $env:SystemRoot -ChildPath ($folder + '\netsh.exe')
    # Windows PowerShell 5.1 with 'Stop' turns a native command's stderr line (merged by 2>&1)
    # into a terminating error before $LASTEXITCODE can be read: netsh runs under 'Continue'.
    $ErrorActionPreference = 'Continue'
    $lines = @(& $netsh @arguments 2>&1 | ForEach-Object { [string]$_ })
    $result.exit_code = $LASTEXITCODE
    $ErrorActionPreference = 'Stop'
    # netsh writes in the console's language (Japanese on a Japanese host): shown, never parsed.
    $result.output = ($lines -join "`n").Trim()
    $result.ran = $true
}
$result.after = Read-Binary 'LocalMachine' $SettingsPath 'WinHttpSettings'
$result
