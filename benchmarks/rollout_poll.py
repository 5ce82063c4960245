# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: what one check of an open wave costs, at N agents, against the lab.

    python benchmarks/rollout_poll.py [--sizes 100 1000] [--forks 50] [--out build/benchmark]

For each size: one wave of every agent is released by a first no-wait run; the second and third
no-wait runs each check the open wave exactly once (the lab's agents upgrade at their second check:
the second run waits, the third passes the wave). A fourth run, after the wave passed, does no
check: its cost is the playbook's fixed overhead. One check costs a check run minus that overhead. Reported: remote
executions and bytes per agent per check (counted by the lab), wall time and controller CPU
(ansible-playbook and its workers) per check, and the decision step alone (the state of N agents
read, judged, written atomically) timed in-process.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

# pylint: disable=wrong-import-position
from ansible_collections.apexone.upgrade.plugins.module_utils import rollout  # noqa: E402
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _rollout_state  # noqa: E402
from ansible_collections.apexone.upgrade.tests.lab.endpoint import server as lab_endpoint  # noqa: E402

LAB = os.path.join(ROOT, "tests", "lab")


def inventory(path, size):
    agents = dict(("agent-%04d" % i, {"apexone_lab_state": "rollout-agent-slow"}) for i in range(size))
    with open(os.path.join(LAB, "group_vars", "windows.yml"), encoding="utf-8") as handle:
        connection = yaml.safe_load(handle)  # the real winrm plugin to the lab's loopback endpoint
    data = {"all": {"children": {"windows": {
        "vars": connection,
        "children": {"apexone_server": {"hosts": {"apexone-srv": {"apexone_lab_state": "apexone-srv-upgraded"}}},
                     "apexone_agents": {"hosts": agents}}}}}}
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)


def lab_counts(lab_dir):
    total = {"executions": 0, "bytes_sent": 0, "bytes_received": 0, "probe": 0}
    folder = os.path.join(lab_dir, "counts")
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        if not name.endswith(".json") or name.startswith("apexone-srv"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            data = json.load(handle)
        for key in ("executions", "bytes_sent", "bytes_received"):
            total[key] += data[key]
        total["probe"] += data["scripts"].get("probe", 0)
    return total


def run(folder, inv, forks, extra):
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(LAB, "ansible.cfg"), APEXONE_LAB_DIR=os.path.join(folder, "lab"),
               ANSIBLE_FORKS=str(forks), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    counts_before = lab_counts(os.path.join(folder, "lab"))
    started = time.monotonic()
    # the endpoint runs in this process: its CPU is the hosts', not the controller's (RUSAGE_CHILDREN)
    with open(os.path.join(folder, "output.log"), "a", encoding="utf-8") as log, \
            lab_endpoint.Endpoint(env["APEXONE_LAB_DIR"]):
        proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                               os.path.join(ROOT, "playbooks", "release_hotfix_block.yml"), "-i", inv,
                               "-e", json.dumps(extra)], env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    counts_after = lab_counts(os.path.join(folder, "lab"))
    if proc.returncode != 0:
        raise SystemExit("run failed (rc %d): see %s" % (proc.returncode, os.path.join(folder, "output.log")))
    delta = dict((k, counts_after[k] - counts_before[k]) for k in counts_after)
    return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), "lab": delta}


def decision_step(size, work):
    """The controller's own work for one check of N agents: judge, write the state atomically."""
    agents = ["agent-%04d" % i for i in range(size)]
    state = rollout.new_state(rollout.plan_waves(["100%"], agents, {}),
                              rollout.check_settings(600, 86400, 95), "2026-11-22T06:00:00Z")
    rollout.start_wave(state, 1, "2026-11-22T06:00:00Z")
    for host in agents:
        state["hosts"][host]["released_at"] = "2026-11-22T06:00:00Z"
    seen = {"status": rollout.STILL_XG, "version": "12.0.5684", "product": "xg", "blocked": False, "services": {},
            "identity": {"GUID": "g"}, "display_says_apexone": True}
    path = os.path.join(work, "decision-%d.json" % size)
    started = time.process_time()
    rounds = 5
    for index in range(rounds):
        now = "2026-11-22T06:%02d:00Z" % (10 + index)
        rollout.record_poll(state, dict((h, dict(seen)) for h in agents), now)
        rollout.apply_gate(state, 1, rollout.gate(state, 1, now), now)
        _rollout_state.save(path, state)
    return {"cpu_per_check": (time.process_time() - started) / rounds, "state_bytes": os.path.getsize(path)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--forks", type=int, default=50)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "benchmark"))
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="rollout-poll-")
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "forks": args.forks, "sizes": {}}
    try:
        for size in args.sizes:
            folder = os.path.join(work, str(size))
            os.makedirs(folder)
            inv = os.path.join(folder, "inventory.yml")
            inventory(inv, size)
            extra = {"apexone_release_waves": ["100%"], "apexone_rollout_wait": False,
                     "apexone_report_dir": os.path.join(folder, "reports"), "apexone_report_lang": "en"}
            release = run(folder, inv, args.forks, extra)
            # rollout-agent-slow upgrades at its second check: the first check run waits, the second passes
            # the wave (and writes the report), the third has nothing to check (the fixed overhead).
            check, passing = run(folder, inv, args.forks, extra), run(folder, inv, args.forks, extra)
            overhead = run(folder, inv, args.forks, extra)
            per_agent = dict((k, round(v / float(size), 2)) for k, v in check["lab"].items())
            results["sizes"][size] = {
                "release_run": {"wall_s": round(release["wall"], 1), "cpu_s": round(release["cpu"], 1)},
                "check_run": {"wall_s": round(check["wall"], 1), "cpu_s": round(check["cpu"], 1)},
                "passing_check_run": {"wall_s": round(passing["wall"], 1), "cpu_s": round(passing["cpu"], 1)},
                "idle_run": {"wall_s": round(overhead["wall"], 1), "cpu_s": round(overhead["cpu"], 1)},
                "one_check": {"wall_s": round(check["wall"] - overhead["wall"], 1),
                              "cpu_s": round(check["cpu"] - overhead["cpu"], 1),
                              "cpu_ms_per_agent": round(1000 * (check["cpu"] - overhead["cpu"]) / size, 1)},
                "per_agent_per_check": per_agent,
                "decision_step": decision_step(size, folder),
            }
            print(json.dumps({size: results["sizes"][size]}, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "rollout-poll-%s.json" % results["date"][:10])
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(results, handle, indent=1)
    print("written:", path)


if __name__ == "__main__":
    main()
