# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Performs exactly the renames the controller planned (seed003 "ファイルのリネーム"), each with
# -LiteralPath, and reports each one. Never overwrites: a target that exists now is skipped.
# One failure (a locked or denied file) does not stop the others. Deletes nothing.
# Windows PowerShell 5.1.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][object[]]$Renames
)
$ErrorActionPreference = 'Stop'

$results = @(foreach ($item in $Renames) {
        $outcome = @{ from = [string]$item.from; to = [string]$item.to; time = Format-Utc ([DateTime]::UtcNow) }
        try {
            # Rename-Item renames inside the item's own folder (-NewName takes the leaf only): a planned
            # target in another folder would be checked at one path and created at another.
            if ([IO.Path]::GetDirectoryName([string]$item.from) -ne [IO.Path]::GetDirectoryName([string]$item.to)) {
                $outcome.status = 'failed'
                $outcome.error = 'the target is in another folder; only renames within a folder are made'
            }
            elseif (Test-Path -LiteralPath $item.to) {
                $outcome.status = 'skipped'
                $outcome.error = 'the target appeared since the listing; nothing was overwritten'
            }
            else {
                Rename-Item -LiteralPath $item.from -NewName ([IO.Path]::GetFileName([string]$item.to))
                $outcome.status = 'renamed'
            }
        }
        catch {
            $outcome.status = 'failed'
            $outcome.error = $_.Exception.Message
        }
        $outcome
    })
@{ results = $results }
