# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Sets the agent's NoProgramUpgrade value to the REG_DWORD the controller asks for, records
# when in the collection's own key, and reads both back: one execution. The controller decides
# the value, the key for each OS bitness and the record; this script only compares and sets.
# Never creates the agent's key unless CreateMissing says so. Windows PowerShell 5.1.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][object]$AgentKeys,
    [Parameter(Mandatory = $true)][string]$MiscSubkey,
    [Parameter(Mandatory = $true)][string]$ValueName,
    [Parameter(Mandatory = $true)][int]$Value,
    [Parameter(Mandatory = $true)][string[]]$ReadValues,
    [Parameter(Mandatory = $true)][object]$Record,
    [switch]$CreateMissing,
    [switch]$CheckMode
)
$ErrorActionPreference = 'Stop'

function Read-Value($Key, [string]$Name) {
    if ($null -eq $Key -or @($Key.GetValueNames()) -notcontains $Name) { return $null }
    @{ kind = $Key.GetValueKind($Name).ToString(); value = $Key.GetValue($Name, $null, 'DoNotExpandEnvironmentNames') }
}

function Read-Record($Spec) {
    $key = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', [Microsoft.Win32.RegistryView]$Spec.view).OpenSubKey([string]$Spec.path)
    $found = @{}
    foreach ($name in @($Spec.read)) {
        $entry = Read-Value $key $name
        if ($null -ne $entry) { $found[$name] = [string]$entry.value }
    }
    if ($null -ne $key) { $key.Close() }
    $found
}

$bits = if ([Environment]::Is64BitOperatingSystem) { '64' } else { '32' }
$target = $AgentKeys.$bits
$hive = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', [Microsoft.Win32.RegistryView]$target.view)
$result = @{ bits = [int]$bits; view = [string]$target.view; path = [string]$target.path; changed = $false; record_changed = $false }

$agent = $hive.OpenSubKey([string]$target.path)
$result.agent_present = $null -ne $agent
if ($null -eq $agent -and -not $CreateMissing) { return $result }

$miscPath = '{0}\{1}' -f $target.path, $MiscSubkey
$misc = $hive.OpenSubKey($miscPath)
$result.previous = Read-Value $misc $ValueName
$result.values = @{}
foreach ($name in $ReadValues) {
    $found = Read-Value $misc $name
    if ($null -eq $found) { $found = Read-Value $agent $name }
    if ($null -ne $found) { $result.values[$name] = $found }
}
if ($null -ne $misc) { $misc.Close() }

$previous = $result.previous
$needsChange = $null -eq $previous -or $previous.kind -ne 'DWord' -or [int64]$previous.value -ne $Value
$result.record_before = Read-Record $Record
$needsRecord = $needsChange -or -not $result.record_before.ContainsKey([string]$Record.stamp_name)

$result.changed = $needsChange
$result.record_changed = $needsRecord
if (-not $CheckMode) {
    if ($needsChange) {
        $key = $hive.CreateSubKey($miscPath)
        try {
            # A value of another type (REG_SZ "1") is removed first: SetValue cannot change a kind.
            if ($null -ne $previous -and $previous.kind -ne 'DWord') { $key.DeleteValue($ValueName) }
            $key.SetValue($ValueName, $Value, [Microsoft.Win32.RegistryValueKind]::DWord)
        }
        finally { $key.Close() }
    }
    if ($needsRecord) {
        $stampKey = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', [Microsoft.Win32.RegistryView]$Record.view).CreateSubKey([string]$Record.path)
        try {
            $stamp = [DateTime]::UtcNow.ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
            foreach ($property in $Record.write.PSObject.Properties) {
                $text = [string]$property.Value
                if ($text -eq '{now}') { $text = $stamp }
                $stampKey.SetValue($property.Name, $text, [Microsoft.Win32.RegistryValueKind]::String)
            }
        }
        finally { $stampKey.Close() }
    }
}

$after = $hive.OpenSubKey($miscPath)
$result.current = Read-Value $after $ValueName
if ($null -ne $after) { $after.Close() }
$result.record = Read-Record $Record
if ($null -ne $agent) { $agent.Close() }
$result
