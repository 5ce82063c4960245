# -*- coding: utf-8 -*-
"""The twins must not accept what the scripts would refuse, nor succeed where they would stop."""

from __future__ import annotations

import base64
import copy
import os

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates, hotfix_block, probe_plan, winhttp
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload
from ansible_collections.apexone.upgrade.tests.lab.simulator import pwsh, state, twins
from ansible_collections.apexone.upgrade.tests.unit import helpers


@pytest.fixture(autouse=True)
def lab_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("APEXONE_LAB_DIR", str(tmp_path))


def _real(name):
    with open(os.path.join(helpers.DEBIAN_CA_DIR, name), "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read())


# --- PowerShell's parameter binder ---

@pytest.mark.parametrize("script, params, message", [
    ("registry_block", dict(hotfix_block.plan("present", "ops"), MiscSubkey=""), "because it is an empty string"),
    ("registry_block", dict(hotfix_block.plan("present", "ops"), ReadValues=[]), "because it is an empty array"),
    ("registry_block", dict(hotfix_block.plan("present", "ops"), ReadValues=["a", ""]), "because it is an empty string"),
    ("registry_block", dict(hotfix_block.plan("present", "ops"), Record=None), "because it is null"),
    ("invalid_rename", {"Renames": []}, "because it is an empty array"),
    ("probe", {"Subset": []}, "because it is an empty array"),
    ("winhttp_import", winhttp.script_params("delete"), "does not belong to the set"),
])
def test_binder_refuses_empty_mandatory_arguments(script, params, message):
    problems = pwsh.check_arguments(pwsh.check(payload.script_text(script)), params)
    assert any(message in p for p in problems), problems


def test_binder_allows_what_the_attributes_allow():
    checked = pwsh.check("param([Parameter(Mandatory = $true)][AllowEmptyString()][string]$A,\n"
                         " [Parameter(Mandatory = $true)][AllowEmptyCollection()][object[]]$B, [string]$C)\n$x = 1")
    assert pwsh.check_arguments(checked, {"A": "", "B": [], "C": ""}) == []


# --- registry ---

def test_create_subkey_creates_every_missing_key():
    host = state.load_seed("host-no-agent")
    params = dict(hotfix_block.plan("present", "ops", create_missing=True), CheckMode=False)
    result = twins.registry_block(host, params)
    assert result["action"] == "set" and result["current"] == {"kind": "DWord", "value": 1}
    key = hotfix_block.catalog.AGENT_KEY[64]["path"]
    assert key in host["registry"] and key + "\\Misc." in host["registry"]
    assert "SOFTWARE\\WOW6432Node\\TrendMicro" in host["registry"]


def test_twin_looks_the_action_up_like_the_script():
    host = state.load_seed("agent-win10-64")
    params = dict(hotfix_block.plan("present", "ops"), CheckMode=True)
    params["Actions"], params["DefaultAction"] = [], "keep"  # whatever the table says is done: the twin decides nothing
    assert twins.registry_block(host, params)["action"] == "keep"


@pytest.mark.parametrize("write, written", [(None, []), ([None], []), ([{"name": "", "value": "x"}], []),
                                            ([None, {"name": "BlockedBy", "value": "ops"}], ["BlockedBy"])])
def test_write_record_skips_null_entries_and_empty_names(write, written):
    # Write-Record: SetValue('') would write the record key's (Default) value, which no plan decides.
    host = state.load_seed("agent-win10-64")
    params = dict(hotfix_block.plan("present", "ops"), CheckMode=False)
    params["Record"] = dict(params["Record"], write=write)
    result = twins.registry_block(host, params)
    assert result["action"] == "set"
    record = twins._open(host, params["Record"]["view"], params["Record"]["path"])  # pylint: disable=protected-access
    assert "" not in record and None not in record
    assert sorted(record) == written


# --- WinHTTP: netsh as it behaves ---

def _winhttp_host(ie):
    host = state.load_seed("agent-win10-64")
    host["registry"][winhttp.WINHTTP_KEY["path"]] = {"WinHttpSettings": {
        "kind": "Binary", "value": winhttp.encode("proxy.corp.example:8080", counter=3)}}
    host["ie_proxy"] = ie
    return host


@pytest.mark.parametrize("ie", [None, {"auto_config_url": "http://wpad/p.pac"}, {"auto_detect": True}])
def test_netsh_import_writes_direct_access_when_the_account_has_no_static_proxy(ie):
    host = _winhttp_host(ie)
    result = twins.winhttp_import(host, winhttp.script_params("import"))
    assert winhttp.parse(result["before"])["proxy"] == "proxy.corp.example:8080"
    assert winhttp.parse(result["after"])["direct"]


def test_every_netsh_write_bumps_the_counter():
    host = _winhttp_host(None)
    one = twins.winhttp_import(host, winhttp.script_params("set", "p:1", ""))["after"]
    two = twins.winhttp_import(host, winhttp.script_params("set", "p:1", ""))["after"]
    assert one != two and winhttp.parse(one) == winhttp.parse(two)


# --- paths, hashes, WMI ---

@pytest.mark.parametrize("path, result", [
    ("C:\\A\\PCCSRV\\..\\AuthCertBackup", "C:\\A\\AuthCertBackup"),
    ("\\\\srv\\share\\x\\..\\y", "\\\\srv\\share\\y"),
    ("relative\\x", "C:\\Users\\ansible\\relative\\x"),
])
def test_get_full_path(path, result):
    assert twins.get_full_path(path) == result


@pytest.mark.parametrize("path, message", [("C:\\a|b", "Illegal characters"), ("C:\\a\\b:c", "format is not supported"),
                                           ('C:\\"x"', "Illegal characters")])
def test_get_full_path_refuses_what_dotnet_refuses(path, message):
    with pytest.raises(twins.ScriptFailure, match=message):
        twins.get_full_path(path)


def test_expand_string_expanded_with_the_session_environment():
    host = state.load_seed("apexone-srv")
    key = hotfix_block.catalog.SERVER_KEY[64]["path"]
    host["registry"][key]["Local_Path"] = {"kind": "ExpandString", "value": "%ProgramFiles(x86)%\\Trend Micro\\x\\"}
    read = twins._registry_read(host, {"view": "Registry64", "path": key, "values": ["Local_Path"]})  # pylint: disable=protected-access
    assert read["values"]["Local_Path"] == {"kind": "ExpandString", "value": "%ProgramFiles(x86)%\\Trend Micro\\x\\",
                                            "expanded": "C:\\Program Files (x86)\\Trend Micro\\x\\"}


def test_wmi_fault_fails_only_wmi_subsets():
    host = state.load_seed("agent-win10-64")
    host["faults"]["wmi_broken"] = True
    answer = twins.probe(host, probe_plan.probe_params(list(probe_plan.HOST_SUBSETS)))
    assert set(answer["errors"]) == {"os", "services"}
    assert "certificates" in answer and "registry" in answer and "os" not in answer


def test_the_scripts_hotfixes_subset_calls_no_wmi_as_its_twin_says():
    text = payload.script_text("probe")
    start = text.index("Invoke-Subset 'hotfixes'")
    block = text[start:text.index("Invoke-Subset '", start + 1)]
    assert not pwsh.commands(block) & {"get-ciminstance", "get-wmiobject"}
    assert "[Environment]::OSVersion.Version" in block


def test_a_broken_wmi_does_not_hide_the_installed_updates_of_windows_7():
    # The hotfixes subset takes the OS version from [Environment]::OSVersion and reads the registry: no WMI.
    host = state.load_seed("agent-win7-sp1-nokb")  # 6.1.7601, holds KB976902 and KB2534111
    host["faults"]["wmi_broken"] = True
    answer = twins.probe(host, probe_plan.probe_params(["os", "hotfixes"]))
    assert set(answer["errors"]) == {"os"}
    assert sorted(answer["hotfixes"]["states"]["112"]) == ["KB2534111", "KB976902"]


# --- certificates: .NET's names, per-certificate status ---

def test_an_empty_store_name_is_an_error_not_the_list_of_stores():
    # Read-CertificateStore '': Cert:\\LocalMachine\\ would list the store containers; the script refuses it.
    host = state.load_seed("agent-win10-64")
    answer = twins.probe(host, {"Subset": ["certificates"], "CertificateStores": ["Root", ""]})
    assert "certificates" not in answer
    assert answer["errors"]["certificates"]["message"] == "no store name"
    for name in (".", "..", "Root\\..", "Root/CA"):  # a path is no store's name either
        answer = twins.probe(host, {"Subset": ["certificates"], "CertificateStores": [name]})
        assert answer["errors"]["certificates"]["message"] == "no store name", name


def test_certificate_names_as_dotnet_writes_them():
    cert = _real("DigiCert_Assured_ID_Root_CA.crt")
    assert twins.dotnet_name(cert.subject) == "CN=DigiCert Assured ID Root CA, OU=www.digicert.com, O=DigiCert Inc, C=US"
    usertrust = _real("USERTrust_RSA_Certification_Authority.crt")
    assert twins.dotnet_name(usertrust.subject) == ("CN=USERTrust RSA Certification Authority, O=The USERTRUST Network, "
                                                    "L=Jersey City, S=New Jersey, C=US")


def test_one_bad_certificate_does_not_hide_the_others():
    host = state.load_seed("agent-missing-certs")
    good = _real("DigiCert_Assured_ID_Root_CA.crt")
    chosen = [{"store": "Root", "thumbprint": "00" * 20, "der_b64": base64.b64encode(b"not a certificate").decode()},
              {"store": "Root", "thumbprint": "0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43",
               "der_b64": base64.b64encode(good.public_bytes(Encoding.DER)).decode()}]
    answer = twins.certificates_install(host, certificates.install_plan(chosen, False))
    assert [r["status"] for r in answer["results"]] == ["failed", "added"]
    assert "Cannot find the requested object" in answer["results"][0]["error"]
    added = [c for c in answer["certificates"]["Root"] if c["thumbprint"] == "0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43"]
    assert added[0]["subject"].startswith("CN=DigiCert Assured ID Root CA, OU=")
    outcome = certificates.install_outcome(["bad", "DigiCert Assured ID Root CA"], chosen, answer)
    assert outcome["added"] == ["DigiCert Assured ID Root CA"] and outcome["failed"][0]["name"] == "bad"


def test_a_store_that_does_not_exist_is_never_created():
    # certificates_install.ps1 opens with OpenExistingOnly: a misspelt store fails, in check mode too.
    good = _real("DigiCert_Assured_ID_Root_CA.crt")
    chosen = [{"store": "Intermediate", "thumbprint": "0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43",
               "der_b64": base64.b64encode(good.public_bytes(Encoding.DER)).decode()}]
    for check_mode in (False, True):
        host = state.load_seed("agent-missing-certs")
        plan = dict(certificates.install_plan(chosen, check_mode), Stores=["Root", "Intermediate"])
        answer = twins.certificates_install(host, plan)
        assert answer["results"][0]["status"] == "failed"
        assert "cannot find the file specified" in answer["results"][0]["error"]
        assert "Intermediate" not in host["certificates"] and "Intermediate" in answer["errors"]
        assert certificates.install_outcome(["x"], chosen, answer)["failed"][0]["name"] == "x"


def test_a_certificate_the_host_did_not_report_on_is_failed():
    chosen = [{"store": "Root", "thumbprint": "ab" * 20}]
    outcome = certificates.install_outcome(["x"], chosen, {"results": []})
    assert outcome["failed"] == [{"name": "x", "error": "the host did not report on this certificate"}]
    assert copy.deepcopy(outcome["status"]) == {"x": "not reported"}


def test_rename_into_another_folder_is_refused_like_rename_item():
    # Rename-Item -NewName renames inside the item's folder: the script refuses a target elsewhere,
    # so the twin never moves a file across folders.
    host = state.load_seed("apexone-srv-upgraded")
    source = "C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\PCCSRV\\Admin\\TmUpdate.dll_Invalid"
    elsewhere = "C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\PCCSRV\\TmUpdate.dll"
    answer = twins.invalid_rename(host, {"Renames": [{"from": source, "to": elsewhere}]})
    assert answer["results"][0]["status"] == "failed" and "another folder" in answer["results"][0]["error"]
    assert state.find_file(host["files"], source) is not None and state.find_file(host["files"], elsewhere) is None
    same = source[:-len("_Invalid")]
    answer = twins.invalid_rename(host, {"Renames": [{"from": source, "to": same.upper().replace("TMUPDATE", "TmUpdate")}]})
    assert answer["results"][0]["status"] == "renamed"
