# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Operating system rules of the runbook: unsupported agents and SHA-2 updates.

Decided from the version, build and product type the probe reports, never from the
caption (a Japanese host says "Microsoft Windows 7 Professional" in Japanese, or not at all).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog


def parse_version(version):
    """'6.1.7601' -> (6, 1, 7601); the build is None when the string has no third part."""
    parts = str(version or "").strip().split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise ValueError("OS version %r is not of the form major.minor[.build]" % (version,))
    build = None
    if len(parts) > 2 and parts[2].isdigit():
        build = int(parts[2])
    return major, minor, build


def _matches(rule, major, minor, build, product_type):
    if tuple(rule["version"]) != (major, minor):
        return False
    types = rule.get("product_types")
    if types is not None and product_type not in types:
        return False
    # An unknown build cannot prove a service pack: "below" rules match it, "at least" rules do not.
    below = rule.get("below_build")
    if below is not None and build is not None and build >= below:
        return False
    at_least = rule.get("min_build")
    if at_least is not None and (build is None or build < at_least):
        return False
    return True


def unsupported_os(version, product_type, build=None, rules=catalog.UNSUPPORTED_OS):
    """Name of the article's unsupported OS this host is (KA-0012615 item 2), or None.

    `build` overrides the build part of `version` (CIM reports both).
    """
    major, minor, parsed_build = parse_version(version)
    build = parsed_build if build is None else int(build)
    for rule in rules:
        if _matches(rule, major, minor, build, int(product_type)):
            return rule["name"]
    return None


def _normalise_kb(kb):
    text = str(kb).strip().upper()
    return text if text.startswith("KB") else "KB" + text


def _kb_number(kb):
    digits = _normalise_kb(kb)[2:]
    return int(digits) if digits.isdigit() else None


def sha2_rule(version, product_type, build=None, rules=catalog.SHA2_UPDATES):
    """The item 9 rule (KA-0012615) that covers this OS, or None."""
    major, minor, parsed_build = parse_version(version)
    build = parsed_build if build is None else int(build)
    for rule in rules:
        if _matches(rule, major, minor, build, int(product_type)):
            return rule
    return None


def missing_updates(version, product_type, installed, build=None, rules=catalog.SHA2_UPDATES, extra=(),
                    after_restart=()):
    """SHA-2 update state (KA-0012615 item 9) for one host.

    Returns None when no rule applies to this OS, else: the rule name, the article's updates
    (`any_of`), the updates found that satisfy it (`found`, from the rule's `satisfied_by` and
    `extra`: KB strings or {kb, reason}), `satisfied`, and `evidence` (why). A host with none of
    them but an update numbered above the rule's `later_than_kb` is satisfied by inference
    (`inferred`): it could not have installed that update without SHA-2 support.
    `installed` None means the host's updates are not known (never read, or the answer lacks them):
    then `known` is False and `satisfied` None, never a guess either way. `after_restart`: updates
    installed only once the host restarts; one that would satisfy the rule is named in `after_restart`.
    """
    rule = sha2_rule(version, product_type, build, rules)
    if rule is None:
        return None
    any_of = [_normalise_kb(kb) for kb in rule["any_of"]]
    if installed is None:
        return {"os": rule["name"], "any_of": any_of, "accepted": [], "found": [], "satisfied": None, "known": False,
                "inferred": False, "evidence": [], "after_restart": []}
    have = set(_normalise_kb(kb) for kb in installed)
    table = list(rule.get("satisfied_by") or [{"kb": kb, "reason": rule.get("source", "")} for kb in rule["any_of"]])
    for item in extra or ():
        table.append(item if isinstance(item, dict) else {"kb": str(item), "reason": "given by you (sha2_updates)"})
    reasons = dict((_normalise_kb(item["kb"]), item.get("reason", "")) for item in table)
    found = [kb for kb in reasons if kb in have]
    pending = sorted(kb for kb in set(_normalise_kb(kb) for kb in after_restart or ()) if kb in reasons)
    state = {"os": rule["name"], "any_of": any_of, "accepted": sorted(reasons), "found": found,
             "satisfied": bool(found), "known": True, "inferred": False, "after_restart": pending,
             "evidence": ["%s: %s" % (kb, reasons[kb]) for kb in found]}
    later = rule.get("later_than_kb")
    if not found and later:
        newer = sorted(kb for kb in have if (_kb_number(kb) or 0) > later["kb"])
        if newer:
            state.update(satisfied=True, inferred=True, found=newer[-1:],
                         evidence=["%s is installed, newer than KB%d: %s" % (newer[-1], later["kb"], later["reason"])])
    return state


# --- Hosts that are not contacted: Active Directory computer objects and the server's agent list ---

# operatingSystemVersion as directories hold it: "6.1 (7601)" (what Windows writes) or "6.1.7601".
_DIRECTORY_VERSION = re.compile(r"^\s*(\d+)\.(\d+)(?:\s*\(\s*(\d+)\s*\)|\.(\d+))?\s*$")
_SERVICE_PACK = re.compile(r"(?:service\s*pack|\bsp)\s*(\d+)", re.IGNORECASE)


def parse_directory_version(text):
    """'6.1 (7601)' or '6.1.7601' or '6.1' -> (6, 1, 7601 or None); anything else is a ValueError."""
    match = _DIRECTORY_VERSION.match(str(text or ""))
    if not match:
        raise ValueError("operatingSystemVersion %r is neither 'major.minor (build)' nor 'major.minor.build'" % (text,))
    build = match.group(3) or match.group(4)
    return int(match.group(1)), int(match.group(2)), None if build is None else int(build)


def service_pack_number(text):
    """'Service Pack 1' / 'SP2' / 'サービス パック 1'-free forms -> 1 / 2; None when there is none."""
    match = _SERVICE_PACK.search(str(text or ""))
    return int(match.group(1)) if match else None


def directory_product_type(operating_system):
    """Client or server from AD's operatingSystem ('Windows Server 2008 R2 Enterprise' -> server).

    Windows writes this attribute itself, in English, whatever the display language; it is the only
    client/server hint a computer object has. None when the attribute is empty.
    """
    text = str(operating_system or "").strip()
    if not text:
        return None
    return catalog.PRODUCT_SERVER if "server" in text.lower() else catalog.PRODUCT_WORKSTATION


def classify(major, minor, build, product_type, service_pack=None, rules=catalog.UNSUPPORTED_OS):
    """Decide one host from version parts: {'known', 'unsupported', 'reason'} and, for a supported OS that
    KA-0012615 item 9 covers, `sha2_os` (its name there: the host's SHA-2 updates matter).

    `known` is False when the data cannot decide (no product type where client and server differ);
    an unknown OS blocks the upgrade like an unsupported one (KA-0012615 item 2: one agent is enough).
    """
    if build is None:
        build = catalog.SERVICE_PACK_BUILDS.get((major, minor), {}).get(service_pack_number(service_pack))
    version = "%d.%d" % (major, minor) + ("" if build is None else ".%d" % build)
    types = [product_type] if product_type is not None else [catalog.PRODUCT_WORKSTATION, catalog.PRODUCT_SERVER]
    names = [unsupported_os(version, kind, rules=rules) for kind in types]
    if len(set(names)) > 1 and None in names:
        return {"known": False, "unsupported": None, "version": version,
                "reason": "version %s is unsupported as a client but not as a server, and the source does not say which"
                          % version}
    name = " or ".join(sorted(set(names))) if all(names) else None  # both editions blocked: still a decision
    decided = {"known": True, "unsupported": name, "version": version, "reason": None}
    # The item 9 OS it is (KA-0012615: SHA-2 updates), when any: Windows 7 SP1 and 2008 R2 SP1 share 6.1.7601.
    covered = [rule["name"] for rule in (sha2_rule(version, kind) for kind in types) if rule]
    if covered and not name:
        decided["sha2_os"] = " or ".join(sorted(set(covered)))
    return decided


def classify_directory(operating_system, version, service_pack=None, rules=catalog.UNSUPPORTED_OS):
    """One AD computer object (operatingSystem, operatingSystemVersion, operatingSystemServicePack)."""
    if not str(version or "").strip():
        return {"known": False, "unsupported": None, "version": None,
                "reason": "the computer object has no operatingSystemVersion"}
    try:
        major, minor, build = parse_directory_version(version)
    except ValueError as exc:
        return {"known": False, "unsupported": None, "version": str(version), "reason": str(exc)}
    return classify(major, minor, build, directory_product_type(operating_system), service_pack, rules)


def classify_text(text, names=None, rules=catalog.UNSUPPORTED_OS):
    """The OS column of the console's agent list (a display string, the weakest source).

    A version in the text ('6.1.7601', '6.1 (7601)') wins when the text names Windows (or is only the
    version) and the table holds that major.minor; else the first entry of `names` whose pattern matches
    (a documented, overridable table). Nothing matched, or a version the table does not hold -> not known:
    such an agent blocks as "OS unknown" (KA-0012615 item 2), never as a supported OS.
    """
    names = catalog.data(catalog.EXPORT_OS_NAMES_FILE) if names is None else names
    value = str(text or "").strip()
    if not value:
        return {"known": False, "unsupported": None, "version": None, "reason": "the OS column is empty"}
    unknown = {"known": False, "unsupported": None, "version": None,
               "reason": "the OS %r is not one the export table knows (add it to apexone_export_os_names)" % value}
    server = catalog.PRODUCT_SERVER if re.search(r"server", value, re.IGNORECASE) else catalog.PRODUCT_WORKSTATION
    found = re.search(r"(\d+)\.(\d+)(?:\.(\d+)|\s*\(\s*(\d+)\s*\))?", value)
    if found and int(found.group(1)) in (5, 6, 10):
        major, minor = int(found.group(1)), int(found.group(2))
        says_windows = re.search(r"windows", value, re.IGNORECASE) or re.match(r"^[\d.\s()]+$", value)
        if not says_windows or (major, minor) not in set(tuple(entry["version"]) for entry in names):
            return unknown
        build = found.group(3) or found.group(4)
        return classify(major, minor, None if build is None else int(build), server, value, rules)
    for entry in names:
        if re.search(entry["pattern"], value, re.IGNORECASE):
            major, minor = entry["version"]
            kind = entry.get("product_type", server)
            return classify(major, minor, entry.get("build"), kind, value, rules)
    return unknown
