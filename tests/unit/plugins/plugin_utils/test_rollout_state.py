# -*- coding: utf-8 -*-
"""The rollout's state file: atomic writes, a lock against two runs, clear errors; and its report."""

from __future__ import annotations

import json
import multiprocessing
import os
import time

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import rollout, rollout_report
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _report_files, _rollout_state, _store


def _state():
    waves = rollout.plan_waves(["1", "100%"], ["pc-1", "pc-2", "pc-3"], {})
    return rollout.new_state(waves, {"interval": 600, "deadline": 86400, "threshold": 95.0}, "2026-11-22T06:00:00Z")


def test_save_then_load_round_trip_private_file(tmp_path):
    path = str(tmp_path / "reports" / "rollout-state.json")
    _rollout_state.save(path, _state())
    assert _rollout_state.load(path) == _state()
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert _rollout_state.load(str(tmp_path / "none.json")) is None


def test_a_write_interrupted_midway_leaves_the_old_state_whole(tmp_path, monkeypatch):
    path = str(tmp_path / "rollout-state.json")
    _rollout_state.save(path, _state())
    before = open(path, encoding="utf-8").read()
    changed = _state()
    changed["waves"][0]["status"] = rollout.OPEN

    def dies_before_the_rename(src, dst):
        raise KeyboardInterrupt  # the new state is on disk under a temporary name; the run dies

    monkeypatch.setattr(_store.directory.os, "replace", dies_before_the_rename)
    with pytest.raises(KeyboardInterrupt):
        _rollout_state.save(path, changed)
    assert open(path, encoding="utf-8").read() == before
    assert os.listdir(str(tmp_path)) == ["rollout-state.json"]  # no temporary file left behind


def test_a_damaged_file_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "rollout-state.json"
    path.write_text('{"format": 1, "wav', encoding="utf-8")
    with pytest.raises(_rollout_state.StateFileError, match="move it aside"):
        _rollout_state.load(str(path))


def _hold(path, ready):
    with _rollout_state.locked(path):
        ready.set()
        time.sleep(60)


def test_a_second_run_waits_for_the_lock_then_says_why_it_gives_up(tmp_path):
    path = str(tmp_path / "rollout-state.json")
    ready = multiprocessing.Event()
    first = multiprocessing.Process(target=_hold, args=(path, ready))
    first.start()
    try:
        assert ready.wait(20)
        with pytest.raises(_rollout_state.StateFileError, match="still locked by another run.*release hosts twice"):
            with _rollout_state.locked(path, timeout=1):
                pass
    finally:
        first.kill()
        first.join(10)
    with _rollout_state.locked(path, timeout=5):  # the killed run's lock went with it
        pass


def test_a_state_in_the_job_folder_is_refused_under_ansible_runner(tmp_path):
    with _rollout_state.opened(str(tmp_path / "project" / "apexone-reports" / "rollout-state.json")) as state_file:
        with pytest.raises(_rollout_state.StateFileError, match="deleted when the job ends"):
            state_file.save(_state(), environ={"AWX_ISOLATED_DATA_DIR": str(tmp_path / "artifacts" / "1")})
        state_file.save(_state(), allow_job_folder=True, environ={"AWX_ISOLATED_DATA_DIR": str(tmp_path / "artifacts" / "1")})
        assert state_file.load() == _state()


@pytest.mark.parametrize("lang, words", [("ja", ["ウェーブ", "XG のまま", "[その他の設定] タブ", "KA-0012615 事項 4",
                                                 "KA-0012615 事項 7", "KA-0012615 事項 6"]),
                                         ("en", ["Waves", "Still XG", "Other Settings tab", "KA-0012615 item 4",
                                                 "KA-0012615 item 7", "KA-0012615 item 6"])])
def test_report_in_both_languages_shows_version_mix_item7_and_console_check(tmp_path, lang, words):
    state = _state()
    state["server_version"] = "14.0 (build 12011)"
    rollout.start_wave(state, 1, "2026-11-22T06:00:00Z")
    state["hosts"]["pc-1"].update(released_at="2026-11-22T06:00:00Z", last_status=rollout.STILL_XG,
                                  last_version="12.0.5684", versions_seen=["12.0.5684"], display_says_apexone=True)
    state["hosts"]["pc-2"].update(last_status=rollout.UPGRADED, last_version="14.0.12011", versions_seen=["14.0.12011"])
    model = rollout_report.build(state, lang, "2026-11-22 06:10:00 UTC")
    assert model["version_mix"]["mixed"] and model["version_mix"]["counts"] == {"apexone": 1, "xg": 1, "unknown": 1}
    assert model["service_names"]["hosts"] == ["pc-1"] and [h["host"] for h in model["still_xg"]] == ["pc-1"]
    assert model["overall"] == "in_progress"
    paths = _report_files.write(model, str(tmp_path), "rollout-x", template=rollout_report.TEMPLATE,
                                section=rollout_report.SECTION)
    html = open(paths["html"], encoding="utf-8").read()
    for word in words:
        assert word in html
    assert "pc-1" in html and "14.0 (build 12011)" in html
    assert json.load(open(paths["json"], encoding="utf-8"))["waves"][0]["status"] == rollout.OPEN
    with pytest.raises(FileExistsError):  # a report is never overwritten
        _report_files.write(model, str(tmp_path), "rollout-x", template=rollout_report.TEMPLATE,
                            section=rollout_report.SECTION)


def test_versions_agree_when_no_agent_is_left_on_xg():
    state = _state()
    state["server_version"] = "14.0 (build 12011)"
    for host in state["hosts"]:
        state["hosts"][host].update(last_status=rollout.UPGRADED, last_version="14.0.12011")
    model = rollout_report.build(state, "en", "now")
    assert not model["version_mix"]["mixed"] and model["still_xg"] == []


def test_two_reports_in_one_second_get_two_names(tmp_path):
    import datetime  # pylint: disable=import-outside-toplevel
    moment = datetime.datetime(2026, 12, 7, 6, 0, 0, tzinfo=datetime.timezone.utc)
    model = rollout_report.build(_state(), "en", "now")
    first = _report_files.new_stem(str(tmp_path), "rollout", moment)
    _report_files.write(model, str(tmp_path), first, template=rollout_report.TEMPLATE, section=rollout_report.SECTION)
    second = _report_files.new_stem(str(tmp_path), "rollout", moment)
    assert (first, second) == ("rollout-20261207-060000", "rollout-20261207-060000-2")
