# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Reads the server authentication certificate backup (AuthCertBackup\OfficeScanAuth.dat) so the
# controller can keep a copy, with the server's version and build. Candidates come from the
# controller: beside the PCCSRV folder the registry names, then the default install folders.
# Read-only. Windows PowerShell 5.1 (.NET Framework 4.5).
#
# The file is a PFX, the only way back to the server's certificate: it never crosses PowerShell's
# pipeline in clear (transcription and module logging would write it to their share). It is sealed
# to the public key the controller made for this run: a random AES-256 key encrypts it (CBC, PKCS7)
# and RSA-OAEP wraps that key. .NET Framework 4.5 has no AES-GCM, and its RSACryptoServiceProvider does
# OAEP with SHA-1 only (still sound for OAEP). The integrity check is the file's SHA-256, taken here
# and compared by the controller after decryption; who sent the answer is the WinRM channel's to prove
# (anyone may seal to a public key). Only the FIPS-validated CAPI classes are used (the managed SHA-256
# and HMAC classes throw on a FIPS-enabled host before .NET 4.8). Only ciphertext and the SHA-256 come
# back; a file whose SHA-256 the controller already keeps (Known) does not travel at all.
# PowerShell 5.1 logs a warning event 4104 for a script block that names one of its suspicious-content
# words, among them Cryptography, CryptoServiceProvider, CreateEncryptor and TransformFinalBlock:
# unavoidable for this encryption. Its word splitter keeps letters and dashes only, so ToBase64String and
# FromBase64String (split at the digits) never match; other scripts use them as well. The probe's
# file_hashes part also names Cryptography, and is sent only to the server, only when asked for.
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][object[]]$ServerKeys,
    [Parameter(Mandatory = $true)][string]$Relative,
    [Parameter(Mandatory = $true)][string[]]$DefaultPaths,
    [Parameter(Mandatory = $true)][int]$MaxBytes,
    [string]$PublicKey,
    [string[]]$Known
)
$ErrorActionPreference = 'Stop'

function ConvertTo-Hex([byte[]]$Bytes) {
    [BitConverter]::ToString($Bytes).Replace('-', '').ToLowerInvariant()
}

# The sealed form of $Bytes for $PublicKey (RSAKeyValue XML): @{ key; iv; data } as base64.
function Protect-Bytes([byte[]]$Bytes, [string]$PublicKey) {
    $rsa = New-Object -TypeName System.Security.Cryptography.RSACryptoServiceProvider
    $aes = New-Object -TypeName System.Security.Cryptography.AesCryptoServiceProvider
    try {
        $rsa.PersistKeyInCsp = $false
        $rsa.FromXmlString($PublicKey)
        $aes.KeySize = 256
        $aes.Mode = [System.Security.Cryptography.CipherMode]::CBC
        $aes.Padding = [System.Security.Cryptography.PaddingMode]::PKCS7
        $aes.GenerateKey()
        $aes.GenerateIV()
        $encryptor = $aes.CreateEncryptor()
        try { $cipher = $encryptor.TransformFinalBlock($Bytes, 0, $Bytes.Length) }
        finally { $encryptor.Dispose() }
        @{
            key = [Convert]::ToBase64String($rsa.Encrypt($aes.Key, $true))
            iv = [Convert]::ToBase64String($aes.IV)
            data = [Convert]::ToBase64String($cipher)
        }
    }
    finally {
        $aes.Dispose()
        $rsa.Dispose()
    }
}

$result = @{ found = $false; candidates = @(); server = $null }
foreach ($spec in $ServerKeys) {
    $key = Open-RegistryKey 'LocalMachine' $spec.view $spec.path
    if ($null -eq $key) { continue }
    try {
        # GetValue without options expands a REG_EXPAND_SZ value (%ProgramFiles%\...).
        $result.server = @{
            local_path = [string]$key.GetValue('Local_Path')
            version = [string]$key.GetValue('Server_Version')
            build = [string]$key.GetValue('ServicePack_Build')
        }
        # An empty value would resolve under the session's working folder: it is skipped and reported.
        # A value .NET refuses as a path (a quote or '|' from a hand edit: ArgumentException; a stray
        # ':': NotSupportedException) is skipped and reported too; the default folders are still tried.
        if ($result.server.local_path.Trim() -ne '') {
            try { $result.candidates += [IO.Path]::GetFullPath([IO.Path]::Combine($result.server.local_path, $Relative)) }
            catch { $result.local_path_invalid = $_.Exception.Message }
        }
        else { $result.local_path_empty = $true }
    }
    finally { $key.Close() }
}
$result.candidates += $DefaultPaths

foreach ($path in $result.candidates) {
    if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { continue }
    $item = Get-Item -LiteralPath $path -Force
    $result.found = $true
    $result.path = $path
    $result.size = $item.Length
    $result.modified = Format-Utc $item.LastWriteTimeUtc
    if ($item.Length -le $MaxBytes) {
        if ([string]::IsNullOrEmpty($PublicKey)) { throw "no public key to seal $path to: the file is never returned in clear" }
        # Opened for reading only; FileShare.ReadWrite: the server may hold the file open, and
        # ReadAllBytes would refuse it.
        $stream = New-Object -TypeName System.IO.FileStream -ArgumentList $path, 'Open', 'Read', 'ReadWrite'
        try {
            $bytes = New-Object -TypeName byte[] -ArgumentList $stream.Length
            $read = 0
            while ($read -lt $bytes.Length) {
                $count = $stream.Read($bytes, $read, $bytes.Length - $read)
                if ($count -eq 0) { throw "$path shrank while it was read: run again" }
                $read += $count
            }
        }
        finally { $stream.Close() }
        $sha256 = New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
        try { $result.sha256 = ConvertTo-Hex $sha256.ComputeHash($bytes) }
        finally { $sha256.Dispose() }
        if ($Known -notcontains $result.sha256) { $result.sealed = Protect-Bytes $bytes $PublicKey }
        [Array]::Clear($bytes, 0, $bytes.Length)
    }
    break
}
$result
