# -*- coding: utf-8 -*-
"""probe_plan owns both sides of the probe: the names the request gives are the names Answer reads back."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, probe_plan
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins

ALL = ("os", "hotfixes", "certificates", "registry", "services", "files", "invalid_files", "folders")


def _echo(params, bits):
    """An answer that echoes each request entry under its name, for a host of `bits`."""
    return {
        "os": {"is_64bit": bits == 64},
        "registry": dict((r["name"], {"exists": True, "values": {"Path": {"kind": "String", "value": r["path"]}}})
                         for r in params["RegistryReads"]),
        "files": [dict(f, exists=True) for f in params["Files"]],
        "invalid_files": [dict(root, entries=[], errors=[]) for root in params["InvalidRoots"]],
        "folders": [dict(f, exists=False) for f in params["Folders"]],
    }


@pytest.mark.parametrize("bits", probe_plan.BITNESSES)
def test_the_answer_is_read_for_the_hosts_own_bitness_by_the_names_the_request_gave(bits):
    params = probe_plan.probe_params(list(ALL))
    read = probe_plan.Answer(_echo(params, bits))
    assert read.bits == bits
    assert read.value("agent", "Path") == catalog.AGENT_KEY[bits]["path"]
    assert read.value("agent_misc", "Path") == catalog.AGENT_KEY[bits]["path"] + "\\Misc."
    assert read.value("server", "Path") == catalog.SERVER_KEY[bits]["path"]
    assert read.value("block_record", "Path") == catalog.BLOCK_RECORD_KEY["path"]
    assert read.value("winhttp", "Path") == probe_plan.WINHTTP_KEY["path"]
    server_read = [r["name"] for r in params["RegistryReads"] if r["path"] == catalog.SERVER_KEY[bits]["path"]]
    assert read.file("auth_backup")["registry"] == server_read[0]  # beside this bitness's server folder
    assert read.listing("server")["registry"] == server_read[0]
    folders = read.folders()
    assert sorted(folders) == sorted(catalog.ISERVICE_FEATURES)
    assert all(f["registry"] == server_read[0] for found in folders.values() for f in found)


def test_a_part_not_read_is_empty():
    read = probe_plan.Answer({"os": {"is_64bit": True}})
    assert read.registry("agent") == {} and read.values("server") == {} and read.value("server", "Local_Path") is None
    assert read.file("auth_backup") is None and read.listing("server") == {} and read.folders() == {}


def test_the_lab_twin_answers_by_the_same_names():
    seed = state.load_seed("agent-win10-32")
    read = probe_plan.Answer(twins.probe(seed, probe_plan.probe_params(list(probe_plan.HOST_SUBSETS))))
    assert read.bits == 32
    assert read.registry("agent")["exists"]
    assert read.value("agent_misc", "TmListen_Ver") == "12.0.5684"
