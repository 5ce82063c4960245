# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""After the server upgrade (KA-0012615 items 4, 7, 11; KA-0001268): what passed, what needs action."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, checks

# Each check names a kind: its words (detail, fix) are words/<lang>.yml post_upgrade.<kind>, over the
# parameters declared in checks.POST_UPGRADE.


def _check(name, kind, ok, severity="action", **params):
    """One check, worded in English; worded() words it again in another language from kind and params."""
    return _worded({"check": name, "kind": kind, "ok": bool(ok), "severity": "ok" if ok else severity,
                    "params": params}, "en")


def _worded(item, lang):
    detail, fix = checks.post_upgrade_text(item["kind"], item["params"], lang)
    return dict(item, detail=detail, fix="" if item["ok"] or fix == "-" else fix)  # "-": nothing to do


def worded(items, lang="en"):
    """The checks with their detail and fix in `lang` (fix empty when the check passed)."""
    return [_worded(item, lang) for item in items]


def find_service(services, expected):
    """The service `expected` describes ({display_name, names}): by short name, else by display name,
    both case-insensitive. Returns (service, how) or (None, None)."""
    names = set(n.lower() for n in expected.get("names") or ())
    for service in services:
        if service["name"].lower() in names:
            return service, "short name %s" % service["name"]
    for service in services:
        if service["display_name"].lower() == expected["display_name"].lower():
            return service, "display name"
    return None, None


def server_checks(facts, expected_services=catalog.SERVER_SERVICES):
    """Checks of the upgraded server from its apexone_facts."""
    server = facts["server"]
    found_checks = [_check("server_version", "server_version", server["product"] == "apexone",
                           version=server["version"], build=server["build"])]
    for expected in expected_services:
        found, how = find_service(facts["services"], expected)
        running = found is not None and found["state"].lower() == "running"
        if found:
            found_checks.append(_check("service %s" % expected["feature"], "service", running,
                                       display_name=expected["display_name"], feature=expected["feature"],
                                       state=found["state"], how=how, service_name=found["name"],
                                       found_display_name=found["display_name"]))
        else:
            found_checks.append(_check("service %s" % expected["feature"], "service_missing", False,
                                       display_name=expected["display_name"], feature=expected["feature"],
                                       names=list(expected.get("names") or ())))
    folders = server.get("iservice_folders") or {}
    for feature in catalog.ISERVICE_FEATURES:
        found = folders.get(feature) or []
        found_checks.append(_check("folder %s" % feature, "folder" if found else "folder_missing", found, feature=feature,
                                   path=found[0] if found else None,
                                   other_spelling=bool(found) and "iservicesvr" in found[0].lower()))
    certs = facts["certificates"]
    found_checks.append(_check("certificates", "certificates", certs["ready"], summary=certs["summary"]))
    return found_checks


def agent_checks(facts, server_product):
    """An agent after the server upgrade: its program version decides, never a service display name."""
    agent = facts["agent"]
    if not agent["present"]:
        return [_check("agent", "agent", False, severity="info")]
    renamed = [s["display_name"] for s in facts["services"] if s["display_name"].startswith("Apex One")]
    upgraded = agent["product"] == "apexone"
    found_checks = [_check("agent_version", "agent_version", upgraded or server_product != "apexone", severity="info",
                           version=agent["version"], product=agent["product"] or "unknown")]
    if renamed and not upgraded:
        found_checks.append(_check("service_names", "service_names", True, severity="info", names=renamed))
    return found_checks


def rename_checks(result):
    """Checks from an apexone_invalid_rename result: failures and collisions need a human."""
    if not isinstance(result, dict) or result.get("skipped") is True or "renamed" not in result:
        return []
    if result.get("check_mode"):
        # Nothing was renamed: what would be is information, never a passed check.
        planned = result.get("planned") or []
        found_checks = [_check("renamed _Invalid files", "rename_planned", False, severity="info", count=len(planned),
                               root=result.get("root"))] if planned else []
    else:
        found_checks = [_check("renamed _Invalid files", "renamed", True, count=len(result["renamed"]),
                               root=result.get("root"))]
    for item in result.get("failed_files") or []:
        found_checks.append(_check("rename", "rename_failed", False, path=item["path"], error=item.get("error")))
    for item in result.get("skipped_files") or []:
        if item.get("is_dir"):  # a folder named *_Invalid is never renamed: information, no fix to make
            found_checks.append(_check("folder named _Invalid", "invalid_folder", False, severity="info",
                                       path=item["path"], reason=item["reason"]))
            continue
        found_checks.append(_check("rename", "rename_collision", False, path=item["path"], reason=item["reason"]))
    return found_checks


def summary(results, lang="en"):
    """host -> checks (None: not read) -> what passed, what needs action, information; words in `lang`."""
    passed, action, info, unknown = [], [], [], []
    for host in sorted(results):
        if results[host] is None:
            unknown.append(host)
            continue
        for check in worded(results[host], lang):
            line = {"host": host, "check": check["check"], "detail": check["detail"], "fix": check["fix"]}
            if check["ok"] and check["check"] != "service_names":
                passed.append(line)
            elif check["severity"] == "info" or check["ok"]:
                info.append(line)
            else:
                action.append(line)
    return {"passed": passed, "needs_action": action, "information": info, "unknown": unknown,
            "ok": not action and not unknown,
            "lines": {"needs_action": ["%s: %s" % (a["host"], a["fix"]) for a in action],
                      "information": ["%s: %s" % (i["host"], i["detail"]) for i in info]}}
