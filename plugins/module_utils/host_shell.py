# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts whose PowerShell cannot run the collection's scripts, judged from the bootstrap's short answer.

Before it uses anything newer, the bootstrap checks the PowerShell version and the language mode. On
PowerShell 2.0 (no ConvertFrom-Json / ConvertTo-Json) or outside FullLanguage (Constrained Language
Mode, which AppLocker and WDAC impose: no .NET method calls, no Add-Type) it answers with one hand-built
JSON line instead: OS version, build, product type, service pack, PowerShell version, language mode.
This module turns that answer into what the preflight reports:

- an unsupported OS is a blocker by name, whatever the PowerShell (KA-0012615 item 2);
- a supported OS on PowerShell below 5.1 needs WMF 5.1 to run the remaining checks (not "unreachable");
- a restricted language mode (CLM, AppLocker, WDAC) is "PowerShell is restricted on this host".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import os_rules

FULL_LANGUAGE = "FullLanguage"
REQUIRED_POWERSHELL = (5, 1)


def parse_powershell_version(text):
    parts = str(text or "").strip().split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    except ValueError:
        return None


def classify(answer):
    """The bootstrap's short answer -> {'os': ..., 'unsupported_os', 'os_unknown', 'powershell', 'restricted',
    'needs_wmf'}.

    When WMI failed on the host, the OS values are empty: the OS is unknown (an agent then blocks, as every
    agent of unknown OS does), and the PowerShell version and language mode still classify the shell.
    Raises ValueError for an answer that tells neither an OS version nor a PowerShell version.
    """
    version, build = answer.get("version") or None, answer.get("build")
    powershell = parse_powershell_version(answer.get("ps_version"))
    if not version and powershell is None:
        raise ValueError("the host's short answer has neither an OS version nor a PowerShell version: %r" % (answer,))
    try:
        product_type = int(answer.get("product_type"))
    except (TypeError, ValueError):
        if version:
            raise ValueError("the host's short answer has no product type: %r" % (answer,))
        product_type = None
    build = int(build) if str(build or "").isdigit() else None
    mode = str(answer.get("language_mode") or "unknown")
    return {
        "os": {"version": version, "build": build, "product_type": product_type,
               "service_pack": answer.get("service_pack") or None, "caption": None,
               "powershell": answer.get("ps_version"), "language_mode": mode},
        "unsupported_os": os_rules.unsupported_os(version, product_type, build) if version else None,
        "os_unknown": not version,
        "powershell": answer.get("ps_version"),
        "language_mode": mode,
        # Constrained Language Mode exists from PowerShell 3.0 (about_Language_Modes); a 2.0 host is never
        # "restricted", even when its language mode reads empty: what it needs is WMF 5.1.
        "restricted": powershell is not None and powershell >= (3, 0) and mode != FULL_LANGUAGE,
        "needs_wmf": powershell is None or powershell < REQUIRED_POWERSHELL,
    }


def summary(decided):
    """One line for a module's failure message on such a host: what it is and what to do."""
    parts = []
    if decided.get("os_unknown"):
        parts.append("the host answered with PowerShell %s, but WMI (Win32_OperatingSystem) did not tell its OS: "
                     "repair WMI on the host (winmgmt /verifyrepository), or find its OS in Active Directory"
                     % decided["powershell"])
    if decided["unsupported_os"]:
        parts.append("the host runs %s, which Apex One does not support (KA-0012615 item 2): upgrade its OS or remove "
                     "its agent from the server's management" % decided["unsupported_os"])
    if decided["restricted"]:
        parts.append("PowerShell is restricted on this host (%s: AppLocker or WDAC policy). The collection's scripts "
                     "need FullLanguage: allow them for the connecting account, or check this host by hand"
                     % decided["language_mode"])
    elif decided["needs_wmf"] and not decided["unsupported_os"] and not decided.get("os_unknown"):
        parts.append("the host has PowerShell %s: install WMF 5.1 to run the remaining checks" % decided["powershell"])
    return "; ".join(parts) or "the host answered with its short form"
