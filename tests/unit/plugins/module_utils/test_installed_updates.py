# -*- coding: utf-8 -*-
"""KA-0012615 item 9: the installed updates read in a bounded time (issue 19 item 7), and what is unknown said
as unknown (issue 22 item 3). Fed by the lab's twin of probe.ps1."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    catalog, certificates, checks, coverage, installed_updates, preflight, probe_plan, report)
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins

REQUIRED = certificates.required_certificates()


@pytest.fixture(autouse=True)
def lab_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("APEXONE_LAB_DIR", str(tmp_path))


def _probe(seed, edit=None):
    host = state.load_seed(seed)
    if edit:
        edit(host)
    return twins.probe(host, probe_plan.probe_params(list(probe_plan.HOST_SUBSETS)))


def _found(facts):
    return dict((f["check"], f) for f in preflight.host_findings(facts, is_server=False, is_agent=True))


def test_the_probe_asks_for_a_bounded_read_of_the_package_keys():
    params = probe_plan.probe_params(["hotfixes"])
    assert params["HotfixKey"] == catalog.CBS_PACKAGES_KEY and params["HotfixPattern"] == catalog.CBS_KB_PATTERN
    assert 0 < params["HotfixDeadlineMs"] <= 60000
    assert params["HotfixOsVersions"] == ["6.0", "6.1"]  # only where item 9 (or the ACS rollups) apply


def test_states_as_microsofts_chart_names_them():
    read = installed_updates.read({"packages": 40, "elapsed_ms": 12, "states": {
        "112": ["KB4474419"], "80": ["kb3033929"], "128": ["KB976902"], "96": ["KB4490628"], "64": ["KB4536952"],
        "5": ["KB2533552"], "none": ["KB2999226"]}})
    assert read["installed"] == ["KB3033929", "KB4474419", "KB976902"]
    assert read["after_restart"] == ["KB4490628"]
    assert read["other"] == {"KB2533552": ["uninstall pending"], "KB2999226": ["no CurrentState"],
                             "KB4536952": ["staged"]}


@pytest.mark.parametrize("part", [{"packages": 0, "states": {}, "elapsed_ms": 0}, {"states": {"112": ["KB1"]}}])
def test_a_read_that_saw_no_package_is_no_list(part):
    assert installed_updates.read(part) == {"unreadable": installed_updates.NO_PACKAGE}


def test_win7_sha2_from_the_package_keys():
    facts = preflight.host_facts(_probe("agent-win7-sp1-nokb"), REQUIRED)
    assert facts["hotfixes"] == [] and facts["hotfix_count"] == 2  # KB2534111, KB976902: not item 9's
    assert facts["sha2"]["known"] and not facts["sha2"]["satisfied"]
    assert _found(facts)["sha2_updates"]["params"]["any_of"] == ["KB3033929", "KB4490628"]
    # superseded counts, staged does not (agent-roots-policy-off: KB4474419 installed, KB4490628 superseded)
    facts = preflight.host_facts(_probe("agent-roots-policy-off"), REQUIRED)
    assert facts["hotfixes"] == ["KB4474419", "KB4490628"] and facts["sha2"]["satisfied"]


def test_an_update_waiting_for_a_restart_says_restart():
    def pending(host):
        host["hotfixes"] = [{"kb": "KB4490628", "state": 96}]
        state.expand_updates(host)
    facts = preflight.host_facts(_probe("agent-win7-sp1-nokb", pending), REQUIRED)
    finding = _found(facts)["sha2_updates"]
    assert finding["params"]["after_restart"] == ["KB4490628"]
    assert "restart" in checks.detail("sha2_updates", finding["params"], "en")
    assert "再起動" in checks.detail("sha2_updates", finding["params"], "ja")


@pytest.mark.parametrize("fault, message", [
    ({"cbs_read_ms": 90000}, "took longer than 15000 ms"),  # TrustedInstaller-busy host: the deadline stops it
    ({"cbs_missing": True}, "does not exist"),
    ({"cbs_empty": True}, "has no package at all"),
])
def test_a_read_that_times_out_or_fails_is_could_not_be_read_never_an_empty_list(fault, message):
    def broken(host):
        host["faults"].update(fault)
        host["registry"] = dict((k, v) for k, v in host["registry"].items() if "Component Based Servicing" not in k)
        state.expand_updates(host)
    facts = preflight.host_facts(_probe("agent-win7-sp1-nokb", broken), REQUIRED)
    assert facts["hotfixes"] is None and message in facts["unreadable"]["hotfixes"]
    found = _found(facts)
    assert found["unreadable"]["params"]["subset"] == "hotfixes" and found["unreadable"]["severity"] == "blocker"
    assert "sha2_updates" not in found and "sha2_unknown" not in found  # judged from nothing: not judged


def test_the_deadline_in_the_twin_is_the_scripts():
    host = state.load_seed("agent-win7-sp1-nokb")
    host["faults"]["cbs_read_ms"] = 30000
    answer = twins.probe(host, dict(probe_plan.probe_params(["hotfixes"]), HotfixDeadlineMs=10000))
    assert answer["errors"]["hotfixes"]["message"] == \
        "reading the installed updates took longer than 10000 ms (1 of 3 packages read)"
    with pytest.raises(twins.ScriptFailure, match="needs HotfixKey"):
        twins._installed_updates(host, dict(probe_plan.probe_params(["hotfixes"]), HotfixDeadlineMs=0))


def test_an_answer_without_its_updates_is_unknown_never_ready():
    answer = _probe("agent-2008r2")
    del answer["hotfixes"]  # a collected answer, or one from another version, without the updates part
    facts = preflight.host_facts(answer, REQUIRED)
    assert facts["sha2"]["known"] is False and facts["sha2"]["satisfied"] is None
    found = _found(facts)
    assert found["sha2_unknown"]["severity"] == "blocker" and "sha2_updates" not in found
    model = report.build([("agent-2008r2", "agent")], {"agent-2008r2": facts}, {"agent-2008r2": list(found.values())},
                         [], "en", "now")
    assert model["hosts"][0]["status"] == "blocked"  # the same answer with its updates reads ready
    assert "probe" in checks.texts("sha2_unknown", "en")[1].lower()


def test_a_host_the_rule_does_not_cover_has_no_sha2_finding_either_way():
    answer = _probe("agent-win10-64")
    assert answer["hotfixes"] is None  # not asked on 10.0
    facts = preflight.host_facts(answer, REQUIRED)
    assert facts["sha2"] is None and "sha2_unknown" not in _found(facts)


def _ad(name, os_name, version, sp=None):
    return coverage.directory_record(name, {"operatingSystem": os_name, "operatingSystemVersion": version,
                                            "operatingSystemServicePack": sp})


def test_directory_only_agents_on_item_9_systems_have_an_unknown_sha2_state():
    directory = [_ad("PC-7", "Windows 7 Enterprise", "6.1 (7601)", "Service Pack 1"),
                 _ad("SRV-R2", "Windows Server 2008 R2 Standard", "6.1 (7601)", "Service Pack 1"),
                 _ad("PC-10", "Windows 10 Enterprise", "10.0 (19045)"),
                 _ad("SRV-2008", "Windows Server 2008 Standard", "6.0 (6002)", "Service Pack 2"),  # unsupported
                 _ad("PC-PROBED", "Windows 7 Enterprise", "6.1 (7601)", "Service Pack 1")]
    listed = [{"host": "PC-X", "os": "Windows 7 Professional Service Pack 1", "source": "export"}]
    probed = {"PC-PROBED": {"facts": {"os": {"version": "6.1.7601", "product_type": 1}, "unsupported_os": None},
                            "names": []}}
    cov = coverage.evaluate(["PC-PROBED"], probed, directory, server_agents=None)
    cov_export = coverage.evaluate([], {}, [], server_agents=listed)
    found = preflight.coverage_findings(cov) + preflight.coverage_findings(cov_export)
    unknown = dict((f["host"], f) for f in found if f["check"] == "sha2_unknown")
    assert sorted(unknown) == ["PC-7", "PC-X", "SRV-R2"]
    assert unknown["PC-7"]["params"]["os"] == "Windows 7 SP1" and unknown["PC-7"]["params"]["from_ad"]
    assert unknown["SRV-R2"]["params"]["os"] == "Windows Server 2008 R2 SP1"
    assert unknown["PC-X"]["params"]["from_export"] and unknown["PC-X"]["severity"] == "warning"
    assert "not contacted" in checks.detail("sha2_unknown", unknown["PC-7"]["params"], "en")
    # a not-contacted host is never "ready": its row says not_contacted, the finding is listed with it
    model = report.build([], {}, {}, found, "ja", "now", coverage=cov)
    rows = dict((h["host"], h) for h in model["hosts"])
    assert rows["PC-7"]["status"] == "not_contacted" and rows["PC-7"]["findings"] == {"sha2_unknown": "warning"}


@pytest.mark.parametrize("values, sha2_os", [
    # no operatingSystem: client or server is not known, and both editions of 6.1.7601 are item 9 systems
    ({"operatingSystemVersion": "6.1 (7601)"}, "Windows 7 SP1 or Windows Server 2008 R2 SP1"),
    ({"operatingSystem": "", "operatingSystemVersion": "6.1", "operatingSystemServicePack": "Service Pack 1"},
     "Windows 7 SP1 or Windows Server 2008 R2 SP1"),
    ({"operatingSystem": "Windows 8.1 Pro", "operatingSystemVersion": "6.3 (9600)"}, None),
    ({"operatingSystem": "Windows 7 Professional", "operatingSystemVersion": "6.1 (7600)"}, None),  # unsupported
])
def test_which_directory_objects_item_9_covers(values, sha2_os):
    assert coverage.directory_record("PC", values)["sha2_os"] == sha2_os


def test_the_facts_keep_only_the_updates_the_checks_read_and_a_count():
    """A patch inventory of legacy hosts is vulnerability data: the facts (-v output, AWX job events, the fact
    cache) keep the catalog's item 9 / ACS KBs, the team's own sha2_updates, the update an inference rests on."""
    def many(host):
        host["hotfixes"] = [{"kb": kb, "state": 112} for kb in
                            ("KB976902", "KB2534111", "KB3033929", "KB5006743", "KB4012212", "KB3000483")]
        state.expand_updates(host)
    facts = preflight.host_facts(_probe("agent-win7-sp1-nokb", many), REQUIRED, sha2_updates=["KB3000483"])
    assert facts["hotfixes"] == ["KB3000483", "KB3033929", "KB5006743"] and facts["hotfix_count"] == 6
    assert facts["sha2"]["satisfied"]

    def newer_only(host):  # satisfied by inference: the newer update it rests on is kept, the rest is not
        host["hotfixes"] = [{"kb": kb, "state": 112} for kb in ("KB976902", "KB2534111", "KB4516065", "KB4525235")]
        state.expand_updates(host)
    facts = preflight.host_facts(_probe("agent-win7-sp1-nokb", newer_only), REQUIRED)
    assert facts["sha2"]["inferred"] and facts["hotfixes"] == ["KB4525235"] and facts["hotfix_count"] == 4


def test_kept_leaves_unread_as_unread():
    assert installed_updates.kept(None, ["KB1"], ["KB2"]) is None
    assert installed_updates.kept(["kb4474419", "KB1"], [{"kb": "1"}]) == ["KB1", "kb4474419"]
