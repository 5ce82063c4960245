# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The agent's NoProgramUpgrade value: read it, do what the controller's table says for what was
# seen, record it in the collection's own key, read both back: one execution. The script compares
# nothing itself: it names what it saw ("absent" or "<kind>:<value>", e.g. "DWord:1") and looks that
# name up in Actions (entries {seen, action}, action "keep" or "set"; DefaultAction for any other).
# Never creates the agent's key unless CreateMissing says so. The controller's tables arrive as lists
# of entries, read by field: no member is looked up by a computed name. Windows PowerShell 5.1.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][object[]]$AgentKeys,
    [Parameter(Mandatory = $true)][string]$MiscSubkey,
    [Parameter(Mandatory = $true)][string]$ValueName,
    [Parameter(Mandatory = $true)][int]$Value,
    [Parameter(Mandatory = $true)][object[]]$Actions,
    [Parameter(Mandatory = $true)][ValidateSet('keep', 'set')][string]$DefaultAction,
    [Parameter(Mandatory = $true)][string[]]$ReadValues,
    [Parameter(Mandatory = $true)][object]$Record,
    [switch]$CreateMissing,
    [switch]$CheckMode
)
$ErrorActionPreference = 'Stop'

function Read-Record($Spec) {
    $key = Open-RegistryKey 'LocalMachine' $Spec.view $Spec.path
    $found = @{}
    foreach ($name in @($Spec.read)) {
        $entry = Read-RegistryValue $key $name
        if ($null -ne $entry) { $found[$name] = [string]$entry.value }
    }
    if ($null -ne $key) { $key.Close() }
    $found
}

# Values: entries {name, value}; the value '{now}' is written as the time of writing. A $null entry or an empty
# name is skipped: SetValue('') would write the key's (Default) value, which no plan ever decides.
function Write-Record($Spec, $Values) {
    $key = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', [Microsoft.Win32.RegistryView]$Spec.view).CreateSubKey([string]$Spec.path)
    try {
        $stamp = Format-Utc ([DateTime]::UtcNow)
        foreach ($entry in @($Values)) {
            if ($null -eq $entry -or -not [string]$entry.name) { continue }
            $text = [string]$entry.value
            if ($text -eq '{now}') { $text = $stamp }
            $key.SetValue([string]$entry.name, $text, [Microsoft.Win32.RegistryValueKind]::String)
        }
    }
    finally { $key.Close() }
}

$bits = if ([Environment]::Is64BitOperatingSystem) { '64' } else { '32' }
$target = @($AgentKeys | Where-Object { [string]$_.bits -eq $bits })[0]
$hive = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', [Microsoft.Win32.RegistryView]$target.view)
$result = @{ bits = [int]$bits; view = [string]$target.view; path = [string]$target.path; action = 'keep'; noted = $false }
# Tells an access-denied from the agent's self-protection apart from a non-administrator account.
$result.is_admin = ([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)

$agent = $hive.OpenSubKey([string]$target.path)
$result.agent_present = $null -ne $agent
if ($null -eq $agent -and -not $CreateMissing) { return $result }

$miscPath = '{0}\{1}' -f $target.path, $MiscSubkey
$misc = $hive.OpenSubKey($miscPath)
$result.previous = Read-RegistryValue $misc $ValueName
$result.values = @{}
foreach ($name in $ReadValues) {
    $found = Read-RegistryValue $misc $name
    if ($null -eq $found) { $found = Read-RegistryValue $agent $name }
    if ($null -ne $found) { $result.values[$name] = $found }
}
if ($null -ne $misc) { $misc.Close() }

$result.seen = 'absent'
if ($null -ne $result.previous) { $result.seen = '{0}:{1}' -f $result.previous.kind, $result.previous.value }
$result.action = $DefaultAction
foreach ($entry in @($Actions)) {
    if ([string]$entry.seen -eq $result.seen) { $result.action = [string]$entry.action }
}
$result.record_before = Read-Record $Record
# A block found in place with no record of ours (set by hand): note when it was first seen.
$known = @(@($Record.note_unless) | Where-Object { $result.record_before.ContainsKey([string]$_) }).Count -gt 0
$result.noted = $result.action -eq 'keep' -and $null -ne $Record.note -and -not $known

if (-not $CheckMode) {
    try {
        if ($result.action -eq 'set') {
            # CreateSubKey creates every missing key on the way (CurrentVersion as well as Misc.).
            # SetValue with an explicit kind replaces a value of another kind (REG_SZ "1") in place.
            $key = $hive.CreateSubKey($miscPath)
            try { $key.SetValue($ValueName, $Value, [Microsoft.Win32.RegistryValueKind]::DWord) }
            finally { $key.Close() }
            Write-Record $Record $Record.write
        }
        elseif ($result.noted) { Write-Record $Record $Record.note }
    }
    catch {
        # The agent's own self-protection ("protect registry keys") refuses the write with an
        # access-denied error; the controller names that setting.
        $result.write_error = @{ message = $_.Exception.Message; type = $_.Exception.GetType().FullName }
        if ($null -ne $_.Exception.InnerException) { $result.write_error.inner_type = $_.Exception.InnerException.GetType().FullName }
    }
}

$after = $hive.OpenSubKey($miscPath)
$result.current = Read-RegistryValue $after $ValueName
if ($null -ne $after) { $after.Close() }
$result.record = Read-Record $Record
if ($null -ne $agent) { $agent.Close() }
$result
