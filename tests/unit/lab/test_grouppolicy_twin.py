# -*- coding: utf-8 -*-
"""gpo_certificates.ps1 and its twin (tests/lab/simulator/grouppolicy.py) on the rules G5, G7 and G8.

G7: every GroupPolicy cmdlet names the DC it talks to (-Server); without it the cmdlet goes to the PDC
emulator, a second hop from the WinRM logon. G5: -Key gets the documented HKLM\\ form, the recursion
included. G8: a change that fails half-way keeps what was done beside write_error.
"""

from __future__ import annotations

import base64
import copy

import pytest

from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload
from ansible_collections.apexone.upgrade.tests.lab.simulator import contracts, grouppolicy, pwsh, state, twins

ROOT_KEY = "Software\\Policies\\Microsoft\\SystemCertificates\\Root\\Certificates"
KEYS = [ROOT_KEY, "Software\\Policies\\Microsoft\\SystemCertificates\\CA\\Certificates"]
NAME = "apexone.upgrade signature certificates (KA-0001268)"
DENIED = "OU=Kiosks,DC=corp,DC=example"


def _gp_calls_without_server(text):
    """GroupPolicy cmdlet calls (noun GP...) that do not name -Server, as 'Cmdlet (line N)'."""
    own = pwsh.functions(text)
    return ["%s (line %d)" % (name, line) for name, given, line in pwsh.command_calls(text)
            if name.lower() not in own and name.split("-", 1)[-1].upper().startswith("GP") and "server" not in given]


def test_every_grouppolicy_cmdlet_names_the_server():
    text = payload.script_text("gpo_certificates")
    called = [name.lower() for name, dummy, dummy2 in pwsh.command_calls(text)]
    for cmdlet in ("get-gpo", "new-gpo", "get-gpregistryvalue", "set-gpregistryvalue", "new-gplink", "get-gpinheritance"):
        assert cmdlet in called
    assert _gp_calls_without_server(text) == []


def test_the_server_check_can_fail():
    text = "function Read-Gpo { 1 }\nRead-Gpo\n$g = Get-GPO -Name $n -Server $s\n$null = New-GPLink -Guid $g.Id -Target $t\nGet-GPInheritance -Target:$t"
    assert _gp_calls_without_server(text) == ["New-GPLink (line 4)", "Get-GPInheritance (line 5)"]


def test_the_recursion_reads_subkeys_in_the_documented_form():
    text = payload.script_text("gpo_certificates")
    (line,) = [raw for raw in text.splitlines() if "subkeys +=" in raw]
    assert "KeyPath" in line and "FullKeyPath" not in line and "'HKLM\\'" in line


def _dc():
    host = state.load_seed("dc-windows")
    assert host["group_policy"]["link_denied"] == [DENIED] and DENIED in host["group_policy"]["containers"]
    return host


def _blob(seed_host, thumbprint):
    gpo = next(g for g in seed_host["group_policy"]["gpos"] if g["name"] == "Corp certificates")
    return gpo["registry"][ROOT_KEY + "\\" + thumbprint]["Blob"]["data_b64"]


def test_server_defaults_to_the_host_itself_and_another_dc_is_refused():
    host = _dc()
    assert twins.TWINS["gpo_certificates"](host, {"Name": NAME, "Keys": KEYS})["server"] == "DC01.corp.example"
    assert twins.TWINS["gpo_certificates"](host, {"Name": NAME, "Keys": KEYS, "Server": "dc01"})["server"] == "dc01"
    with pytest.raises(state.LabError, match="one domain controller"):
        twins.TWINS["gpo_certificates"](host, {"Name": NAME, "Keys": KEYS, "Server": "pdc.corp.example"})


def test_the_long_hive_name_in_key_is_refused_and_nested_keys_are_read():
    host = _dc()
    gpo = next(g for g in host["group_policy"]["gpos"] if g["name"] == "Corp certificates")
    with pytest.raises(state.LabError, match="HKLM"):
        grouppolicy._list(gpo, "HKEY_LOCAL_MACHINE\\" + ROOT_KEY)  # pylint: disable=protected-access
    answer = twins.TWINS["gpo_certificates"](host, {"Name": "Corp certificates", "Keys": KEYS})
    assert len(answer["values"]) == 3 and all(v["key"].startswith("HKEY_LOCAL_MACHINE\\" + ROOT_KEY + "\\")
                                              for v in answer["values"])


def test_a_link_refused_after_create_and_set_keeps_what_was_done():
    host = _dc()
    data = _blob(host, "D69B561148F01C77C54578C10926DF5B856976AD")
    item = {"key": ROOT_KEY + "\\D69B561148F01C77C54578C10926DF5B856976AD", "value_name": "Blob", "data_b64": data}
    answer = twins.TWINS["gpo_certificates"](host, {"Name": NAME, "Keys": KEYS, "LinkTarget": DENIED, "Set": [item],
                                                    "Create": True, "Link": True})
    assert answer["created"] and answer["set"] == [item["key"]] and not answer["linked"]
    assert answer["write_error"] == {"message": grouppolicy.LINK_DENIED, "id": grouppolicy.LINK_DENIED_ID}
    assert answer["values"] == [] and answer["links"] is None  # nothing read back after a failed change
    made = next(g for g in host["group_policy"]["gpos"] if g["name"] == NAME)
    assert made["registry"][item["key"]]["Blob"]["data_b64"] == data  # the value set before the failure stays
    assert DENIED not in host["group_policy"]["links"]


def test_a_bad_value_stops_the_set_after_the_ones_before_it():
    host = _dc()
    good = {"key": ROOT_KEY + "\\AA", "value_name": "Blob", "data_b64": base64.b64encode(b"x").decode()}
    bad = {"key": ROOT_KEY + "\\BB", "value_name": "Blob", "data_b64": "not base64!"}
    answer = twins.TWINS["gpo_certificates"](host, {"Name": NAME, "Keys": KEYS, "Set": [good, bad], "Create": True})
    assert answer["set"] == [good["key"]] and answer["write_error"]["id"] == grouppolicy.SET_FAILED_ID


def test_the_contract_refuses_a_failed_change_that_claims_a_read_back():
    host = _dc()
    answer = twins.TWINS["gpo_certificates"](host, {"Name": NAME, "Keys": KEYS, "LinkTarget": DENIED, "Create": True,
                                                    "Link": True})
    assert contracts.problems("gpo_certificates", answer) == []
    broken = copy.deepcopy(answer)
    broken["links"] = []
    assert contracts.problems("gpo_certificates", broken)
    broken = copy.deepcopy(answer)
    del broken["server"]
    assert contracts.problems("gpo_certificates", broken)
