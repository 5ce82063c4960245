# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""After the server upgrade (KA-0012615 items 4, 7, 11; KA-0001268): what passed, what needs action."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog


def _check(name, ok, detail, fix="", severity="action"):
    return {"check": name, "ok": bool(ok), "detail": detail, "fix": "" if ok else fix,
            "severity": "ok" if ok else severity}


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
    checks = [_check("server_version", server["product"] == "apexone",
                     "server %s build %s" % (server["version"], server["build"]),
                     "the server still reports OfficeScan XG: finish or repeat the server upgrade")]
    for expected in expected_services:
        found, how = find_service(facts["services"], expected)
        running = found is not None and found["state"].lower() == "running"
        checks.append(_check("service %s" % expected["feature"], running,
                             "%s: %s" % (expected["display_name"], "%s (found by %s, named %s / %s)" % (
                                 found["state"], how, found["name"], found["display_name"]) if found else
                                 "not installed (looked for the display name and the short names %s)"
                                 % ", ".join(expected.get("names") or ()) or "-"),
                             "start '%s'; if it is missing, %s was not installed with the server: patches will fail "
                             "(KA-0012615 item 11, KA-0000580)" % (expected["display_name"], expected["feature"])))
    folders = server.get("iservice_folders") or {}
    for feature in catalog.ISERVICE_FEATURES:
        found = folders.get(feature) or []
        detail = ("found %s%s" % (found[0], " (spelled iServiceSvr)" if "iservicesvr" in found[0].lower() else "")
                  if found else "no iServiceSrv\\%s folder under the install folder" % feature)
        checks.append(_check("folder %s" % feature, found, detail,
                             "%s was not installed with the server: contact Trend Micro support before patching" % feature))
    certs = facts["certificates"]
    checks.append(_check("certificates", certs["ready"], certs["summary"], "run prerequisites.yml"))
    return checks


def agent_checks(facts, server_product):
    """An agent after the server upgrade: its program version decides, never a service display name."""
    agent = facts["agent"]
    if not agent["present"]:
        return [_check("agent", False, "no agent installed", "install the Apex One agent", severity="info")]
    renamed = [s["display_name"] for s in facts["services"] if s["display_name"].startswith("Apex One")]
    checks = []
    upgraded = agent["product"] == "apexone"
    checks.append(_check("agent_version", upgraded or server_product != "apexone",
                         "agent %s (%s)" % (agent["version"], agent["product"] or "unknown"),
                         "still XG under an Apex One server: only upgrade questions are supported while versions "
                         "differ (KA-0012615 item 4); lift the block with release_hotfix_block.yml", severity="info"))
    if renamed and not upgraded:
        checks.append(_check("service_names", True, "services already named %s while the program is XG: expected "
                             "after the server upgrade (KA-0012615 item 7)" % ", ".join(renamed), severity="info"))
    return checks


def rename_checks(result):
    """Checks from an apexone_invalid_rename result: failures and collisions need a human."""
    if not isinstance(result, dict) or result.get("skipped") is True or "renamed" not in result:
        return []
    if result.get("check_mode"):
        # Nothing was renamed: what would be is information, never a passed check.
        planned = result.get("planned") or []
        checks = [_check("renamed _Invalid files", False, "check mode: would rename %d file(s) under %s"
                         % (len(planned), result.get("root")), severity="info")] if planned else []
    else:
        checks = [_check("renamed _Invalid files", True, "%d renamed under %s" % (len(result["renamed"]), result.get("root")))]
    for item in result.get("failed_files") or []:
        checks.append(_check("rename", False, "%s: %s" % (item["path"], item.get("error")),
                             "stop the service holding %s (KA-0012615 item 11, KA-0000580) and run again" % item["path"]))
    for item in result.get("skipped_files") or []:
        if item.get("is_dir"):  # a folder named *_Invalid is never renamed: information, no fix to make
            checks.append(_check("folder named _Invalid", False, "%s: %s" % (item["path"], item["reason"]), severity="info"))
            continue
        checks.append(_check("rename", False, "%s: %s" % (item["path"], item["reason"]),
                             "compare %s with the file of the same name without _Invalid and keep one" % item["path"]))
    return checks


def summary(results):
    """host -> checks (None: not read) -> what passed, what needs action, information."""
    passed, action, info, unknown = [], [], [], []
    for host in sorted(results):
        checks = results[host]
        if checks is None:
            unknown.append(host)
            continue
        for check in checks:
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
