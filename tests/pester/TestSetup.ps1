# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# What the *.Tests.ps1 files here share (not a test file itself). Dot-source it in BeforeDiscovery
# and BeforeAll, with the name of the script under test:
#   . (Join-Path $PSScriptRoot 'TestSetup.ps1') -ScriptName 'probe'
# It sets $root (the collection root: $env:APEXONE_COLLECTION_ROOT, else two folders above this file),
# $script (plugins\plugin_utils\scripts\<ScriptName>.ps1), $base and $hive (the throwaway key
# HKLM\SOFTWARE\apexone.upgrade.pester, 64-bit view), loads common.ps1 and defines the functions below.
param([string]$ScriptName)
$ErrorActionPreference = 'Stop'

$root = if ($env:APEXONE_COLLECTION_ROOT) { $env:APEXONE_COLLECTION_ROOT } else { Split-Path -Parent (Split-Path -Parent $PSScriptRoot) }
$script = Join-Path $root ('plugins\plugin_utils\scripts\' + $ScriptName + '.ps1')
# The functions every script calls (the runner's bootstrap loads them the same way, before the script).
. (Join-Path $root 'plugins\plugin_utils\scripts\common.ps1')
$base = 'SOFTWARE\apexone.upgrade.pester'
$hive = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', 'Registry64')

# A case table of tests\cases, the one the lab's twin and the controller's plan are tested with.
function Read-CaseTable([string]$Name) {
    Get-Content -LiteralPath (Join-Path $root ('tests\cases\' + $Name + '.json')) -Raw -Encoding UTF8 | ConvertFrom-Json
}

# A value as the runner's bootstrap delivers parameters: through JSON, objects as PSCustomObject.
# Windows PowerShell 5.1's ConvertFrom-Json writes a JSON array as one object: the result is written from a
# variable so that an array comes out element by element, as the runner's JSON array binds to [object[]].
function ConvertTo-Wire($Value) {
    $wire = ConvertFrom-Json -InputObject ($Value | ConvertTo-Json -Depth 10)
    $wire
}

# Run the script under test with parameters as they arrive through JSON.
function Invoke-TestedScript([hashtable]$Params) {
    $splat = @{}
    foreach ($property in (ConvertTo-Wire $Params).PSObject.Properties) { $splat[$property.Name] = $property.Value }
    & $script @splat
}

# A new throwaway folder under $env:TEMP; remove it in AfterAll.
function New-TestFolder {
    $folder = Join-Path $env:TEMP ('apexone-pester-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $folder | Out-Null
    $folder
}

# Set a value of $base\Server, the server key the scripts read Local_Path from.
function Set-ServerValue([string]$Name, $Value, [string]$Kind) {
    $key = $hive.CreateSubKey($base + '\Server')
    $key.SetValue($Name, $Value, $Kind)
    $key.Close()
}

# Remove the throwaway key and all below it.
function Remove-TestKey {
    if ($null -ne $hive.OpenSubKey($base)) { $hive.DeleteSubKeyTree($base) }
}
