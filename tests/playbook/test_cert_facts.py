# -*- coding: utf-8 -*-
"""apexone_cert_facts end to end: ansible-playbook, the action plugin, the runner, the lab."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.tests.playbook import lab_hosts, labrun

TASK = "Gather certificate facts"


@pytest.fixture(scope="module")
def run(tmp_path_factory, lab_transport):
    return labrun.run_playbook("tests/playbook/plays/cert_facts.yml", tmp_path_factory.mktemp("lab"))


def _facts(run, host):
    return run.result(TASK, host)["ansible_facts"]["apexone_certificates"]


def test_play_succeeds_without_changes(run):
    assert run.rc == 0, run.stderr
    assert all(s["changed"] == 0 and s["failures"] == 0 for s in run.stats.values())
    assert len(run.stats) == 7  # agent-win7-rtm (PowerShell 2.0) is in inventory_old_powershell.yml


def test_host_missing_three_certificates(run):
    facts = _facts(run, "agent-missing-certs")
    assert not facts["ready"]
    assert sorted((m["name"], m["store"]) for m in facts["missing"]) == [
        ("DigiCert Assured ID Root CA", "Root"),
        ("GlobalSign", "Root"),
        ("USERTrust RSA Certification Authority", "Root"),
    ]
    assert run.result(TASK, "agent-missing-certs")["msg"].startswith("15 of 18 required certificates present")


@pytest.mark.parametrize("host", ["apexone-srv", "agent-win10-64", "agent-win10-32", "agent-win7-sp1-nokb"])
def test_complete_hosts_are_ready(run, host):
    facts = _facts(run, host)
    assert facts["ready"], facts["summary"]
    # the lab's expired intermediates and roots are reported, not held against the host
    assert "Symantec Class 3 SHA256 Code Signing CA" in [e["name"] for e in facts["expired"]]


def test_one_remote_execution_per_host(run):
    for host in run.stats:
        counts = run.counts(host)
        assert counts["executions"] == 1, (host, counts)
        assert counts["refused"] == []


def test_older_build_needs_fewer_certificates(tmp_path):
    older = labrun.run_playbook("tests/playbook/plays/cert_facts.yml", tmp_path, extra_vars={"apexone_build": 9000},
                                limit="agent-missing-certs")
    facts = older.result(TASK, "agent-missing-certs")["ansible_facts"]["apexone_certificates"]
    # at build 9000 GlobalSign (added with Critical Patch 11110) is not yet required
    assert [m["name"] for m in facts["missing"]] == ["DigiCert Assured ID Root CA", "USERTrust RSA Certification Authority"]


def test_check_mode_reads_the_same(tmp_path):
    checked = labrun.run_playbook("tests/playbook/plays/cert_facts.yml", tmp_path, check=True, limit="agent-missing-certs")
    assert checked.rc == 0
    assert len(checked.result(TASK, "agent-missing-certs")["ansible_facts"]["apexone_certificates"]["missing"]) == 3


def test_dropped_connection_is_retried_once_end_to_end(tmp_path, lab_transport):
    # a working state that drops the next connection: the read must still succeed, at two executions
    lab_hosts.seed(tmp_path, "agent-win10-64", lambda data: data["faults"].update(drop_connections=1))
    dropped = labrun.run_playbook("tests/playbook/plays/cert_facts.yml", tmp_path, limit="agent-win10-64")
    assert dropped.rc == 0, dropped.stdout[-2000:]
    assert dropped.result(TASK, "agent-win10-64")["ansible_facts"]["apexone_certificates"]["ready"]
    # winrm: the Receive times out, the runner runs the read again (2 executions); psrp: pypsrp itself
    # repeats a Receive that timed out, and the host answers it with the same output (1 execution)
    assert dropped.counts("agent-win10-64")["executions"] == (2 if lab_transport == "winrm" else 1)
    assert dropped.counts("agent-win10-64")["shells_open"] + dropped.counts("agent-win10-64")["runspaces_open"] == 0


def test_non_windows_host_gets_a_clear_error(tmp_path):
    inventory = tmp_path / "linux.yml"
    # a Linux machine put in the Windows group by mistake
    inventory.write_text("windows:\n  hosts:\n    linux-box:\n      ansible_connection: local\n"
                         "      ansible_python_interpreter: /usr/bin/python3\n")
    result = labrun.run_playbook("tests/playbook/plays/cert_facts.yml", tmp_path, inventory=str(inventory))
    assert result.rc != 0
    assert "runs on Windows hosts" in result.result(TASK, "linux-box")["msg"]
