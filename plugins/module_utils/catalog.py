# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbook as data.

Every fact the playbooks need from the two Trend Micro support articles
(KA-0012615: the twelve upgrade cautions, KA-0001268: certificates for the
signature checks), each entry naming where it comes from. Nothing here does
I/O or decides anything; the decision modules beside this one read it.

Entries a user may need to change (Trend updates its certificate list) are
overridable through module options and role variables; these are defaults.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import os

from ansible.module_utils.common.yaml import yaml_load

UPGRADE_ARTICLE = "KA-0012615"  # 12 cautions, Virus Buster Corp. XG -> Apex One
CERT_ARTICLE = "KA-0001268"  # certificates for the digital signature checks

# Product builds that change what the runbook asks for.
BUILDS = {
    # KA-0012615 item 10: from these builds the server auth certificate can no longer be exported.
    "xg_auth_export_blocked": 5684,
    "apexone_auth_export_blocked": 8378,
    # KA-0001268: Apex One 2019 build 9565+ renames *_Invalid files back by itself.
    "apexone_self_rename": 9565,
    # (The certificates added for builds 9675 and 11110 carry it as since_build in data/certificates.yml.)
    # KA-0001268 preface: Critical Patch 12011+ signs modules with Azure Code Signing (ACS).
    "apexone_acs": 12011,
}

PRODUCT_MAJOR = {"xg": 12, "apexone": 14}

ROOT = "Root"
INTERMEDIATE = "CA"

# KA-0001268 method 2: the 13 root and 5 intermediate certificates are data/certificates.yml, written
# as a user writes apexone_required_certificates; certificates.required_certificates() completes them.
CERTIFICATES_FILE = "data/certificates.yml"

# Automatic root certificate update: Windows adds a root of Microsoft's root programme to LocalMachine\\Root when
# a chain first needs it, from Windows Update's certificate list (ctldl.windowsupdate.com, HTTP through WinHTTP).
# So a root missing on a host that reaches that list is normal; KA-0001268 method 2 is for hosts that cannot.
# The policy "Turn off Automatic Root Certificates Update" (DisableRootAutoUpdate = 1) stops it. Windows records
# when it last fetched the list (LastSyncTime, a FILETIME) and, when an internal copy replaces Windows Update,
# where from (RootDirUrl) (Microsoft: "Configure trusted roots and disallowed certificates"; "Trusted root
# program: testing").
ROOT_UPDATE_POLICY_KEY = {"view": "Registry64", "path": "SOFTWARE\\Policies\\Microsoft\\SystemCertificates\\AuthRoot",
                          "values": ("DisableRootAutoUpdate",)}
ROOT_UPDATE_STATE_KEY = {"view": "Registry64", "path": "SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot\\AutoUpdate",
                         "values": ("LastSyncTime", "RootDirUrl")}
# Where Windows fetches the list from: tested (one TCP connection) only when asked, or from the server along
# with item 5's destinations.
ROOT_LIST_ENDPOINT = {"host": "ctldl.windowsupdate.com", "port": 80}
# A host that fetched the list within this many days has a route that works (Microsoft: hosts that reach
# Windows Update receive updated lists daily); older or never: the route is not proven either way.
ROOT_LIST_FRESH_DAYS = 30

# Workstation / domain controller / server, as Win32_OperatingSystem.ProductType reports it.
PRODUCT_WORKSTATION = 1
PRODUCT_DOMAIN_CONTROLLER = 2
PRODUCT_SERVER = 3
SERVER_PRODUCT_TYPES = (PRODUCT_DOMAIN_CONTROLLER, PRODUCT_SERVER)

# KA-0012615 item 2: one managed agent on any of these stops the Apex One server setup.
# Matched on version, product type and build; never on a (localised) caption.
UNSUPPORTED_OS = (
    {"name": "Windows XP", "version": (5, 1), "product_types": None, "below_build": None},
    {"name": "Windows XP x64", "version": (5, 2), "product_types": (PRODUCT_WORKSTATION,), "below_build": None},
    {"name": "Windows Vista", "version": (6, 0), "product_types": (PRODUCT_WORKSTATION,), "below_build": None},
    {"name": "Windows 7 without SP1", "version": (6, 1), "product_types": (PRODUCT_WORKSTATION,), "below_build": 7601},
    {"name": "Windows 8", "version": (6, 2), "product_types": (PRODUCT_WORKSTATION,), "below_build": None},
    {"name": "Windows Server 2008", "version": (6, 0), "product_types": SERVER_PRODUCT_TYPES, "below_build": None},
    # Not in KA-0012615's list, but older than every OS on it and refused by Apex One as well (issue 11:
    # every NT 5.x and 6.0 edition, client and server, is flagged).
    {"name": "Windows 2000", "version": (5, 0), "product_types": None, "below_build": None},
    {"name": "Windows Server 2003", "version": (5, 2), "product_types": SERVER_PRODUCT_TYPES, "below_build": None},
)

# The console's agent list shows the OS as text: the table that reads it is data/export_os_names.yml.
EXPORT_OS_NAMES_FILE = "data/export_os_names.yml"

# A directory or an export may give a service pack but no build: the build each service pack means,
# so "6.1" + "Service Pack 1" is Windows 7 SP1 (7601), never "without SP1".
SERVICE_PACK_BUILDS = {(6, 0): {1: 6001, 2: 6002}, (6, 1): {1: 7601}}

# KA-0012615 item 9: updates for SHA-2 code signing, "KB A / KB B" as the article prints them (`any_of`: the
# article's slash is read as "either"). A host lists the updates installed on it only (CBS_* below), and
# Windows Update stops offering a superseded update: a host patched after 2019 may show neither of
# the article's two and be fine. So each rule also lists every update known to satisfy it
# (`satisfied_by`, each with its reason and how sure that is), and `later_than_kb`: an installed
# update numbered above it was published after Windows 7 / 2008 R2 / 2008 SP2 updates became
# SHA-2-signed only (August-September 2019), so it could only be installed with SHA-2 support in
# place. Extend with the module option sha2_updates / role variable apexone_sha2_updates.
_ITEM9 = UPGRADE_ARTICLE + " item 9"
_SHA2_LATER = {"kb": 4516065, "reason": "KB4516065 is the September 2019 monthly rollup of Windows 7 SP1 / 2008 R2; "
                                        "updates published from then on are SHA-2-signed only and install only where "
                                        "SHA-2 code signing support is present (Microsoft KB4472027)",
               "confidence": "medium: inferred from Microsoft's SHA-2 signing timeline, not from a file version"}
_WIN7_SHA2 = (
    {"kb": "KB3033929", "reason": _ITEM9 + " (SHA-2 code signing support, March 2015)", "confidence": "high"},
    {"kb": "KB4490628", "reason": _ITEM9 + " (servicing stack update, March 2019)", "confidence": "high"},
    {"kb": "KB4474419", "reason": "SHA-2 code signing support (September 2019); Microsoft lists it as replacing "
                                  "KB3033929, which Windows Update then stops offering", "confidence": "high"},
)
_WS2008_SHA2 = (
    {"kb": "KB2763674", "reason": _ITEM9, "confidence": "high"},
    {"kb": "KB4474419", "reason": _ITEM9 + " (SHA-2 code signing support, September 2019)", "confidence": "high"},
    {"kb": "KB4493730", "reason": "servicing stack update for 2008 SP2 (April 2019) that SHA-2-signed updates need; "
                                  "UNCONFIRMED as sufficient on its own", "confidence": "low"},
)
SHA2_UPDATES = (
    {"name": "Windows 7 SP1", "version": (6, 1), "product_types": (PRODUCT_WORKSTATION,),
     "min_build": 7601, "any_of": ("KB3033929", "KB4490628"), "satisfied_by": _WIN7_SHA2,
     "later_than_kb": _SHA2_LATER, "source": _ITEM9},
    {"name": "Windows Server 2008 SP2", "version": (6, 0), "product_types": SERVER_PRODUCT_TYPES,
     "min_build": 6002, "any_of": ("KB2763674", "KB4474419"),
     "satisfied_by": _WS2008_SHA2, "later_than_kb": _SHA2_LATER, "source": _ITEM9},
    {"name": "Windows Server 2008 R2 SP1", "version": (6, 1), "product_types": SERVER_PRODUCT_TYPES,
     "min_build": 7601, "any_of": ("KB3033929", "KB4490628"), "satisfied_by": _WIN7_SHA2,
     "later_than_kb": _SHA2_LATER, "source": _ITEM9},
)

# Where the installed updates are read (KA-0012615 item 9): the servicing stack's own package keys, one key per
# package, named Package[_<n>]_for_KB<number>~<key token>~<arch>~~<version> (a rollup also lists sub-packages
# named for its KB; its top package, Package_for_RollupFix~..., carries no KB). A registry read is bounded;
# Win32_QuickFixEngineering asks the servicing stack itself and can wait minutes while TrustedInstaller works.
# The pattern's first group is the KB; it means the same in .NET and Python regular expressions.
CBS_PACKAGES_KEY = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"  # 64-bit view
CBS_KB_PATTERN = r"(?i)^Package_(?:\d+_)?for_(KB\d+)(?=[~_])"
# A package key's CurrentState (DWORD), as Microsoft's "CBS Servicing States Chart" (TechNet, 2015) names them.
CBS_STATES = {0: "absent", 5: "uninstall pending", 16: "resolving", 32: "resolved", 48: "staging", 64: "staged",
              80: "superseded", 96: "install pending", 101: "partially installed", 112: "installed", 128: "permanent"}
# What counts as installed: installed, permanent, and superseded (a newer package carries its components).
CBS_INSTALLED = (80, 112, 128)
# Installed once the host restarts: not yet in effect.
CBS_AFTER_RESTART = (96,)

# Trend's 2023 ACS bulletin (not in the articles): minimum rollups for ACS-signed modules (12011+).
ACS_UPDATES = (
    {"name": "Windows 7 SP1", "version": (6, 1), "product_types": (PRODUCT_WORKSTATION,), "min_build": 7601, "any_of": ("KB5006743", "KB5006728")},
    {"name": "Windows Server 2008 R2 SP1", "version": (6, 1), "product_types": SERVER_PRODUCT_TYPES, "min_build": 7601, "any_of": ("KB5006743", "KB5006728")},
    {"name": "Windows Server 2008 SP2", "version": (6, 0), "product_types": SERVER_PRODUCT_TYPES, "min_build": 6002, "any_of": ("KB5006736", "KB5006715")},
)

# KA-0012615 item 6 (64-bit / 32-bit paths). Read with an explicit registry view, never trusting
# the bitness of the process that reads.
AGENT_KEY = {
    64: {"view": "Registry64", "path": "SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion"},
    32: {"view": "Registry32", "path": "SOFTWARE\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion"},
}
AGENT_MISC_SUBKEY = "Misc."  # the subkey name really ends with a dot
AGENT_VALUES = ("Application Path", "Server")
AGENT_MISC_VALUES = ("NoProgramUpgrade", "TmListen_Ver", "ProgramVer", "PatternVer", "PatternDate")
NO_PROGRAM_UPGRADE = "NoProgramUpgrade"

SERVER_KEY = {
    64: {"view": "Registry64", "path": "SOFTWARE\\WOW6432Node\\TrendMicro\\OfficeScan\\service\\Information"},
    32: {"view": "Registry32", "path": "SOFTWARE\\TrendMicro\\OfficeScan\\service\\Information"},
}
SERVER_VALUES = ("Local_Path", "Server_Version", "ServicePack_Build")

# Where this collection records its own state on a host: never inside Trend's keys.
BLOCK_RECORD_KEY = {"view": "Registry64", "path": "SOFTWARE\\apexone.upgrade\\HotfixBlock"}

# KA-0012615 item 10 and KA-0001268: default install folders.
SERVER_INSTALL_DIRS = {
    64: ("C:\\Program Files (x86)\\Trend Micro\\OfficeScan", "C:\\Program Files (x86)\\Trend Micro\\Apex One"),
    32: ("C:\\Program Files\\Trend Micro\\OfficeScan", "C:\\Program Files\\Trend Micro\\Apex One"),
}
AUTH_BACKUP_RELATIVE = "AuthCertBackup\\OfficeScanAuth.dat"

# KA-0012615 item 7: agent services; after the SERVER upgrade even XG agents show the new names.
AGENT_SERVICES = (
    {"name": "tmlisten", "xg": "OfficeScan NT Listener", "apexone": "Apex One NT Listener"},
    {"name": "NTRTScan", "xg": "OfficeScan NT RealTime Scan", "apexone": "Apex One NT RealTime Scan"},
    {"name": "TmPfw", "xg": "OfficeScan NT Firewall", "apexone": "Apex One NT Firewall"},
    {"name": "TmProxy", "xg": "OfficeScan NT Proxy Service", "apexone": "Apex One NT Proxy Service"},
    {"name": "TMBMServer", "xg": "Trend Micro Unauthorized Change Prevention Service",
     "apexone": "Trend Micro Unauthorized Change Prevention Service"},
    {"name": "TmCCSF", "xg": "Common Client Solution Framework", "apexone": "Common Client Solution Framework"},
)

# KA-0012615 item 11: what must run on the server after the upgrade and where iVP / iAC live. Matched by
# display name (case-insensitive) or by short name. The display names are the article's; it is a
# Japanese article and prints them in English, so Japanese builds are assumed to keep them
# (UNCONFIRMED: a localised name would still be found by its short name). The short names are not
# published by Trend Micro: UNCONFIRMED defaults, overridable (module option server_services).
SERVER_SERVICES = (
    {"display_name": "Trend Micro Vulnerability Protection Service", "feature": "iVP", "names": ("iVPServerSvc",)},
    {"display_name": "Trend Micro Application Control Service", "feature": "iAC", "names": ("iACServerSvc",)},
)
MASTER_SERVICE = "ofcservice"
ISERVICE_FOLDERS = ("Apex One\\iServiceSrv", "Apex One\\iServiceSvr")  # the article's spelling first
ISERVICE_FEATURES = ("iVP", "iAC")

# Display-name patterns the probe collects services by.
SERVICE_PATTERNS = ("OfficeScan*", "Apex One*", "Trend Micro*", "Common Client Solution Framework")

# KA-0012615 item 5: destinations to allow after the upgrade, by region. `confirmed` False marks
# names from public firewall lists that the article does not print.
ENDPOINTS = {
    "jp": (
        {"name": "census (Apex One)", "host": "osce14-jp-census.trendmicro.com", "ports": (443,),
         "confirmed": True, "source": UPGRADE_ARTICLE + " item 5"},
        {"name": "licence", "host": "licenseupdate.trendmicro.com", "ports": (80, 443),
         "confirmed": True, "source": UPGRADE_ARTICLE + " item 5"},
        {"name": "ActiveUpdate", "host": "osce14-p.activeupdate.trendmicro.co.jp", "ports": (443,),
         "confirmed": False, "source": "public firewall lists"},
        {"name": "smart protection (ICRC)", "host": "osce14-jp.icrc.trendmicro.com", "ports": (443,),
         "confirmed": False, "source": "public firewall lists"},
        {"name": "web reputation", "host": "osce14-0-jp.url.trendmicro.com", "ports": (443,),
         "confirmed": False, "source": "public firewall lists"},
        {"name": "census backup", "host": "osce14bak-jp-census.trendmicro.com", "ports": (443,),
         "confirmed": False, "source": "public firewall lists"},
    ),
}

# Settings every playbook shares, each default set here once (roles read them through the runbook lookup).
DEFAULT_REGION = "jp"
DEFAULT_LANG = "ja"  # the language of reports and reminders
DEFAULT_REPORT_DIR = "apexone-reports"  # relative to the directory ansible-playbook runs in
DEFAULT_BACKUP_DIR = "apexone-backups"
DEFAULT_ROLLOUT_DEADLINE = 86400  # seconds a wave of the rollout may take to upgrade (24 hours)

# KA-0012615 item 3: characters the Apex One database password must not contain.
SQL_PASSWORD_FORBIDDEN = ("&", "<", ">", "^", "|", ";", "\\", "[", "]", "(", ")", ",", "?", "*", "!", "@", "=")

# KA-0012615 item 1: the current 37-character activation code form; anything else needs a new code.
ACTIVATION_CODE_PATTERN = r"^[A-Z]{2}-[A-Z0-9]{4}(-[A-Z0-9]{5}){5}$"

# KA-0001268 "ファイルのリネーム": product files whose own name contains "invalid".
INVALID_SUFFIX = "_Invalid"
INVALID_KEEP_NAMES = ("invalid.gif", "config_invalid_rendering_class.xml", "config_invalid_syntax.php")
INVALID_KEEP_EXTENSIONS = (".xml", ".php", ".ini")

# KA-0001268 symptom 2: the event text when downloaded files fail the signature check.
SIGNATURE_FAILURE_TEXT = "ダウンロードされた1つ以上のファイルに有効なデジタル署名が含まれていませんでした"

# KA-0012615 item 6: the console setting to make before the block (pattern files only).
CONSOLE_UPDATE_SETTING = {
    "ja": "[管理コンソール] → [クライアント管理] → [設定] → [権限とその他の設定] → [その他の設定] → "
          "[アップデート設定]: 「ウイルスバスター Corp. クライアントがアップデートするコンポーネント:」で"
          "『パターンファイル』を指定",
    "en": "Console > Agent Management > Settings > Privileges and Other Settings > Other Settings > "
          "Update Settings: set the components agents update to 'Pattern files' only",
}
# The agent's self-protection refuses writes to its own registry keys when this console setting is on
# (KA-0001268 names "クライアントセルフプロテクション"; the exact wording of the option per build is
# UNCONFIRMED: public manuals, not the articles).
AGENT_SELF_PROTECTION = {
    "ja": "[クライアント管理] → [設定] → [権限とその他の設定] → [その他の設定] → [クライアントセルフプロテクション]: "
          "「クライアントのレジストリキーを保護する」(Apex One では「Security Agentのレジストリキーを保護する」)",
    "en": "Agent Management > Settings > Privileges and Other Settings > Other Settings > Security Agent "
          "Self-protection: 'Protect Security Agent registry keys' (XG: 'Protect OfficeScan agent registry keys')",
    "source": "public product manuals (UNCONFIRMED wording); KA-0001268 names client self-protection",
}
HOTFIX_BLOCK_LEAD_DAYS = 14  # KA-0012615 item 6: set the block two weeks before the server upgrade

# KA-0012615 item 12: no machine-readable source; a manual check with the article's four settings.
BEHAVIOUR_MONITORING_SETTINGS = (
    "不正な暗号化や変更から文書を保護",
    "不審なプログラムによって変更されたファイルを自動的にバックアップして復元",
    "プログラム検査を有効にして不正な実行可能ファイルを検出およびブロック",
    "Webまたはメールアプリケーションチャネルを介してダウンロードされた新たなプログラムを監視する",
)


# The parts kept as YAML beside this module (data/certificates.yml, the report's words/<lang>.yml),
# read once, on the controller, when first needed.
HERE = os.path.dirname(__file__)
_DATA = {}


def data(relative):
    """The content of the YAML file `relative` (to this folder)."""
    if relative not in _DATA:
        with io.open(os.path.join(HERE, relative), encoding="utf-8") as handle:
            _DATA[relative] = yaml_load(handle)
    return _DATA[relative]
