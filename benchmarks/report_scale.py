# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the fleet report play over Ansible's fact cache at 10,000 and 50,000 hosts.

    python benchmarks/report_scale.py [--hosts 10000 50000] [--inventory yaml|script] [--profile DIR]
                                      [--out build/benchmark]

For each size: the lab's server and agent cases are read once through their twins (the record the
compact probe of apexone_facts leaves for them), repeated to the size, and written into a jsonfile
fact cache by ansible-core's own cache plugin; then the real report play (playbooks/preflight_report.yml)
runs through ansible-playbook, reading every host through Ansible's hostvars. Printed per size: wall
seconds, controller CPU seconds, peak RSS of the largest process (ansible-playbook or one of its
workers), the HTML (every page) and JSON sizes and the number of files. Targets at 50,000 hosts:
under 2 minutes and under 1 GB. The figures before the compact record and the streamed report come
from this script at commit d301ef2 (full facts in the cache, the report task of that time).
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

# pylint: disable=wrong-import-position
from ansible_collections.apexone.upgrade.plugins.module_utils import (  # noqa: E402
    certificates, fleet_record, preflight, probe_plan)
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _collection  # noqa: E402
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins  # noqa: E402

SERVER_SEED = "apexone-srv"
AGENT_SEEDS = ["agent-win10-64", "agent-win10-32", "agent-win7-sp1-nokb", "agent-2008r2", "host-no-agent",
               "agent-missing-certs"]
WALL_TARGET, RSS_TARGET_MB = 120.0, 1024.0  # at 50,000 hosts
CHUNK = 5000
REPORT_PLAY = os.path.join(ROOT, "playbooks", "preflight_report.yml")


def host_record(seed, is_server, read_at):
    """What the compact probe of apexone_facts leaves for a lab host in the fact cache."""
    required = certificates.required_certificates()
    subsets = list(probe_plan.HOST_SUBSETS) + (["network"] if is_server else [])
    params = probe_plan.probe_params(subsets)
    facts = preflight.host_facts(twins.probe(state.load_seed(seed), params), required)
    facts["role"] = "server" if is_server else "agent"
    found = preflight.host_findings(facts, is_server=is_server, is_agent=not is_server)
    return {fleet_record.FACT: fleet_record.record(facts, found, read_at, _collection.version())}


def fact_cache(folder):
    """Ansible's own jsonfile cache plugin on `folder`: it writes the files as this ansible-core reads them."""
    os.environ["ANSIBLE_CACHE_PLUGIN_CONNECTION"] = folder
    from ansible.plugins.loader import cache_loader  # pylint: disable=import-outside-toplevel
    return cache_loader.get("jsonfile")


def _set_facts(folder, items):
    plugin = fact_cache(folder)
    for name, facts in items:
        plugin.set(name, facts)


def write_fleet(work, hosts, inventory_format="yaml"):
    """The inventory and the jsonfile fact cache of `hosts` agents and one server.

    ansible-core's file cache plugins leave open the descriptor of every file they write (mkstemp's, in
    BaseFileCacheModule.set; 2.19): the cache is written by child processes of CHUNK hosts each.
    """
    cache = os.path.join(work, "facts")
    read_at = fleet_record.stamp(datetime.datetime.now(datetime.timezone.utc))
    cases = [host_record(seed, False, read_at) for seed in AGENT_SEEDS]
    names = ["agent-%05d" % i for i in range(hosts)]
    items = [(name, cases[i % len(cases)]) for i, name in enumerate(names)]
    items.append(("apexone-srv", host_record(SERVER_SEED, True, read_at)))
    for start in range(0, len(items), CHUNK):
        child = multiprocessing.get_context("fork").Process(target=_set_facts, args=(cache, items[start:start + CHUNK]))
        child.start()
        child.join()
        if child.exitcode:
            raise RuntimeError("writing the fact cache failed (exit code %s)" % child.exitcode)
    addresses = dict((name, "10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)) for i, name in enumerate(names))
    addresses["apexone-srv"] = "10.0.0.1"
    if inventory_format == "script":
        return write_script_inventory(work, names, addresses), cache
    inventory = {"all": {"children": {"windows": {"children": {
        "apexone_server": {"hosts": {"apexone-srv": {"ansible_host": addresses["apexone-srv"]}}},
        "apexone_agents": {"hosts": dict((name, {"ansible_host": addresses[name]}) for name in names)}}}}}}
    path = os.path.join(work, "inventory.yml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(inventory, handle, default_flow_style=False)
    return path, cache


def write_script_inventory(work, names, addresses):
    """The inventory as AWX hands it to a job: an executable that prints the inventory as JSON, with every host's
    variables under _meta (awx Inventory.get_script_data)."""
    data = {"all": {"children": ["windows"]}, "windows": {"children": ["apexone_server", "apexone_agents"]},
            "apexone_server": {"hosts": ["apexone-srv"]}, "apexone_agents": {"hosts": names},
            "_meta": {"hostvars": dict((name, {"ansible_host": address}) for name, address in addresses.items())}}
    path = os.path.join(work, "inventory.py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("#!%s\nimport sys\nsys.stdout.write(%r)\n" % (sys.executable, json.dumps(data)))
    os.chmod(path, 0o700)
    return path


def run_report(work, inventory, cache, profile=None):
    reports = os.path.join(work, "reports")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"),
               ANSIBLE_CACHE_PLUGIN="ansible.builtin.jsonfile", ANSIBLE_CACHE_PLUGIN_CONNECTION=cache,
               ANSIBLE_CACHE_PLUGIN_TIMEOUT="86400", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_LOCALHOST_WARNING="false")
    extra = {"apexone_report_dir": reports, "apexone_fail_on_blockers": False,
             "apexone_backup_dir": os.path.join(work, "backups")}
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), REPORT_PLAY, "-i", inventory,
               "-e", json.dumps(extra)]
    if profile:  # py-spy (pip install py-spy): every process's stacks, 100 a second (benchmarks/profile_summary.py)
        command = [shutil.which("py-spy") or "py-spy", "record", "--subprocesses", "--format", "raw", "--rate", "100",
                   "-o", profile, "--"] + command
    started = time.monotonic()
    with open(os.path.join(work, "output.log"), "w", encoding="utf-8") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
        dummy, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    files = os.listdir(reports) if os.path.isdir(reports) else []
    sizes = dict((suffix, sum(os.path.getsize(os.path.join(reports, f)) for f in files if f.endswith("." + suffix)))
                 for suffix in ("html", "json"))
    return {"rc": proc.returncode, "wall_s": round(wall, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024.0, 0), "html_mb": round(sizes["html"] / 1e6, 1),
            "json_mb": round(sizes["json"] / 1e6, 1), "files": len(files)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[10000, 50000])
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "benchmark"))
    parser.add_argument("--inventory", choices=["yaml", "script"], default="yaml",
                        help="a YAML file, or an executable printing JSON as AWX gives its jobs")
    parser.add_argument("--profile", metavar="DIR", help="record each run with py-spy into DIR/report-<hosts>.txt")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (fact cache, reports)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="apexone-report-bench-")
    os.environ["APEXONE_LAB_DIR"] = os.path.join(work, "twins")
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "load": os.getloadavg()},
               "command": " ".join([os.path.basename(sys.executable)] + sys.argv), "inventory": args.inventory, "runs": []}
    print("%8s %4s %8s %8s %9s %8s %8s %6s" % ("hosts", "rc", "wall s", "cpu s", "peak MB", "HTML MB", "JSON MB",
                                               "files"))
    try:
        for size in args.hosts:
            folder = os.path.join(work, str(size))
            os.makedirs(folder)
            inventory, cache = write_fleet(folder, size, args.inventory)
            profile = os.path.join(args.profile, "report-%d.txt" % size) if args.profile else None
            if profile:
                os.makedirs(args.profile, exist_ok=True)
            row = dict(run_report(folder, inventory, cache, profile), hosts=size + 1)
            results["runs"].append(row)
            print("%(hosts)8d %(rc)4d %(wall_s)8.1f %(cpu_s)8.1f %(peak_rss_mb)9.0f %(html_mb)8.1f %(json_mb)8.1f "
                  "%(files)6d" % row, flush=True)
            if row["rc"] != 0:
                with open(os.path.join(folder, "output.log"), encoding="utf-8") as log:
                    print(log.read()[-3000:])
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
        largest = max(results["runs"], key=lambda r: r["hosts"])
        met = largest["rc"] == 0 and largest["wall_s"] < WALL_TARGET and largest["peak_rss_mb"] < RSS_TARGET_MB
        print("target at %d hosts (under %d s, under %d MB): %s" % (largest["hosts"], WALL_TARGET, RSS_TARGET_MB,
                                                                    "met" if met else "NOT met"))
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "report-scale-%s.json" % results["date"].replace(":", ""))
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)
        print("results: %s" % path)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
