# -*- coding: utf-8 -*-
"""What real hosts do that the lab used to let pass (issue: safe and right on real hosts).

Each test runs a module through ansible-playbook against a lab host whose seed is one of the
standard ones with a change written down here (a proxy, a hand-set block, a locked file...).
"""

from __future__ import annotations

import json
import os

import pytest
import yaml

from ansible_collections.apexone.upgrade.plugins.module_utils import winhttp
from ansible_collections.apexone.upgrade.tests.lab.simulator import state as lab_state
from ansible_collections.apexone.upgrade.tests.playbook import labrun

PLAYS = "tests/playbook/plays"
AGENT_KEY = "SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion"
SERVER_KEY = "SOFTWARE\\WOW6432Node\\TrendMicro\\OfficeScan\\service\\Information"
RECORD_KEY = "SOFTWARE\\apexone.upgrade\\HotfixBlock"
WINHTTP_KEY = winhttp.WINHTTP_KEY["path"]


def _seed(tmp_path, base, change):
    """A seed file: the standard `base` with `change(data)` applied; returns its absolute path."""
    with open(lab_state.seed_path(base), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    change(data)
    path = tmp_path / ("%s-changed.yml" % base)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return str(path)


def _run(tmp_path, play, host, seed, extra=None, check=False, diff=False):
    extra = dict(extra or {}, apexone_lab_state=seed)
    return labrun.run_playbook(os.path.join(PLAYS, play), tmp_path / "lab", extra_vars=extra, limit=host,
                               check=check, diff=diff)


def _state(tmp_path, host):
    with open(tmp_path / "lab" / "state" / (host + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


# --- WinHTTP (defect 1) -------------------------------------------------------------------------

def _winhttp_seed(tmp_path, winhttp_proxy=None, ie=None):
    def change(data):
        if winhttp_proxy:
            data["registry"][WINHTTP_KEY] = {"WinHttpSettings": {
                "kind": "Binary", "value": winhttp.encode(winhttp_proxy, "<local>", counter=5, version=0x28)}}
        if ie is not None:
            data["ie_proxy"] = ie
    return _seed(tmp_path, "agent-missing-certs", change)


def test_import_never_replaces_a_configured_proxy_with_direct_access(tmp_path):
    # The connecting account has only a PAC file: real netsh would write direct access.
    seed = _winhttp_seed(tmp_path, "proxy.corp.example:8080", {"auto_config_url": "http://wpad.corp.example/proxy.pac"})
    run = _run(tmp_path, "winhttp.yml", "agent-missing-certs", seed)
    assert run.rc == 0, run.stdout[-2000:]
    result = run.result("Give WinHTTP a proxy", "agent-missing-certs")
    assert not result["changed"] and result["decision"] == "none"
    assert "kept" in result["reason"]
    assert result["after"]["proxy"] == "proxy.corp.example:8080"
    stored = _state(tmp_path, "agent-missing-certs")["registry"][WINHTTP_KEY]["WinHttpSettings"]["value"]
    assert winhttp.parse(stored)["proxy"] == "proxy.corp.example:8080"
    assert run.counts("agent-missing-certs")["scripts"] == {"winhttp_import": 1}  # read only, netsh never ran


def test_import_refused_when_the_account_has_only_a_pac_file(tmp_path):
    seed = _winhttp_seed(tmp_path, None, {"auto_config_url": "http://wpad.corp.example/proxy.pac"})
    result = _run(tmp_path, "winhttp.yml", "agent-missing-certs", seed).result("Give WinHTTP a proxy", "agent-missing-certs")
    assert not result["changed"] and "automatic configuration script" in result["reason"]
    assert "proxy=" in result["reason"]


def test_import_when_winhttp_is_direct_and_the_account_has_a_static_proxy(tmp_path):
    seed = _winhttp_seed(tmp_path, None, {"proxy": "proxy.corp.example:8080", "bypass": "<local>"})
    check = _run(tmp_path, "winhttp.yml", "agent-missing-certs", seed, check=True)
    assert check.result("Give WinHTTP a proxy", "agent-missing-certs")["msg"].startswith("would import")
    run = _run(tmp_path, "winhttp.yml", "agent-missing-certs", seed, diff=True)
    result = run.result("Give WinHTTP a proxy", "agent-missing-certs")
    assert result["changed"] and result["decision"] == "import"
    assert result["after"]["proxy"] == "proxy.corp.example:8080" and result["after"]["bypass"] == "<local>"
    again = _run(tmp_path, "winhttp.yml", "agent-missing-certs", seed)
    assert not again.result("Give WinHTTP a proxy", "agent-missing-certs")["changed"]


def test_explicit_proxy_is_set_once_and_compared_by_value(tmp_path):
    seed = _winhttp_seed(tmp_path, "old-proxy.corp.example:3128", None)
    extra = {"winhttp_proxy": "proxy.corp.example:8080", "winhttp_bypass": ["<local>", "*.corp.example"]}
    run = _run(tmp_path, "winhttp.yml", "agent-missing-certs", seed, extra)
    result = run.result("Give WinHTTP a proxy", "agent-missing-certs")
    assert result["changed"] and result["after"] == dict(result["after"], proxy="proxy.corp.example:8080",
                                                         bypass="<local>;*.corp.example")
    first_bytes = _state(tmp_path, "agent-missing-certs")["registry"][WINHTTP_KEY]["WinHttpSettings"]["value"]
    again = _run(tmp_path, "winhttp.yml", "agent-missing-certs", seed, extra)
    assert not again.result("Give WinHTTP a proxy", "agent-missing-certs")["changed"]
    # the bytes hold a write counter: a byte comparison would never settle; the parsed values do
    assert winhttp.parse(first_bytes)["proxy"] == "proxy.corp.example:8080"


def test_explicit_proxy_with_a_space_is_refused_before_the_host(tmp_path):
    seed = _winhttp_seed(tmp_path, None, None)
    run = _run(tmp_path, "winhttp.yml", "agent-missing-certs", seed, {"winhttp_proxy": "proxy corp:8080"})
    assert "host:port" in run.result("Give WinHTTP a proxy", "agent-missing-certs")["msg"]
    assert run.counts("agent-missing-certs")["executions"] == 0


# --- Hotfix block (defect 7, honest CreateMissing) -----------------------------------------------

def test_block_set_by_hand_is_noted_as_first_seen_not_restamped(tmp_path):
    seed = lab_state.seed_path("agent-2008r2")
    run = _run(tmp_path, "registry_block.yml", "agent-2008r2", seed, {"block_upgrade_date": "2099-12-10"})
    result = run.result("Set the block", "agent-2008r2")
    # FirstSeenAt is written on the host: changed, though the block value is kept
    assert result["changed"] and result["record_changed"] and not result["value_changed"] and result["blocked"]
    assert "BlockedAt" not in result["record"] and result["record"]["FirstSeenAt"]
    assert result["first_seen"] == result["record"]["FirstSeenAt"]
    assert "age is unknown" in result["msg"]
    assert "first seen" in result["readiness"]["reason"]
    again = _run(tmp_path, "registry_block.yml", "agent-2008r2", seed)
    assert again.result("Set the block", "agent-2008r2")["record"]["FirstSeenAt"] == result["record"]["FirstSeenAt"]
    assert not again.result("Set the block", "agent-2008r2")["record_changed"]
    assert not again.result("Set the block", "agent-2008r2")["changed"]


def test_protected_agent_names_its_self_protection_setting(tmp_path):
    seed = _seed(tmp_path, "agent-win10-64", lambda d: d["faults"].update(protected_keys=True) if "faults" in d
                 else d.update(faults={"protected_keys": True}))
    run = _run(tmp_path, "registry_block.yml", "agent-win10-64", seed)
    result = run.result("Set the block", "agent-win10-64")
    assert result["failed"] and result["status"] == "protected_by_agent"
    assert "Protect Security Agent registry keys" in result["msg"] and "レジストリキーを保護する" in result["msg"]
    assert "Agent Management > Settings > Privileges and Other Settings" in result["msg"]


def test_non_administrator_is_told_so(tmp_path):
    seed = _seed(tmp_path, "agent-win10-64", lambda d: d.update(faults={"not_admin": True}))
    result = _run(tmp_path, "registry_block.yml", "agent-win10-64", seed).result("Set the block", "agent-win10-64")
    assert result["failed"] and "not an administrator" in result["msg"]


def test_wrong_kind_is_replaced_by_a_dword(tmp_path):
    def change(data):
        data["registry"][AGENT_KEY + "\\Misc."]["NoProgramUpgrade"] = {"kind": "String", "value": "1"}
    seed = _seed(tmp_path, "agent-win10-64", change)
    result = _run(tmp_path, "registry_block.yml", "agent-win10-64", seed).result("Set the block", "agent-win10-64")
    assert result["changed"] and result["type_corrected"] and result["current"] == {"kind": "DWord", "value": 1}


def test_create_missing_creates_the_whole_agent_key(tmp_path):
    seed = lab_state.seed_path("host-no-agent")
    run = _run(tmp_path, "registry_block.yml", "host-no-agent", seed, {"block_create_missing": True})
    assert run.result("Set the block", "host-no-agent")["changed"]
    registry = _state(tmp_path, "host-no-agent")["registry"]
    assert AGENT_KEY in registry and AGENT_KEY + "\\Misc." in registry
    again = _run(tmp_path, "registry_block.yml", "host-no-agent", seed, {"block_create_missing": True})
    result = again.result("Set the block", "host-no-agent")
    assert not result["changed"] and not result.get("skipped")  # the agent key now exists


def test_lifting_a_block_that_is_not_there_writes_nothing(tmp_path):
    def change(data):
        del data["registry"][AGENT_KEY + "\\Misc."]["NoProgramUpgrade"]
    seed = _seed(tmp_path, "agent-win10-64", change)
    result = _run(tmp_path, "registry_block.yml", "agent-win10-64", seed, {"block_state": "absent"}).result(
        "Set the block", "agent-win10-64")
    assert not result["changed"]
    assert "NoProgramUpgrade" not in _state(tmp_path, "agent-win10-64")["registry"][AGENT_KEY + "\\Misc."]


# --- the probe: each subset on its own (defects 2, 3, 6) ------------------------------------------

FACTS = "Read the host"


def test_broken_wmi_loses_only_what_wmi_gives(tmp_path):
    seed = _seed(tmp_path, "agent-win10-64", lambda d: d.update(faults={"wmi_broken": True}))
    result = _run(tmp_path, "facts.yml", "agent-win10-64", seed).result(FACTS, "agent-win10-64")
    facts, found = result["ansible_facts"]["apexone_host"], result["ansible_facts"]["apexone_findings"]
    assert set(facts["unreadable"]) == {"os", "services"}  # the installed updates are read without WMI
    assert "WMI" in facts["unreadable"]["os"]
    assert facts["certificates"]["ready"]  # the stores were still read
    assert [f["check"] for f in found] == ["unreadable"] * 2
    assert all(f["severity"] == "blocker" for f in found)  # never counted as ready


def test_locked_auth_backup_is_could_not_be_read_and_the_rest_survives(tmp_path):
    def change(data):
        data["files"]["C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\AuthCertBackup\\OfficeScanAuth.dat"]["locked"] = True
    seed = _seed(tmp_path, "apexone-srv", change)
    result = _run(tmp_path, "facts.yml", "apexone-srv", seed, {"facts_network": False}).result(FACTS, "apexone-srv")
    facts, found = result["ansible_facts"]["apexone_host"], result["ansible_facts"]["apexone_findings"]
    assert "being used by another process" in facts["server"]["auth_backup"]["error"]
    assert any(f["check"] == "unreadable" and "OfficeScanAuth.dat" in f["params"]["error"] for f in found)
    assert not any(f["check"] == "auth_backup_on_server" for f in found)
    assert facts["server"]["invalid_files"]  # the _Invalid listing still answered


def test_local_path_reg_expand_sz_is_expanded(tmp_path):
    def change(data):
        data["registry"][SERVER_KEY]["Local_Path"] = {
            "kind": "ExpandString", "value": "%ProgramFiles(x86)%\\Trend Micro\\OfficeScan\\PCCSRV\\"}
    seed = _seed(tmp_path, "apexone-srv", change)
    result = _run(tmp_path, "facts.yml", "apexone-srv", seed, {"facts_network": False}).result(FACTS, "apexone-srv")
    server = result["ansible_facts"]["apexone_host"]["server"]
    assert server["install_dir"] == "C:\\Program Files (x86)\\Trend Micro\\OfficeScan"
    assert server["auth_backup"]["exists"] and server["invalid_files"]


@pytest.mark.parametrize("value, message", [("", "is empty"), ("   ", "is empty"),
                                            ("C:\\Trend|Micro", "Illegal characters in path")])
def test_empty_or_odd_local_path_is_refused_by_the_subsets_that_need_it(tmp_path, value, message):
    def change(data):
        data["registry"][SERVER_KEY]["Local_Path"] = {"kind": "String", "value": value}
    seed = _seed(tmp_path, "apexone-srv", change)
    result = _run(tmp_path, "facts.yml", "apexone-srv", seed, {"facts_network": False}).result(FACTS, "apexone-srv")
    facts = result["ansible_facts"]["apexone_host"]
    assert message in facts["unreadable"]["files"] and message in facts["unreadable"]["invalid_files"]
    assert facts["certificates"]["ready"] and facts["os"]["version"]


def _proxied_server(tmp_path, **proxy):
    def change(data):
        data["registry"][WINHTTP_KEY] = {"WinHttpSettings": {
            "kind": "Binary", "value": winhttp.encode("proxy.corp.example:8080", "<local>", counter=2)}}
        data["proxy"] = dict({"host": "proxy.corp.example", "port": 8080, "only": True}, **proxy)
    return _seed(tmp_path, "apexone-srv", change)


def test_direct_failures_behind_a_proxy_are_not_tested(tmp_path):
    result = _run(tmp_path, "facts.yml", "apexone-srv", _proxied_server(tmp_path)).result(FACTS, "apexone-srv")
    found = result["ansible_facts"]["apexone_findings"]
    assert not any(f["check"] == "network" for f in found)
    assert {f["check"] for f in found if f["check"].startswith("network")} == {"network_not_tested"}


def test_destinations_tested_through_the_proxy(tmp_path):
    extra = {"facts_network_proxy": "proxy.corp.example:8080"}
    result = _run(tmp_path, "facts.yml", "apexone-srv", _proxied_server(tmp_path), extra).result(FACTS, "apexone-srv")
    network = {(n["host"], n["port"]): n for n in result["ansible_facts"]["apexone_host"]["network"]}
    assert network[("osce14-jp-census.trendmicro.com", 443)]["outcome"] == "timeout"  # 504 from the proxy
    assert network[("licenseupdate.trendmicro.com", 443)]["outcome"] == "ok"
    assert all(n["via"] == "proxy" for n in network.values())


def test_proxy_asking_for_credentials_is_named(tmp_path):
    extra = {"facts_network_proxy": "proxy.corp.example:8080"}
    seed = _proxied_server(tmp_path, auth=True)
    result = _run(tmp_path, "facts.yml", "apexone-srv", seed, extra).result(FACTS, "apexone-srv")
    assert {n["outcome"] for n in result["ansible_facts"]["apexone_host"]["network"]} == {"proxy_auth"}


def test_socket_errors_are_named(tmp_path):
    def change(data):
        data["network"] = {"osce14-jp-census.trendmicro.com": "refused", "licenseupdate.trendmicro.com:80": "unreachable",
                           "licenseupdate.trendmicro.com:443": "ipv6_only"}
    seed = _seed(tmp_path, "apexone-srv", change)
    result = _run(tmp_path, "facts.yml", "apexone-srv", seed).result(FACTS, "apexone-srv")
    network = {(n["host"], n["port"]): n for n in result["ansible_facts"]["apexone_host"]["network"]}
    assert network[("osce14-jp-census.trendmicro.com", 443)]["outcome"] == "refused"
    assert "10061" in network[("osce14-jp-census.trendmicro.com", 443)]["detail"]
    assert network[("licenseupdate.trendmicro.com", 80)]["outcome"] == "unreachable"
    assert network[("licenseupdate.trendmicro.com", 443)]["outcome"] == "unreachable"
    assert result["ansible_facts"]["apexone_host"]["os"]["version"]  # the probe answered in full


def test_block_hotfix_check_mode_says_would_block(tmp_path):
    run = labrun.run_playbook("playbooks/block_hotfix.yml", tmp_path / "lab", check=True,
                              extra_vars={"apexone_server_upgrade_date": "2099-12-10", "apexone_report_lang": "en"})
    assert run.rc == 0, run.stdout[-2000:]
    lines = run.result("Show the summary", "localhost")["msg"]
    assert lines[0] == "check mode, nothing changed: would block 4, already blocked 1"
    assert "value type corrected to REG_DWORD: -" in lines  # nothing was corrected in check mode
    assert run.result("Fail when agents are not blocked", "localhost")["msg"] == \
        "Check mode: would block 4 agent(s); nothing was changed."


def test_preflight_console_lists_warnings_too(tmp_path):
    run = labrun.run_playbook("playbooks/preflight.yml", tmp_path / "lab", extra_vars={
        "apexone_report_dir": str(tmp_path / "reports"), "apexone_backup_dir": str(tmp_path / "backups"),
        "apexone_fail_on_blockers": False, "apexone_report_lang": "en"})
    assert run.rc == 0, run.stdout[-2000:]
    lines = run.result("Show where the report is and what blocks the upgrade", "localhost")["msg"]
    assert "An Apex One destination is not reachable" in lines[-1]  # the server's network warning
    assert "SHA-2 code signing update missing" in lines[-2]  # blockers stay on their own line
