# -*- coding: utf-8 -*-
"""KA-0012615 items 6 and 7: the block plan, the reading of the answer, the two-week rule."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import errors, fleet_summary, hotfix_block

UTC = datetime.timezone.utc


def test_plan_names_both_keys_and_the_record():
    params = hotfix_block.plan("present", "ops@ctl")
    assert params["Value"] == 1 and params["ValueName"] == "NoProgramUpgrade" and params["MiscSubkey"] == "Misc."
    keys = dict((entry["bits"], entry["path"]) for entry in params["AgentKeys"])
    assert keys == {"64": "SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion",
                    "32": "SOFTWARE\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion"}
    assert params["Record"]["write"] == [{"name": "BlockedAt", "value": "{now}"}, {"name": "BlockedBy", "value": "ops@ctl"}]
    assert "TrendMicro" not in params["Record"]["path"]
    assert hotfix_block.plan("absent", "ops@ctl")["Record"]["write"] == [
        {"name": "ReleasedAt", "value": "{now}"}, {"name": "ReleasedBy", "value": "ops@ctl"}]
    # the table the script looks its action up in: only a REG_DWORD of the wanted value is kept
    assert hotfix_block.planned_action(params, "DWord:1") == "keep"
    assert hotfix_block.planned_action(params, "String:1") == "set" == hotfix_block.planned_action(params, "absent")
    lift = hotfix_block.plan("absent", "ops@ctl")
    assert hotfix_block.planned_action(lift, "absent") == "keep" and hotfix_block.planned_action(lift, "DWord:1") == "set"


def test_plan_refuses_an_unknown_state():
    with pytest.raises(errors.InputError, match="present"):
        hotfix_block.plan("blocked", "ops")


@pytest.mark.parametrize("version, product", [("12.0.5684", "xg"), ("14.0.12011", "apexone"), ("13.95.1", None),
                                              ("", None), (None, None)])
def test_product_judged_by_version(version, product):
    assert hotfix_block.product_of(version) == product


def test_no_agent_is_skipped():
    result = hotfix_block.interpret({"agent_present": False, "path": "SOFTWARE\\X", "bits": 64}, "present", False)
    assert result["skipped"] and not result["changed"] and "nothing was created" in result["skip_reason"]


def test_read_back_mismatch_fails_loudly():
    answer = {"agent_present": True, "path": "P", "bits": 64, "action": "set",
              "previous": {"kind": "DWord", "value": 0}, "current": {"kind": "DWord", "value": 0}, "values": {}}
    result = hotfix_block.interpret(answer, "present", False)
    assert result["failed"] and "self-protection" in result["msg"]


@pytest.mark.parametrize("blocked_at, upgrade, ready, days", [
    ("2026-11-22T06:00:00Z", "2026-12-10", True, 17.8),
    ("2026-11-26T00:00:00Z", "2026-12-10", True, 14.0),  # exactly two weeks
    ("2026-11-26T00:00:01Z", "2026-12-10", False, 14.0),
    ("2026-12-01T00:00:00Z", "2026-12-10", False, 9.0),
    ("2026-12-12T00:00:00Z", "2026-12-10", False, -2.0),  # blocked after the upgrade date
])
def test_two_week_rule(blocked_at, upgrade, ready, days):
    status = hotfix_block.block_readiness(True, blocked_at, upgrade)
    assert status["ready"] is ready and status["days_before_upgrade"] == days


def test_two_week_rule_without_record_counts_from_now():
    now = datetime.datetime(2026, 11, 22, tzinfo=UTC)
    assert hotfix_block.block_readiness(True, None, "2026-12-10", now=now)["ready"]
    late = hotfix_block.block_readiness(True, None, "2026-11-30", now=now)
    assert not late["ready"] and "counted from today" in late["reason"] and "2026-12-06" in late["reason"]


def test_two_week_rule_when_not_blocked():
    assert not hotfix_block.block_readiness(False, "2026-01-01T00:00:00Z", "2026-12-10")["ready"]


@pytest.mark.parametrize("text", ["10/12/2026", "2026-13-01", "next week", ""])
def test_bad_date_says_the_format(text):
    with pytest.raises(errors.InputError, match="YYYY-MM-DD"):
        hotfix_block.parse_date(text)


def test_fleet_summary_counts_each_outcome_once():
    results = {
        "a": {"blocked": True, "value_changed": True, "agent_version": "12.0.5684", "record": {}},
        "b": {"blocked": True, "value_changed": False, "agent_version": "14.0.12011", "type_corrected": False},
        "c": {"skipped": True},
        "d": None,
        "e": {"failed": True, "msg": "boom"},
    }
    summary = fleet_summary.block_summary(results)
    assert summary["blocked_now"] == ["a"] and summary["already_blocked"] == ["b"]
    assert summary["skipped_no_agent"] == ["c"] and summary["failed_or_unreachable"] == ["d", "e"]
    assert summary["still_xg"] == ["a"] and summary["apexone"] == ["b"]
    assert summary["version_counts"] == {"12.0.5684": 1, "14.0.12011": 1}


# --- the decision table registry_block.ps1 looks up (it compares nothing itself) ---

@pytest.mark.parametrize("state, seen, action", [
    ("present", "absent", "set"), ("present", "DWord:0", "set"), ("present", "DWord:1", "keep"),
    ("present", "String:1", "set"), ("present", "QWord:1", "set"), ("present", "DWord:-1", "set"),
    ("absent", "DWord:1", "set"), ("absent", "DWord:0", "keep"), ("absent", "absent", "keep"),
    ("absent", "String:0", "set"),
])
def test_action_table(state, seen, action):
    assert hotfix_block.planned_action(hotfix_block.plan(state, "ops"), seen) == action


@pytest.mark.parametrize("value, seen", [(None, "absent"), ({"kind": "DWord", "value": 1}, "DWord:1"),
                                         ({"kind": "String", "value": "1"}, "String:1")])
def test_seen_name_is_what_the_script_writes(value, seen):
    assert hotfix_block.seen_name(value) == seen


def _answer(**kw):
    base = {"agent_present": True, "path": "P", "bits": 64, "action": "keep", "previous": {"kind": "DWord", "value": 1},
            "current": {"kind": "DWord", "value": 1}, "values": {}, "record": {}}
    base.update(kw)
    return base


def test_script_disagreeing_with_the_table_fails():
    params = hotfix_block.plan("present", "ops")
    result = hotfix_block.interpret(_answer(action="set"), "present", False, params)  # e.g. -ne inverted
    assert result["failed"] and "disagree" in result["msg"]


def test_hand_set_block_noted_is_a_change_of_the_record_only():
    # The script wrote FirstSeenAt / FirstSeenBy on the host: the module says so (changed), the block value is kept.
    answer = _answer(noted=True, record={"FirstSeenAt": "2026-11-01T00:00:00Z", "FirstSeenBy": "ops"})
    result = hotfix_block.interpret(answer, "present", False, hotfix_block.plan("present", "ops"))
    assert result["changed"] and result["record_changed"] and not result["value_changed"]
    assert result["first_seen"] == "2026-11-01T00:00:00Z" and "age is unknown" in result["msg"]
    assert result["diff"]["before"] == "FirstSeenAt (not set)\n"
    assert result["diff"]["after"] == "FirstSeenAt = 2026-11-01T00:00:00Z\n"
    assert result["diff"]["after_header"] == "HKLM\\" + hotfix_block.catalog.BLOCK_RECORD_KEY["path"]
    # the next run finds its own record: nothing written, nothing changed
    again = hotfix_block.interpret(_answer(record=answer["record"]), "present", False, hotfix_block.plan("present", "ops"))
    assert not again["changed"] and not again["record_changed"]


def test_hand_set_block_noted_in_check_mode_says_it_would_note_it():
    result = hotfix_block.interpret(_answer(noted=True), "present", True, hotfix_block.plan("present", "ops"))
    assert result["changed"] and not result["value_changed"] and result["first_seen"] is None
    assert "would note" in result["msg"] and result["diff"]["after"] == "FirstSeenAt = (the time of the run)\n"


def test_plan_notes_a_hand_set_block_only_when_blocking():
    assert hotfix_block.plan("present", "ops")["Record"]["note"] == [{"name": "FirstSeenAt", "value": "{now}"},
                                                                     {"name": "FirstSeenBy", "value": "ops"}]
    assert hotfix_block.plan("present", "ops")["Record"]["note_unless"] == ["BlockedAt", "FirstSeenAt"]
    assert hotfix_block.plan("absent", "ops")["Record"]["note"] is None


@pytest.mark.parametrize("error, admin, status, words", [
    ({"type": "System.Management.Automation.MethodInvocationException", "inner_type": "System.UnauthorizedAccessException",
      "message": "Access to the registry key is denied."}, True, "protected_by_agent", "protect registry keys"),
    ({"type": "System.Security.SecurityException", "message": "Requested registry access is not allowed."}, True,
     "protected_by_agent", "レジストリキーを保護"),
    ({"type": "System.UnauthorizedAccessException", "message": "denied"}, False, "write_failed", "not an administrator"),
    ({"type": "System.IO.IOException", "message": "disk"}, True, "write_failed", "failed: disk"),
])
def test_refused_write_names_the_cause(error, admin, status, words):
    answer = _answer(action="set", previous={"kind": "DWord", "value": 0}, current={"kind": "DWord", "value": 0},
                     write_error=error, is_admin=admin)
    result = hotfix_block.interpret(answer, "present", False, hotfix_block.plan("present", "ops"))
    assert result["failed"] and result["status"] == status and words in result["msg"]
    assert not result["changed"]


def test_two_week_rule_counts_a_hand_set_block_from_first_seen():
    now = datetime.datetime(2026, 11, 30, tzinfo=UTC)
    status = hotfix_block.block_readiness(True, None, "2026-12-10", now=now, first_seen="2026-11-20T00:00:00Z")
    assert status["ready"] and "first seen" in status["reason"]
    late = hotfix_block.block_readiness(True, None, "2026-12-10", now=now, first_seen="2026-12-01T00:00:00Z")
    assert not late["ready"]
