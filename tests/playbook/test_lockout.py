# -*- coding: utf-8 -*-
"""A wrong password never locks the service account: one logon attempt per host, and the run stops using the
credentials once 3 hosts rejected them (plugins/plugin_utils/_remote/credentials.py), however many hosts run at
once. 20 hosts, all workers at the same time, over both transports (conftest.py)."""

from __future__ import annotations

from ansible_collections.apexone.upgrade.tests.playbook import labrun

HOSTS = ["pc-%02d" % index for index in range(20)]


def _run(tmp_path, password, **extra_vars):
    tmp_path.mkdir(parents=True, exist_ok=True)
    inventory = labrun.write_inventory(tmp_path / "inventory.yml",
                                       {"apexone_agents": dict((host, "agent-win10-64") for host in HOSTS)})
    return labrun.run_playbook("tests/playbook/plays/facts.yml", tmp_path / "lab", inventory=inventory,
                               extra_vars=dict({"ansible_password": password}, **extra_vars),
                               env={"ANSIBLE_FORKS": "20"})


def test_a_wrong_password_costs_three_logons_in_all_and_the_run_says_why(tmp_path):
    run = _run(tmp_path, "Not-The-Passw0rd-1")
    failures = dict((host, run.counts(host)["logon_failures"].get("NTLM", 0)) for host in HOSTS)
    assert sum(failures.values()) == 3 and set(failures.values()) <= {0, 1}, failures  # never twice on one host
    assert all(run.counts(host)["executions"] == 0 for host in HOSTS)
    messages = dict((host, run.result("Read the host", host)["msg"]) for host in HOSTS)
    tried = [host for host in HOSTS if failures[host]]
    for host in tried:
        assert "(step: authenticate)" in messages[host] and "not retried" in messages[host], messages[host]
    for host in sorted(set(HOSTS) - set(tried)):
        assert "not contacted: the credentials of apexone-lab were rejected by 3 host(s) in this run" in messages[host]
        assert run.counts(host)["http_requests"] == 0, host  # not even a TCP connection
    assert all(run.stats[host]["unreachable"] == 1 for host in HOSTS)
    assert "Not-The-Passw0rd-1" not in run.stdout + run.stderr


def test_the_limit_is_a_setting_and_right_credentials_are_never_held_back(tmp_path):
    run = _run(tmp_path / "one", "Not-The-Passw0rd-1", apexone_credential_rejections=1)
    assert sum(run.counts(host)["logon_failures"].get("NTLM", 0) for host in HOSTS) == 1
    run = _run(tmp_path / "right", "Lab-Passw0rd-1")
    assert run.rc == 0, run.stderr[-2000:]
    assert all(run.counts(host)["executions"] == 1 and not run.counts(host)["logon_failures"] for host in HOSTS)
