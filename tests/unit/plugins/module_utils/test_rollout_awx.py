# -*- coding: utf-8 -*-
"""A rollout that cannot silently restart (rollout_guard), survey wave lists, a block the server put back,
a deadline that runs across scheduled runs, and what each run hands to AWX (rollout_report.result_for_awx)."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import rollout, rollout_guard, rollout_report
from ansible_collections.apexone.upgrade.tests.unit.plugins.module_utils.test_rollout import (
    AGENTS, SETTINGS, T0, _answer, _open_and_release, _state)


# --- survey inputs ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, sizes", [("5%,25%,100%", [1, 5, 14]), (" 5% , 25% ,100%, ", [1, 5, 14]),
                                         ("100%", [20]), ("2,100%", [2, 18])])
def test_a_survey_line_of_sizes_is_the_list(text, sizes):
    assert rollout.wave_spec(text) == [item.strip() for item in text.split(",") if item.strip()]
    assert [len(w["hosts"]) for w in rollout.plan_waves(text, AGENTS, {})] == sizes


def test_a_survey_line_of_groups_is_the_list_of_groups():
    groups = {"pilot": ["a01"], "floor": ["a02", "a03"]}
    waves = rollout.plan_waves("pilot, floor", ["a01", "a02", "a03"], groups)
    assert [(w["name"], w["hosts"]) for w in waves] == [("pilot", ["a01"]), ("floor", ["a02", "a03"])]
    assert rollout.wave_spec("groups") == "groups" and rollout.wave_spec(["5%", 10]) == ["5%", "10"]


# --- a block the server's settings put back (KA-0009550, item 6) --------------------------------

def test_a_block_restored_after_the_release_stops_the_wave_at_once():
    state = _state(["2", "100%"])
    wave = _open_and_release(state, 1)
    events = rollout.record_poll(state, {wave["hosts"][0]: rollout.read_status(_answer(block=1)),
                                         wave["hosts"][1]: rollout.read_status(_answer(block=0))}, "2026-11-22T06:10:00Z")
    assert [(e["host"], e["kind"]) for e in events] == [(wave["hosts"][0], "block_restored")]
    assert "block restored by the server's settings: release this wave from the console's domain setting instead" \
        in events[0]["detail"]
    verdict = rollout.gate(state, 1, "2026-11-22T06:10:00Z")  # ten minutes in, a day before the deadline
    assert verdict["verdict"] == rollout.FAIL and "a01" in verdict["msg"] and "console's domain setting" in verdict["msg"]
    rollout.apply_gate(state, 1, verdict, "2026-11-22T06:10:00Z")
    assert rollout.next_step(state, wait=False)["action"] == "stopped"
    # After the console's setting released the wave, a person reopens it: judged by what the next checks see.
    assert rollout.reopen(state, "2026-11-22T08:00:00Z")
    assert not state["hosts"]["a01"].get("block_restored")
    rollout.record_poll(state, {"a01": rollout.read_status(_answer(version="14.0.12011", block=1)),
                                "a02": rollout.read_status(_answer(version="14.0.12011", block=0))}, "2026-11-22T09:00:00Z")
    assert rollout.gate(state, 1, "2026-11-22T09:00:00Z")["verdict"] == rollout.PASS


def test_an_agent_never_released_or_re_blocked_by_a_roll_back_is_not_a_restored_block():
    state = _state(["2", "100%"])
    rollout.start_wave(state, 1, T0)
    assert rollout.record_poll(state, {"a01": rollout.read_status(_answer(block=1))}, T0) == []  # not released
    _open_and_release(state, 1)
    state["hosts"]["a02"]["reblocked_at"] = T0
    assert rollout.record_poll(state, {"a02": rollout.read_status(_answer(block=1))}, T0) == []


# --- scheduled runs: the deadline runs from the wave's opening, across runs ----------------------

def test_a_scheduled_run_checks_an_open_wave_even_while_an_agent_still_waits_for_its_release():
    state = _state(["2", "100%"], settings=dict(SETTINGS, deadline=3600))
    rollout.start_wave(state, 1, T0)
    rollout.record_release(state, {"a01": {"blocked": False, "record": {"ReleasedAt": T0}}, "a02": {"failed": True}}, T0)
    step = rollout.next_step(state, wait=False)
    assert step["action"] == "release" and step["release"] == ["a02"] and step["polls_allowed"] == 1
    rollout.record_poll(state, {"a01": rollout.read_status(_answer(block=0))}, "2026-11-22T07:00:01Z")
    assert rollout.gate(state, 1, "2026-11-22T07:00:01Z")["verdict"] == rollout.FAIL  # the deadline is not restarted
    assert rollout.wave_of(state, 1)["opened_at"] == T0


# --- refusals -----------------------------------------------------------------------------------

def test_a_release_without_state_refuses_unless_new_and_new_refuses_over_a_state():
    refused = rollout_guard.start_refusal(False, False, "\\\\fs01\\apexone$\\rollout-state.json")
    assert "apexone_rollout_new=true" in refused and "\\\\fs01\\apexone$\\rollout-state.json" in refused
    assert rollout_guard.start_refusal(False, True, "x") is None and rollout_guard.start_refusal(True, False, "x") is None
    assert "already exists" in rollout_guard.start_refusal(True, True, "x")


AWX_SLICE = {"awx_job_id": 812, "awx_job_template_name": "Apex One release", "awx_workflow_job_id": 811,
             "awx_workflow_job_name": "Apex One release", "awx_inventory_name": "Agents"}


def test_a_slice_of_a_sliced_job_template_is_refused_and_a_workflow_node_is_not():
    assert "Job Slicing to 1" in rollout_guard.refusal(rollout_guard.awx_vars(AWX_SLICE), None)
    node = dict(AWX_SLICE, awx_workflow_job_name="Apex One waves with approval")
    assert rollout_guard.refusal(rollout_guard.awx_vars(node), None) is None
    plain = dict((k, v) for k, v in AWX_SLICE.items() if "workflow" not in k)
    assert rollout_guard.refusal(rollout_guard.awx_vars(plain), None) is None
    older = dict(("tower" + k[3:], v) for k, v in AWX_SLICE.items())  # the older tower_* names
    assert rollout_guard.refusal(rollout_guard.awx_vars(older), None) is not None


def test_a_limit_and_a_partial_inventory_are_refused():
    assert "without a limit" in rollout_guard.refusal({}, "pc-0*")
    refused = rollout_guard.inventory_refusal(["a01", "a02", "a03", "a04"], ["a01", "a03", "a05"])
    assert refused.startswith("the inventory lacks 2 of the rollout's 4 agents (a02, a04)")
    assert rollout_guard.inventory_refusal(["a01"], ["a01", "a02"]) is None  # added agents are reported, not refused
    many = rollout_guard.inventory_refusal(["h%02d" % i for i in range(30)], [])
    assert "h09, ..." in many and "h10" not in many


def test_reopen_from_a_schedule_is_refused():
    scheduled = rollout_guard.awx_vars({"awx_schedule_id": 4, "awx_schedule_name": "hourly"})
    assert "restart its deadline" in rollout_guard.refusal(scheduled, None, reopen=True)
    assert rollout_guard.refusal(scheduled, None, reopen=False) is None
    in_workflow = rollout_guard.awx_vars({"awx_parent_job_schedule_id": 9})
    assert rollout_guard.refusal(in_workflow, None, reopen=True) is not None
    assert rollout_guard.refusal({}, None, reopen=True) is None  # launched by a person


# --- what AWX gets ------------------------------------------------------------------------------

def test_the_result_for_awx_names_the_wave_counts_and_report():
    state = _state(["2", "100%"])
    wave = _open_and_release(state, 1)
    rollout.record_poll(state, dict((h, rollout.read_status(_answer(version="14.0.12011", block=0)))
                                    for h in wave["hosts"]), "2026-11-22T06:10:00Z")
    rollout.apply_gate(state, 1, rollout.gate(state, 1, "2026-11-22T06:10:00Z"), "2026-11-22T06:10:00Z")
    result = rollout_report.result_for_awx(state, "hold", "msg", {"html": "\\\\fs01\\r\\rollout-1.html"}, "s.json")
    assert result["wave"] == 1 and result["wave_status"] == rollout.PASSED and result["waves_passed"] == 1
    assert result["waves"] == 2 and result["counts"] == {"upgraded": 2, "not_polled": 18}
    assert result["report"] == "\\\\fs01\\r\\rollout-1.html" and result["state_file"] == "s.json"
    rollout.start_wave(state, 2, "2026-11-22T06:11:00Z")
    assert rollout_report.result_for_awx(state, "release", "m")["wave"] == 2
    assert rollout_report.result_for_awx(None, "refused", "why")["wave"] is None
