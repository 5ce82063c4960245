# -*- coding: utf-8 -*-
"""The preflight's decisions, fed by the lab's twin of probe.ps1 (the same answers a playbook gets)."""

from __future__ import annotations

import base64
import struct

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    certificates, errors, preflight, probe_plan, report)
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins

REQUIRED = certificates.required_certificates()


def _answer(host, subsets=probe_plan.HOST_SUBSETS):
    return twins.probe(state.load_seed(host), probe_plan.probe_params(list(subsets)))


def _checks(found):
    return sorted((f["check"], f["severity"]) for f in found)


def _winhttp(proxy, bypass=""):
    body = struct.pack("<III", 0x28, 3, 3 if proxy else 1) + struct.pack("<I", len(proxy)) + proxy.encode()
    body += struct.pack("<I", len(bypass)) + bypass.encode()
    return base64.b64encode(body).decode()


def test_winhttp_proxy_parsed():
    assert preflight.parse_winhttp(_winhttp("proxy.corp.example:8080", "<local>")) == {
        "proxy": "proxy.corp.example:8080", "bypass": "<local>", "direct": False, "source": "registry"}
    # what "netsh winhttp reset proxy" leaves behind
    reset = base64.b64encode(bytes.fromhex("1800000000000000010000000000000000000000")).decode()
    assert preflight.parse_winhttp(reset)["direct"]
    assert preflight.parse_winhttp(None)["direct"]


@pytest.mark.parametrize("host, expected", [
    ("agent-win10-64", [("hotfix_block", "blocker")]),
    ("agent-win10-32", [("hotfix_block", "blocker")]),  # REG_SZ "1" is not the block
    ("agent-win7-sp1-nokb", [("hotfix_block", "blocker"), ("sha2_updates", "blocker")]),
    ("agent-win7-rtm", [("hotfix_block", "blocker"), ("unsupported_os", "blocker")]),
    ("agent-2008r2", []),
    ("host-no-agent", [("no_agent", "warning")]),
    # online (no policy, not marked offline): Windows adds the missing roots on first use
    ("agent-missing-certs", [("hotfix_block", "blocker"), ("root_auto_update", "warning"), ("winhttp_direct", "warning")]),
    ("agent-roots-policy-off", [("certificates", "blocker")]),
    ("agent-root-in-ca", [("certificates", "blocker"), ("root_auto_update", "warning"), ("winhttp_direct", "warning")]),
])
def test_agent_findings(host, expected):
    facts = preflight.host_facts(_answer(host), REQUIRED)
    assert _checks(preflight.host_findings(facts, is_server=False, is_agent=True)) == expected


def test_server_facts_and_findings():
    facts = preflight.host_facts(_answer("apexone-srv", probe_plan.HOST_SUBSETS + ("network",)), REQUIRED)
    server = facts["server"]
    assert server["product"] == "xg" and server["build"] == 5702 and server["version"] == "12.0"
    assert server["install_dir"] == "C:\\Program Files (x86)\\Trend Micro\\OfficeScan"
    assert server["auth_backup"]["exists"]
    assert len(server["invalid_files"]) == 2  # invalid.gif and config_invalid_syntax.php are not *_Invalid
    found = preflight.host_findings(facts, is_server=True, is_agent=False)
    assert _checks(found) == [("invalid_files", "warning"), ("network", "warning"), ("network", "warning")]
    blocked = sorted(f["params"]["host"] for f in found if f["check"] == "network")
    assert blocked == ["osce14-jp-census.trendmicro.com", "osce14bak-jp-census.trendmicro.com"]


def test_server_without_backup_past_the_export_limit_is_a_blocker():
    answer = _answer("apexone-srv")
    answer["files"] = [dict(f, exists=False) for f in answer["files"]]
    facts = preflight.host_facts(answer, REQUIRED)
    found = preflight.host_findings(facts, is_server=True, is_agent=False)
    assert ("auth_backup_on_server", "blocker") in _checks(found)  # XG 5702 >= 5684


# KA-0012615 item 10: from build 5684 (XG) / 8378 (Apex One Patch 3) the certificate can no longer be exported: the
# limit build itself is past it.
@pytest.mark.parametrize("version, build, severity", [
    ("12.0", 5683, "warning"), ("12.0", 5684, "blocker"), ("12.0", 5685, "blocker"),
    ("14.0", 8377, "warning"), ("14.0", 8378, "blocker"),
])
def test_server_without_backup_at_the_export_limit_build_is_past_it(version, build, severity):
    answer = _answer("apexone-srv")
    answer["files"] = [dict(f, exists=False) for f in answer["files"]]
    facts = preflight.host_facts(answer, REQUIRED)
    facts["server"].update(version=version, build=build)
    found = [f for f in preflight.host_findings(facts, is_server=True, is_agent=False)
             if f["check"] == "auth_backup_on_server"]
    assert [(f["severity"], f["params"]["build"], f["params"]["limit"]) for f in found] == [
        (severity, build, 5684 if version == "12.0" else 8378)]


def test_block_younger_than_two_weeks_on_the_upgrade_date():
    seed = state.load_seed("agent-2008r2")
    seed["registry"]["SOFTWARE\\apexone.upgrade\\HotfixBlock"] = {"BlockedAt": {"kind": "String", "value": "2026-12-01T00:00:00Z"}}
    facts = preflight.host_facts(twins.probe(seed, probe_plan.probe_params(list(probe_plan.HOST_SUBSETS))), REQUIRED)
    found = preflight.host_findings(facts, is_server=False, is_agent=True, upgrade_date="2026-12-10")
    assert _checks(found) == [("hotfix_block_age", "blocker")]
    assert preflight.host_findings(facts, is_server=False, is_agent=True, upgrade_date="2026-12-20") == []


def test_fleet_secrets_never_in_findings():
    code, password = "ab-cdef-ghijk", "S3cret;Pass@"
    found = preflight.fleet_findings({}, [], [], activation_code=code, sql_password=password)
    checks = _checks(found)
    assert ("activation_code", "blocker") in checks and ("sql_password", "blocker") in checks
    text = repr(found)
    assert password not in text and code.upper() not in text and code not in text
    assert next(f for f in found if f["check"] == "sql_password")["params"]["characters"] == [";", "@"]


def test_fleet_unchecked_secrets_are_manual_checks_and_empty_groups_warn():
    checks = _checks(preflight.fleet_findings({}, [], []))
    for expected in [("activation_code_unchecked", "manual"), ("sql_password_unchecked", "manual"),
                     ("no_agents_in_inventory", "warning"), ("no_server_in_inventory", "warning"),
                     ("behaviour_monitoring", "manual")]:
        assert expected in checks


def test_report_counts_unreachable_as_unknown_and_refuses_unknown_language():
    facts = preflight.host_facts(_answer("agent-2008r2"), REQUIRED)
    model = report.build([("srv", "server"), ("a1", "agent")], {"srv": None, "a1": facts}, {"a1": []}, [], "en", "now")
    assert model["summary"] == {"hosts": 2, "ready": 1, "blocked": 0, "unknown": 1, "not_contacted": 0, "not_read": 0,
                                "blocker_checks": 1, "fleet_blocked": True, "complete": True, "slice": False,
                                "verdict": "blocked", "read_from": None, "read_to": None}
    assert model["checks"][0]["check"] == "unreachable"
    with pytest.raises(errors.InputError, match="apexone_report_lang"):
        report.build([], {}, {}, [], "fr", "now")
