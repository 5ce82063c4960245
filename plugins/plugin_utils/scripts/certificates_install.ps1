# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Adds the given certificates to their LocalMachine stores unless a certificate with the same
# thumbprint is already there, then lists the stores: one execution installs and verifies. The
# controller chose the certificates and stores; nothing is ever removed. Windows PowerShell 5.1.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][object[]]$Certificates,
    [Parameter(Mandatory = $true)][string[]]$Stores,
    [switch]$CheckMode
)
$ErrorActionPreference = 'Stop'

function Format-Utc([datetime]$Value) {
    $Value.ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ', [Globalization.CultureInfo]::InvariantCulture)
}

$result = @{ added = @(); present = @(); certificates = @{} }
foreach ($item in $Certificates) {
    $mode = if ($CheckMode) { 'ReadOnly' } else { 'ReadWrite' }
    $store = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList ([string]$item.store), 'LocalMachine'
    $store.Open($mode)
    try {
        $found = $store.Certificates.Find('FindByThumbprint', [string]$item.thumbprint, $false)
        if ($found.Count -gt 0) { $result.present += [string]$item.thumbprint; continue }
        if (-not $CheckMode) {
            $cert = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList (, [Convert]::FromBase64String([string]$item.der_b64))
            $store.Add($cert)
        }
        $result.added += [string]$item.thumbprint
    }
    finally { $store.Close() }
}

foreach ($storeName in $Stores) {
    $store = New-Object -TypeName System.Security.Cryptography.X509Certificates.X509Store -ArgumentList $storeName, 'LocalMachine'
    $store.Open('ReadOnly, OpenExistingOnly')
    try {
        $result.certificates[$storeName] = @(foreach ($cert in $store.Certificates) {
                @{
                    thumbprint = $cert.Thumbprint
                    subject = $cert.Subject
                    issuer = $cert.Issuer
                    not_before = Format-Utc $cert.NotBefore
                    not_after = Format-Utc $cert.NotAfter
                }
            })
    }
    finally { $store.Close() }
}
$result
