# -*- coding: utf-8 -*-
"""seed000 item 11: iVP / iAC found by short name as well as by display name."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, post_upgrade, probe_plan


def _facts(services):
    return {"server": {"product": "apexone", "version": "14.0", "build": 12011, "iservice_folders": {}},
            "services": services, "certificates": {"ready": True, "summary": "ok"}}


def _service_checks(services, expected=catalog.SERVER_SERVICES):
    return dict((c["check"], c) for c in post_upgrade.server_checks(_facts(services), expected) if c["check"].startswith("service"))


@pytest.mark.parametrize("service", [
    {"name": "iVPServerSvc", "display_name": "トレンドマイクロ 脆弱性対策サービス", "state": "Running"},  # a localised name
    {"name": "SomethingElse", "display_name": "Trend Micro Vulnerability Protection Service", "state": "Running"},
    {"name": "ivpserversvc", "display_name": "x", "state": "running"},
])
def test_ivp_found_by_short_or_display_name(service):
    check = _service_checks([service])["service iVP"]
    assert check["ok"] and "found by" in check["detail"]


def test_agent_service_on_the_server_is_not_taken_for_the_server_service():
    agent = {"name": "iVPAgent", "display_name": "Trend Micro Vulnerability Protection Service (Agent)", "state": "Running"}
    check = _service_checks([agent])["service iVP"]
    assert not check["ok"] and "iVPServerSvc" in check["detail"]


def test_short_names_are_overridable_and_collected_by_the_probe():
    mine = [{"feature": "iVP", "display_name": "Trend Micro Vulnerability Protection Service", "names": ["MyIvp"]}]
    assert _service_checks([{"name": "MyIvp", "display_name": "?", "state": "Running"}], mine)["service iVP"]["ok"]
    assert "MyIvp" in probe_plan.probe_params(["services"], server_services=mine)["ServicePatterns"]
    assert "iACServerSvc" in probe_plan.probe_params(["services"])["ServicePatterns"]
