# -*- coding: utf-8 -*-
"""release_hotfix_block.yml and rollback_hotfix_release.yml on the lab: waves that wait for the agents,
resume after an interruption, stop on a bad wave, and roll back (seed000 items 4, 6, 7; KA-0009550).

The lab's agents take the Apex One program some polls or seconds after their block is lifted
(tests/lab/simulator/agent_upgrade.py, the `upgrade` entry of each host's state file).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from ansible_collections.apexone.upgrade.tests.lab.simulator import state
from ansible_collections.apexone.upgrade.tests.playbook import labrun

INVENTORY = os.path.join(labrun.LAB, "inventory_rollout.yml")
SEEDS = {"apexone-srv": "apexone-srv-upgraded", "pilot-1": "rollout-agent", "floor-1": "rollout-agent-slow",
         "floor-2": "rollout-agent-timed", "srv-1": "rollout-agent", "srv-2": "rollout-agent-slow"}
AGENTS = ["pilot-1", "floor-1", "floor-2", "srv-1", "srv-2"]
MISC = "SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion\\Misc."
BLOCK_TASK = "Set NoProgramUpgrade on the agent, verify it, and record when"


def _seed_lab(lab_dir, **changes):
    os.environ["APEXONE_LAB_DIR"] = str(lab_dir)
    try:
        os.makedirs(os.path.join(str(lab_dir), "state"), exist_ok=True)
        for host, seed in SEEDS.items():
            data = state.load_seed(seed)
            for key, value in changes.get(host, {}).items():
                data[key] = value
            with open(os.path.join(str(lab_dir), "state", host + ".json"), "w", encoding="utf-8") as handle:
                json.dump(data, handle)
    finally:
        del os.environ["APEXONE_LAB_DIR"]
    return lab_dir


def _vars(lab_dir, **more):
    base = {"apexone_release_waves": "groups", "apexone_rollout_interval": 1, "apexone_rollout_deadline": 60,
            "apexone_report_dir": os.path.join(str(lab_dir), "reports"), "apexone_report_lang": "en"}
    base.update(more)
    return base


def _run(playbook, lab_dir, check=False, **more):
    return labrun.run_playbook(playbook, lab_dir, extra_vars=_vars(lab_dir, **more), inventory=INVENTORY, check=check)


def _rollout_state(lab_dir):
    with open(os.path.join(str(lab_dir), "reports", "rollout-state.json"), encoding="utf-8") as handle:
        return json.load(handle)


def _block(lab_dir, host):
    with open(os.path.join(str(lab_dir), "state", host + ".json"), encoding="utf-8") as handle:
        return json.load(handle)["registry"][MISC]["NoProgramUpgrade"]["value"]


def _scripts(run, host):
    return run.counts(host)["scripts"]


@pytest.fixture(scope="module")
def rolled(tmp_path_factory, lab_transport):
    lab = _seed_lab(tmp_path_factory.mktemp("rollout"))
    first = _run("playbooks/release_hotfix_block.yml", lab, apexone_rollout_new=True)
    assert first.rc == 0, first.stdout[-3000:]
    return lab, first


def test_three_waves_advance_only_as_the_agents_change_version(rolled):
    lab, first = rolled
    data = _rollout_state(lab)
    waves = data["waves"]
    assert [w["status"] for w in waves] == ["passed"] * 3
    for earlier, later in zip(waves, waves[1:]):
        # The next wave opened only after every agent of the one before was seen on Apex One.
        assert later["opened_at"] >= earlier["closed_at"]
        for host in earlier["hosts"]:
            assert data["hosts"][host]["upgraded_seen_at"] <= later["opened_at"]
            assert data["hosts"][host]["released_at"] <= earlier["closed_at"]
    # pilot-1 upgrades at its first check; floor-1 and srv-2 at their second (floor-2 two seconds after its
    # lift, which may take a third check): the later waves waited for them.
    assert waves[0]["polls"] == 1 and waves[1]["polls"] >= 2 and waves[2]["polls"] == 2
    assert data["hosts"]["floor-1"]["versions_seen"] == ["12.0.5684", "14.0.12011"]
    for host in AGENTS:
        assert _block(lab, host) == 0
        wave = waves[data["hosts"][host]["wave"] - 1]
        # One light read per agent per check, one execution to lift the block.
        assert _scripts(first, host) == {"registry_block": 1, "probe": wave["polls"]}


def test_a_report_after_every_wave_and_at_the_end(rolled):
    lab, dummy = rolled
    reports = sorted(f for f in os.listdir(os.path.join(str(lab), "reports")) if f.startswith("rollout-") and
                     f.endswith(".json") and f != "rollout-state.json")
    assert len(reports) == 4
    with open(os.path.join(str(lab), "reports", reports[-1]), encoding="utf-8") as handle:
        final = json.load(handle)
    assert final["overall"] == "done" and not final["version_mix"]["mixed"]
    assert final["server_version"] == "14.0 (build 8378)"
    assert [w["upgraded"] for w in final["waves"]] == [1, 2, 2]


def test_second_run_changes_nothing_and_touches_no_agent(rolled):
    lab, first = rolled
    second = _run("playbooks/release_hotfix_block.yml", lab)
    assert second.rc == 0
    assert all(stats["changed"] == 0 for stats in second.stats.values()), second.stats
    for host in AGENTS:
        assert _scripts(second, host) == _scripts(first, host)


def test_check_mode_writes_nothing_and_lifts_nothing(tmp_path):
    lab = _seed_lab(tmp_path)
    run = _run("playbooks/release_hotfix_block.yml", lab, check=True, apexone_rollout_new=True)
    assert run.rc == 0, run.stdout[-3000:]
    assert run.result(BLOCK_TASK, "pilot-1")["changed"]  # would lift wave 1
    assert not os.path.exists(os.path.join(str(lab), "reports", "rollout-state.json"))
    assert all(_block(lab, host) == 1 for host in AGENTS)
    assert "floor-1" not in [h for t in run.tasks for h in t["hosts"]]  # only wave 1 is planned


def _ansible_pid(lab_dir):
    """The ansible-playbook process that runs against `lab_dir` (children of this test only)."""
    wanted = ("APEXONE_LAB_DIR=%s" % lab_dir).encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as handle:
                cmdline = handle.read()
            with open("/proc/%s/environ" % entry, "rb") as handle:
                environ = handle.read().split(b"\0")
            with open("/proc/%s/stat" % entry, encoding="utf-8") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if b"ansible-playbook" in cmdline and wanted in environ and parent == os.getpid():
            return int(entry)
    return None


def test_rollout_interrupted_in_wave_2_resumes_without_releasing_wave_1_again(tmp_path):
    # floor-1 never upgrades in the first run, so the run is sure to be inside wave 2 when it is killed.
    lab = _seed_lab(tmp_path, **{"floor-1": {"upgrade": {"outcome": "never"}}})
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(
        run=_try(lambda: _run("playbooks/release_hotfix_block.yml", lab, apexone_rollout_interval=2,
                              apexone_rollout_new=True))))
    worker.start()
    deadline = time.time() + 120
    killed = False
    while time.time() < deadline and worker.is_alive():
        path = os.path.join(str(lab), "reports", "rollout-state.json")
        if os.path.exists(path):
            data = _rollout_state(lab)
            if data["waves"][1]["status"] == "open" and all(data["hosts"][h]["released_at"] for h in
                                                            ("floor-1", "floor-2")) and data["waves"][1]["polls"] >= 1:
                pid = _ansible_pid(lab)
                assert pid, "the ansible-playbook process was not found"
                os.kill(pid, signal.SIGKILL)  # the hardest interruption: no cleanup at all
                killed = True
                break
        time.sleep(0.2)
    worker.join(60)
    assert killed
    interrupted = _rollout_state(lab)
    assert [w["status"] for w in interrupted["waves"]] == ["passed", "open", "pending"]
    # The fleet decides to let floor-1 upgrade after all; the re-run resumes in wave 2.
    os.environ["APEXONE_LAB_DIR"] = str(lab)
    try:
        with state.HostState("floor-1", "rollout-agent-slow").open() as data:
            data["upgrade"] = {"after_polls": 1}
            data.pop("upgrade_progress", None)
    finally:
        del os.environ["APEXONE_LAB_DIR"]
    rerun = _run("playbooks/release_hotfix_block.yml", lab)
    assert rerun.rc == 0, rerun.stdout[-3000:]
    data = _rollout_state(lab)
    assert [w["status"] for w in data["waves"]] == ["passed"] * 3
    assert data["waves"][1]["opened_at"] == interrupted["waves"][1]["opened_at"]  # the same wave, resumed
    for host in ("pilot-1", "floor-1", "floor-2"):
        assert rerun.counts(host)["scripts"]["registry_block"] == 1  # never released twice
        assert data["hosts"][host]["released_at"] == interrupted["hosts"][host]["released_at"]
    names = [t["name"] for t in rerun.tasks if "pilot-1" in t["hosts"]]
    assert not any(BLOCK_TASK in name for name in names)


def _try(call):
    try:
        return call()
    except AssertionError as exc:  # a killed run prints no JSON
        return exc


@pytest.fixture(scope="module")
def stuck(tmp_path_factory, lab_transport):
    """Wave 2 has an agent that never upgrades: the rollout stops there."""
    changes = {"floor-1": {"upgrade": {"outcome": "never"}}, "floor-2": {"upgrade": {"after_polls": 1}}}
    lab = _seed_lab(tmp_path_factory.mktemp("stuck"), **changes)
    run = _run("playbooks/release_hotfix_block.yml", lab, apexone_rollout_deadline=4, apexone_rollout_new=True)
    return lab, run


def test_a_wave_that_does_not_upgrade_stops_the_rollout(stuck):
    lab, run = stuck
    assert run.rc != 0
    data = _rollout_state(lab)
    assert [w["status"] for w in data["waves"]] == ["passed", "failed", "pending"]
    assert "deadline" in data["waves"][1]["reason"] and "1 of 2" in data["waves"][1]["reason"]
    assert "rollback_hotfix_release" in run.stdout
    assert _block(lab, "srv-1") == 1 and _block(lab, "srv-2") == 1  # wave 3 never released
    assert run.counts("srv-1")["executions"] == 0


def test_roll_back_reblocks_the_agents_not_upgraded_and_lists_the_others(stuck):
    lab, dummy = stuck
    back = _run("playbooks/rollback_hotfix_release.yml", lab)
    assert back.rc == 0, back.stdout[-3000:]
    data = _rollout_state(lab)
    assert data["rollback"]["upgraded"] == ["floor-2", "pilot-1"]
    assert data["rollback"]["reblocked"] == ["floor-1", "srv-1", "srv-2"]
    assert _block(lab, "floor-1") == 1 and _block(lab, "floor-2") == 0
    assert back.result(BLOCK_TASK, "floor-1")["changed"] and not back.result(BLOCK_TASK, "srv-1")["changed"]
    again = _run("playbooks/rollback_hotfix_release.yml", lab)
    assert again.rc == 0 and all(s["changed"] == 0 for s in again.stats.values()), again.stats
    refused = _run("playbooks/release_hotfix_block.yml", lab)
    assert refused.rc != 0 and "rolled back" in refused.stdout
    assert _block(lab, "floor-1") == 1


def test_an_upgraded_agent_that_loses_its_services_stops_the_rollout_at_once(tmp_path):
    lab = _seed_lab(tmp_path, **{"pilot-1": {"upgrade": {"after_polls": 1, "outcome": "lose_services"}}})
    run = _run("playbooks/release_hotfix_block.yml", lab, apexone_rollout_new=True)
    assert run.rc != 0
    data = _rollout_state(lab)
    assert data["waves"][0]["status"] == "failed" and data["waves"][0]["polls"] == 1
    assert "lost their services" in data["waves"][0]["reason"]
    assert _block(lab, "floor-1") == 1


def test_no_wait_mode_releases_one_wave_per_run_and_checks_the_previous(tmp_path):
    lab = _seed_lab(tmp_path)
    sizes = {"apexone_release_waves": ["1", "2", "100%"], "apexone_rollout_wait": False}
    first = _run("playbooks/release_hotfix_block.yml", lab, apexone_rollout_new=True, **sizes)
    assert first.rc == 0, first.stdout[-3000:]
    assert [_block(lab, h) for h in AGENTS] == [0, 1, 1, 1, 1]
    assert first.counts("pilot-1")["scripts"] == {"registry_block": 1}  # released, not yet checked
    second = _run("playbooks/release_hotfix_block.yml", lab, **sizes)
    assert second.rc == 0
    assert [_block(lab, h) for h in AGENTS] == [0, 0, 0, 1, 1]
    assert [w["status"] for w in _rollout_state(lab)["waves"]] == ["passed", "open", "pending"]
    third = _run("playbooks/release_hotfix_block.yml", lab, **sizes)
    assert third.rc == 0
    assert [_block(lab, h) for h in AGENTS] == [0, 0, 0, 1, 1]  # floor-1 needs a second check: wave 3 waits
    assert third.counts("floor-1")["scripts"] == {"registry_block": 1, "probe": 1}
