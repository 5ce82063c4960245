# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Functions every script may call. The runner sends this file with every script; the bootstrap
# dot-sources it in its own scope before it runs the script, so the script (a child scope) sees these
# functions. Defines functions only: no parameters, no output; it sets nothing but the error preference
# the bootstrap has already set. Decides nothing.
# Windows PowerShell 3.0 and later (the probe runs on 3.0 hosts): no PowerShell 4.0+ cmdlet or syntax.
$ErrorActionPreference = 'Stop'

# A time as the controller reads it: UTC, ISO 8601, whatever the host's culture.
function Format-Utc([datetime]$Value) {
    $Value.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
}

# HKLM (or another hive) in an explicit registry view: the process bitness (a 32-bit WinRM host?) must
# not choose WOW6432Node. The subkey, read-only, or $null when it does not exist; the caller closes it.
function Open-RegistryKey([string]$Hive, [string]$View, [string]$Path) {
    [Microsoft.Win32.RegistryKey]::OpenBaseKey($Hive, [Microsoft.Win32.RegistryView]$View).OpenSubKey($Path)
}

# One value as it is stored: @{ kind = 'DWord'; value = 1 } (REG_EXPAND_SZ not expanded), or $null when
# the key or the value is absent.
function Read-RegistryValue($Key, [string]$Name) {
    if ($null -eq $Key -or @($Key.GetValueNames()) -notcontains $Name) { return $null }
    @{ kind = $Key.GetValueKind($Name).ToString(); value = $Key.GetValue($Name, $null, 'DoNotExpandEnvironmentNames') }
}

# Every certificate of a LocalMachine store, through PowerShell's certificate provider (the logical store:
# Windows' own registry store, Group Policy's and the enterprise one together, for Root also AuthRoot, where
# automatic root update puts roots; a certificate held in two of them is listed twice). A store that does not exist is an
# error (ItemNotFoundException), never created. Subject and Issuer are .NET's full distinguished names (CN=...).
# A name that is not one store is refused (empty, '.', a path): Cert:\LocalMachine\ itself would list the store
# containers, not certificates.
function Read-CertificateStore([string]$Name) {
    if ($Name -notmatch '^[A-Za-z0-9 _.-]+$' -or $Name -match '^\.+$') { throw 'no store name' }
    foreach ($cert in @(Get-ChildItem -LiteralPath ('Cert:\LocalMachine\' + $Name))) {
        @{
            thumbprint = $cert.Thumbprint
            subject = $cert.Subject
            issuer = $cert.Issuer
            not_before = Format-Utc $cert.NotBefore
            not_after = Format-Utc $cert.NotAfter
        }
    }
}
