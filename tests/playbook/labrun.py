# -*- coding: utf-8 -*-
"""Run a playbook against the simulated lab and hand back what happened, per host."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

from ansible_collections.apexone.upgrade.tests.lab.simulator import lab
from ansible_collections.apexone.upgrade.tests.unit import helpers

LAB = os.path.join(helpers.ROOT, "tests", "lab")
PLAYS = os.path.join(helpers.ROOT, "tests", "playbook", "plays")


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
        previous = os.environ.get("APEXONE_LAB_DIR")
        os.environ["APEXONE_LAB_DIR"] = self.lab_dir
        try:
            return lab.read_counts(host)
        finally:
            if previous is None:
                del os.environ["APEXONE_LAB_DIR"]
            else:
                os.environ["APEXONE_LAB_DIR"] = previous


def run_playbook(playbook, lab_dir, extra_vars=None, check=False, diff=False, limit=None, inventory=None, env=None,
                 cwd=None):
    path = playbook if os.path.isabs(playbook) else os.path.join(helpers.ROOT, playbook)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), path]
    for source in ([inventory] if isinstance(inventory, str) else inventory or [os.path.join(LAB, "inventory.yml")]):
        command += ["-i", str(source)]  # several sources: the lab and a directory (microsoft.ad.ldap)
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
        "ANSIBLE_COLLECTIONS_PATH": os.path.join(helpers.ROOT, "build", "collections"),
        "APEXONE_LAB_DIR": str(lab_dir),
        "ANSIBLE_NOCOLOR": "1",
    })
    full_env.update(env or {})
    proc = subprocess.run(command, env=full_env, capture_output=True, text=True, check=False, timeout=600, cwd=cwd)
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
