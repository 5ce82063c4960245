# -*- coding: utf-8 -*-
"""prerequisites.yml end to end on the lab, with a bundle of real certificate files."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.apexone.upgrade.tests.playbook import lab_hosts, labrun
from ansible_collections.apexone.upgrade.tests.unit import helpers_bundle

PLAYBOOK = "playbooks/prerequisites.yml"
INSTALL = "Install the missing certificates, each into its store, and read the stores back"


def _vars(path):
    return {"apexone_certificate_bundle": str(path / "bundle"), "apexone_backup_dir": str(path / "backups")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, lab_transport):
    path = tmp_path_factory.mktemp("prereq")
    helpers_bundle.make_bundle(str(path / "bundle"))
    first = labrun.run_playbook(PLAYBOOK, path / "lab", extra_vars=_vars(path), diff=True)
    second = labrun.run_playbook(PLAYBOOK, path / "lab", extra_vars=_vars(path))
    return path, first, second


def test_agent_missing_three_certificates_becomes_ready(runs):
    dummy, first, dummy2 = runs
    assert first.rc == 0, first.stdout[-3000:]
    result = first.result(INSTALL, "agent-missing-certs")
    assert sorted(result["added"]) == ["DigiCert Assured ID Root CA", "GlobalSign", "USERTrust RSA Certification Authority"]
    assert result["ready"] and result["changed"]
    assert "+ GlobalSign (Root)" in result["diff"]["after"]
    assert first.result("Every required certificate is now in its store", "agent-missing-certs")["msg"] == "All assertions passed"


def test_hosts_with_every_certificate_are_not_touched(runs):
    dummy, first, dummy2 = runs
    assert first.result(INSTALL, "agent-win10-64").get("skipped")
    assert first.counts("agent-win10-64")["scripts"] == {"probe": 2}  # one per run, nothing else


def test_sha2_updates_are_reported_not_installed(runs):
    dummy, first, dummy2 = runs
    msg = first.result("Report SHA-2 code signing updates to install (KA-0012615 item 9; nothing is installed)",
                       "agent-win7-sp1-nokb")["msg"]
    assert msg.startswith("Windows 7 SP1 には KB3033929, KB4490628 のいずれかが必要です")  # the default language, ja


def test_server_certificate_kept_on_the_controller(runs):
    path, first, dummy = runs
    kept = path / "backups" / "apexone-srv" / "OfficeScanAuth.dat"
    assert kept.exists() and stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    result = first.result("Keep a copy of the server authentication certificate in the store (KA-0012615 item 10)",
                          "apexone-srv")
    assert result["changed"] and (path / "backups" / "apexone-srv" / "OfficeScanAuth.dat.sha256").read_text().startswith(
        result["sha256"])
    assert "content_b64" not in json.dumps(first.tasks)


def test_second_run_changes_nothing(runs):
    dummy, dummy2, second = runs
    assert second.rc == 0
    assert all(stats["changed"] == 0 for stats in second.stats.values()), second.stats


def test_remote_executions(runs):
    dummy, first, dummy2 = runs
    counts = dict((host, first.counts(host)["scripts"]) for host in first.stats if host != "localhost")
    assert counts["agent-missing-certs"] == {"probe": 2, "certificates_install": 1}  # over both runs
    assert counts["apexone-srv"] == {"probe": 2, "auth_backup": 2}


def test_check_mode_changes_nothing(tmp_path):
    helpers_bundle.make_bundle(str(tmp_path / "bundle"))
    run = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", extra_vars=_vars(tmp_path), check=True)
    assert run.rc == 0
    result = run.result(INSTALL, "agent-missing-certs")
    assert result["changed"] and result["msg"].startswith("would add") and result["ready"]
    assert not (tmp_path / "backups").exists()
    with open(tmp_path / "lab" / "state" / "agent-missing-certs.json", encoding="utf-8") as handle:
        roots = [c["name"] for c in json.load(handle)["certificates"]["Root"]]
    assert "GlobalSign" not in roots


def test_changed_server_certificate_is_kept_beside_the_old_one(tmp_path):
    helpers_bundle.make_bundle(str(tmp_path / "bundle"))
    old = tmp_path / "backups" / "apexone-srv"
    old.mkdir(parents=True)
    (old / "OfficeScanAuth.dat").write_bytes(b"an older certificate")
    run = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", extra_vars=_vars(tmp_path), limit="apexone-srv,localhost")
    assert run.rc == 0
    assert (old / "OfficeScanAuth.dat").read_bytes() == b"an older certificate"
    kept = [p.name for p in old.iterdir() if p.name.startswith("OfficeScanAuth-") and p.name.endswith(".dat")]
    assert len(kept) == 1
    assert "keeping both" in run.stderr + run.stdout


def test_missing_bundle_is_a_clear_error(tmp_path):
    run = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", extra_vars={"apexone_backup_dir": str(tmp_path / "b")},
                              limit="agent-missing-certs,localhost")
    assert run.rc != 0
    assert "Set apexone_certificate_bundle" in run.result("Ask for the certificate bundle where certificates are missing",
                                                          "agent-missing-certs")["msg"]
    run = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", extra_vars={"apexone_certificate_bundle": "/no/such/folder"},
                              limit="agent-missing-certs,localhost")
    assert "CertUtil -syncWithWU" in run.result("Read the bundle and compare it with the required list", "localhost")["msg"]


def test_bundle_lacking_a_needed_certificate_fails_before_touching_the_host(tmp_path):
    helpers_bundle.make_bundle(str(tmp_path / "bundle"))
    os.remove(tmp_path / "bundle" / "d69b561148f01c77c54578c10926df5b856976ad.crt")
    run = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", extra_vars=_vars(tmp_path), limit="agent-missing-certs,localhost")
    assert run.rc != 0
    assert "lacks GlobalSign" in run.result(INSTALL, "agent-missing-certs")["msg"]
    assert run.counts("agent-missing-certs")["scripts"] == {"probe": 1}


def test_ie_proxy_imported_into_winhttp(tmp_path):
    helpers_bundle.make_bundle(str(tmp_path / "bundle"))
    lab_hosts.seed(tmp_path / "lab", "agent-missing-certs",  # the connecting account's static IE proxy
                   lambda data: data.update(ie_proxy={"proxy": "proxy.corp.example:8080"}))
    extra = dict(_vars(tmp_path), apexone_import_ie_proxy=True)
    run = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", extra_vars=extra, limit="agent-missing-certs,agent-win10-64,localhost")
    assert run.rc == 0, run.stdout[-2000:]
    task = "Give WinHTTP a proxy where certificates are missing (KA-0001268 method 1; a set proxy is never removed)"
    result = run.result(task, "agent-missing-certs")
    assert result["changed"] and result["before"]["direct"] and result["after"]["proxy"] == "proxy.corp.example:8080"
    assert run.result(task, "agent-win10-64").get("skipped")  # a host with every certificate is left alone
