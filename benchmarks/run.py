# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: what each playbook costs per host and per transport against the lab, beside a no-op playbook.

    python benchmarks/run.py [--sizes 1 100] [--forks 25] [--transports winrm psrp] [--latency 0]
                             [--scale 1000] [--scale-forks 50 100] [--scale-latency 1.0] [--out build/benchmark]
                             [--profile DIR]

The lab hosts are the loopback WS-Management endpoint (tests/lab/endpoint/, started here) reached
through ansible-core's real `winrm` / `psrp` plugins with NTLM and message encryption. For each
playbook, inventory size and transport: remote executions per host (counted by the lab), HTTP
requests, bytes on the wire each way and shells / runspaces opened per host (counted by the
endpoint), controller CPU seconds per host (ansible-playbook and its workers; the endpoint runs in
this process and is not counted), wall time; beside a no-op `set_fact` playbook on the same
inventory (what Ansible costs per host before any connection). Then the preflight at `--scale`
agents with `--scale-latency` seconds per command (the endpoint's slow host) at each of
`--scale-forks`, and the task count per host of the same preflight written with stock ansible.windows
modules (benchmarks/baseline_stock_preflight.yml). The fleet report at 10,000 and 50,000 hosts is
benchmarks/report_scale.py. With --profile, each preflight run is recorded with py-spy (every process,
workers included) into DIR, for benchmarks/profile_summary.py. Results are printed as tables and
written as JSON to compare run to run.
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
from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan  # noqa: E402
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload  # noqa: E402
from ansible_collections.apexone.upgrade.tests.lab.endpoint import server  # noqa: E402

LAB = os.path.join(ROOT, "tests", "lab")
# the main lab's agents; the PowerShell 2.0 / Constrained Language Mode hosts answer short (one execution,
# a smaller answer) and are left out so that runs stay comparable
AGENT_SEEDS = ["agent-win10-64", "agent-win10-32", "agent-win7-sp1-nokb", "agent-2008r2", "host-no-agent",
               "agent-missing-certs"]
PLAYBOOKS = {
    "preflight": {"file": "playbooks/preflight.yml", "server": "apexone-srv", "agents": AGENT_SEEDS,
                  "extra": {"apexone_fail_on_blockers": False}},
    "block_hotfix": {"file": "playbooks/block_hotfix.yml", "server": "apexone-srv", "agents": AGENT_SEEDS, "extra": {}},
    "verify_post_upgrade": {"file": "playbooks/verify_post_upgrade.yml", "server": "apexone-srv-upgraded",
                            "agents": ["agent-apexone", "agent-xg-renamed"], "extra": {}},
}
TARGETS = {"preflight": (1, 2), "block_hotfix": (1, 0), "verify_post_upgrade": (1, 2)}  # per agent, server at most
NOOP = os.path.join(ROOT, "benchmarks", "noop_set_fact.yml")
EMPTY_COMMAND = os.path.join(ROOT, "benchmarks", "empty_command.yml")
CPU_RATIO_TARGET = 2.0  # the preflight's controller CPU per host, at most this many times the no-op's
# WS-Man requests one execution needs when its command ends within one Receive (NTLM legs aside):
# winrm: Create, Command, Send, Receive, Signal, Delete; psrp: Create, Receive (opening), Command, Send,
# Receive, Delete (the plugin leaves the last pipeline to the runspace's close).
NEEDED = {"winrm": 6, "psrp": 6}


def inventory(path, size, server_seed, agent_seeds, transport, port):
    """The lab inventory with literal connection settings, as a real inventory has them."""
    def host(name, seed):
        where = "/wsman/%s?seed=%s" % (name, seed)
        return {"apexone_lab_state": seed, "ansible_%s_path" % transport: where}

    agents = dict(("agent-%04d" % i, host("agent-%04d" % i, agent_seeds[i % len(agent_seeds)])) for i in range(size))
    connection = {"ansible_connection": transport, "ansible_host": "127.0.0.1",
                  "ansible_port": port, "ansible_user": "apexone-lab", "ansible_password": "Lab-Passw0rd-1"}
    if transport == "winrm":
        connection.update(ansible_winrm_scheme="http", ansible_winrm_transport="ntlm",
                          ansible_winrm_message_encryption="auto", ansible_winrm_operation_timeout_sec=20,
                          ansible_winrm_read_timeout_sec=30)
    else:
        connection.update(ansible_psrp_protocol="http", ansible_psrp_auth="ntlm", ansible_psrp_message_encryption="auto",
                          ansible_psrp_operation_timeout=20, ansible_psrp_read_timeout=30)
    data = {"all": {"children": {"windows": {
        "vars": connection,
        "children": {"apexone_server": {"hosts": {"apexone-srv": host("apexone-srv", server_seed)}},
                     "apexone_agents": {"hosts": agents}}}}}}
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(data, handle)


def _zero():
    return {"executions": 0, "bytes_sent": 0, "bytes_received": 0, "http_requests": 0, "wire_bytes_to_host": 0,
            "wire_bytes_from_host": 0, "shells_opened": 0, "runspaces_opened": 0, "shells_open": 0,
            "runspaces_open": 0}


def run_playbook(name, size, forks, work, transport, latency=0.0, playbook=None, profile=None):
    spec = PLAYBOOKS.get(name, PLAYBOOKS["preflight"])
    folder = os.path.join(work, "%s-%d-%s-f%d-l%s" % (name, size, transport, forks, latency))
    os.makedirs(folder)
    lab_dir = os.path.join(folder, "lab")
    extra = dict(spec["extra"], apexone_report_dir=os.path.join(folder, "reports"),
                 apexone_backup_dir=os.path.join(folder, "backups"))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(LAB, "ansible.cfg"), APEXONE_LAB_DIR=lab_dir,
               ANSIBLE_FORKS=str(forks), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal",
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"))
    if BYTECODE:
        # scripts/env.sh keeps Python from writing bytecode into the source tree, so each worker would compile the
        # collection's modules again; an installed collection has its bytecode after its first run (and ansible-core
        # has had its own since pip installed it): the runs read it from build/pycache (--no-bytecode: compile).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = BYTECODE
    # the endpoint runs in this process: its CPU is the hosts', not the controller's (RUSAGE_CHILDREN)
    with server.Endpoint(lab_dir, latency=latency) as endpoint:
        inv = os.path.join(folder, "inventory.yml")
        inventory(inv, size, spec["server"], spec["agents"], transport, endpoint.port)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
                   playbook or os.path.join(ROOT, spec["file"]), "-i", inv, "-e", json.dumps(extra)]
        if profile:  # py-spy's own CPU is counted too: compare profiled runs with profiled runs only
            os.makedirs(profile, exist_ok=True)
            command = [shutil.which("py-spy") or "py-spy", "record", "--subprocesses", "--format", "raw", "--rate",
                       "100", "-o", os.path.join(profile, "%s-%d-%s.txt" % (name, size, transport)), "--"] + command
        with open(os.path.join(folder, "output.log"), "w", encoding="utf-8") as log:
            proc = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
        wall = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.path.join(folder, "output.log"), encoding="utf-8") as log:
        failed = [text.strip()[:300] for text in log if "FAILED" in text or "UNREACHABLE" in text]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    counts = {}
    folder_counts = os.path.join(lab_dir, "counts")
    for entry in os.listdir(folder_counts) if os.path.isdir(folder_counts) else []:
        if entry.endswith(".json"):
            with open(os.path.join(folder_counts, entry), encoding="utf-8") as handle:
                counts[entry[:-5]] = dict(_zero(), **json.load(handle))
    agents = [counts.get("agent-%04d" % i, _zero()) for i in range(size)]
    server_counts = counts.get("apexone-srv", _zero())
    hosts = size + 1
    touched = [c for c in counts.values() if c["executions"]] or [_zero()]
    executions = sum(c["executions"] for c in touched) or 1

    def per_host(key):
        return int(sum(c[key] for c in touched) / len(touched))

    opened = "runspaces_opened" if transport == "psrp" else "shells_opened"
    return {
        "playbook": name, "agents": size, "transport": transport, "forks": forks, "latency_s": latency,
        "rc": proc.returncode,
        "executions_per_agent_max": max(a["executions"] for a in agents) if agents else 0,
        "executions_per_agent_mean": round(statistics.mean(a["executions"] for a in agents), 2) if agents else 0,
        "executions_server": server_counts["executions"],
        # per host the playbook ran a script on (block_hotfix leaves the server alone)
        "payload_bytes_sent_per_host": per_host("bytes_sent"),
        "payload_bytes_received_per_host": per_host("bytes_received"),
        "http_requests_per_host": round(sum(c["http_requests"] for c in touched) / len(touched), 1),
        "http_requests_per_execution": round(sum(c["http_requests"] for c in touched) / executions, 1),
        "wire_bytes_to_host_per_host": per_host("wire_bytes_to_host"),
        "wire_bytes_from_host_per_host": per_host("wire_bytes_from_host"),
        "shells_per_host": round(sum(c[opened] for c in touched) / len(touched), 2),
        "left_open": sum(c["shells_open"] + c["runspaces_open"] for c in counts.values()),
        "controller_cpu_s_per_host": round(cpu / hosts, 3),
        "wall_s": round(wall, 1),
        "refused": sum(len(c.get("refused", [])) for c in counts.values()),
        "failed_lines": failed[:5],
    }


HEADER = ("%-20s %-5s %6s %5s %4s %9s %8s %7s %8s %8s %8s %8s %6s %8s %8s %7s" % (
    "playbook", "via", "agents", "forks", "rc", "exec/agt", "exec/srv", "req/h", "req/exec", "sent/h", "recv/h",
    "payload", "shells", "cpu s/h", "noop s/h", "wall s"))


def line(row, noop):
    return "%-20s %-5s %6d %5d %4d %4d(%4.2f) %8d %7.1f %8.1f %8d %8d %8d %6.2f %8.3f %8s %7.1f" % (
        row["playbook"], row["transport"], row["agents"], row["forks"], row["rc"], row["executions_per_agent_max"],
        row["executions_per_agent_mean"], row["executions_server"], row["http_requests_per_host"],
        row["http_requests_per_execution"], row["wire_bytes_to_host_per_host"], row["wire_bytes_from_host_per_host"],
        row["payload_bytes_sent_per_host"], row["shells_per_host"], row["controller_cpu_s_per_host"],
        "%.3f" % noop["controller_cpu_s_per_host"] if noop else "-", row["wall_s"])


def cpu_split(preflight, floor, noop):
    """Where the preflight's controller CPU per host goes: what any task costs (the no-op), what a connection and
    one empty command add (benchmarks/empty_command.yml), and the rest: the preflight's own (its arguments,
    script, decisions, record and report)."""
    task = noop["controller_cpu_s_per_host"]
    connection = max(floor["controller_cpu_s_per_host"] - task, 0.0)
    total = preflight["controller_cpu_s_per_host"]
    return {"transport": preflight["transport"], "agents": preflight["agents"], "preflight": total, "task": task,
            "connection": round(connection, 3), "own": round(max(total - task - connection, 0.0), 3)}


def baseline_tasks():
    """Tasks per host of the stock-module preflight: each is at least one remote execution."""
    with open(os.path.join(ROOT, "benchmarks", "baseline_stock_preflight.yml"), encoding="utf-8") as handle:
        plays = yaml.safe_load(handle)
    per_group = {}
    for play in plays:
        per_group[play["hosts"]] = per_group.get(play["hosts"], 0) + len(play.get("tasks", []))
    return per_group


BYTECODE = os.path.join(ROOT, "build", "pycache")


def main():
    global BYTECODE  # pylint: disable=global-statement
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--forks", type=int, default=25)
    parser.add_argument("--transports", nargs="+", default=["winrm", "psrp"], choices=["winrm", "psrp"])
    parser.add_argument("--playbooks", nargs="+", default=list(PLAYBOOKS), choices=list(PLAYBOOKS))
    parser.add_argument("--latency", type=float, default=0.0, help="seconds each command runs on a lab host")
    parser.add_argument("--scale", type=int, default=1000, help="agents for the preflight at scale (0: skip)")
    parser.add_argument("--scale-forks", type=int, nargs="+", default=[50, 100])
    parser.add_argument("--scale-latency", type=float, default=1.0)
    parser.add_argument("--profile", metavar="DIR", help="record each preflight run with py-spy into DIR")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="let every worker compile the collection's Python, as where its folder is read-only")
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "benchmark"))
    args = parser.parse_args()
    if args.no_bytecode:
        BYTECODE = None
    else:
        subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.join(ROOT, "plugins")], check=True,
                       env=dict(os.environ, PYTHONPYCACHEPREFIX=BYTECODE), stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="apexone-bench-")
    os.environ["APEXONE_LAB_DIR"] = os.path.join(work, "twins")
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "load": os.getloadavg()},
               "bytecode": BYTECODE is not None, "forks": args.forks,
               "command": " ".join([os.path.basename(sys.executable)] + sys.argv), "runs": [], "scale": []}
    params = probe_plan.probe_params(list(probe_plan.HOST_SUBSETS))
    # What an agent's probe sends, as plain text: the command (the winrm plugin wraps it in -EncodedCommand,
    # 2.67 bytes a character on the command line) and the input line. Reported, never bought with compression.
    command, stdin = payload.command(), payload.stdin("probe", params)
    results["probe_payload"] = {"command_bytes": len(command), "stdin_bytes": len(stdin),
                                "script_bytes": len(payload.script_for("probe", params)),
                                "whole_script_bytes": len(payload.script_text("probe"))}
    results["probe_wire"] = probe_on_the_wire(work, args.transports)
    try:
        print("an agent's probe sends a command of %(command_bytes)d characters and an input line of %(stdin_bytes)d "
              "bytes, plain text (the probe itself: %(script_bytes)d of the file's %(whole_script_bytes)d characters, "
              "without comments, indentation and the parts an agent does not ask for)" % results["probe_payload"])
        for transport, wire in results["probe_wire"].items():
            added = wire["probe"] - wire["floor"]
            print("probe on the wire over %s: %d bytes to the host; any command costs %d (an empty one), so the probe "
                  "adds %d (per step: benchmarks/wire_breakdown.py)" % (transport, wire["probe"], wire["floor"], added))
        print("\nper host: req = HTTP requests (NTLM legs included), sent / recv = bytes on the wire, payload = command "
              "line + stdin, shells = shells or runspaces opened, noop = a set_fact playbook on the same inventory")
        print(HEADER)
        for size in [n for n in args.sizes if n > 0]:  # --sizes 0: the scale run only
            for transport in args.transports:
                noop = run_playbook("noop", size, args.forks, work, transport, args.latency, playbook=NOOP)
                results["runs"].append(noop)
                for name in args.playbooks:
                    row = run_playbook(name, size, args.forks, work, transport, args.latency,
                                       profile=args.profile if name == "preflight" else None)
                    results["runs"].append(row)
                    print(line(row, noop), flush=True)
                if "preflight" in args.playbooks and size >= 100:
                    floor = run_playbook("empty_command", size, args.forks, work, transport, args.latency,
                                         playbook=EMPTY_COMMAND)
                    preflight = next(r for r in results["runs"] if r["playbook"] == "preflight" and r["agents"] == size
                                     and r["transport"] == transport)
                    results["runs"].append(floor)
                    results.setdefault("cpu_split", []).append(cpu_split(preflight, floor, noop))
        if args.scale:
            print("\npreflight at %d agents, %.1f s per command on every host" % (args.scale, args.scale_latency))
            print(HEADER)
            for transport in args.transports:
                for forks in args.scale_forks:
                    noop = run_playbook("noop", args.scale, forks, work, transport, args.scale_latency, playbook=NOOP)
                    row = run_playbook("preflight", args.scale, forks, work, transport, args.scale_latency,
                                       profile=args.profile)
                    results["scale"].append({"preflight": row, "noop": noop})
                    print(line(row, noop), flush=True)
        for split in results.get("cpu_split", []):
            print("controller CPU s per host, preflight over %(transport)s at %(agents)d agents: %(preflight).3f = Ansible's "
                  "task (the no-op) %(task).3f + the connection and an empty command %(connection).3f + the preflight's "
                  "own %(own).3f" % split)
        results["baseline_stock_tasks_per_host"] = baseline_tasks()
        print("stock ansible.windows preflight (benchmarks/baseline_stock_preflight.yml): %s tasks per host, each at "
              "least one remote execution; this collection: 1 per agent, at most 2 on the server"
              % ", ".join("%s %d" % kv for kv in results["baseline_stock_tasks_per_host"].items()))
        results["targets"] = targets(results, args)
        for target, (met, text) in results["targets"].items():
            print("target %-28s %s: %s" % (target, "met" if met else "NOT met", text))
        results["targets_met"] = all(met for met, dummy in results["targets"].values())
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "results-%s.json" % results["date"].replace(":", ""))
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)
        print("results: %s" % path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if results.get("targets_met") else 1


def probe_on_the_wire(work, transports):
    """Bytes to the host of one agent probe and of an empty command, per transport, as the endpoint counts
    them (benchmarks/wire_breakdown.py, same plugins, NTLM and message encryption)."""
    path = os.path.join(work, "wire.json")
    subprocess.run([sys.executable, os.path.join(ROOT, "benchmarks", "wire_breakdown.py"), "--json", path,
                    "--transports"] + list(transports), check=True, stdout=subprocess.DEVNULL)
    with open(path, encoding="utf-8") as handle:
        found = json.load(handle)
    return dict((transport, {"floor": cases["floor"]["to_host"], "probe": cases["probe"]["to_host"]})
                for transport, cases in found.items())


def targets(results, args):
    found = {}
    rows = [r for r in results["runs"] if r["playbook"] in PLAYBOOKS]
    found["executions per host"] = (all(
        r["executions_per_agent_max"] <= TARGETS[r["playbook"]][0] and r["executions_server"] <= TARGETS[r["playbook"]][1]
        for r in rows), "1 per agent, at most 2 on the server")
    found["nothing refused"] = (all(not r["refused"] and not any("UNREACHABLE" in f for f in r["failed_lines"])
                                    for r in rows + [s["preflight"] for s in results["scale"]]),
                                "no script refused by the lab, no host unreachable (verify_post_upgrade ends rc 2 "
                                "by design: the lab's post-upgrade hosts include one that needs action)")
    found["no shell left open"] = (all(r["left_open"] == 0 for r in rows + [s["preflight"] for s in results["scale"]]),
                                   "shells and runspaces open after each run")
    extra = [r for r in rows if r["http_requests_per_execution"] > NEEDED[r["transport"]] + 3]  # + 3 NTLM legs
    found["requests per execution"] = (not extra, "at most the WS-Man steps an execution needs + the NTLM handshake "
                                       "(winrm 9, psrp 9)")
    noops = dict(((r["agents"], r["transport"], r["forks"], r["latency_s"]), r) for r in results["runs"]
                 if r["playbook"] == "noop")
    pairs = [(r, noops.get((r["agents"], r["transport"], r["forks"], r["latency_s"])))
             for r in rows if r["playbook"] == "preflight" and r["agents"] >= 100]
    pairs += [(s["preflight"], s["noop"]) for s in results["scale"]]
    pairs = [(r, n) for r, n in pairs if n and n["controller_cpu_s_per_host"]]
    if pairs:
        ratios = ["%s %d agents: %.3f / %.3f = %.1fx" % (
            r["transport"], r["agents"], r["controller_cpu_s_per_host"], n["controller_cpu_s_per_host"],
            r["controller_cpu_s_per_host"] / n["controller_cpu_s_per_host"]) for r, n in pairs]
        found["preflight cpu <= 2x no-op"] = (all(
            r["controller_cpu_s_per_host"] <= CPU_RATIO_TARGET * n["controller_cpu_s_per_host"] for r, n in pairs),
            "controller CPU s per host, preflight / no-op: " + "; ".join(ratios))
    return found


if __name__ == "__main__":
    sys.exit(main())
