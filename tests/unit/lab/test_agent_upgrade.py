# -*- coding: utf-8 -*-
"""The lab's agents take the Apex One program after their block is lifted, as their state file says."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import rollout
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins

MISC = "SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion\\Misc."


def _lift(host, value=0):
    host["registry"][MISC]["NoProgramUpgrade"] = {"kind": "DWord", "value": value}


def _poll(host):
    return rollout.read_status(twins.probe(host, rollout.poll_params()))


def test_blocked_agent_never_upgrades_however_often_it_is_read():
    host = state.load_seed("rollout-agent")
    assert [_poll(host)["status"] for dummy in range(3)] == [rollout.STILL_XG] * 3


def test_upgrade_shows_at_the_nth_poll_after_the_lift_with_apexone_names():
    host = state.load_seed("rollout-agent-slow")  # after_polls: 2
    _lift(host)
    first, second = _poll(host), _poll(host)
    assert first["status"] == rollout.STILL_XG
    assert second["status"] == rollout.UPGRADED and second["version"] == "14.0.12011"
    assert second["services"]["tmlisten"]["display_name"] == "Apex One NT Listener"


def test_block_set_again_before_the_upgrade_resets_the_count():
    host = state.load_seed("rollout-agent-slow")
    _lift(host)
    _poll(host)
    _lift(host, 1)
    assert _poll(host)["status"] == rollout.STILL_XG
    _lift(host)
    assert [_poll(host)["status"] for dummy in range(2)] == [rollout.STILL_XG, rollout.UPGRADED]


@pytest.mark.parametrize("seed, status", [("rollout-agent-never", rollout.STILL_XG),
                                          ("rollout-agent-lost", rollout.SERVICES_LOST)])
def test_agent_that_never_upgrades_and_one_that_loses_its_services(seed, status):
    host = state.load_seed(seed)
    _lift(host)
    assert [_poll(host)["status"] for dummy in range(3)] == [status] * 3


def test_time_based_upgrade(monkeypatch):
    from ansible_collections.apexone.upgrade.tests.lab.simulator import agent_upgrade
    clock = [1000.0]
    monkeypatch.setattr(agent_upgrade.time, "time", lambda: clock[0])
    host = state.load_seed("rollout-agent-timed")  # after_seconds: 2
    _lift(host)
    assert _poll(host)["status"] == rollout.STILL_XG
    clock[0] += 2.5
    assert _poll(host)["status"] == rollout.UPGRADED


def test_unknown_outcome_is_a_lab_error():
    host = state.load_seed("rollout-agent")
    host["upgrade"]["outcome"] = "explode"
    _lift(host)
    with pytest.raises(state.LabError, match="choose one of"):
        _poll(host)
