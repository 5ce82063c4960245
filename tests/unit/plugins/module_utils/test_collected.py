# -*- coding: utf-8 -*-
"""Which collected answers the report may use, for which inventory host (module_utils/collected.py)."""

from __future__ import annotations

import datetime
import json

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import collected

NOW = datetime.datetime(2026, 12, 7, 12, 0, 0, tzinfo=datetime.timezone.utc)


def doc(**changes):
    value = {"format": collected.FORMAT, "read_at": "2026-12-07T11:00:00Z", "host": "PC-01", "dns_name": "pc-01",
             "collection": "1.0.0", "kind": "short", "answer": ["2.0", "FullLanguage", "6.1.7601", "7601", "1", "1"]}
    value.update(changes)
    return json.dumps(value).encode("ascii")


def refused(call):
    with pytest.raises(collected.Refused) as caught:
        call()
    return caught.value.why


@pytest.mark.parametrize("data, why", [
    (doc()[:40], collected.MALFORMED),
    (b"\xff\xfe{}", collected.MALFORMED),
    (doc(format="other"), collected.MALFORMED),
    (doc(read_at="2026-12-07 11:00"), collected.MALFORMED),
    (doc(kind="full"), collected.MALFORMED),
    (doc(kind="result", answer={"errors": {}}), collected.MALFORMED),
    (doc(answer=["2.0", "FullLanguage"]), collected.MALFORMED),
    (doc(host="PC 01"), collected.MALFORMED),
    (doc(host="PC-02"), collected.NAME),
    (b" " * (collected.MAX_BYTES + 1), collected.MALFORMED),
])
def test_a_file_that_is_no_answer_of_the_collector_is_refused(data, why):
    assert refused(lambda: collected.envelope("PC-01.json", data)) == why


def test_an_answer_is_read_case_blind_to_its_file_name():
    assert collected.envelope("pc-01.json", doc())["host"] == "PC-01"


INDEX = collected.host_index(["pc-01.corp.example", "pc-02.corp.example", "pc-02.lab.example",
                              "verylonghostname-abc.corp.example"])


@pytest.mark.parametrize("host, dns, expected", [
    ("PC-01", "pc-01", "pc-01.corp.example"),
    ("PC-01", "", "pc-01.corp.example"),
    ("VERYLONGHOSTNAM", "verylonghostname-abc", "verylonghostname-abc.corp.example"),  # NetBIOS cut to 15
    ("VERYLONGHOSTNAM", "", "verylonghostname-abc.corp.example"),
])
def test_an_answer_names_its_inventory_host(host, dns, expected):
    assert collected.matching({"host": host, "dns_name": dns}, INDEX) == expected


def test_an_answer_of_no_inventory_agent_or_of_several_is_refused():
    assert refused(lambda: collected.matching({"host": "PC-09", "dns_name": "pc-09"}, INDEX)) == collected.FOREIGN
    assert refused(lambda: collected.matching({"host": "PC-02", "dns_name": "pc-02"}, INDEX)) == collected.AMBIGUOUS


@pytest.mark.parametrize("read_at, version, max_age, why", [
    ("2026-12-06T11:59:59Z", "1.0.0", 24, collected.TOO_OLD),
    ("2026-12-07T12:11:00Z", "1.0.0", 24, collected.FUTURE),
    ("2026-12-07T11:00:00Z", "0.9.0", 24, collected.OTHER_VERSION),
])
def test_an_answer_too_old_too_new_or_of_another_version_is_refused(read_at, version, max_age, why):
    assert refused(lambda: collected.judged_at({"read_at": read_at, "collection": version}, NOW, max_age, "1.0.0")) == why


def test_age_zero_accepts_any_age_and_a_clock_a_little_ahead_is_believed():
    assert collected.judged_at({"read_at": "2020-01-01T00:00:00Z", "collection": "1"}, NOW, 0, "1").year == 2020
    assert collected.judged_at({"read_at": "2026-12-07T12:05:00Z", "collection": "1"}, NOW, 24, "1")
    assert collected.age_hours(datetime.datetime(2026, 12, 7, 10, 30, tzinfo=datetime.timezone.utc), NOW) == 1.5


@pytest.mark.parametrize("probe, gathered, used", [
    ({"read_at": "2026-12-07T10:00:00Z", "findings": []}, {"read_at": "2026-12-07T11:00:00Z", "findings": []}, "collected"),
    ({"read_at": "2026-12-07T11:00:00Z", "findings": []}, {"read_at": "2026-12-07T10:00:00Z", "findings": []}, "probe"),
    ({"read_at": "2026-12-07T11:00:00Z", "findings": []}, {"read_at": "2026-12-07T11:00:00Z", "findings": []}, "probe"),
    # an agent WinRM does not reach: the probe's newer failed attempt never hides the collected reading
    ({"read_at": "2026-12-07T11:00:00Z", "error": "unreachable"}, {"read_at": "2026-12-07T10:00:00Z", "findings": []},
     "collected"),
    ({"read_at": "2026-12-07T10:00:00Z", "findings": []}, {"read_at": "2026-12-07T11:00:00Z", "error": "failed"}, "probe"),
])
def test_the_newer_reading_wins(probe, gathered, used):
    assert collected.newer(probe, gathered) == used
