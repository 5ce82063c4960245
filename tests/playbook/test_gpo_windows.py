# -*- coding: utf-8 -*-
"""gpo_certificates.yml against the lab's Windows domain controller (GroupPolicy module twin), over winrm and psrp."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates
from ansible_collections.apexone.upgrade.tests.playbook import labrun
from ansible_collections.apexone.upgrade.tests.unit import helpers_bundle

PLAYBOOK = "playbooks/gpo_certificates.yml"
INVENTORY = os.path.join(labrun.LAB, "inventory_gpo.yml")
TASK = "Make or update the GPO that carries the certificates, and link it"
POLICY = "Software\\Policies\\Microsoft\\SystemCertificates\\Root\\Certificates\\"
OU = "OU=Workstations,DC=corp,DC=example"


def _roots():
    """Every Root entry of the runbook's list: the certificates real files exist for here."""
    return [dict(thumbprint=spec["thumbprint"], store="Root", name=spec["name"])
            for spec in certificates.required_certificates() if spec["store"] == "Root"]


def _vars(path, **extra):
    values = {"apexone_certificate_bundle": str(path / "bundle"), "apexone_use_catalog": False,
              "apexone_required_certificates": _roots(), "apexone_gpo_link_target": OU}
    values.update(extra)
    return values


def _state(run):
    with open(os.path.join(run.lab_dir, "state", "dc01.json"), encoding="utf-8") as handle:
        return json.load(handle)


def _gpo(state, name):
    return next(g for g in state["group_policy"]["gpos"] if g["name"] == name)


@pytest.fixture(scope="module")
def runs(tmp_path_factory, lab_transport):
    path = tmp_path_factory.mktemp("gpo-windows")
    helpers_bundle.make_root_bundle(str(path / "bundle"), certificates.required_certificates())
    check = labrun.run_playbook(PLAYBOOK, path / "lab", inventory=INVENTORY, extra_vars=_vars(path), check=True, diff=True)
    check_state = _state(check)
    first = labrun.run_playbook(PLAYBOOK, path / "lab", inventory=INVENTORY, extra_vars=_vars(path), diff=True)
    first_state = _state(first)
    second = labrun.run_playbook(PLAYBOOK, path / "lab", inventory=INVENTORY, extra_vars=_vars(path))
    return path, check, check_state, first, first_state, second


def test_check_mode_shows_what_would_change_and_changes_nothing(runs):
    dummy, check, state, dummy2, dummy3, dummy4 = runs
    assert check.rc == 0, check.stdout[-3000:]
    result = check.result(TASK, "dc01")
    assert result["changed"] and result["created"] and result["linked"] and len(result["set"]) == 13
    assert "+ GPO apexone.upgrade signature certificates (KA-0001268)" in result["diff"]["after"]
    assert "+ link to %s" % OU in result["diff"]["after"]
    assert [g["name"] for g in state["group_policy"]["gpos"]] == [
        "Default Domain Policy", "Default Domain Controllers Policy", "Corp certificates"]


def test_gpo_made_with_every_runbook_root_and_linked(runs):
    dummy, dummy2, dummy3, first, state, dummy4 = runs
    assert first.rc == 0, first.stdout[-3000:]
    gpo = _gpo(state, "apexone.upgrade signature certificates (KA-0001268)")
    wanted = dict((spec["thumbprint"].upper(), spec["name"]) for spec in _roots())
    held = dict((key[len(POLICY):], values["Blob"]) for key, values in gpo["registry"].items())
    assert sorted(held) == sorted(wanted)
    for thumbprint, value in held.items():
        blob = base64.b64decode(value["data_b64"])
        assert value["type"] == "Binary"
        assert blob[:12] == b"\x03\x00\x00\x00\x01\x00\x00\x00\x14\x00\x00\x00" and blob[12:32].hex().upper() == thumbprint
        der = blob[44:]
        assert blob[32:44] == (32).to_bytes(4, "little") + (1).to_bytes(4, "little") + len(der).to_bytes(4, "little")
        assert hashlib.sha1(der).hexdigest().upper() == thumbprint  # nosec - the certificate's Windows name
    assert {"id": gpo["id"], "enabled": True, "enforced": False} in state["group_policy"]["links"][OU]


def test_second_run_changes_nothing(runs):
    dummy, dummy2, dummy3, dummy4, state, second = runs
    assert second.rc == 0 and second.stats["dc01"]["changed"] == 0, second.stdout[-3000:]
    assert len(second.result(TASK, "dc01")["right"]) == 13
    assert _state(second)["group_policy"] == state["group_policy"]
    # over the three runs (counters are the lab folder's): check mode 1 read; first run read + write; this run 1 read
    assert second.counts("dc01")["scripts"] == {"gpo_certificates": 1 + 2 + 1}


def test_existing_gpo_keeps_what_is_right_and_what_is_not_ours(tmp_path):
    helpers_bundle.make_root_bundle(str(tmp_path / "bundle"), certificates.required_certificates())
    extra = _vars(tmp_path, apexone_gpo_name="Corp certificates", apexone_gpo_link_target="OU=Servers,DC=corp,DC=example")
    run = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", inventory=INVENTORY, extra_vars=extra)
    assert run.rc == 0, run.stdout[-3000:]
    result = run.result(TASK, "dc01")
    assert "GlobalSign" in result["right"] and "GlobalSign" not in result["set"]
    assert [r["name"] for r in result["replaced"]] == ["USERTrust RSA Certification Authority"]
    assert result["others"] == [POLICY + "CABD2A79A1076A31F21D253635CB039D4329A5E8\\Blob"]
    assert not result["created"] and not result["linked"]  # linked already, though disabled: reported, not enabled
    assert any("link is disabled" in w for w in result["warnings"])
    gpo = _gpo(_state(run), "Corp certificates")
    assert POLICY + "CABD2A79A1076A31F21D253635CB039D4329A5E8" in gpo["registry"]  # the company's root stays
    usertrust = base64.b64decode(gpo["registry"][POLICY + "2B8F1B57330DBBA2D07A6C51F70EE90DDAB9AD8E"]["Blob"]["data_b64"])
    assert hashlib.sha1(usertrust[44:]).hexdigest() == "2b8f1b57330dbba2d07a6c51f70ee90ddab9ad8e"  # nosec


def test_bundle_lacking_a_certificate_stops_before_the_dc(tmp_path):
    helpers_bundle.make_bundle(str(tmp_path / "bundle"))  # five roots only
    run = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", inventory=INVENTORY, extra_vars=_vars(tmp_path))
    assert run.rc != 0
    assert "missing: VeriSign Class 3" in run.result("Read the bundle and compare it with the required list", "localhost")["msg"]
    assert not os.path.exists(os.path.join(str(tmp_path / "lab"), "counts", "dc01.json"))


def test_a_link_refused_after_the_gpo_was_made_says_what_was_done_and_the_next_run_finishes(tmp_path):
    # dc-windows.yml: the account may not link GPOs at the kiosks' OU (G8 in tests/lab/simulator/grouppolicy.py)
    helpers_bundle.make_root_bundle(str(tmp_path / "bundle"), certificates.required_certificates())
    kiosks = "OU=Kiosks,DC=corp,DC=example"
    run = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", inventory=INVENTORY,
                              extra_vars=_vars(tmp_path, apexone_gpo_link_target=kiosks))
    assert run.rc != 0
    result = run.result(TASK, "dc01")
    assert result["failed"] and result["changed"] and result["created"] and not result["linked"]
    assert len(result["set"]) == 13 and result["server"] == "DC01.corp.example"
    assert result["msg"].startswith("GPO 'apexone.upgrade signature certificates (KA-0001268)' on DC01.corp.example: "
                                    "created GPO")
    assert "then linking it to %s failed: Access is denied." % kiosks in result["msg"]
    assert "Not done: the link to %s. Run again" % kiosks in result["msg"]
    state = _state(run)
    assert len(_gpo(state, "apexone.upgrade signature certificates (KA-0001268)")["registry"]) == 13  # kept
    again = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", inventory=INVENTORY,
                                extra_vars=_vars(tmp_path, apexone_gpo_server="dc01.corp.example"))
    assert again.rc == 0, again.stdout[-3000:]
    second = again.result(TASK, "dc01")
    assert not second["created"] and second["set"] == [] and second["linked"] and second["server"] == "dc01.corp.example"
