# -*- coding: utf-8 -*-
"""Run a playbook against the simulated lab and hand back what happened, per host.

Each run gets the lab's loopback WS-Management endpoint for its lab folder (started before
ansible-playbook, stopped after; the hosts' state and counters stay in the folder), and the
playbook reaches it through ansible-core's real `winrm` plugin (or `psrp`: `transport=`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import time

import yaml

from ansible_collections.apexone.upgrade.tests.lab.endpoint import server
from ansible_collections.apexone.upgrade.tests.lab.simulator import lab
from ansible_collections.apexone.upgrade.tests.unit import helpers

LAB = os.path.join(helpers.ROOT, "tests", "lab")
PLAYS = os.path.join(helpers.ROOT, "tests", "playbook", "plays")
TRANSPORTS = ("winrm", "psrp")
# What the endpoint costs the suite: start-up seconds of each run's endpoint.
ENDPOINT_STARTS: list[float] = []


def windows_vars() -> dict:
    """The lab hosts' connection settings (tests/lab/group_vars/windows.yml), for inventories
    written elsewhere than tests/lab (tests, the benchmark)."""
    with open(os.path.join(LAB, "group_vars", "windows.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _hosts(hosts: dict) -> dict | None:
    return dict((name, value if isinstance(value, dict) else {"apexone_lab_state": value})
                for name, value in hosts.items()) or None


def write_inventory(path, groups: dict | None = None, hosts: dict | None = None, connection: dict | None = None) -> str:
    """A lab inventory at `path`: the `windows` group with the lab's connection settings (`connection`
    replaces some: Kerberos, HTTPS), its child groups (`groups`: group -> {host: apexone_lab_state or
    {vars}}) and its own `hosts`."""
    windows: dict = {"vars": dict(windows_vars(), **(connection or {}))}
    if groups:
        windows["children"] = dict((group, {"hosts": _hosts(members)}) for group, members in groups.items())
    if hosts:
        windows["hosts"] = _hosts(hosts)
    with open(str(path), "w", encoding="utf-8") as handle:
        yaml.safe_dump({"all": {"children": {"windows": windows}}}, handle)
    return str(path)


@dataclasses.dataclass
class Run:
    rc: int
    stats: dict  # host -> {"ok", "changed", "failures", "unreachable", "skipped"}
    tasks: list  # [{"name": task name, "hosts": {host: result}}]
    stdout: str
    stderr: str
    lab_dir: str

    def result(self, task_name, host):
        for task in self.tasks:  # a role's task is named "<role> : <name>"
            if task_name in (task["name"], task["name"].split(" : ", 1)[-1]) and host in task["hosts"]:
                return task["hosts"][host]
        raise KeyError("no result for task %r on %s; tasks: %s" % (task_name, host, [t["name"] for t in self.tasks]))

    def counts(self, host):
        """The host's counters (tests/lab/simulator/lab.py COUNTERS): executions, HTTP requests,
        bytes each way, shells / runspaces opened and still open, faults injected."""
        return lab.read_counts(host, self.lab_dir)


def run_playbook(playbook, lab_dir, extra_vars=None, check=False, diff=False, limit=None, inventory=None, env=None,
                 cwd=None, transport=None, endpoint=None):
    """`endpoint`: options of the lab endpoint (server.Endpoint: keytab=, pki=) for Kerberos and HTTPS runs."""
    path = playbook if os.path.isabs(playbook) else os.path.join(helpers.ROOT, playbook)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), path]
    sources = [inventory] if isinstance(inventory, str) else inventory or [os.path.join(LAB, "inventory.yml")]
    for source in sources:
        command += ["-i", str(source)]  # several sources: the lab and a directory (microsoft.ad.ldap)
    # an ad-hoc host list ("localhost,") names no lab host: no endpoint, no lab folder
    needs_endpoint = any(not ("," in str(source) and not os.path.exists(str(source))) for source in sources)
    if extra_vars:
        command += ["-e", json.dumps(extra_vars)]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if limit:
        command += ["--limit", limit]
    full_env = dict(os.environ)
    full_env.update({
        "ANSIBLE_CONFIG": os.path.join(LAB, "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        # APEXONE_LAB_COLLECTIONS: where another ansible-core's run finds ansible.posix (scripts/versions.sh)
        "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(filter(None, [os.path.join(helpers.ROOT, "build", "collections"),
                                                                  os.environ.get("APEXONE_LAB_COLLECTIONS")])),
        "APEXONE_LAB_DIR": str(lab_dir),
        "ANSIBLE_NOCOLOR": "1",
        "APEXONE_LAB_TRANSPORT": transport or os.environ.get("APEXONE_LAB_TRANSPORT") or "winrm",
    })
    if full_env["APEXONE_LAB_TRANSPORT"] not in TRANSPORTS:
        raise ValueError("transport %r: the lab serves %s" % (full_env["APEXONE_LAB_TRANSPORT"], ", ".join(TRANSPORTS)))
    full_env.update(env or {})
    began = time.monotonic()
    with server.Endpoint(str(lab_dir), **(endpoint or {})) if needs_endpoint else contextlib.nullcontext():
        ENDPOINT_STARTS.append(time.monotonic() - began)
        proc = subprocess.run(command, env=full_env, capture_output=True, text=True, check=False, timeout=600,
                              cwd=cwd)
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("ansible-playbook printed no JSON (rc %d)\nstdout:\n%s\nstderr:\n%s"
                             % (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
    tasks = []
    for play in data.get("plays", []):
        for task in play.get("tasks", []):
            tasks.append({"name": task["task"]["name"], "hosts": task["hosts"]})
    return Run(proc.returncode, data.get("stats", {}), tasks, proc.stdout, proc.stderr, str(lab_dir))
