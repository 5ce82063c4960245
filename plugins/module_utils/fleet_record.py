# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the preflight probe leaves per host in Ansible's fact cache, and whether the report may use it.

The probe play may be sliced (AWX / Automation Platform job slicing): each slice reads its hosts
and leaves one compact record per host, ``apexone_preflight``, in the fact cache. The report play
then judges the whole inventory from the cache. A record carries what the report and the fleet
checks read, nothing more (under 1 KB for the lab's hosts):

- ``collection``, ``read_at``: the collection version that read the host and when (UTC);
- ``role``, ``os``, ``unsupported_os``, ``agent``, ``server``: the few facts the fleet checks and
  the hosts table read;
- ``findings``: the host's findings (check, severity, the parameters its words use);
- ``error``: why the host could not be read (then there are no findings).

A record is used only when this collection version wrote it, it is younger than the age the report
allows and, when the report runs in the same run as the probe, this run wrote it. A host without
such a record was not read, and a report with such hosts is not a fleet verdict. Pure functions
over plain data.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.apexone.upgrade.plugins.module_utils import checks

FACT = "apexone_preflight"  # the fact's name, in the cache and in hostvars
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z\Z")
DEFAULT_MAX_AGE_HOURS = 24

# Why a host has no usable record (usable()'s second value).
MISSING, TOO_OLD, OTHER_VERSION, DAMAGED, EARLIER = "missing", "too_old", "other_version", "damaged", "earlier"


def stamp(now):
    """`now` (an aware datetime) as a record's read_at."""
    return now.astimezone(datetime.timezone.utc).strftime(TIME_FORMAT)


def parse_time(text):
    """A read_at back to an aware datetime; None when it is not one. (Read for every host of the report: a regular
    expression and the datetime constructor take a fifth of strptime's time.)"""
    match = _TIME.match(str(text))
    if match is None:
        return None
    try:
        return datetime.datetime(*[int(part) for part in match.groups()], tzinfo=datetime.timezone.utc)
    except ValueError:  # 2026-13-40T...
        return None


_USED = {}


def used_params(check):
    """The parameters of `check` that its words use in some language: all the report ever shows of them."""
    if check not in _USED:
        names = set()
        for lang in checks.LANGUAGES:
            entry = checks.words(lang)["checks"][check]
            names |= checks.format_fields(entry["detail"])
            for key, text in (entry.get("more") or {}).items():
                names.add(key)
                names |= checks.format_fields(text)
        _USED[check] = tuple(name for name in checks.CHECKS[check]["params"] if name in names)
    return _USED[check]


def compact_finding(item):
    """A finding as the record keeps it: check, severity, the parameters its words use (set ones only)."""
    params = item.get("params") or {}
    kept = dict((name, params[name]) for name in used_params(item["check"]) if params.get(name) not in (None, [], {}, ""))
    return {"check": item["check"], "severity": item["severity"], "params": kept}


def record(facts, findings, read_at, collection):
    """The compact record of one host read by the probe (facts from preflight.host_facts)."""
    os_facts, agent, server = facts["os"], facts["agent"], facts["server"]
    kept = {
        "collection": collection, "read_at": read_at, "role": facts.get("role"),
        "os": {"caption": os_facts.get("caption"), "version": os_facts.get("version")},
        "unsupported_os": facts.get("unsupported_os"),
        "agent": {"present": bool(agent.get("present"))},
        "server": {"present": bool(server.get("present"))},
        "findings": [compact_finding(item) for item in findings],
    }
    if agent.get("present"):
        kept["agent"].update(version=agent.get("version"), product=agent.get("product"))
    if server.get("present"):
        kept["server"].update(version=server.get("version"), build=server.get("build"), product=server.get("product"))
    return kept


def error_record(error, role, read_at, collection):
    """The record of a host the probe could not read: why, and when it tried."""
    return {"collection": collection, "read_at": read_at, "role": role, "error": str(error)}


def usable(value, now, max_age_hours, collection, since=None):
    """(record, None) when the report may use `value`, else (None, why): MISSING, DAMAGED, OTHER_VERSION, TOO_OLD,
    EARLIER (read before `since`: the start of the run that probed, when the report is part of that run).

    `max_age_hours`: 0 accepts any age.
    """
    if value is None:
        return None, MISSING
    if not isinstance(value, dict) or "read_at" not in value or not ("error" in value or "findings" in value):
        return None, DAMAGED
    read_at = parse_time(value["read_at"])
    if read_at is None:
        return None, DAMAGED
    if value.get("collection") != collection:
        return None, OTHER_VERSION
    if max_age_hours and now - read_at > datetime.timedelta(hours=max_age_hours):
        return None, TOO_OLD
    if since is not None and read_at < since:
        return None, EARLIER
    return value, None


def not_probed_params(why, value, max_age_hours, collection, since=None):
    """The parameters of the not_probed finding of a host without a usable record (why: usable()'s second value)."""
    value = value if isinstance(value, dict) else {}
    return {"missing": why == MISSING, "damaged": why == DAMAGED,
            "read_at": value.get("read_at") if why in (TOO_OLD, OTHER_VERSION, EARLIER) else None,
            "max_age_hours": max_age_hours if why == TOO_OLD else None,
            "run_started": stamp(since) if why == EARLIER else None,
            "collection": value.get("collection") if why == OTHER_VERSION else None, "expected": collection}


def partial_message(summary, max_age_hours):
    """Why a report is not a verdict on the fleet, and what to do; None when it is one."""
    if summary["slice"]:
        return ("this report ran in one slice of a sliced job and saw only that slice's hosts: run the report as a job "
                "of its own over the whole inventory, after every slice of the probe")
    if summary["not_read"]:
        reasons = ["none in the fact cache"] + (["one older than %d h" % max_age_hours] if max_age_hours else []) + [
            "one read before this run", "one another collection version wrote"]
        return ("%d of %d host(s) have no usable probe record (%s). Probe them (preflight_probe.yml, or every slice "
                "of the probe job), then report again" % (summary["not_read"], summary["hosts"], ", ".join(reasons)))
    return None


def awx_slice(job_vars):
    """Whether this job is one slice of an AWX / Automation Platform sliced job template.

    A sliced job template runs as a workflow job that carries the template's own name, and each slice
    is a job of that template launched by it: its workflow job name equals its job template name.
    A workflow an organisation builds (probe -> convergence -> report) has a name of its own.
    `job_vars`: the awx_* / tower_* variables the platform passes to every job.
    """
    for prefix in ("awx", "tower"):
        workflow = job_vars.get(prefix + "_workflow_job_name")
        template = job_vars.get(prefix + "_job_template_name")
        if workflow and template and workflow == template:
            return True
    return False
