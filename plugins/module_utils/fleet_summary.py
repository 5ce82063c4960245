# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet summaries of per-host results: one pass over the hosts, nothing quadratic."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import hotfix_block


def block_summary(results, upgrade_date=None, now=None):
    """Summarise apexone_hotfix_block results.

    `results`: host -> the registered result, or None when the host failed or was unreachable
    before it produced one. Returns host lists by outcome, agent versions, and (with
    `upgrade_date`) the hosts whose block is not 14 days old on that date.
    """
    summary = {"blocked_now": [], "already_blocked": [], "released_now": [], "already_released": [],
               "would_block": [], "would_release": [], "check_mode": False,
               "skipped_no_agent": [], "failed_or_unreachable": [], "type_corrected": [],
               "versions": {}, "not_ready_for_upgrade": [], "hosts": len(results)}
    for host in sorted(results):
        result = results[host]
        if not isinstance(result, dict) or result.get("failed") or result.get("unreachable"):
            summary["failed_or_unreachable"].append(host)
            continue
        if result.get("skipped"):
            summary["skipped_no_agent"].append(host)
            continue
        blocked = bool(result.get("blocked"))
        changed = bool(result.get("value_changed"))
        if result.get("check_mode"):
            # Check mode changed nothing: a host that would change is counted as such, never as blocked.
            summary["check_mode"] = True
            if changed:
                summary["would_release" if blocked else "would_block"].append(host)
                blocked = not blocked
            else:
                summary["already_blocked" if blocked else "already_released"].append(host)
        elif blocked:
            summary["blocked_now" if changed else "already_blocked"].append(host)
        else:
            summary["released_now" if changed else "already_released"].append(host)
        if result.get("type_corrected"):
            summary["type_corrected"].append(host)
        version = result.get("agent_version") or "unknown"
        summary["versions"].setdefault(version, []).append(host)
        if upgrade_date:
            readiness = result.get("readiness") or hotfix_block.block_readiness(
                blocked, (result.get("record") or {}).get("BlockedAt"), upgrade_date, now=now,
                first_seen=(result.get("record") or {}).get("FirstSeenAt"))
            if not readiness["ready"]:
                summary["not_ready_for_upgrade"].append({"host": host, "reason": readiness["reason"]})
    summary["version_counts"] = dict((version, len(hosts)) for version, hosts in summary["versions"].items())
    summary["still_xg"] = sorted(host for version, hosts in summary["versions"].items()
                                 if hotfix_block.product_of(version) == "xg" for host in hosts)
    summary["apexone"] = sorted(host for version, hosts in summary["versions"].items()
                                if hotfix_block.product_of(version) == "apexone" for host in hosts)
    return summary
