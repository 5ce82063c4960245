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
NOT_CONTACTED = "not_contacted"  # an agent known from AD or the server's list only: its OS was checked, nothing else


def build(targets, facts_by_host, findings_by_host, fleet_findings, lang, generated_at, meta=None, errors=None,
          coverage=None):
    """`targets`: [(host, role)] in inventory order; facts/findings: host -> value (None = not read).

    `errors`: host -> why it could not be read (unreachable, or the probe failed).
    `coverage`: coverage.evaluate()'s result; its agents that are not targets get a row of their own
    (status blocked when their OS blocks, else not_contacted), and the model a `coverage` section.
    """
    words = checks.words(lang)
    by_check = {}
    hosts = []
    counts = {READY: 0, BLOCKED: 0, UNKNOWN: 0, NOT_CONTACTED: 0}

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
    learned = dict((a["inventory_name"], a) for a in (coverage or {}).get("agents") or [] if a["inventory_name"])
    for host, role in targets:
        facts = facts_by_host.get(host)
        known = learned.get(host) or {}
        if facts is None:
            found = preflight.unreachable_findings((errors or {}).get(host, ""))
            found += per_host.get(host, [])
            status = UNKNOWN
        else:
            found = list(findings_by_host.get(host) or []) + per_host.get(host, [])
            status = BLOCKED if any(f["severity"] == preflight.BLOCKER for f in found) else READY
        counts[status] += 1
        for item in found:
            add(host, item)
        hosts.append({
            "host": host, "role": role, "status": status,
            "os": known.get("os") if facts is None else (facts["os"].get("caption") or facts["os"].get("version")),
            "os_version": known.get("version") if facts is None else facts["os"].get("version"),
            "os_source": known.get("os_source") or (None if facts is None else "probe"),
            "agent_version": None if facts is None else facts["agent"].get("version"),
            "server_version": None if facts is None or not facts["server"]["present"] else "%s (build %s)" % (
                facts["server"]["version"], facts["server"]["build"]),
            "findings": dict((f["check"], f["severity"]) for f in found),
        })
    named = set(host for host, dummy in targets)
    for agent in (coverage or {}).get("agents") or []:
        host = agent["host"]
        if agent["inventory_name"] is not None or host in named:
            continue
        named.add(host)
        found = per_host.get(host, [])
        status = BLOCKED if any(f["severity"] == preflight.BLOCKER for f in found) else NOT_CONTACTED
        counts[status] += 1
        for item in found:
            add(host, item)
        hosts.append({"host": host, "role": "agent", "status": status, "os": agent["os"], "os_version": agent["version"],
                      "agent_version": agent["agent_version"], "server_version": None, "os_source": agent["os_source"],
                      "findings": dict((f["check"], f["severity"]) for f in found)})
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
        "summary": {"hosts": len(hosts), "ready": counts[READY], "blocked": counts[BLOCKED],
                    "unknown": counts[UNKNOWN], "not_contacted": counts[NOT_CONTACTED],
                    "blocker_checks": len(fleet_blockers), "fleet_blocked": bool(fleet_blockers)},
        "coverage": _coverage_section(coverage),
        "checks": ordered,
        "columns": [{"check": c, "title": by_check[c]["title"], "short": by_check[c]["short"],
                     "severity": by_check[c]["severity"]} for c in columns],
        "hosts": hosts,
    }


_AGENT_KEYS = ("host", "os_source", "os", "version", "unsupported", "os_unknown", "on_server_list", "contacted")


def _coverage_section(cov):
    """What the report shows about the server's agents and the sources of their OS (KA-0012615 item 2)."""
    if not cov:
        return None
    return {
        "server_agents": cov["server_agents"], "list_sources": cov["list_sources"], "counts": cov["counts"],
        "os_unknown": cov["os_unknown"], "unsupported": cov["unsupported"], "mismatches": cov["mismatches"],
        "directory_computers": cov["directory_computers"],
        "directory_not_on_server_list": cov["directory_not_on_server_list"],
        "remove_from_server": cov["remove_from_server"],
        "agents": [dict((k, a[k]) for k in _AGENT_KEYS) for a in cov["agents"]],
    }
