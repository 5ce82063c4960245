# -*- coding: utf-8 -*-
"""Every script has a written answer contract, every twin keeps to it, and the contracts can fail."""

from __future__ import annotations

import copy
import glob
import os

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan, winhttp
from ansible_collections.apexone.upgrade.tests.lab.simulator import contracts, state, twins
from ansible_collections.apexone.upgrade.tests.unit import helpers, helpers_action

SEEDS = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(state.HOSTS_DIR, "*.yml")))
SCRIPT_DIR = os.path.join(helpers.ROOT, "plugins", "plugin_utils", "scripts")
# common.ps1 is no script of its own: the runner sends it with each one (it answers nothing)
SCRIPTS = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(SCRIPT_DIR, "*.ps1"))
                 if os.path.basename(p) != "common.ps1")


@pytest.fixture(scope="module")
def calls(tmp_path_factory):
    """The parameters the actions send, script by script (taken from the actions themselves)."""
    return helpers_action.script_calls(str(tmp_path_factory.mktemp("calls")))


@pytest.fixture(autouse=True)
def lab_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("APEXONE_LAB_DIR", str(tmp_path))


def test_every_script_has_a_contract():
    script_glob = os.path.join(helpers.ROOT, "plugins", "plugin_utils", "scripts", "*.ps1")
    contract_glob = os.path.join(contracts.CONTRACT_DIR, "*.schema.json")
    scripts = set(os.path.basename(p)[:-4] for p in glob.glob(script_glob)) - {"common"}
    written = set(os.path.basename(p)[:-len(".schema.json")] for p in glob.glob(contract_glob))
    assert scripts == written
    for name in scripts:
        contracts.validator(name)  # a valid draft-7 schema


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", SCRIPTS)
def test_every_twin_answer_keeps_to_its_contract(seed, name, calls):
    for params in calls[name]:
        host = state.load_seed(seed)
        host["ie_proxy"] = {"proxy": "proxy.corp.example:8080"}
        try:
            answer = twins.TWINS[name](host, copy.deepcopy(params))  # raises ContractBroken otherwise
        except twins.ScriptFailure as exc:  # only a host without the GroupPolicy module stops a script here
            assert name == "gpo_certificates" and "group_policy" not in host, exc
            continue
        assert isinstance(answer, dict)


@pytest.mark.parametrize("name, change, where", [
    ("probe", lambda a: a.pop("errors"), "(answer)"),
    ("probe", lambda a: a["os"].update(product_type=7), "os/product_type"),
    ("probe", lambda a: a["file_hashes"][0].update(sha256="ABC"), "file_hashes/0/sha256"),
    ("probe", lambda a: a["errors"].update(os="text only"), "errors/os"),
    ("registry_block", lambda a: a.update(action="maybe"), "action"),
    ("registry_block", lambda a: a.pop("current"), "(answer)"),
    ("winhttp_import", lambda a: a.update(exit_code="0"), "exit_code"),
    ("certificates_install", lambda a: a["results"].append({"thumbprint": "x", "store": "Root", "status": "failed"}),
     "results/"),
])
def test_contracts_refuse_a_broken_answer(name, change, where, calls):
    host = state.load_seed("apexone-srv")
    params = {"probe": probe_plan.probe_params(list(probe_plan.HOST_SUBSETS) + ["file_hashes"]),
              "registry_block": dict(calls["registry_block"][0], CreateMissing=True),
              "winhttp_import": winhttp.script_params("read"), "certificates_install": calls["certificates_install"][1]}[name]
    answer = twins.TWINS[name](host, copy.deepcopy(params))
    change(answer)
    found = contracts.problems(name, answer)
    assert found and any(f.startswith(where) for f in found), found
    with pytest.raises(contracts.ContractBroken):
        contracts.checked(name, lambda h, p: answer)(host, params)
