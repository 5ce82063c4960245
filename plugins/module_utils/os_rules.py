# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Operating system rules of the runbook: unsupported agents and SHA-2 updates.

Decided from the version, build and product type the probe reports, never from the
caption (a Japanese host says "Microsoft Windows 7 Professional" in Japanese, or not at all).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

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


def missing_updates(version, product_type, installed, build=None, rules=catalog.SHA2_UPDATES):
    """SHA-2 update state (KA-0012615 item 9) for one host.

    Returns None when no rule applies to this OS, else a dict with the rule name,
    the updates any one of which satisfies it, those found, and `satisfied`.
    """
    major, minor, parsed_build = parse_version(version)
    build = parsed_build if build is None else int(build)
    have = set(_normalise_kb(kb) for kb in (installed or ()))
    for rule in rules:
        if _matches(rule, major, minor, build, int(product_type)):
            wanted = [_normalise_kb(kb) for kb in rule["any_of"]]
            found = [kb for kb in wanted if kb in have]
            return {"os": rule["name"], "any_of": wanted, "found": found, "satisfied": bool(found)}
    return None
