# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: what each playbook costs per host against the lab, and the report at 10,000 hosts.

    python benchmarks/run.py [--sizes 1 100 1000] [--forks 25] [--out build/benchmark]

For each playbook and inventory size: remote executions per host (counted by the lab), bytes sent
and received per host, controller CPU seconds per host (ansible-playbook and its workers), wall
time. Then the fleet report alone for 10,000 synthetic hosts, and the task count per host of the
same preflight written with stock ansible.windows modules (benchmarks/baseline_stock_preflight.yml).
Results are printed as a table and written as JSON to compare run to run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

# pylint: disable=wrong-import-position
from ansible_collections.apexone.upgrade.plugins.module_utils import (  # noqa: E402
    certificates, preflight, probe_plan, report)
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _report_files  # noqa: E402
from ansible_collections.apexone.upgrade.tests.lab.endpoint import server as lab_endpoint  # noqa: E402
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins  # noqa: E402

LAB = os.path.join(ROOT, "tests", "lab")
AGENT_SEEDS = ["agent-win10-64", "agent-win10-32", "agent-win7-sp1-nokb", "agent-win7-rtm", "agent-2008r2",
               "host-no-agent", "agent-missing-certs"]
PLAYBOOKS = {
    "preflight": {"file": "playbooks/preflight.yml", "server": "apexone-srv", "agents": AGENT_SEEDS,
                  "extra": {"apexone_fail_on_blockers": False}},
    "block_hotfix": {"file": "playbooks/block_hotfix.yml", "server": "apexone-srv", "agents": AGENT_SEEDS, "extra": {}},
    "verify_post_upgrade": {"file": "playbooks/verify_post_upgrade.yml", "server": "apexone-srv-upgraded",
                            "agents": ["agent-apexone", "agent-xg-renamed"], "extra": {}},
}
TARGETS = {"preflight": (1, 2), "block_hotfix": (1, 0), "verify_post_upgrade": (1, 2)}  # per agent, server at most


def inventory(path, size, server_seed, agent_seeds):
    agents = dict(("agent-%04d" % i, {"apexone_lab_state": agent_seeds[i % len(agent_seeds)]}) for i in range(size))
    with open(os.path.join(LAB, "group_vars", "windows.yml"), encoding="utf-8") as handle:
        connection = yaml.safe_load(handle)  # the real winrm plugin to the lab's loopback endpoint
    data = {"all": {"children": {"windows": {
        "vars": connection,
        "children": {"apexone_server": {"hosts": {"apexone-srv": {"apexone_lab_state": server_seed}}},
                     "apexone_agents": {"hosts": agents}}}}}}
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)


def run_playbook(name, size, forks, work):
    spec = PLAYBOOKS[name]
    folder = os.path.join(work, "%s-%d" % (name, size))
    os.makedirs(folder)
    inv = os.path.join(folder, "inventory.yml")
    inventory(inv, size, spec["server"], spec["agents"])
    extra = dict(spec["extra"], apexone_report_dir=os.path.join(folder, "reports"),
                 apexone_backup_dir=os.path.join(folder, "backups"))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(LAB, "ansible.cfg"), APEXONE_LAB_DIR=os.path.join(folder, "lab"),
               ANSIBLE_FORKS=str(forks), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    # the endpoint runs in this process: its CPU is the hosts', not the controller's (RUSAGE_CHILDREN)
    with open(os.path.join(folder, "output.log"), "w", encoding="utf-8") as log, lab_endpoint.Endpoint(env["APEXONE_LAB_DIR"]):
        proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                               os.path.join(ROOT, spec["file"]), "-i", inv, "-e", json.dumps(extra)],
                              env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    counts = {}
    for entry in os.listdir(os.path.join(folder, "lab", "counts")):
        if entry.endswith(".json"):
            with open(os.path.join(folder, "lab", "counts", entry), encoding="utf-8") as handle:
                counts[entry[:-5]] = json.load(handle)
    agents = [counts.get("agent-%04d" % i, {"executions": 0, "bytes_sent": 0, "bytes_received": 0}) for i in range(size)]
    server = counts.get("apexone-srv", {"executions": 0, "bytes_sent": 0, "bytes_received": 0})
    hosts = size + 1
    touched = [c for c in counts.values() if c["executions"]] or [{"bytes_sent": 0, "bytes_received": 0}]
    return {
        "playbook": name, "agents": size, "rc": proc.returncode,
        "executions_per_agent_max": max(a["executions"] for a in agents),
        "executions_per_agent_mean": round(statistics.mean(a["executions"] for a in agents), 2),
        "executions_server": server["executions"],
        # per host the playbook ran a script on (block_hotfix leaves the server alone)
        "bytes_sent_per_host": int(sum(c["bytes_sent"] for c in touched) / len(touched)),
        "bytes_received_per_host": int(sum(c["bytes_received"] for c in touched) / len(touched)),
        "controller_cpu_s_per_host": round(cpu / hosts, 3),
        "wall_s": round(wall, 1),
        "refused": sum(len(c.get("refused", [])) for c in counts.values()),
    }


def report_at_scale(hosts, work):
    """The report alone: facts and findings of the lab's agent cases, repeated to `hosts` hosts."""
    required = certificates.required_certificates()
    params = probe_plan.probe_params(list(probe_plan.HOST_SUBSETS))
    templates = []
    for seed in AGENT_SEEDS:
        facts = preflight.host_facts(twins.probe(state.load_seed(seed), params), required)
        templates.append((facts, preflight.host_findings(facts, is_server=False, is_agent=True)))
    names = ["agent-%05d" % i for i in range(hosts)]
    facts = dict((name, templates[i % len(templates)][0]) for i, name in enumerate(names))
    findings = dict((name, templates[i % len(templates)][1]) for i, name in enumerate(names))
    started = time.monotonic()
    fleet = preflight.fleet_findings(facts, [], names)
    model = report.build([(n, "agent") for n in names], facts, findings, fleet, "ja", "now")
    built = time.monotonic() - started
    paths = _report_files.write(model, os.path.join(work, "report-%d" % hosts), "preflight")
    total = time.monotonic() - started
    return {"hosts": hosts, "build_s": round(built, 2), "build_and_write_s": round(total, 2),
            "html_mb": round(os.path.getsize(paths["html"]) / 1e6, 1), "json_mb": round(os.path.getsize(paths["json"]) / 1e6, 1)}


def baseline_tasks():
    """Tasks per host of the stock-module preflight: each is at least one remote execution."""
    with open(os.path.join(ROOT, "benchmarks", "baseline_stock_preflight.yml"), encoding="utf-8") as handle:
        plays = yaml.safe_load(handle)
    per_group = {}
    for play in plays:
        per_group[play["hosts"]] = per_group.get(play["hosts"], 0) + len(play.get("tasks", []))
    return per_group


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--forks", type=int, default=25)
    parser.add_argument("--report-hosts", type=int, default=10000)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "benchmark"))
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="apexone-bench-")
    os.environ["APEXONE_LAB_DIR"] = os.path.join(work, "twins")
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "forks": args.forks, "runs": []}
    try:
        print("%-20s %6s %4s %11s %9s %11s %11s %10s %8s" % (
            "playbook", "agents", "rc", "exec/agent", "exec/srv", "sent/host", "recv/host", "cpu s/host", "wall s"))
        for size in args.sizes:
            for name in PLAYBOOKS:
                row = run_playbook(name, size, args.forks, work)
                results["runs"].append(row)
                print("%-20s %6d %4d %5d (%4.2f) %9d %11d %11d %10.3f %8.1f" % (
                    name, size, row["rc"], row["executions_per_agent_max"], row["executions_per_agent_mean"],
                    row["executions_server"], row["bytes_sent_per_host"], row["bytes_received_per_host"],
                    row["controller_cpu_s_per_host"], row["wall_s"]), flush=True)
        results["report"] = report_at_scale(args.report_hosts, work)
        print("\nreport alone, %(hosts)d hosts: built in %(build_s)ss, built and written in %(build_and_write_s)ss "
              "(HTML %(html_mb)s MB, JSON %(json_mb)s MB)" % results["report"])
        results["baseline_stock_tasks_per_host"] = baseline_tasks()
        print("stock ansible.windows preflight (benchmarks/baseline_stock_preflight.yml): %s tasks per host, each at "
              "least one remote execution; this collection: 1 per agent, at most 2 on the server"
              % ", ".join("%s %d" % kv for kv in results["baseline_stock_tasks_per_host"].items()))
        targets = []
        for row in results["runs"]:
            agent_target, server_target = TARGETS[row["playbook"]]
            met = row["executions_per_agent_max"] <= agent_target and row["executions_server"] <= server_target
            targets.append(met)
        results["targets_met"] = all(targets) and results["report"]["build_and_write_s"] < 5
        print("targets (executions per host, report under 5 s): %s" % ("met" if results["targets_met"] else "NOT met"))
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "results-%s.json" % results["date"].replace(":", ""))
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)
        print("results: %s" % path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if results.get("targets_met") else 1


if __name__ == "__main__":
    sys.exit(main())
