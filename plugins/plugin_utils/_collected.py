# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The folder of collected answers (apexone-collect.ps1) as a source of the preflight report. Internal: not a public
API.

Each ``*.json`` file of the folder (a controller folder or a share, read through the store) is checked
(module_utils/collected.py), re-wrapped as the runner re-wraps a probe's answer, and judged by host_judgement,
the path a probed host's answer takes in apexone_facts; the result is the same compact record (fleet_record) a
probed host leaves in the fact cache. Files refused are listed by name with why.
"""

from __future__ import annotations

import os
import typing as t

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    collected, errors, fleet_record, host_judgement, host_shell, probe_plan)
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _store
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import answer as remote_answer
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import messages

ROLE = "agent"  # the collector reads a host as an agent (apexone_collector: the agent's subsets)


class Folder:
    """What a folder of collected answers gave: records by inventory host, the file of each, the files refused."""

    def __init__(self) -> None:
        self.records: dict[str, dict] = {}
        self.files: dict[str, str] = {}
        self.refused: list[dict] = []
        self.ignored = 0  # files that are no answers (a writer's leftover .tmp, anything not *.json)


def read(folder: str, agents: t.Iterable[str], now, max_age_hours: int, collection: str,
         judge: t.Callable[[str], dict]) -> Folder:
    """Every answer of `folder` for the inventory's `agents`. `judge(host)`: the judging options of that host
    (required, sha2_updates, offline, upgrade_date), as the probe of that host would get them."""
    store = _store.open_store(folder)
    try:
        if store.kind == "directory" and not os.path.isdir(store.root):
            raise errors.InputError("apexone_collected_dir %s is not a folder: give the folder (or share) the collector "
                                    "writes into" % folder)
        index = collected.host_index(agents)
        result, seen = Folder(), {}
        for name in store.names():
            if not name.lower().endswith(collected.SUFFIX):
                result.ignored += 1
                continue
            try:
                doc = collected.envelope(name, store.read(name, limit=collected.MAX_BYTES + 1) or b"")
                host = collected.matching(doc, index)
                read_at = collected.judged_at(doc, now, max_age_hours, collection)
                if host in seen:
                    raise collected.Refused(collected.DUPLICATE, "%s already has the answer %s" % (host, seen[host]))
                record = _record(doc, judge(host))
            except collected.Refused as exc:
                result.refused.append({"file": name, "why": exc.why, "text": exc.text})
                continue
            seen[host] = name
            result.records[host] = record
            result.files[host] = name
            record["age_hours"] = collected.age_hours(read_at, now)
        return result
    finally:
        store.close()


def _record(doc: dict, options: dict) -> dict:
    """The compact record of a collected answer, judged as apexone_facts judges a probed agent's."""
    body, read_at, version = doc["answer"], doc["read_at"], doc["collection"]
    if doc["kind"] == "error":
        record = fleet_record.error_record(messages.script_failed("probe", body), ROLE, read_at, version)
    elif doc["kind"] == "short":
        try:
            decided = host_shell.classify(dict(zip(remote_answer.SHORT_FIELDS, body)))
        except ValueError as exc:
            record = fleet_record.error_record("the host's short answer cannot be read: %s" % exc, ROLE, read_at, version)
        else:
            facts, found = host_judgement.judge_short(decided, options["required"], ROLE, True,
                                                      sha2_updates=options["sha2_updates"], offline=options["offline"])
            record = fleet_record.record(facts, found, read_at, version)
    else:
        missing = remote_answer.unanswered({"Subset": list(probe_plan.HOST_SUBSETS)}, body)
        if missing:
            raise collected.Refused(collected.MALFORMED, "the probe's answer lacks %s" % ", ".join(missing))
        answer = remote_answer.ensure_lists(body, probe_plan.LIST_PATHS)
        try:
            facts, found = host_judgement.judge(answer, options["required"], ROLE, False, True,
                                                sha2_updates=options["sha2_updates"], offline=options["offline"],
                                                upgrade_date=options["upgrade_date"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise collected.Refused(collected.MALFORMED, "the probe's answer cannot be read (%s: %s)"
                                    % (type(exc).__name__, exc))
        record = fleet_record.record(facts, found, read_at, version)
    record["read_by"] = "collected"
    return record
