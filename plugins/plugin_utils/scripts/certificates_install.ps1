# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Adds the given certificates to their LocalMachine stores unless a certificate with the same
# thumbprint is already there, then lists the stores: one execution installs and verifies. Each
# certificate gets its own status (present, absent in check mode, added, failed with the message):
# one bad certificate does not hide the others. The controller chose the certificates and stores;
# nothing is ever removed. Windows PowerShell 5.1.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][object[]]$Certificates,
    [Parameter(Mandatory = $true)][string[]]$Stores,
    [switch]$CheckMode
)
$ErrorActionPreference = 'Stop'

$result = @{ results = @(); certificates = @{}; errors = @{} }
# OpenExistingOnly: without it Open creates a store that does not exist (a misspelt store name would
# receive the certificate where nothing reads it); with it the open fails and the entry says so.
$mode = if ($CheckMode) { 'ReadOnly, OpenExistingOnly' } else { 'ReadWrite, OpenExistingOnly' }
foreach ($item in $Certificates) {
    $entry = @{ thumbprint = [string]$item.thumbprint; store = [string]$item.store }
    try {
        $store = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList ([string]$item.store), 'LocalMachine'
        $store.Open($mode)
        try {
            # FindByThumbprint compares case-insensitively.
            if ($store.Certificates.Find('FindByThumbprint', [string]$item.thumbprint, $false).Count -gt 0) { $entry.status = 'present' }
            elseif ($CheckMode) { $entry.status = 'absent' }
            else {
                # Bytes .NET cannot read throw here ("Cannot find the requested object.").
                $cert = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList (, [Convert]::FromBase64String([string]$item.der_b64))
                $store.Add($cert)
                $entry.status = 'added'
            }
        }
        finally { $store.Close() }
    }
    catch { $entry.status = 'failed'; $entry.error = $_.Exception.Message }
    $result.results += $entry
}

foreach ($storeName in $Stores) {
    try { $result.certificates[$storeName] = @(Read-CertificateStore $storeName) }
    catch { $result.errors[$storeName] = $_.Exception.Message }
}
$result
