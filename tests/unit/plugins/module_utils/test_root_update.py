# -*- coding: utf-8 -*-
"""Certificates judged as Windows works (issue 19 item 6): a missing root blocks only where Windows' automatic
root update cannot add it. Fed by the lab's twin of probe.ps1 and by Debian's real CA files."""

from __future__ import annotations

import base64
import datetime
import struct

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    catalog, certificates, checks, network_check, preflight, probe_plan, root_update)
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins
from ansible_collections.apexone.upgrade.tests.unit import helpers

NOW = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
REQUIRED = certificates.required_certificates()
ASSURED_ID = "DigiCert Assured ID Root CA"
G4_CA1 = "DigiCert Trusted G4 Code Signing RSA4096 SHA384 2021 CA1"


@pytest.fixture(autouse=True)
def lab_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("APEXONE_LAB_DIR", str(tmp_path))


def _filetime(when):
    ticks = int((when - datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds()) * 10 ** 7
    return base64.b64encode(struct.pack("<Q", ticks)).decode()


def _facts(seed, offline=False, route_test=False, now=NOW, edit=None):
    host = state.load_seed(seed)
    if edit:
        edit(host)
    subsets = list(probe_plan.HOST_SUBSETS) + (["network"] if route_test else [])
    params = probe_plan.probe_params(subsets, destinations=False, root_list=route_test)
    return preflight.host_facts(twins.probe(host, params), REQUIRED, offline=offline, now=now)


def _found(facts):
    return dict((f["check"], f) for f in preflight.host_findings(facts, is_server=False, is_agent=True))


# --- the raw values Windows keeps ---

def test_filetime_as_windows_writes_it():
    assert root_update.filetime(_filetime(datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc))) == \
        datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc)
    assert root_update.filetime("AMBSZ2tr2gE=").strftime("%Y-%m-%d") == "2024-03-01"  # the lab seed's value
    for broken in (None, "", "not base64!", base64.b64encode(b"short").decode(), base64.b64encode(bytes(8)).decode()):
        assert root_update.filetime(broken) is None


@pytest.mark.parametrize("entry, winhttp_direct, expected", [
    ({"dns": "ok", "tcp": "ok", "via": "direct"}, True, "ok"),
    ({"dns": "ok", "tcp": "timeout", "via": "direct"}, True, "failed"),
    ({"dns": "failed", "tcp": "not tried", "via": "direct", "error": {"code": 11001, "name": "HostNotFound"}}, True,
     "failed"),
    # WinHTTP uses a proxy: a direct failure proves nothing
    ({"dns": "ok", "tcp": "timeout", "via": "direct"}, False, None),
    # a proxy that refuses CONNECT to port 80 may still carry Windows' plain HTTP request
    ({"dns": "proxy", "tcp": "ok", "via": "proxy", "proxy_status": "HTTP/1.1 403 Forbidden"}, True, None),
    ({"dns": "proxy", "tcp": "ok", "via": "proxy", "proxy_status": "HTTP/1.1 200 Connection established"}, True, "ok"),
])
def test_only_what_a_test_can_prove_about_the_route(entry, winhttp_direct, expected):
    winhttp = {"direct": winhttp_direct, "proxy": None if winhttp_direct else "proxy.corp.example:8080"}
    network = network_check.interpret([dict(entry, **catalog.ROOT_LIST_ENDPOINT)], winhttp)
    assert root_update.route(network)[0] == expected
    assert root_update.route(network_check.interpret([dict(entry, host="other.example", port=80)], winhttp)) == (None, "")


def _reads(policy_value=None, last_sync=None, source=None):
    policy = {"exists": policy_value is not None, "values": {}}
    if policy_value is not None:
        policy["values"]["DisableRootAutoUpdate"] = policy_value
    state_read = {"exists": True, "values": {}}
    if last_sync:
        state_read["values"]["LastSyncTime"] = {"kind": "Binary", "value": _filetime(last_sync)}
    if source:
        state_read["values"]["RootDirUrl"] = {"kind": "String", "value": source}
    return policy, state_read


@pytest.mark.parametrize("policy, offline, failed_route, why", [
    ({"kind": "DWord", "value": 1}, False, False, root_update.POLICY),
    ({"kind": "DWord", "value": 1}, True, True, root_update.POLICY),  # a fact found on the host comes first
    ({"kind": "DWord", "value": 0}, True, False, root_update.OFFLINE),
    ({"kind": "String", "value": "1"}, False, False, None),  # Windows reads a DWORD: a string is not the policy
    (None, False, True, root_update.ROUTE),
    (None, False, False, None),
])
def test_why_windows_cannot_add_a_root(policy, offline, failed_route, why):
    network = [{"host": "ctldl.windowsupdate.com", "port": 80, "outcome": "timeout", "detail": "", "via": "direct"}]
    policy_read, state_read = _reads(policy)
    found = root_update.judge(policy_read, state_read, offline, network if failed_route else [], NOW)
    assert (found["why"], found["available"]) == (why, why is None)


def test_an_answer_without_the_reads_is_never_taken_for_a_host_that_adds_roots():
    found = root_update.judge(None, None, False, [], NOW)
    assert (found["available"], found["why"]) == (False, root_update.UNKNOWN)
    assert root_update.judge(None, None, True, [], NOW)["why"] == root_update.OFFLINE


def test_when_and_where_from_windows_last_fetched_the_list():
    fresh = root_update.judge(*_reads(last_sync=NOW - datetime.timedelta(days=3)), offline=False, network=[], now=NOW)
    assert (fresh["last_sync"], fresh["fresh"], fresh["source"]) == ("2026-12-04", True, None)
    stale = root_update.judge(*_reads(last_sync=NOW - datetime.timedelta(days=catalog.ROOT_LIST_FRESH_DAYS + 1)),
                              offline=False, network=[], now=NOW)
    assert stale["available"] and not stale["fresh"]
    internal = root_update.judge(*_reads(source="http://pki.corp.example/ctl"), offline=False, network=[], now=NOW)
    assert internal["source"] == "http://pki.corp.example/ctl"
    # Microsoft's own address, as its testing guide sets RootDirUrl back to normal, is Windows Update
    normal = "http://ctldl.windowsupdate.com/msdownload/update/v3/static/trustedr/en"
    assert root_update.judge(*_reads(source=normal), offline=False, network=[], now=NOW)["source"] is None


# --- real certificates (Debian's files, the article's thumbprints) ---

def test_a_real_store_on_an_online_host_warns_and_offline_blocks():
    entries = []
    for path in helpers.debian_ca_files():
        with open(path, "rb") as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
        entries.append({"thumbprint": cert.fingerprint(hashes.SHA1()).hex().upper(), "subject": "CN=x",
                        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")})
    evaluation = certificates.evaluate({"Root": entries, "CA": []}, REQUIRED, now=NOW)
    online = certificates.judge(evaluation, root_update.judge(*_reads(), offline=False, network=[], now=NOW))
    # the 8 roots Debian does not ship: Windows adds them; the 5 intermediates: Windows does not
    assert len(online["windows_adds"]) == 8 and all(a["store"] == "Root" for a in online["windows_adds"])
    assert sorted(m["store"] for m in online["blocking"]["missing"]) == ["CA"] * 5
    assert set(a["name"] for a in online["windows_adds"] if a["expired_on"]) == {
        "AddTrust External CA Root", "UTN-USERFirst-Object", "Thawte Timestamping CA"}
    offline = certificates.judge(evaluation, root_update.judge(*_reads(), offline=True, network=[], now=NOW))
    assert offline["windows_adds"] == [] and len(offline["blocking"]["missing"]) == 13


# --- a root sitting in the intermediate store (issue 22: counted as ready) ---

def test_a_root_in_the_intermediate_store_is_never_ready():
    facts = _facts("agent-root-in-ca")
    certs = facts["certificates"]
    assert not certs["ready"]
    assert [(w["name"], w["store"], w["expected_store"]) for w in certs["wrong_store"]] == [(ASSURED_ID, "CA", "Root")]
    assert ASSURED_ID not in [p["name"] for p in certs["present"]]
    # online: Windows still adds it to Root on first use (the copy in CA is no trust anchor); said as such
    found = _found(facts)
    assert found["root_auto_update"]["params"]["elsewhere"] == ["%s (CA)" % ASSURED_ID]
    assert found["certificates"]["params"]["missing"] == [G4_CA1]  # intermediates are never added by Windows
    # offline: it blocks, named as in the wrong store
    offline = _found(_facts("agent-root-in-ca", offline=True))
    assert offline["certificates"]["params"]["wrong_store"] == [ASSURED_ID]
    assert offline["certificates"]["params"]["marked_offline"] and "root_auto_update" not in offline


def test_policy_off_blocks_and_words_the_expired_root_as_the_article_lists_it():
    found = _found(_facts("agent-roots-policy-off"))
    assert list(found) == ["certificates"]
    params = found["certificates"]["params"]
    assert params["missing"] == ["AddTrust External CA Root", ASSURED_ID] and params["off_by_policy"]
    assert params["expired"] == ["AddTrust External CA Root (2020-05-30)"]
    assert params["files"] == ["02faf3e291435468607857694df5e45b68851868.crt", "0563b8630d62d75abbc8ab1e4bdfb5a899b24d43.crt"]
    for lang, words in (("en", "off by policy"), ("ja", "DisableRootAutoUpdate=1")):
        assert words in checks.detail("certificates", params, lang)
    assert "2020-05-30" in checks.detail("certificates", params, "ja")


def test_a_route_that_fails_when_tested_blocks():
    found = _found(_facts("agent-root-in-ca", route_test=True))
    params = found["certificates"]["params"]
    assert params["route_failed"] == "timeout" and params["wrong_store"] == [ASSURED_ID]
    assert "root_auto_update" not in found


def test_an_online_host_is_a_warning_that_names_the_offline_fix():
    found = _found(_facts("agent-missing-certs"))
    assert "certificates" not in found
    params = found["root_auto_update"]["params"]
    assert params["missing"] == [ASSURED_ID, "USERTrust RSA Certification Authority", "GlobalSign"]
    assert params["never_synced"]
    title, fix, dummy = checks.texts("root_auto_update", "en")
    assert "first" in title and "KA-0001268 method 2" in fix and "KA-0012615 item 8" in fix and "apexone_offline" in fix
    assert "KA-0012615 事項 8" in checks.texts("root_auto_update", "ja")[1]
    assert checks.source_text("root_auto_update", "en") == "KA-0001268 / KA-0012615 item 8"


def test_windows_fetched_the_list_lately_then_no_proxy_warning():
    def synced(host):
        host["registry"][catalog.ROOT_UPDATE_STATE_KEY["path"]] = {
            "LastSyncTime": {"kind": "Binary", "value": _filetime(NOW - datetime.timedelta(days=2))}}
    found = _found(_facts("agent-missing-certs", edit=synced))
    assert found["root_auto_update"]["params"]["last_sync"] == "2026-12-05"
    assert "winhttp_direct" not in found  # the route works: WinHTTP needs no proxy here


def test_the_route_is_tested_in_the_same_execution_and_only_when_asked():
    asked = probe_plan.probe_params(list(probe_plan.HOST_SUBSETS) + ["network"], destinations=False, root_list=True)
    assert asked["Endpoints"] == [catalog.ROOT_LIST_ENDPOINT]
    assert "Endpoints" not in probe_plan.probe_params(list(probe_plan.HOST_SUBSETS))
    server = probe_plan.probe_params(["network"], root_list=True)
    assert server["Endpoints"][-1] == catalog.ROOT_LIST_ENDPOINT and len(server["Endpoints"]) > 1


def test_the_server_does_not_report_the_root_list_as_an_item_5_destination():
    host = state.load_seed("apexone-srv")
    host.setdefault("network", {})["ctldl.windowsupdate.com:80"] = "refused"
    params = probe_plan.probe_params(list(probe_plan.HOST_SUBSETS) + ["network"], root_list=True)
    facts = preflight.host_facts(twins.probe(host, params), REQUIRED, now=NOW)
    found = preflight.host_findings(facts, is_server=True, is_agent=False)
    assert "ctldl.windowsupdate.com" not in [f["params"].get("host") for f in found if f["check"] == "network"]
    assert facts["certificates"]["root_update"]["route"] == "failed"
