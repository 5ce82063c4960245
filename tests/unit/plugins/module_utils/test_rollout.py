# -*- coding: utf-8 -*-
"""The staged rollout's decisions (seed000 items 4, 6, 7): waves, one poll, the gate, resume, roll back."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, rollout

AGENTS = ["a%02d" % i for i in range(1, 21)]
T0 = "2026-11-22T06:00:00Z"
SETTINGS = {"interval": 600, "deadline": 86400, "threshold": 95.0}


def _answer(version="12.0.5684", block=1, tmlisten="Running", ntrtscan="Running", names="apexone", bits=64,
            guid="g-1", present=True):
    """A probe answer as probe.ps1 gives it for rollout.poll_params()."""
    registry = {}
    for candidate in (64, 32):
        exists = present and (candidate == bits or bits == 64)  # on 64-bit both views lead to WOW6432Node
        values = {}
        if exists and guid:
            values["GUID"] = {"kind": "String", "value": guid}
        registry["agent_%d" % candidate] = {"exists": exists, "values": values}
        misc = {}
        if exists and version:
            misc["TmListen_Ver"] = {"kind": "String", "value": version}
        if exists and block is not None:
            misc["NoProgramUpgrade"] = {"kind": "DWord", "value": block}
        registry["agent_misc_%d" % candidate] = {"exists": exists, "values": misc}
        registry["server_%d" % candidate] = {"exists": False, "values": {}}
    display = {"tmlisten": ("OfficeScan NT Listener", "Apex One NT Listener"),
               "NTRTScan": ("OfficeScan NT RealTime Scan", "Apex One NT RealTime Scan")}
    index = 1 if names == "apexone" else 0
    services = [{"name": "tmlisten", "display_name": display["tmlisten"][index], "state": tmlisten, "start_mode": "Auto"},
                {"name": "NTRTScan", "display_name": display["NTRTScan"][index], "state": ntrtscan, "start_mode": "Auto"}]
    return {"subsets": ["registry", "services"], "registry": registry, "services": services}


def _state(spec=("5%", "25%", "100%"), agents=None, groups=None, settings=None):
    waves = rollout.plan_waves(list(spec) if not isinstance(spec, str) else spec, agents or AGENTS, groups or {})
    return rollout.new_state(waves, settings or SETTINGS, T0)


# --- waves --------------------------------------------------------------------------------------

def test_percentages_are_consumed_as_serial_does():
    waves = rollout.plan_waves(["5%", "25%", "100%"], AGENTS, {})
    assert [len(w["hosts"]) for w in waves] == [1, 5, 14]
    assert [h for w in waves for h in w["hosts"]] == AGENTS  # inventory order, every agent once


def test_last_size_repeats_until_every_agent_has_a_wave():
    waves = rollout.plan_waves([2, "25%"], AGENTS, {})
    assert [len(w["hosts"]) for w in waves] == [2, 5, 5, 5, 3]


def test_named_groups_in_number_order():
    groups = {"apexone_wave_10": ["a03"], "apexone_wave_2": ["a02"], "apexone_wave_1": ["a01"], "other": ["a01"]}
    waves = rollout.plan_waves("groups", ["a01", "a02", "a03"], groups)
    assert [w["name"] for w in waves] == ["apexone_wave_1", "apexone_wave_2", "apexone_wave_10"]
    assert [w["hosts"] for w in waves] == [["a01"], ["a02"], ["a03"]]


@pytest.mark.parametrize("spec, groups, words", [
    ("groups", {}, "no group apexone_wave_1"),
    (["apexone_wave_1"], {"apexone_wave_1": ["a01"]}, "a02 are in no wave group"),
    (["w1", "w2"], {"w1": ["a01", "a02"], "w2": ["a02"]}, "a02 is in two waves"),
    (["w1", "5%"], {"w1": ["a01", "a02"]}, "mixes sizes and group names"),
    (["w9"], {}, "w9 are not in the inventory"),
    (42, {}, "must be a list of sizes"),
    ("everything", {}, "everything are not in the inventory"),  # one word of a survey is one group
    ("5%,,100%", {}, "separated by commas"),
    (["0%"], {}, "above 0%"),
    ([1], {}, "more than the 10"),
])
def test_bad_waves_say_what_to_do(spec, groups, words):
    with pytest.raises(rollout.RolloutError, match=words):
        rollout.plan_waves(spec, ["a01", "a02"] if words != "more than the 10" else AGENTS, groups)


@pytest.mark.parametrize("interval, deadline, threshold, words", [
    (0, 600, 95, "at least 1 second"),
    (600, 60, 95, "must not be shorter"),
    (600, 86400, 0, "above 0"),
    (600, 86400, 101, "at most 100"),
    ("ten", 86400, 95, "whole seconds"),
])
def test_bad_gate_settings_are_refused(interval, deadline, threshold, words):
    with pytest.raises(rollout.RolloutError, match=words):
        rollout.check_settings(interval, deadline, threshold)


def test_polls_per_cycle_cover_the_default_deadline_and_are_bounded():
    assert rollout.max_polls(rollout.check_settings(600, 86400, 95)) == 145
    assert rollout.max_polls(rollout.check_settings(1, 86400, 95)) == rollout.MAX_POLLS_PER_CYCLE
    assert rollout.max_polls(rollout.check_settings(1, 5, 95)) == 6


# --- one poll -----------------------------------------------------------------------------------

def test_xg_agent_with_apexone_service_names_is_still_xg():
    seen = rollout.read_status(_answer(names="apexone"))
    assert seen["status"] == rollout.STILL_XG and seen["product"] == "xg"
    assert seen["display_says_apexone"] is True  # seed 000 item 7: information, not an upgrade
    assert seen["blocked"] is True and seen["identity"] == {"GUID": "g-1"}


def test_upgraded_agent_and_one_that_lost_a_service():
    assert rollout.read_status(_answer(version="14.0.12011", block=0))["status"] == rollout.UPGRADED
    lost = rollout.read_status(_answer(version="14.0.12011", block=0, ntrtscan="Stopped"))
    assert lost["status"] == rollout.SERVICES_LOST and lost["services_not_running"] == ["NTRTScan"]
    assert not lost["display_says_apexone"]


def test_32bit_agent_is_read_from_the_second_view_and_missing_agent_is_no_agent():
    assert rollout.read_status(_answer(bits=32, version="14.0.8378"))["version"] == "14.0.8378"
    assert rollout.read_status(_answer(present=False))["status"] == rollout.NO_AGENT


def test_a_subset_that_failed_is_unknown_not_services_lost():
    answer = _answer(version="14.0.12011", block=0)
    del answer["services"]
    answer["errors"] = {"services": {"message": "Invalid class \"Win32_Service\"", "type": "Lab.ScriptFailure"}}
    seen = rollout.read_status(answer)
    assert seen["status"] == rollout.UNREACHABLE and "Win32_Service" in seen["error"]
    state = _state(["1", "100%"])
    rollout.record_poll(state, {"a01": seen}, T0)
    assert state["hosts"]["a01"]["last_status"] == rollout.UNREACHABLE and "Win32_Service" in state["hosts"]["a01"]["last_error"]


def test_poll_reads_two_keys_two_services_and_the_server_key():
    params = rollout.poll_params()
    assert params["Subset"] == ["registry", "services"]
    assert params["ServicePatterns"] == ["tmlisten", "NTRTScan"]
    paths = [r["path"] for r in params["RegistryReads"]]
    assert catalog.AGENT_KEY[64]["path"] + "\\Misc." in paths and catalog.AGENT_KEY[32]["path"] in paths
    assert all(r["view"] in ("Registry64", "Registry32") for r in params["RegistryReads"])


# --- the gate -----------------------------------------------------------------------------------

def _open_and_release(state, index, now=T0):
    rollout.start_wave(state, index, now)
    wave = rollout.wave_of(state, index)
    rollout.record_release(state, dict((h, {"blocked": False, "value_changed": True, "agent_version": "12.0.5684",
                                            "record": {"ReleasedAt": now}}) for h in wave["hosts"]), now)
    return wave


def test_wave_passes_at_the_threshold_and_not_below():
    state = _state(["10", "100%"])
    wave = _open_and_release(state, 1)
    polled = dict((h, rollout.read_status(_answer(block=0))) for h in wave["hosts"])  # released, still XG
    for host in wave["hosts"][:9]:
        polled[host] = rollout.read_status(_answer(version="14.0.12011", block=0))
    rollout.record_poll(state, polled, "2026-11-22T06:10:00Z")
    verdict = rollout.gate(state, 1, "2026-11-22T06:10:00Z")
    assert verdict["verdict"] == rollout.WAIT and verdict["share"] == 90.0  # 9 of 10 < 95 %
    assert "9 of 10" in verdict["msg"] and "1 still on XG" in verdict["msg"]
    polled[wave["hosts"][9]] = rollout.read_status(_answer(version="14.0.12011", block=0))
    rollout.record_poll(state, polled, "2026-11-22T06:20:00Z")
    assert rollout.gate(state, 1, "2026-11-22T06:20:00Z")["verdict"] == rollout.PASS


def test_hosts_without_agent_are_not_counted_and_unreachable_ones_are():
    state = _state(["4", "100%"], settings=dict(SETTINGS, threshold=50))
    wave = _open_and_release(state, 1)
    hosts = wave["hosts"]
    polled = {hosts[0]: rollout.read_status(_answer(version="14.0.12011", block=0)),
              hosts[1]: rollout.read_status(_answer(present=False)), hosts[2]: None,
              hosts[3]: rollout.read_status(_answer(block=0))}
    rollout.record_poll(state, polled, "2026-11-22T06:10:00Z")
    verdict = rollout.gate(state, 1, "2026-11-22T06:10:00Z")
    assert verdict["counts"]["counted"] == 3 and verdict["counts"]["unreachable"] == 1
    assert verdict["verdict"] == rollout.WAIT  # 1 of 3 = 33 % < 50 %


def test_upgraded_agent_that_lost_its_services_fails_the_wave_at_once():
    state = _state(["2", "100%"])
    wave = _open_and_release(state, 1)
    polled = {wave["hosts"][0]: rollout.read_status(_answer(version="14.0.12011", block=0)),
              wave["hosts"][1]: rollout.read_status(_answer(version="14.0.12011", block=0, tmlisten="Stopped"))}
    rollout.record_poll(state, polled, "2026-11-22T06:10:00Z")
    verdict = rollout.gate(state, 1, "2026-11-22T06:10:00Z")
    assert verdict["verdict"] == rollout.FAIL and "lost their services" in verdict["msg"] and "a02" in verdict["msg"]
    assert rollout.apply_gate(state, 1, verdict, "2026-11-22T06:10:00Z")
    step = rollout.next_step(state, wait=True)
    assert step["action"] == "stopped" and step["release"] == [] and "wave 1" in step["msg"]


@pytest.mark.parametrize("lost", ["tmlisten", "NTRTScan"])
def test_a_lost_service_fails_the_wave_even_when_the_rest_reach_the_threshold(lost):
    # 20 agents, threshold 95 %: 19 on Apex One with their services is 95 %, enough on its own. The 20th upgraded
    # and lost one service: the README says a lost service stops the rollout, whatever the share.
    state = _state(["20", "100%"], agents=["a%02d" % i for i in range(1, 41)])
    wave = _open_and_release(state, 1)
    polled = dict((h, rollout.read_status(_answer(version="14.0.12011", block=0))) for h in wave["hosts"])
    polled[wave["hosts"][19]] = rollout.read_status(
        _answer(version="14.0.12011", block=0, **{lost.lower(): "Stopped"}))
    rollout.record_poll(state, polled, "2026-11-22T06:10:00Z")
    verdict = rollout.gate(state, 1, "2026-11-22T06:10:00Z")
    assert verdict["share"] == 95.0 and verdict["counts"][rollout.UPGRADED] == 19
    assert verdict["verdict"] == rollout.FAIL, verdict["msg"]
    assert "lost their services" in verdict["msg"] and wave["hosts"][19] in verdict["msg"]
    # Every agent on Apex One with its services: the same wave passes (the threshold alone is not the failure).
    polled[wave["hosts"][19]] = rollout.read_status(_answer(version="14.0.12011", block=0))
    rollout.record_poll(state, polled, "2026-11-22T06:20:00Z")
    assert rollout.gate(state, 1, "2026-11-22T06:20:00Z")["verdict"] == rollout.PASS


def test_deadline_fails_a_wave_that_does_not_upgrade():
    state = _state(["2", "100%"], settings=dict(SETTINGS, deadline=3600))
    wave = _open_and_release(state, 1)
    polled = dict((h, rollout.read_status(_answer(block=0))) for h in wave["hosts"])
    rollout.record_poll(state, polled, "2026-11-22T06:59:59Z")
    assert rollout.gate(state, 1, "2026-11-22T06:59:59Z")["verdict"] == rollout.WAIT
    verdict = rollout.gate(state, 1, "2026-11-22T07:00:00Z")
    assert verdict["verdict"] == rollout.FAIL and "deadline" in verdict["msg"]


# --- resume -------------------------------------------------------------------------------------

def test_resume_never_releases_a_host_twice_and_finishes_an_interrupted_release():
    state = _state(["2", "3", "100%"])
    step = rollout.next_step(state, wait=True)
    assert step["action"] == "release" and step["wave"] == 1 and step["release"] == ["a01", "a02"]
    _open_and_release(state, 1)
    rollout.apply_gate(state, 1, {"verdict": rollout.PASS, "counts": {}, "share": 100.0}, T0)
    step = rollout.next_step(state, wait=True)
    assert step["wave"] == 2 and step["release"] == ["a03", "a04", "a05"]
    # Interrupted: wave 2 opened, one host lifted and recorded, then the run died.
    rollout.start_wave(state, 2, T0)
    rollout.record_release(state, {"a03": {"blocked": False, "record": {"ReleasedAt": T0}}}, T0)
    step = rollout.next_step(state, wait=True)
    assert step["action"] == "release" and step["wave"] == 2 and step["release"] == ["a04", "a05"]
    assert step["poll"] == ["a03", "a04", "a05"]
    assert not set(step["release"]) & {"a01", "a02", "a03"}


def test_no_wait_mode_releases_one_wave_per_run_and_checks_it_on_the_next():
    state = _state(["2", "100%"])
    first = rollout.next_step(state, wait=False)
    assert first["action"] == "release" and first["polls_allowed"] == 0
    _open_and_release(state, 1)
    assert rollout.next_step(state, wait=False, released_this_run=2)["action"] == "hold"
    second = rollout.next_step(state, wait=False)  # the next run
    assert second["action"] == "poll" and second["polls_allowed"] == 1 and second["release"] == []
    assert rollout.next_step(state, wait=False, polled_this_run=1)["action"] == "hold"


def test_every_wave_passed_is_done():
    state = _state(["10", "100%"])
    for index in (1, 2):
        _open_and_release(state, index)
        rollout.apply_gate(state, index, {"verdict": rollout.PASS, "counts": {}, "share": 100.0}, T0)
    assert rollout.next_step(state, wait=True)["action"] == "done"


def test_a_failed_wave_can_be_reopened_with_a_new_clock():
    state = _state(["2", "100%"])
    _open_and_release(state, 1)
    rollout.apply_gate(state, 1, {"verdict": rollout.FAIL, "counts": {}, "share": 0.0, "msg": "x"}, T0)
    assert rollout.reopen(state, "2026-11-23T06:00:00Z")
    step = rollout.next_step(state, wait=True)
    assert step["action"] == "poll" and step["release"] == [] and rollout.wave_of(state, 1)["opened_at"] == "2026-11-23T06:00:00Z"


def test_state_from_elsewhere_is_refused():
    with pytest.raises(rollout.RolloutError, match="move it aside"):
        rollout.check_state({"format": 99, "waves": [], "hosts": {}})


def test_inventory_drift_is_reported():
    state = _state(["100%"], agents=["a01", "a02"])
    assert rollout.inventory_drift(state, ["a02", "a03"]) == {"not_in_rollout": ["a03"], "not_in_inventory": ["a01"]}


# --- events -------------------------------------------------------------------------------------

def test_reinstalled_agent_restored_block_and_removed_agent_are_reported():
    state = _state(["3", "100%"])
    _open_and_release(state, 1)
    rollout.record_poll(state, {"a01": rollout.read_status(_answer(version="14.0.12011", block=0)),
                                "a02": rollout.read_status(_answer(block=0)),
                                "a03": rollout.read_status(_answer(block=0))}, "2026-11-22T06:10:00Z")
    events = rollout.record_poll(state, {
        "a01": rollout.read_status(_answer(version="12.0.5684", block=0)),  # back to XG: reinstalled
        "a02": rollout.read_status(_answer(block=0, guid="g-2")),          # new installation identity
        "a03": rollout.read_status(_answer(block=1)),                      # the server put the block back
    }, "2026-11-22T06:20:00Z")
    kinds = sorted((e["host"], e["kind"]) for e in events)
    assert kinds == [("a01", "reinstalled"), ("a02", "reinstalled"), ("a03", "block_restored")]
    assert "g-1 -> g-2" in [e for e in events if e["host"] == "a02"][0]["detail"]
    # Reported once, not at every poll.
    assert rollout.record_poll(state, {"a03": rollout.read_status(_answer(block=1))}, "2026-11-22T06:30:00Z") == []
    gone = rollout.record_poll(state, {"a03": rollout.read_status(_answer(present=False))}, "2026-11-22T06:40:00Z")
    assert [e["kind"] for e in gone] == ["agent_removed"]


# --- roll back ----------------------------------------------------------------------------------

def test_rollback_reblocks_what_is_not_apexone_and_lists_what_cannot_be():
    state = _state(["2", "100%"], agents=["a01", "a02", "a03", "a04"])
    polled = {"a01": rollout.read_status(_answer(version="14.0.12011", block=0)),
              "a02": rollout.read_status(_answer(block=0)), "a03": None,
              "a04": rollout.read_status(_answer(block=1))}
    split = rollout.rollback_split(state, polled)
    assert split == {"reblock": ["a02", "a04"], "upgraded": ["a01"], "unreachable": ["a03"], "no_agent": []}
    record = rollout.record_rollback(state, split, {"a02": {"blocked": True, "record": {"BlockedAt": T0}},
                                                    "a04": {"failed": True}}, T0)
    assert record["reblocked"] == ["a02"] and record["reblock_failed"] == ["a04"]
    step = rollout.next_step(state, wait=True)
    assert step["action"] == "stopped" and "rolled back" in step["msg"] and step["release"] == []
