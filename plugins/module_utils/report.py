# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as data: hosts by checks, blockers first, each finding with its fix and source.

One pass over the hosts; the HTML and JSON files are both written from this structure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import checks, preflight

FLEET = "(fleet)"
READY, BLOCKED, UNKNOWN = "ready", "blocked", "unknown"


def build(targets, facts_by_host, findings_by_host, fleet_findings, lang, generated_at, meta=None, errors=None):
    """`targets`: [(host, role)] in inventory order; facts/findings: host -> value (None = not read).

    `errors`: host -> why it could not be read (unreachable, or the probe failed).
    """
    words = checks.words(lang)
    by_check = {}
    hosts = []
    counts = {READY: 0, BLOCKED: 0, UNKNOWN: 0}

    def add(host, item):
        entry = by_check.get(item["check"])
        if entry is None:
            title, fix, short = checks.texts(item["check"], lang)
            entry = by_check[item["check"]] = {"check": item["check"], "severity": item["severity"],
                                               "source": checks.source_text(item["check"], lang),
                                               "title": title, "fix": fix, "short": short, "hosts": []}
        entry["hosts"].append({"host": host, "detail": checks.detail(item["check"], item["params"], lang)})

    per_host = {}
    for item in fleet_findings:
        if item.get("host"):
            per_host.setdefault(item["host"], []).append(item)
    for host, role in targets:
        facts = facts_by_host.get(host)
        if facts is None:
            found = preflight.unreachable_findings((errors or {}).get(host, ""))
            status = UNKNOWN
        else:
            found = list(findings_by_host.get(host) or []) + per_host.get(host, [])
            status = BLOCKED if any(f["severity"] == preflight.BLOCKER for f in found) else READY
        counts[status] += 1
        for item in found:
            add(host, item)
        hosts.append({
            "host": host, "role": role, "status": status,
            "os": None if facts is None else (facts["os"].get("caption") or facts["os"].get("version")),
            "os_version": None if facts is None else facts["os"].get("version"),
            "agent_version": None if facts is None else facts["agent"].get("version"),
            "server_version": None if facts is None or not facts["server"]["present"] else "%s (build %s)" % (
                facts["server"]["version"], facts["server"]["build"]),
            "findings": dict((f["check"], f["severity"]) for f in found),
        })
    for item in fleet_findings:
        if not item.get("host"):
            add(FLEET, item)
    order = dict((severity, index) for index, severity in enumerate(preflight.SEVERITY_ORDER))
    ordered = sorted(by_check.values(), key=lambda c: (order.get(c["severity"], 9), c["check"]))
    columns = [c["check"] for c in ordered if any(h["host"] != FLEET for h in c["hosts"])]
    fleet_blockers = [c for c in ordered if c["severity"] == preflight.BLOCKER]
    return {
        "title": words["report"]["title"],
        "lang": lang,
        "generated_at": generated_at,
        "meta": meta or {},
        "summary": {"hosts": len(targets), "ready": counts[READY], "blocked": counts[BLOCKED],
                    "unknown": counts[UNKNOWN], "blocker_checks": len(fleet_blockers),
                    "fleet_blocked": bool(fleet_blockers)},
        "checks": ordered,
        "columns": [{"check": c, "title": by_check[c]["title"], "short": by_check[c]["short"],
                     "severity": by_check[c]["severity"]} for c in columns],
        "hosts": hosts,
    }
