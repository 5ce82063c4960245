# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Pester 5 tests of apexone-collect.ps1 on a real Windows host, as an administrator. The script is made on the
# controller (it holds the runner's input), then copied here:
#   ansible-playbook apexone.upgrade.collector -e apexone_collector_dest=apexone-collect.ps1 -e 'apexone_collected_folder=C:\unused'
#   $env:APEXONE_COLLECT_SCRIPT = 'C:\path\apexone-collect.ps1'; Invoke-Pester -Path tests\pester\collector.Tests.ps1
# It writes only into a throwaway folder under $env:TEMP (given with -Folder); it reads the host and changes nothing.
$ErrorActionPreference = 'Stop'

BeforeAll {
    $collect = $env:APEXONE_COLLECT_SCRIPT
    if (-not $collect -or -not (Test-Path -LiteralPath $collect -PathType Leaf)) {
        throw 'set APEXONE_COLLECT_SCRIPT to an apexone-collect.ps1 made by apexone.upgrade.apexone_collector'
    }
    $folder = Join-Path $env:TEMP ('apexone-pester-' + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $folder | Out-Null
    $answer = Join-Path $folder ($env:COMPUTERNAME + '.json')

    # Run the script as a startup script would: a new Windows PowerShell, the file, -Folder.
    function Invoke-Collector([string]$Version = '') {
        $exe = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
        $arguments = @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass')
        if ($Version) { $arguments += @('-Version', $Version) }
        & $exe @arguments -File $collect -Folder $folder
        $LASTEXITCODE
    }
}

AfterAll {
    Remove-Item -LiteralPath $folder -Recurse -Force
}

Describe 'apexone-collect.ps1' {
    It 'writes one answer named for the host, under the collector''s envelope, and no temporary file' {
        Invoke-Collector | Should -Be 0
        @(Get-ChildItem -LiteralPath $folder -Filter '*.tmp').Count | Should -Be 0
        $doc = Get-Content -LiteralPath $answer -Raw | ConvertFrom-Json
        $doc.format | Should -Be 'apexone.upgrade.collected'
        $doc.host | Should -Be $env:COMPUTERNAME
        $doc.kind | Should -Be 'result'
        $doc.read_at | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
        @($doc.answer.subsets) | Should -Contain 'certificates'
    }

    It 'keeps an answer read later than its own' {
        $later = (Get-Content -LiteralPath $answer -Raw) -replace '"read_at":"[^"]+"', '"read_at":"2999-01-01T00:00:00Z"'
        Set-Content -LiteralPath $answer -Value $later -Encoding Ascii
        Invoke-Collector | Should -Be 0
        (Get-Content -LiteralPath $answer -Raw) | Should -Match '"read_at":"2999-01-01T00:00:00Z"'
    }

    It 'replaces an answer read earlier' {
        $earlier = (Get-Content -LiteralPath $answer -Raw) -replace '"read_at":"[^"]+"', '"read_at":"2000-01-01T00:00:00Z"'
        Set-Content -LiteralPath $answer -Value $earlier -Encoding Ascii
        Invoke-Collector | Should -Be 0
        (Get-Content -LiteralPath $answer -Raw) | Should -Not -Match '"read_at":"2000-01-01T00:00:00Z"'
    }

    It 'writes the short answer on Windows PowerShell 2.0 (where the engine is installed)' -Skip:(-not (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\PowerShell\1\PowerShellEngine')) {
        Remove-Item -LiteralPath $answer -Force
        Invoke-Collector -Version '2.0' | Should -Be 0
        $doc = Get-Content -LiteralPath $answer -Raw | ConvertFrom-Json
        $doc.kind | Should -Be 'short'
        @($doc.answer)[0] | Should -Match '^2\.0'
    }

    It 'changes nothing on the host: the agent key is as it was' {
        $view = [Microsoft.Win32.RegistryKey]::OpenBaseKey('LocalMachine', 'Registry32')
        $before = $null -ne $view.OpenSubKey('SOFTWARE\TrendMicro\PC-cillinNTCorp\CurrentVersion')
        Invoke-Collector | Should -Be 0
        ($null -ne $view.OpenSubKey('SOFTWARE\TrendMicro\PC-cillinNTCorp\CurrentVersion')) | Should -Be $before
    }
}
