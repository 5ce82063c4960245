# -*- coding: utf-8 -*-
"""The probe's compact record per host, and when the report may use it (fed by the lab's twin of probe.ps1)."""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    certificates, checks, fleet_record, preflight, probe_plan)
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins

REQUIRED = certificates.required_certificates()
NOW = datetime.datetime(2026, 12, 7, 6, 0, 0, tzinfo=datetime.timezone.utc)
LAB_HOSTS = ["apexone-srv", "agent-win10-64", "agent-win10-32", "agent-win7-sp1-nokb", "agent-2008r2", "host-no-agent",
             "agent-missing-certs", "agent-win7-rtm"]


def _read(seed, answer_change=None, offline=False):
    server = seed.startswith("apexone-srv")
    subsets = list(probe_plan.HOST_SUBSETS) + (["network"] if server else [])
    answer = twins.probe(state.load_seed(seed), probe_plan.probe_params(subsets))
    if answer_change:
        answer_change(answer)
    facts = dict(preflight.host_facts(answer, REQUIRED, offline=offline), role="server" if server else "agent")
    return facts, preflight.host_findings(facts, server, not server, upgrade_date="2026-12-10")


@pytest.mark.parametrize("seed", LAB_HOSTS)
def test_a_record_keeps_every_finding_and_what_the_fleet_checks_read_in_under_1_kb(seed):
    facts, found = _read(seed)
    kept = fleet_record.record(facts, found, "2026-12-07T05:00:00Z", "0.1.0")
    assert len(json.dumps(kept)) < 1024
    assert [(f["check"], f["severity"]) for f in kept["findings"]] == [(f["check"], f["severity"]) for f in found]
    for lang in checks.LANGUAGES:  # the report's words of each finding are those of the full finding
        assert [checks.detail(f["check"], f["params"], lang) for f in kept["findings"]] == \
            [checks.detail(f["check"], f["params"], lang) for f in found]
    assert kept["os"]["version"] == facts["os"]["version"] and kept["unsupported_os"] == facts["unsupported_os"]
    assert kept["agent"]["present"] == facts["agent"]["present"]
    assert kept["agent"].get("product") == (facts["agent"]["product"] if facts["agent"]["present"] else None)
    assert kept["server"].get("build") == (facts["server"]["build"] if facts["server"]["present"] else None)


def test_the_largest_record_a_host_can_leave_is_one_missing_every_certificate():
    def no_certificates(answer):
        answer["certificates"] = dict((store, []) for store in answer["certificates"])
    # marked offline: Windows adds no root by itself, so every one of the 18 is a blocker the record names
    facts, found = _read("agent-win7-sp1-nokb", no_certificates, offline=True)
    kept = fleet_record.record(facts, found, "2026-12-07T05:00:00Z", "0.1.0")
    missing = next(f for f in kept["findings"] if f["check"] == "certificates")["params"]["missing"]
    assert len(missing) == len(REQUIRED) == 18
    assert 1024 < len(json.dumps(kept)) < 1600  # the 18 names (the expired ones with their end date) are most of it; the files' names are not kept


def test_only_the_parameters_the_words_use_are_kept():
    assert fleet_record.used_params("certificates") == ("missing", "wrong_store", "expired", "off_by_policy",
                                                        "marked_offline", "route_failed", "root_update_unknown")
    assert fleet_record.used_params("network") == ("host", "port", "dns", "tcp", "detail")
    item = preflight.finding("hotfix_block", value=None, kind=None)
    assert fleet_record.compact_finding(item) == {"check": "hotfix_block", "severity": "blocker", "params": {}}
    assert checks.detail("hotfix_block", {}, "en") == checks.detail("hotfix_block", item["params"], "en")


@pytest.mark.parametrize("value, why", [
    (None, fleet_record.MISSING),
    ({"read_at": "2026-12-07T05:00:00Z"}, fleet_record.DAMAGED),  # neither findings nor error
    ({"read_at": "yesterday", "findings": []}, fleet_record.DAMAGED),
    ("text", fleet_record.DAMAGED),
    ({"collection": "0.0.9", "read_at": "2026-12-07T05:00:00Z", "findings": []}, fleet_record.OTHER_VERSION),
    ({"collection": "0.1.0", "read_at": "2026-12-06T05:59:59Z", "findings": []}, fleet_record.TOO_OLD),
    ({"collection": "0.1.0", "read_at": "2026-12-07T04:59:59Z", "findings": []}, fleet_record.EARLIER),
    ({"collection": "0.1.0", "read_at": "2026-12-07T05:00:00Z", "findings": []}, None),
    ({"collection": "0.1.0", "read_at": "2026-12-06T06:00:00Z", "error": "x"}, fleet_record.EARLIER),
])
def test_when_a_record_may_be_used(value, why):
    since = datetime.datetime(2026, 12, 7, 5, 0, 0, tzinfo=datetime.timezone.utc)
    used, found = fleet_record.usable(value, NOW, 24, "0.1.0", since)
    assert found == why and (used is value if why is None else used is None)


def test_any_age_when_the_user_says_so():
    old = {"collection": "0.1.0", "read_at": "2020-01-01T00:00:00Z", "findings": []}
    assert fleet_record.usable(old, NOW, 0, "0.1.0") == (old, None)


@pytest.mark.parametrize("why, expected", [
    (fleet_record.MISSING, "no usable probe facts: none in the fact cache"),
    (fleet_record.TOO_OLD, "no usable probe facts: read at 2026-12-01T00:00:00Z, more than 24 h ago"),
    (fleet_record.OTHER_VERSION, "no usable probe facts: read by apexone.upgrade 0.0.9, this report is 0.1.0"),
    (fleet_record.EARLIER, "no usable probe facts: read at 2026-12-01T00:00:00Z, before this run started "
                           "(2026-12-07T05:00:00Z)"),
    (fleet_record.DAMAGED, "no usable probe facts: the record in the fact cache cannot be read"),
])
def test_the_report_says_why_a_host_was_not_probed(why, expected):
    since = datetime.datetime(2026, 12, 7, 5, 0, 0, tzinfo=datetime.timezone.utc)
    params = fleet_record.not_probed_params(why, {"collection": "0.0.9", "read_at": "2026-12-01T00:00:00Z"}, 24, "0.1.0",
                                            since)
    found = preflight.not_probed_findings(params)
    assert [(f["check"], f["severity"]) for f in found] == [("not_probed", "blocker")]
    assert checks.detail("not_probed", found[0]["params"], "en") == expected


@pytest.mark.parametrize("job_vars, sliced", [
    ({}, False),  # not AWX
    ({"awx_job_id": 7, "awx_job_template_name": "Preflight"}, False),  # a job launched by itself
    ({"awx_job_template_name": "Preflight", "awx_workflow_job_name": "Preflight"}, True),  # a slice of it
    ({"tower_job_template_name": "Preflight", "tower_workflow_job_name": "Preflight"}, True),
    ({"awx_job_template_name": "Preflight report", "awx_workflow_job_name": "Preflight workflow"}, False),
])
def test_a_slice_of_a_sliced_job_is_recognised_from_the_names_awx_passes(job_vars, sliced):
    assert fleet_record.awx_slice(job_vars) is sliced


def test_the_partial_message_says_what_to_do():
    summary = {"slice": False, "not_read": 2, "hosts": 7}
    assert fleet_record.partial_message(summary, 24).startswith("2 of 7 host(s) have no usable probe record")
    assert "older than 24 h" in fleet_record.partial_message(summary, 24)
    assert "older than" not in fleet_record.partial_message(summary, 0)
    assert "one slice of a sliced job" in fleet_record.partial_message(dict(summary, slice=True, not_read=0), 24)
    assert fleet_record.partial_message(dict(summary, not_read=0), 24) is None


@pytest.mark.parametrize("text, expected", [
    ("2026-12-07T05:00:00Z", datetime.datetime(2026, 12, 7, 5, 0, 0, tzinfo=datetime.timezone.utc)),
    ("2026-13-07T05:00:00Z", None), ("2026-12-07 05:00:00Z", None), ("2026-12-07T05:00:00", None), (None, None),
    ("2026-12-07T05:00:00Z\n", None),
])
def test_read_times_are_read_back_exactly_as_written(text, expected):
    assert fleet_record.parse_time(text) == expected
    if expected is not None:
        assert fleet_record.stamp(expected) == text
