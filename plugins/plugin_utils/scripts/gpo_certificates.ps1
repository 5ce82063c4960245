# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The Group Policy object that carries the runbook's certificates (KA-0012615 item 8), on a Windows
# domain controller with the GroupPolicy module. Reads the GPO by name, the registry settings one level
# under each key in Keys, and the links at LinkTarget. When the controller says so, and only then: creates
# the GPO (Create), sets each value of Set as REG_BINARY (Set-GPRegistryValue), links the GPO (Link), and
# reads everything back. It compares nothing and removes nothing: the controller decided which values to
# set and which to leave from an earlier read. Errors of a lookup are reported as they are; the
# controller judges them. Windows PowerShell 5.1.
# Every GroupPolicy cmdlet gets -Server: without it the cmdlet talks to the domain's PDC emulator, a second
# hop from this WinRM logon that NTLM (or Kerberos without delegation) cannot make. Server is the DC the
# controller names, or else this host by its own DNS name (host name and primary DNS suffix, read locally).
# A failure after the GPO was made or a value set keeps what was done (created, set, linked) beside
# write_error and stops there, so the controller can say what changed before the error.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$Name,
    [Parameter(Mandatory = $true)][string[]]$Keys,
    [string]$LinkTarget,
    [object[]]$Set,
    [switch]$Create,
    [switch]$Link,
    [string]$Server
)
$ErrorActionPreference = 'Stop'

function Get-ErrorFact($Record) {
    @{ message = $Record.Exception.Message; id = [string]$Record.FullyQualifiedErrorId }
}

function Read-PolicyKey($Id, $Key, $Into) {
    # Get-GPRegistryValue -Key lists the values set directly under the key and, with HasValue false,
    # its subkeys; one level further down is read the same way.
    try { $items = @(Get-GPRegistryValue -Guid $Id -Key $Key -Server $Server) }
    catch { $Into.list_errors += @{ key = $Key; error = (Get-ErrorFact $_) }; return }
    foreach ($item in $items) {
        if ($item.HasValue) {
            $entry = @{ key = [string]$item.FullKeyPath; value_name = [string]$item.ValueName; type = [string]$item.Type; policy_state = [string]$item.PolicyState }
            if ($item.Type -eq [Microsoft.Win32.RegistryValueKind]::Binary) { $entry.data_b64 = [Convert]::ToBase64String([byte[]]$item.Value) }
            else { $entry.text = [string]$item.Value }
            $Into.values += $entry
        }
        # FullKeyPath starts with HKEY_LOCAL_MACHINE, a form -Key is not documented to take: the next read
        # gets the documented HKLM\ form, built from KeyPath (the path without the hive).
        else { $Into.subkeys += 'HKLM\' + [string]$item.KeyPath }
    }
}

function Read-Gpo($Id) {
    $found = @{ values = @(); subkeys = @(); list_errors = @() }
    foreach ($key in $Keys) { Read-PolicyKey $Id ('HKLM\' + $key) $found }
    foreach ($subkey in @($found.subkeys)) { Read-PolicyKey $Id $subkey $found }
    $found
}

Import-Module -Name GroupPolicy
if (-not $Server) {
    $ownName = [Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties()
    $Server = $ownName.HostName
    if ($ownName.DomainName) { $Server = $ownName.HostName + '.' + $ownName.DomainName }
}
$result = @{ gpo = $null; values = @(); list_errors = @(); links = $null; created = $false; set = @(); linked = $false; server = $Server }

if ($Create) { $gpo = New-GPO -Name $Name -Server $Server; $result.created = $true }
else {
    try { $gpo = Get-GPO -Name $Name -Server $Server }
    catch { $gpo = $null; $result.lookup_error = Get-ErrorFact $_ }
}

if ($null -ne $gpo) {
    $result.gpo = @{ id = [string]$gpo.Id; display_name = [string]$gpo.DisplayName }
    try {
        foreach ($item in @($Set)) {
            if ($null -eq $item) { continue }
            $bytes = [Convert]::FromBase64String([string]$item.data_b64)
            $null = Set-GPRegistryValue -Guid $gpo.Id -Key ('HKLM\' + [string]$item.key) -ValueName ([string]$item.value_name) -Type Binary -Value $bytes -Server $Server
            $result.set += [string]$item.key
        }
        if ($Link) { $null = New-GPLink -Guid $gpo.Id -Target $LinkTarget -LinkEnabled Yes -Server $Server; $result.linked = $true }
    }
    catch { $result.write_error = Get-ErrorFact $_ }
    if (-not $result.ContainsKey('write_error')) {
        $found = Read-Gpo $gpo.Id
        $result.values = $found.values
        $result.list_errors = $found.list_errors
    }
}

if ($LinkTarget -and -not $result.ContainsKey('write_error')) {
    $result.links = @(foreach ($gpoLink in @((Get-GPInheritance -Target $LinkTarget -Server $Server).GpoLinks)) {
        @{ id = [string]$gpoLink.GpoId; enabled = [bool]$gpoLink.Enabled; enforced = [bool]$gpoLink.Enforced }
    })
}
$result
