# -*- coding: utf-8 -*-
"""playbooks/selftest.yml on the lab: read-only, every answer within its contract, a recording kept."""

from __future__ import annotations

import glob
import json

import pytest

from ansible_collections.apexone.upgrade.tests.playbook import labrun

PLAYBOOK = "playbooks/selftest.yml"


@pytest.fixture(scope="module")
def run(tmp_path_factory, lab_transport):
    path = tmp_path_factory.mktemp("selftest")
    result = labrun.run_playbook(PLAYBOOK, path / "lab", extra_vars={
        "apexone_selftest_hosts": "apexone-srv,agent-win7-sp1-nokb,host-no-agent",
        "apexone_selftest_dir": str(path / "recordings")})
    return path, result


def test_every_script_answers_within_its_contract(run):
    path, result = run
    assert result.rc == 0, result.stdout[-3000:]
    for host in ("apexone-srv", "agent-win7-sp1-nokb", "host-no-agent"):
        answer = result.result("Run the scripts (read-only) and keep the recording in the store", host)
        assert answer["ok"] and not answer["changed"], answer["lines"]
        assert answer["recording_file"].startswith(str(path / "recordings" / ("selftest-%s-" % host)))
        assert "invalid_rename: not run" in " ".join(answer["lines"])
        # the task result (AWX job events, -v) carries the summary only, never the host's answers
        assert "recording" not in answer and "scripts" not in answer, sorted(answer)
        assert "thumbprint" not in json.dumps(answer).lower()


def test_nothing_changes_and_one_execution_per_script(run):
    path, result = run
    with open(path / "lab" / "state" / "apexone-srv.json", encoding="utf-8") as handle:
        registry = json.load(handle)["registry"]
    assert not any("apexone.upgrade" in key for key in registry)  # check mode: not even our own record
    counts = result.counts("apexone-srv")["scripts"]
    assert counts == {"probe": 1, "auth_backup": 1, "winhttp_import": 1, "registry_block": 1, "certificates_install": 1}


def test_recording_kept_without_the_server_certificate(run):
    path, dummy = run
    files = sorted(glob.glob(str(path / "recordings" / "selftest-apexone-srv-*.json")))
    assert len(files) == 1
    with open(files[0], encoding="utf-8") as handle:
        recording = json.load(handle)
    assert recording["host"] == "apexone-srv" and recording["os"]["version"] == "10.0.14393"
    backup = recording["scripts"]["auth_backup"]["answer"]
    assert backup["found"] and "content_b64" not in backup  # MaxBytes 0: the PFX never travels


def test_an_answer_outside_its_contract_fails_the_host(run, tmp_path):
    dummy, result = run
    bad = tmp_path / "contracts"
    bad.mkdir()
    (bad / "probe.schema.json").write_text(json.dumps({"type": "object", "required": ["no_such_key"]}))
    again = labrun.run_playbook("tests/playbook/plays/selftest_contracts.yml", tmp_path / "lab",
                                extra_vars={"contracts_dir": str(bad)}, limit="agent-win10-64")
    answer = again.result("Self-test with other contracts", "agent-win10-64")
    assert answer["ok"] is False and "probe: answered OUTSIDE its contract" in " ".join(answer["lines"])
    assert "no contract for this script" in " ".join(answer["lines"])


def test_the_servers_run_with_the_network_part_as_the_readme_says(tmp_path):
    """README "Prove it": the management server's self-test with apexone_selftest_network=true tests item 5's
    destinations and Windows Update's list, so AMSI sees the probe's network code before production does."""
    result = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", extra_vars={
        "apexone_selftest_hosts": "apexone-srv", "apexone_selftest_network": "true",
        "apexone_selftest_dir": str(tmp_path / "recordings")})
    assert result.rc == 0, result.stdout[-3000:]
    answer = result.result("Run the scripts (read-only) and keep the recording in the store", "apexone-srv")
    with open(answer["recording_file"], encoding="utf-8") as handle:
        probe = json.load(handle)["scripts"]["probe"]
    assert "network" in probe["params"]["Subset"] and probe["answer"]["network"], probe["answer"].get("errors")
