# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A written model of the PowerShell hosts the runbook's old Windows run: PowerShell 2.0 / 3.0 / 4.0
and Constrained Language Mode. A host seed says `powershell: {version: "2.0", language_mode: ...}`
(absent: 5.1, FullLanguage). Each rule is stated where it is applied; what the model does not know,
it refuses.

RULE P1  A command a script (or the bootstrap) calls that is newer than the host's PowerShell is not
         there: the call stops with CommandNotFoundException, "The term 'X' is not recognized as the
         name of a cmdlet, function, script file, or operable program." (in Japanese on a host whose
         seed says `os: {ui_language: ja-JP}`). NEWER_COMMANDS lists each such command with the
         version that brought it (Microsoft's cmdlet documentation); a command not in the list is
         taken to exist in 2.0.
RULE P2  In Constrained Language Mode a method call on a type that is not a core type (e.g.
         [Convert]::FromBase64String, [Text.Encoding]::UTF8.GetBytes) and New-Object of a non-core
         type stop with "Cannot invoke method. Method invocation is supported only on core types in
         this language mode." / "Cannot create type. Only core types are supported in this language
         mode." Cmdlets, property reads, string concatenation and -join work.
RULE P3  The bootstrap checks the version and language mode first (wire.BootstrapRule), reads its stdin
         to the end, then answers, on a host below 3.0 or outside FullLanguage, with the hand-built short
         line only: `APEXONE-SHORT:["<PSVersion>","<LanguageMode>","<Version>","<BuildNumber>",
         "<ProductType>","<ServicePackMajorVersion>"]` from $PSVersionTable and Win32_OperatingSystem
         (the seed's `os`), exit code 0. It runs no script. With the seed's fault `wmi_broken`, gwmi
         fails inside the prelude's try/catch: the four OS values are "" and the line is still written.
RULE P5  The version a seed gives must be one the model knows (KNOWN_VERSIONS); anything else is refused.
"""

from __future__ import annotations

import json
import re

KNOWN_VERSIONS = ("2.0", "3.0", "4.0", "5.0", "5.1")
FULL_LANGUAGE = "FullLanguage"
LANGUAGE_MODES = ("FullLanguage", "ConstrainedLanguage")

# RULE P1: command -> the PowerShell version that brought it (learn.microsoft.com cmdlet pages).
NEWER_COMMANDS = {
    "ConvertFrom-Json": "3.0", "ConvertTo-Json": "3.0", "Get-CimInstance": "3.0", "Invoke-RestMethod": "3.0",
    "Invoke-WebRequest": "3.0", "Get-FileHash": "4.0", "Get-ItemPropertyValue": "5.0",
    "New-TemporaryFile": "5.0", "Get-TlsCipherSuite": "5.0",
}

# The cmdlets of Windows PowerShell 2.0 the collection's scripts call (RULE C2 in lab.py: a command that is
# neither one of these, nor in NEWER_COMMANDS, nor a function the script or the common script defines, is
# not there). A cmdlet missing here makes the lab stop a script that would run: add it, with its version.
CORE_COMMANDS = frozenset(name.lower() for name in (
    "ForEach-Object", "Get-ChildItem", "Get-Item", "Join-Path", "New-Object", "Rename-Item", "Select-Object",
    "Test-Path", "Where-Object", "Get-WmiObject", "gwmi", "Import-Module"))

# Cmdlets of a module the script imports first (Import-Module): there when the module is; a twin models a
# host without the module (the import fails before any of them runs). GroupPolicy: the Group Policy
# Management feature of a domain controller or RSAT (grouppolicy.py, RULE G1).
MODULE_COMMANDS = frozenset(name.lower() for name in (
    "Get-GPO", "New-GPO", "Get-GPRegistryValue", "Set-GPRegistryValue", "New-GPLink", "Get-GPInheritance"))

NOT_RECOGNIZED = {
    "en": "The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program.",
    "ja": "用語 '%s' は、コマンドレット、関数、スクリプト ファイル、または操作可能なプログラムの名前として認識されません。",
}


class ModelRefusal(Exception):
    """The seed asks for something the model does not know (RULE P5)."""


def powershell_of(seed: dict) -> dict:
    given = seed.get("powershell") or {}
    version = str(given.get("version", "5.1"))
    mode = str(given.get("language_mode", FULL_LANGUAGE))
    if version not in KNOWN_VERSIONS:
        raise ModelRefusal("powershell.version %r is not one the lab models (%s)" % (version, ", ".join(KNOWN_VERSIONS)))
    if mode not in LANGUAGE_MODES:
        raise ModelRefusal("powershell.language_mode %r is not one the lab models (%s)" % (mode, ", ".join(LANGUAGE_MODES)))
    return {"version": version, "language_mode": mode}


def _older(version: str, than: str) -> bool:
    return tuple(int(p) for p in version.split(".")) < tuple(int(p) for p in than.split("."))


def language(seed: dict) -> str:
    return "ja" if str((seed.get("os") or {}).get("ui_language", "")).lower().startswith("ja") else "en"


def missing_command(text: str, seed: dict) -> str | None:
    """RULE P1: the error of the first command in `text` the host's PowerShell does not have, or None."""
    version = powershell_of(seed)["version"]
    found = []
    for command, since in NEWER_COMMANDS.items():
        if _older(version, since):
            match = re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(command), text, re.IGNORECASE)
            if match:
                found.append((match.start(), command))
    if not found:
        return None
    return NOT_RECOGNIZED[language(seed)] % min(found)[1]


def needs_short_answer(seed: dict) -> bool:
    shell = powershell_of(seed)
    return _older(shell["version"], "3.0") or shell["language_mode"] != FULL_LANGUAGE


def short_line(seed: dict) -> str:
    """RULE P3: the line the prelude writes, from $PSVersionTable and the seed's Win32_OperatingSystem."""
    shell = powershell_of(seed)
    os_info = seed.get("os") or {}
    version = str(os_info.get("version") or "")
    build = version.split(".")[2] if version.count(".") >= 2 else ""
    values = [shell["version"], shell["language_mode"], version, build, str(os_info.get("product_type", "")),
              str(os_info.get("service_pack", 0))]
    if (seed.get("faults") or {}).get("wmi_broken"):
        # gwmi fails; the prelude's try/catch leaves $__w $null, and a member of $null joins as ""
        values[2:] = ["", "", "", ""]
    if any('"' in value or "\\" in value for value in values):
        raise ModelRefusal("a seed value holds a quote or backslash, which the prelude's hand-built JSON does not escape")
    return "APEXONE-SHORT:" + json.dumps(values, separators=(",", ":")) + "\r\n"
