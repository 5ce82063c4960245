# -*- coding: utf-8 -*-
"""The fleet report built by streaming hosts: counts, checks, rows, the JSON text and the HTML page's view."""

from __future__ import annotations

import json

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates, preflight, probe_plan, report
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins

REQUIRED = certificates.required_certificates()


def _facts(seed, server=False, offline=False):
    subsets = list(probe_plan.HOST_SUBSETS) + (["network"] if server else [])
    facts = preflight.host_facts(twins.probe(state.load_seed(seed), probe_plan.probe_params(subsets)), REQUIRED,
                                 offline=offline)
    return facts, preflight.host_findings(facts, server, not server)


def _record(seed, server=False):
    from ansible_collections.apexone.upgrade.plugins.module_utils import fleet_record  # pylint: disable=import-outside-toplevel
    facts, found = _facts(seed, server)
    return fleet_record.record(dict(facts, role="server" if server else "agent"), found, "2026-12-07T05:00:00Z", "0.1.0")


def test_streamed_hosts_give_the_counts_checks_and_rows():
    fleet = report.Fleet("en")
    rows = [fleet.add("srv", "server", _record("apexone-srv", True)),
            fleet.add("a1", "agent", _record("agent-2008r2")),
            fleet.add("a2", "agent", _record("agent-win10-64")),
            fleet.add("a3", "agent", {"read_at": "x", "error": "WinRM refused"}),
            fleet.add("a4", "agent", None, {"missing": True, "expected": "0.1.0"})]
    assert [r["status"] for r in rows] == ["ready", "ready", "blocked", "unknown", "not_read"]
    # a fleet check that counts against one host makes a ready host blocked when the rows are written out
    fleet.close([preflight.finding("auth_backup_on_controller", server="srv", on_host="srv"),
                 preflight.finding("behaviour_monitoring", settings=["a"])])
    final = [fleet.final(r) for r in rows]
    assert final[0]["status"] == "blocked" and final[0]["findings"]["auth_backup_on_controller"] == "blocker"
    summary = fleet.summary()
    assert (summary["ready"], summary["blocked"], summary["unknown"], summary["not_read"]) == (1, 2, 1, 1)
    # a host no probe read makes the report partial: it is never a verdict, blocked or ready
    assert summary["verdict"] == "partial" and not summary["complete"]
    assert summary["fleet_blocked"] and summary["blocker_checks"] == 3  # not_probed is not one of them
    checks = dict((c["check"], c) for c in fleet.header("now")["checks"])
    assert checks["unreachable"]["hosts"] == [{"host": "a3", "detail": "WinRM refused"}]
    assert checks["behaviour_monitoring"]["hosts"][0]["host"] == report.FLEET


def test_a_fleet_read_in_full_is_a_verdict():
    fleet = report.Fleet("en")
    fleet.add("a1", "agent", _record("agent-2008r2"))
    fleet.close([])
    assert fleet.summary()["verdict"] == "ready" and fleet.summary()["complete"]
    fleet.slice = True  # the same hosts, seen from one slice of a sliced job
    assert fleet.summary()["verdict"] == "partial" and not fleet.summary()["complete"]


def test_the_json_text_is_the_header_and_one_row_per_line():
    fleet = report.Fleet("ja")
    rows = [fleet.add("a%d" % i, "agent", _record("agent-win10-64")) for i in range(3)]
    fleet.close([])
    header = fleet.header("now", meta={"region": "jp"})
    text = "".join(report.json_chunks(header, iter(rows)))
    assert json.loads(text) == dict(header, hosts=rows)
    hosts = text[text.rindex('"hosts": ['):].splitlines()[1:-2]
    assert [json.loads(line.rstrip(",")) for line in hosts] == rows  # a row per line: a 50,000-host file stays greppable
    assert json.loads("".join(report.json_chunks(header, iter([])))) == dict(header, hosts=[])


def test_the_page_lists_a_sample_of_each_detail_and_counts_the_rest():
    fleet = report.Fleet("en")
    for index in range(50):
        record = _record("agent-win10-64")  # hotfix_block, NoProgramUpgrade 0 (DWord)
        if index % 2:
            record["findings"][0]["params"] = {"value": index, "kind": "DWord"}  # 25 hosts, 25 details
        fleet.add("a%02d" % index, "agent", record)
    fleet.close([])
    [check] = fleet.page_checks(sample=5, details=4)
    assert check["count"] == 50
    assert check["details"][0] == {"detail": "NoProgramUpgrade: 0 (DWord)", "count": 25, "fleet": False,
                                   "hosts": ["a00", "a02", "a04", "a06", "a08"]}
    assert len(check["details"]) == 4 and check["more"] == 50 - 25 - 3
    # the JSON keeps every host
    assert len(fleet.header("now")["checks"][0]["hosts"]) == 50


def test_build_in_memory_matches_the_stream():
    facts, found = _facts("agent-missing-certs", offline=True)  # offline: its missing roots block
    model = report.build([("srv", "server"), ("a1", "agent")], {"srv": None, "a1": facts}, {"a1": found},
                         [preflight.finding("service_names", count=1)], "en", "now", errors={"srv": "refused"})
    assert [(h["host"], h["status"]) for h in model["hosts"]] == [("srv", "unknown"), ("a1", "blocked")]
    certs = next(c for c in model["checks"] if c["check"] == "certificates")
    assert certs["hosts"][0]["detail"].startswith("missing: DigiCert Assured ID Root CA")
