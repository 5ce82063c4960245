# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# apexone.upgrade: the command every remote execution of this collection starts with. It is plain text:
# the winrm and psrp connection plugins run it as they run Ansible's own bootstrap (winrm: powershell.exe
# -EncodedCommand, which the plugin builds; psrp: a script in the runspace). It is sent without its comments.
#
# 1. On Windows PowerShell below 3.0, or outside FullLanguage (Constrained Language Mode under an AppLocker or
#    WDAC policy), it answers one hand-built line with what those hosts allow (version, language mode, OS from
#    WMI) and stops: the controller reports the host by name instead of running a script there. It reads its
#    input to the end first: the winrm plugin sends stdin after the command started.
# 2. Otherwise (progress records off, as Ansible's own wrapper does) it reads its input, one line of JSON (the driver, common.ps1, the script, its parameters: plain
#    text, no encoding), and runs the driver, compiled under its own name (apexone.upgrade.driver.ps1) so that
#    anti-malware scanning and script block logging name it. The driver does the rest in this scope.
# 3. It ends with exit 0 or 1 (the script failed) on every path, so both plugins report the same exit code;
#    the answer is the driver's marked line either way.
if ($PSVersionTable.PSVersion.Major -lt 3 -or "$($ExecutionContext.SessionState.LanguageMode)" -ne 'FullLanguage') {
    $null = @($input)
    try { $__w = Get-WmiObject -Class Win32_OperatingSystem -ErrorAction Stop } catch { $__w = $null }
    'APEXONE-SHORT:["' + (@($PSVersionTable.PSVersion, $ExecutionContext.SessionState.LanguageMode, $__w.Version, $__w.BuildNumber, $__w.ProductType, $__w.ServicePackMajorVersion) -join '","') + '"]'
    exit 0
}
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# A part of the input as a script block named apexone.upgrade.<Name>.ps1 (Windows PowerShell 5.0 and later;
# 3.0 and 4.0 have no named parse and compile it unnamed). ParseInput never throws: a syntax error this host's
# PowerShell rejects is thrown here with the part's name and line, on every version (GetScriptBlock alone would
# say only "Operation is not valid due to the current state of the object").
function New-ApexOneBlock([string]$Text, [string]$Name) {
    $__e = $null
    if ($PSVersionTable.PSVersion.Major -lt 5) { $__t = [Management.Automation.Language.Parser]::ParseInput($Text, [ref]$null, [ref]$__e) }
    else { $__t = [Management.Automation.Language.Parser]::ParseInput($Text, "apexone.upgrade.$Name.ps1", [ref]$null, [ref]$__e) }
    if ($__e) { throw ('apexone.upgrade.' + $Name + '.ps1 does not parse on this host, line ' + $__e[0].Extent.StartLineNumber + ': ' + $__e[0].Message) }
    $__t.GetScriptBlock()
}
$__in = ConvertFrom-Json -InputObject (@($input) -join '')
if (-not $__in.driver) { throw 'apexone.upgrade: the input arrived without the driver' }
. (New-ApexOneBlock $__in.driver 'driver')
exit $__x
