# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report as data: hosts by checks, blockers first, each finding with its fix and source.

Built by streaming hosts: ``Fleet.add`` takes one host's record (fleet_record) and returns its row
for the hosts table; the caller keeps the rows where it likes (a spool file for 50,000 hosts) and
the Fleet keeps only counts, each host's status and, per check and detail, the hosts' names. Then
``Fleet.close`` adds the checks across the fleet, and ``Fleet.final`` completes each row as it
is written out. ``build`` does all of it in memory for a small fleet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.apexone.upgrade.plugins.module_utils import checks, fleet_record, preflight

FLEET = "(fleet)"
READY, BLOCKED, UNKNOWN = "ready", "blocked", "unknown"
NOT_CONTACTED = "not_contacted"  # an agent known from AD or the server's list only: its OS was checked, nothing else
NOT_READ = "not_read"  # an inventory host without a usable probe record: the report is partial
STATUSES = (BLOCKED, UNKNOWN, NOT_READ, NOT_CONTACTED, READY)  # the hosts table's order
VERDICT_READY, VERDICT_BLOCKED, VERDICT_PARTIAL = "ready", "blocked", "partial"
# Checks that say a host was not judged, not that something blocks it: they make a report partial.
PARTIAL_CHECKS = ("not_probed",)
SAMPLE = 20  # host names the HTML page shows per check and detail; all of them are in the JSON and host pages
DETAILS = 30  # details the HTML page shows per check (hosts with other details: counted, and in the JSON)


class Fleet:
    """The report's aggregates, fed one host at a time."""

    def __init__(self, lang):
        self.lang = lang
        self.words = checks.words(lang)
        self.counts = dict((status, 0) for status in STATUSES)
        self.status = {}  # host -> status
        self.by_check = {}  # check -> entry, with "details": {detail: [host, ...]}
        self.extra = {}  # host -> findings of the checks across the fleet that count against it
        self.learned = {}  # inventory name -> what coverage learned of its OS (AD, export)
        self.outside = []  # rows of agents the coverage knows that are not in the inventory
        self.slice = False  # the report ran in one slice of a sliced job (fleet_record.awx_slice)
        self.read_span = [None, None]  # the oldest and newest read_at of the records used
        # How each host was read (the report's JSON and HTML "sources", sources()): counts of probed, collected
        # and known by name only, each collected host with its file and age, hosts both probed and collected
        # (which reading was used), the files of the folder refused.
        self.sources = None
        self.read_by = {"probed": 0, "collected": 0}  # hosts with a record (findings or why they could not be read)

    def seen(self, read_at):
        """A record read at `read_at` (fleet_record.TIME_FORMAT, which sorts as time does) was used."""
        oldest, newest = self.read_span
        self.read_span = [read_at if oldest is None or read_at < oldest else oldest,
                          read_at if newest is None or read_at > newest else newest]

    def _add(self, host, item):
        entry = self.by_check.get(item["check"])
        if entry is None:
            title, fix, short = checks.texts(item["check"], self.lang)
            entry = self.by_check[item["check"]] = {
                "check": item["check"], "severity": item["severity"], "source": checks.source_text(item["check"], self.lang),
                "title": title, "fix": fix, "short": short, "count": 0, "details": {}}
        entry["count"] += 1
        entry["details"].setdefault(checks.detail(item["check"], item["params"], self.lang), []).append(host)

    def add(self, host, role, value, not_probed=None):
        """One inventory host: `value` is its usable record (fleet_record), or None and `not_probed` the
        parameters of the not_probed finding that says why it has none."""
        if value is not None:
            self.read_by["collected" if value.get("read_by") == "collected" else "probed"] += 1
        if value is None:
            found, status = preflight.not_probed_findings(not_probed or {}), NOT_READ
        elif value.get("error") is not None:
            found, status, value = preflight.unreachable_findings(value["error"]), UNKNOWN, None
        else:
            found = value["findings"]
            status = BLOCKED if any(f["severity"] == preflight.BLOCKER for f in found) else READY
        self.counts[status] += 1
        self.status[host] = status
        for item in found:
            self._add(host, item)
        return _row(host, role, status, value, found)

    def close(self, fleet_findings, coverage=None):
        """The checks across the fleet and the coverage of the server's agents, after every host was added."""
        self.learned = dict((a["inventory_name"], a) for a in (coverage or {}).get("agents") or [] if a["inventory_name"])
        for item in fleet_findings:
            host = item.get("host")
            if not host:
                continue
            self.extra.setdefault(host, []).append(item)
            if host in self.status:
                self._add(host, item)
                if item["severity"] == preflight.BLOCKER and self.status[host] == READY:
                    self.counts[READY] -= 1
                    self.counts[BLOCKED] += 1
                    self.status[host] = BLOCKED
        for agent in (coverage or {}).get("agents") or []:
            host = agent["host"]
            if agent["inventory_name"] is not None or host in self.status:
                continue
            found = self.extra.get(host, [])
            status = BLOCKED if any(f["severity"] == preflight.BLOCKER for f in found) else NOT_CONTACTED
            self.counts[status] += 1
            self.status[host] = status
            for item in found:
                self._add(host, item)
            self.outside.append({"host": host, "role": "agent", "status": status, "os": agent["os"],
                                 "os_version": agent["version"], "agent_version": agent["agent_version"],
                                 "server_version": None, "os_source": agent["os_source"],
                                 "findings": dict((f["check"], f["severity"]) for f in found)})
        for item in fleet_findings:
            if not item.get("host"):
                self._add(FLEET, item)

    def set_sources(self, folder, collected, both, refused):
        """How the hosts were read, once every host was added and closed. `collected`: [{host, file, read_at,
        age_hours}] of the hosts judged from a collected answer; `both`: [{host, used, probe_read_at,
        collected_read_at}]; `refused`: [{file, why, text}]."""
        counts = dict(self.read_by, name_only=self.counts[NOT_CONTACTED] + self.counts[NOT_READ])
        self.sources = {"folder": folder, "counts": counts, "collected": collected, "both": both, "refused": refused}

    def final(self, row):
        """A row as the report shows it: with the fleet checks that count against its host, and the OS
        the coverage learned for a host the probe did not read."""
        host = row["host"]
        row = dict(row, status=self.status.get(host, row["status"]))
        if host in self.extra:
            row["findings"] = dict(row["findings"], **dict((f["check"], f["severity"]) for f in self.extra[host]))
        known = self.learned.get(host)
        if known and row["os_source"] is None:
            row.update(os=known.get("os"), os_version=known.get("version"), os_source=known.get("os_source"))
        return row

    def ordered_checks(self):
        order = dict((severity, index) for index, severity in enumerate(preflight.SEVERITY_ORDER))
        return sorted(self.by_check.values(), key=lambda c: (order.get(c["severity"], 9), c["check"]))

    def summary(self):
        blocking = [c for c in self.by_check.values()
                    if c["severity"] == preflight.BLOCKER and c["check"] not in PARTIAL_CHECKS]
        complete = not self.counts[NOT_READ] and not self.slice
        verdict = VERDICT_PARTIAL if not complete else VERDICT_BLOCKED if blocking else VERDICT_READY
        return {"hosts": sum(self.counts.values()), "ready": self.counts[READY], "blocked": self.counts[BLOCKED],
                "unknown": self.counts[UNKNOWN], "not_contacted": self.counts[NOT_CONTACTED],
                "not_read": self.counts[NOT_READ], "blocker_checks": len(blocking), "fleet_blocked": bool(blocking),
                "complete": complete, "slice": self.slice, "verdict": verdict,
                "read_from": self.read_span[0], "read_to": self.read_span[1]}

    def header(self, generated_at, meta=None, coverage=None):
        """Everything of the report but its hosts table: title, summary, coverage, checks, the table's columns."""
        ordered = self.ordered_checks()
        columns = [c for c in ordered if any(host != FLEET for hosts in c["details"].values() for host in hosts)]
        return {
            "title": self.words["report"]["title"], "lang": self.lang, "generated_at": generated_at, "meta": meta or {},
            "summary": self.summary(),
            "coverage": _coverage_section(coverage),
            "sources": self.sources,
            "checks": [_check_entry(c) for c in ordered],
            "columns": [{"check": c["check"], "title": c["title"], "short": c["short"], "severity": c["severity"]}
                        for c in columns],
        }

    def page_checks(self, sample=SAMPLE, details=DETAILS):
        """The checks as the HTML page lists them: per detail (the first `details` ones), how many hosts and the
        first `sample` names; `more`: how many hosts the details not shown have."""
        shown = []
        for entry in self.ordered_checks():
            groups = list(entry["details"].items())
            item = dict((k, entry[k]) for k in ("check", "severity", "source", "title", "fix", "short", "count"))
            item["details"] = [{"detail": detail, "count": len(hosts), "hosts": hosts[:sample],
                                "fleet": hosts == [FLEET]} for detail, hosts in groups[:details]]
            item["more"] = sum(len(hosts) for dummy, hosts in groups[details:])
            shown.append(item)
        return shown


def _check_entry(entry):
    item = dict((k, entry[k]) for k in ("check", "severity", "source", "title", "fix", "short", "count"))
    item["hosts"] = [{"host": host, "detail": detail} for detail, hosts in entry["details"].items() for host in hosts]
    return item


def _row(host, role, status, facts, found):
    """A host's row of the hosts table (facts: the record, None when the host was not read)."""
    return {
        "host": host, "role": role, "status": status,
        "os": None if facts is None else (facts["os"].get("caption") or facts["os"].get("version")),
        "os_version": None if facts is None else facts["os"].get("version"),
        "os_source": None if facts is None else "probe",
        # how the host was read: by the probe over WinRM, or from the answer the standalone collector wrote
        "read_by": None if facts is None else facts.get("read_by", "probe"),
        "agent_version": None if facts is None else facts["agent"].get("version"),
        "server_version": None if facts is None or not facts["server"]["present"] else "%s (build %s)" % (
            facts["server"].get("version"), facts["server"].get("build")),
        "findings": dict((f["check"], f["severity"]) for f in found),
    }


def json_chunks(header, rows):
    """The report's JSON text in pieces: the header's keys, then "hosts" with one row per line."""
    head = json.dumps(header, ensure_ascii=False, indent=1, sort_keys=True)
    yield head[:-2] + ',\n "hosts": ['  # head ends with "\n}"
    first = True
    for row in rows:
        yield ("\n  " if first else ",\n  ") + json.dumps(row, ensure_ascii=False, sort_keys=True)
        first = False
    yield "\n ]\n}\n"


def build(targets, facts_by_host, findings_by_host, fleet_findings, lang, generated_at, meta=None, errors=None,
          coverage=None):
    """The whole report in memory, from full facts (preflight.host_facts) and findings.

    `targets`: [(host, role)] in inventory order; facts/findings: host -> value (None = not read).
    `errors`: host -> why it could not be read (unreachable, or the probe failed).
    `coverage`: coverage.evaluate()'s result; its agents that are not targets get a row of their own
    (status blocked when their OS blocks, else not_contacted), and the model a `coverage` section.
    """
    fleet = Fleet(lang)
    rows = []
    for host, role in targets:
        facts = facts_by_host.get(host)
        if facts is None:
            value = fleet_record.error_record((errors or {}).get(host, ""), role, "", "")
        else:
            value = fleet_record.record(dict(facts, role=role), findings_by_host.get(host) or [], "", "")
        rows.append(fleet.add(host, role, value))
    fleet.close(fleet_findings, coverage)
    model = fleet.header(generated_at, meta, coverage)
    model["hosts"] = [fleet.final(row) for row in rows] + fleet.outside
    return model


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
