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
    """The bootstrap's short answer -> {'os': ..., 'unsupported_os', 'powershell', 'restricted', 'needs_wmf'}.

    Raises ValueError for an answer without an OS version (the host said something we cannot read).
    """
    version, build = answer.get("version"), answer.get("build")
    if not version:
        raise ValueError("the host's short answer has no OS version: %r" % (answer,))
    try:
        product_type = int(answer.get("product_type"))
    except (TypeError, ValueError):
        raise ValueError("the host's short answer has no product type: %r" % (answer,))
    build = int(build) if str(build or "").isdigit() else None
    powershell = parse_powershell_version(answer.get("ps_version"))
    mode = str(answer.get("language_mode") or "unknown")
    return {
        "os": {"version": version, "build": build, "product_type": product_type,
               "service_pack": answer.get("service_pack"), "caption": None, "powershell": answer.get("ps_version"),
               "language_mode": mode},
        "unsupported_os": os_rules.unsupported_os(version, product_type, build),
        "powershell": answer.get("ps_version"),
        "language_mode": mode,
        "restricted": mode != FULL_LANGUAGE,
        "needs_wmf": powershell is None or powershell < REQUIRED_POWERSHELL,
    }


def summary(decided):
    """One line for a module's failure message on such a host: what it is and what to do."""
    parts = []
    if decided["unsupported_os"]:
        parts.append("the host runs %s, which Apex One does not support (KA-0012615 item 2): upgrade its OS or remove "
                     "its agent from the server's management" % decided["unsupported_os"])
    if decided["restricted"]:
        parts.append("PowerShell is restricted on this host (%s: AppLocker or WDAC policy). The collection's scripts "
                     "need FullLanguage: allow them for the connecting account, or check this host by hand"
                     % decided["language_mode"])
    elif decided["needs_wmf"] and not decided["unsupported_os"]:
        parts.append("the host has PowerShell %s: install WMF 5.1 to run the remaining checks" % decided["powershell"])
    return "; ".join(parts) or "the host answered with its short form"
