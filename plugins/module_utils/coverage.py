# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every agent the server manages, and how its OS is known (KA-0012615 item 2).

The probe only reaches hosts that answer WinRM with PowerShell 5.1; the hosts item 2 is about
mostly cannot. So the OS of each agent comes from the best source that knows it:

1. the probe (the host itself, read live);
2. Active Directory (the computer object's operatingSystem* attributes, read by the
   microsoft.ad.ldap inventory plugin, never contacting the host);
3. the server's agent list (the console export's OS column, a display string).

An agent whose OS no source knows blocks the upgrade like an unsupported one: one is enough.
Pure functions over plain data; the action plugin collects the inputs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, os_rules

PROBE, DIRECTORY, EXPORT = "probe", "ad", "export"
SOURCES = (PROBE, DIRECTORY, EXPORT)

# Host variables the microsoft.ad.ldap inventory sets with `attributes: {operatingSystem: , ...}`.
DIRECTORY_VARS = {"os": "operatingSystem", "version": "operatingSystemVersion",
                  "service_pack": "operatingSystemServicePack", "dns_host_name": "dNSHostName"}


def name_keys(*names):
    """Lower-cased full names and short names (first label) under which a host can be joined."""
    keys = []
    for name in names:
        text = str(name or "").strip().rstrip(".").lower()
        if not text:
            continue
        for key in (text, text.split(".", 1)[0]):
            if key not in keys:
                keys.append(key)
    return keys


class _Index:
    """name key -> record, full names before short names; a short name two records share is ambiguous."""

    def __init__(self):
        self._full, self._short, self._ambiguous = {}, {}, set()

    def add(self, record, *names):
        for name in names:
            text = str(name or "").strip().rstrip(".").lower()
            if not text:
                continue
            self._full.setdefault(text, record)
            short = text.split(".", 1)[0]
            other = self._short.get(short)
            if other is not None and other is not record:
                self._ambiguous.add(short)
            self._short.setdefault(short, record)

    def find(self, *names):
        for name in names:
            text = str(name or "").strip().rstrip(".").lower()
            if text and text in self._full:
                return self._full[text]
        for name in names:
            short = str(name or "").strip().rstrip(".").lower().split(".", 1)[0]
            if short and short in self._short and short not in self._ambiguous:
                return self._short[short]
        return None


def directory_record(name, values, var_names=None):
    """One computer object's host variables -> its classification (no contact with the host)."""
    names = dict(DIRECTORY_VARS, **(var_names or {}))
    values = values or {}
    os_name, version = values.get(names["os"]), values.get(names["version"])
    service_pack = values.get(names["service_pack"])
    decided = os_rules.classify_directory(os_name, version, service_pack)
    return {"name": name, "dns_host_name": values.get(names["dns_host_name"]) or values.get("ansible_host"),
            "os": os_name, "os_version": version, "service_pack": service_pack, "known": decided["known"],
            "unsupported": decided["unsupported"], "version": decided["version"], "reason": decided["reason"],
            "sha2_os": decided.get("sha2_os")}


def _probe_os(facts):
    os_facts = (facts or {}).get("os") or {}
    if not os_facts.get("version"):
        return None
    return {"known": True, "unsupported": facts.get("unsupported_os"), "version": os_facts.get("version"),
            "os": os_facts.get("caption") or os_facts.get("version"), "reason": None}


def _same_os(probe, directory):
    """AD and the probe agree when they name the same unsupported OS (or none) and the same major.minor."""
    if not directory["known"]:
        return True
    same_major_minor = str(probe["version"]).split(".")[:2] == str(directory["version"]).split(".")[:2]
    return probe["unsupported"] == directory["unsupported"] and same_major_minor


def evaluate(inventory_agents, probed, directory, server_agents=None, export_os_names=None):
    """The coverage of the fleet.

    `inventory_agents`: names of the hosts in apexone_agents (probed, or tried).
    `probed`: inventory name -> {"facts": the probe's facts or None, "names": other names (ansible_host, ...)}.
    `directory`: records from directory_record().
    `server_agents`: the server's agent list (rows with host, ip, os, agent_version, domain, source),
        or None when no list was given: then every directory computer counts as a possible agent.
    Returns the per-agent table, the counts by source, and the lists ops act on.
    """
    names_table = catalog.data(catalog.EXPORT_OS_NAMES_FILE) if export_os_names is None else export_os_names
    by_directory = _Index()
    for record in directory:
        by_directory.add(record, record["name"], record.get("dns_host_name"))
    by_inventory = _Index()
    for name in inventory_agents:
        by_inventory.add(name, name, *((probed.get(name) or {}).get("names") or []))

    rows, seen = [], set()
    if server_agents is not None:
        server_agents = merge_lists(server_agents)
        for agent in server_agents:
            inventory_name = by_inventory.find(agent["host"])
            rows.append({"host": agent["host"], "listed": agent, "inventory": inventory_name,
                         "directory": by_directory.find(agent["host"])})
            if inventory_name is not None:
                seen.add(inventory_name)
    for name in inventory_agents:
        if name not in seen:
            rows.append({"host": name, "listed": None, "inventory": name,
                         "directory": by_directory.find(name, *((probed.get(name) or {}).get("names") or []))})
    listed_directory = set(id(row["directory"]) for row in rows if row["directory"] is not None)
    not_on_list = []
    for record in directory:
        if id(record) in listed_directory:
            continue
        if server_agents is None:
            rows.append({"host": record["name"], "listed": None, "inventory": None, "directory": record})
        else:
            not_on_list.append(record["name"])

    agents, mismatches = [], []
    counts = dict((source, 0) for source in SOURCES)
    counts["unknown"] = 0
    for row in rows:
        facts = (probed.get(row["inventory"]) or {}).get("facts") if row["inventory"] else None
        live = _probe_os(facts)
        record = row["directory"]
        listed = row["listed"] or {}
        if live is not None:
            source, decided = PROBE, live
            if record is not None and not _same_os(live, record):
                mismatches.append({"host": row["host"], "probe": _describe(live), "ad": _describe(record),
                                   "ad_name": record["name"]})
        elif record is not None and record["known"]:
            source, decided = DIRECTORY, record
        elif listed.get("os") and os_rules.classify_text(listed["os"], names_table)["known"]:
            source, decided = EXPORT, os_rules.classify_text(listed["os"], names_table)
            decided = dict(decided, os=listed["os"])
        else:
            source, decided = None, None
        why_unknown = None
        if decided is None:
            why_unknown = _why_unknown(row, facts, record, listed, names_table)
        counts[source or "unknown"] += 1
        agents.append({
            "host": row["host"], "inventory_name": row["inventory"], "ad_name": record["name"] if record else None,
            "ip": listed.get("ip"), "domain": listed.get("domain"), "agent_version": listed.get("agent_version"),
            "on_server_list": row["listed"] is not None, "list_source": listed.get("source"),
            "os_source": source, "os": None if decided is None else decided.get("os"),
            "version": None if decided is None else decided.get("version"),
            "unsupported": None if decided is None else decided.get("unsupported"),
            "os_unknown": decided is None, "why_unknown": why_unknown,
            "contacted": live is not None,
            # KA-0012615 item 9: the OS needs SHA-2 updates that only the host itself can tell (probe or collect).
            "sha2_os": None if decided is None or live is not None else decided.get("sha2_os"),
        })
    unsupported = [a for a in agents if a["unsupported"]]
    unknown = [a for a in agents if a["os_unknown"]]
    return {
        "server_list": server_agents is not None,
        "server_agents": None if server_agents is None else len(server_agents),
        "list_sources": sorted(set(part for a in server_agents or [] for part in a["source"].split("+"))),
        "agents": agents,
        "counts": counts,
        "unsupported": [a["host"] for a in unsupported],
        "os_unknown": [a["host"] for a in unknown],
        "mismatches": mismatches,
        "directory_computers": len(directory),
        "directory_not_on_server_list": sorted(not_on_list),
        # KA-0012615 item 2 / Trend KB 1122379: take these off the XG server's management (or upgrade their
        # OS) before the server upgrade; an unknown OS must be found out first.
        "remove_from_server": [dict((k, a[k]) for k in ("host", "ip", "domain", "os", "version", "unsupported",
                                                        "os_source")) for a in unsupported],
    }


def merge_lists(server_agents):
    """One row per agent when the export and Apex Central both list it: the first row wins, gaps are filled."""
    merged, at = [], {}
    for agent in server_agents:
        key = str(agent.get("host") or "").strip().rstrip(".").lower()
        if key in at:
            row = at[key]
            for field, value in agent.items():
                if row.get(field) in (None, "") and value not in (None, ""):
                    row[field] = value
            if agent.get("source") and agent["source"] not in row["source"].split("+"):
                row["source"] += "+" + agent["source"]
            continue
        row = at[key] = dict(agent, source=agent.get("source") or EXPORT)
        merged.append(row)
    return merged


def _describe(decided):
    return "%s (%s)" % (decided.get("unsupported") or "supported", decided.get("version"))


def _why_unknown(row, facts, record, listed, names_table):
    reasons = []
    if row["inventory"] is None:
        reasons.append("not in the WinRM inventory")
    elif facts is None:
        reasons.append("WinRM did not answer")
    if record is None:
        reasons.append("not in Active Directory")
    elif not record["known"]:
        reasons.append("AD: %s" % record["reason"])
    if row["listed"] is not None:
        text = listed.get("os")
        reasons.append("export: %s" % (os_rules.classify_text(text, names_table)["reason"] if text else "no OS"))
    return "; ".join(reasons)
