# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# apexone.upgrade: the driver. The bootstrap compiles it as apexone.upgrade.driver.ps1 and dot-sources it, so it
# runs in the bootstrap's scope and reads the bootstrap's input ($__in: name, common, script, params). It compiles
# common.ps1 (dot-sourced here, so the script sees its functions) and the script, each under its own name, runs
# the script with its parameters and writes one marked line: the script's one result, or the error it raised.
#
# - The line is ASCII JSON (anything else as \uXXXX), so no console code page (932 on Japanese Windows) can
#   touch it. It is pipeline output, never [Console]::Out: a PSRP runspace has no console.
# - The parameters arrive as [name, value] pairs: the driver reads them without reflection.
# - Every variable is set before it is read, and the names start with $__ so that no script reads them by
#   accident (dynamic scoping). Nothing outlives the execution: the psrp plugin runs each command in a local
#   scope of its runspace, so these variables and functions end with the pipeline (what the runspace itself keeps,
#   loaded modules, $Error and $LASTEXITCODE, carries nothing a later script reads).
# - $__x tells the bootstrap that the script failed.
$__x = 0
$ErrorActionPreference = 'Stop'
function Write-ApexOneAnswer([string]$Marker, $Value) {
    $json = ConvertTo-Json -InputObject $Value -Depth 10 -Compress
    $Marker + [regex]::Replace($json, '[^ -~]', { param($c) '\u{0:x4}' -f [int][char]$c.Value })
}
try {
    . (New-ApexOneBlock $__in.common 'common')
    $__a = @{}
    foreach ($__p in @($__in.params)) { $__a[[string]$__p[0]] = $__p[1] }
    $__o = @(& (New-ApexOneBlock $__in.script $__in.name) @__a)
    if ($__o.Count -ne 1) { throw "the script wrote $($__o.Count) objects to the pipeline instead of one result" }
    Write-ApexOneAnswer 'APEXONE-RESULT:' $__o[0]
}
catch {
    Write-ApexOneAnswer 'APEXONE-ERROR:' @{
        message = $_.Exception.Message
        type = $_.Exception.GetType().FullName
        id = $_.FullyQualifiedErrorId
        file = $_.InvocationInfo.ScriptName
        line = $_.InvocationInfo.ScriptLineNumber
        stack = $_.ScriptStackTrace
    }
    $__x = 1
}
