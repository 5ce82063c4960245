# -*- coding: utf-8 -*-
"""Replay the self-test recordings (tests/fixtures/recordings): every answer keeps to its contract and
goes through the collection's decisions as a live answer would."""

from __future__ import annotations

import glob
import json
import os

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    certificates, hotfix_block, post_upgrade, preflight, selftest, winhttp)
from ansible_collections.apexone.upgrade.tests.lab.simulator import contracts
from ansible_collections.apexone.upgrade.tests.unit import helpers

RECORDINGS = sorted(glob.glob(os.path.join(helpers.ROOT, "tests", "fixtures", "recordings", "*.json")))


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def test_there_is_a_lab_recording():
    assert any(os.path.basename(p).startswith("lab-") for p in RECORDINGS)


@pytest.fixture(params=RECORDINGS, ids=os.path.basename)
def recording(request):
    data = _load(request.param)
    assert data["format"] == selftest.FORMAT
    return data


def _answer(recording, name):
    entry = recording["scripts"][name]
    assert "error" not in entry, entry.get("error")
    return entry["answer"], entry["params"]


def test_every_answer_keeps_to_its_contract(recording):
    for name, entry in recording["scripts"].items():
        if entry.get("not_run"):
            continue
        assert contracts.problems(name, entry["answer"]) == [], name


def test_probe_answer_goes_through_the_preflight(recording):
    answer, dummy = _answer(recording, "probe")
    facts = preflight.host_facts(answer, certificates.required_certificates())
    assert facts["os"]["version"] == recording["os"]["version"]
    findings = preflight.host_findings(facts, is_server=facts["server"]["present"], is_agent=True,
                                       upgrade_date="2099-01-01")
    assert all(f["severity"] in preflight.SEVERITY_ORDER for f in findings)
    if facts["server"]["present"]:
        assert post_upgrade.server_checks(facts)


def test_block_answer_agrees_with_the_plan(recording):
    answer, params = _answer(recording, "registry_block")
    result = hotfix_block.interpret(answer, "present", True, params)
    assert not result.get("failed"), result.get("msg")
    assert result.get("skipped") or result["value_changed"] == (answer["action"] == "set")


def test_winhttp_and_certificate_answers_are_read(recording):
    answer, dummy = _answer(recording, "winhttp_import")
    assert not answer["ran"]
    assert winhttp.parse(answer["before"]) == winhttp.parse(answer["after"])
    winhttp.decide(winhttp.parse(answer["before"]), winhttp.parse(answer["user"]), answer["account"])
    answer, params = _answer(recording, "certificates_install")
    outcome = certificates.install_outcome(["probe"], params["Certificates"], answer)
    assert outcome["status"] == {"probe": "absent"}  # check mode: looked up, never added


def test_no_secret_in_a_recording(recording):
    answer, dummy = _answer(recording, "auth_backup")
    assert "content_b64" not in answer
