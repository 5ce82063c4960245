# -*- coding: utf-8 -*-
"""Active Directory as a source (KA-0012615 item 2): the real microsoft.ad.ldap inventory plugin against a
real domain controller (Samba, started by the `directory` fixture), and the preflight on top of it."""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import sys
import uuid

import pytest
import yaml

from ansible_collections.apexone.upgrade.plugins.module_utils import coverage
from ansible_collections.apexone.upgrade.tests.directory import computers
from ansible_collections.apexone.upgrade.tests.playbook import labrun

BIN = os.path.dirname(sys.executable)
ENV = dict(os.environ, ANSIBLE_CONFIG=os.path.join(labrun.LAB, "ansible.cfg"), ANSIBLE_NOCOLOR="1")


def _inventory(directory, tmp_path, **kwargs):
    return directory.inventory(str(tmp_path / "ad.microsoft.ad.ldap.yml"), **kwargs)


def _ansible_inventory(path, *extra):
    return subprocess.run([os.path.join(BIN, "ansible-inventory"), "-i", path, "--list", *extra], env=ENV,
                          capture_output=True, text=True, check=False, timeout=300)


def _unsafe(value):
    return value.get("__ansible_unsafe") if isinstance(value, dict) else value


def test_the_inventory_plugin_reads_every_computer_and_each_is_classified(directory, tmp_path):
    proc = _ansible_inventory(_inventory(directory, tmp_path))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    hostvars = data["_meta"]["hostvars"]
    assert sorted(data["apexone_directory"]["hosts"]) == sorted(computers.EXPECTED)
    seen = {}
    for name, values in hostvars.items():
        values = dict((key, _unsafe(value)) for key, value in values.items())
        seen[name] = coverage.directory_record(name, values)["unsupported"]
        assert values["dNSHostName"] == name.lower() + ".lab.example"
    assert seen == computers.EXPECTED
    assert directory.password not in proc.stdout + proc.stderr


def _readme_ldap_filter():
    """The `filter:` of the README's microsoft.ad.ldap example, as a user copies it."""
    with open(os.path.join(labrun.helpers.ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    block = re.search(r"```yaml\n(# ad\.microsoft\.ad\.ldap\.yml.*?)```", text, re.S).group(1)
    return yaml.safe_load(block)["filter"]


def test_the_readme_filter_returns_a_computer_whose_os_is_empty(directory, tmp_path):
    # A computer object with no operatingSystem* at all (KA-0012615 item 2: it must block as "OS unknown").
    name = "NO-OS-%s" % uuid.uuid4().hex[:8].upper()  # the test runs once per transport on one directory
    directory.add_computers([{"name": name, "dNSHostName": name.lower() + ".lab.example"}])
    path = _inventory(directory, tmp_path)
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle.read().splitlines() if not line.startswith("filter:")]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines + ["filter: '%s'" % _readme_ldap_filter()]) + "\n")
    proc = _ansible_inventory(path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    hosts = set(data["apexone_directory"]["hosts"])
    assert hosts >= set(computers.EXPECTED) | {name}
    record = coverage.directory_record(name, data["_meta"]["hostvars"][name])
    assert (record["known"], record["reason"]) == (False, "the computer object has no operatingSystemVersion")


def test_a_wrong_bind_password_is_named_and_never_printed(directory, tmp_path):
    wrong = "Wr0ng-" + directory.password[::-1]
    proc = _ansible_inventory(_inventory(directory, tmp_path, password=wrong), "-vvv")
    assert "INVALID_CREDENTIALS" in proc.stderr  # LDAP's own words: the bind was refused
    assert wrong not in proc.stdout + proc.stderr
    assert directory.password not in proc.stdout + proc.stderr


PLAYBOOK = "playbooks/preflight.yml"


def _report(path):
    files = sorted(glob.glob(str(path / "reports" / "preflight-*.json")))
    assert len(files) == 1, files
    with open(files[0], encoding="utf-8") as handle:
        return json.load(handle)


def _preflight(directory, tmp_path, extra=None, password=None):
    extra_vars = {"apexone_report_dir": str(tmp_path / "reports"), "apexone_backup_dir": str(tmp_path / "backups"),
                  "apexone_fail_on_blockers": False, "apexone_report_lang": "en"}
    extra_vars.update(extra or {})
    sources = [os.path.join(labrun.LAB, "inventory.yml"), os.path.join(labrun.LAB, "inventory_old_powershell.yml"),
               _inventory(directory, tmp_path, password=password)]
    return labrun.run_playbook(PLAYBOOK, tmp_path / "lab", extra_vars=extra_vars, inventory=sources)


@pytest.fixture(scope="module")
def ad_run(directory, tmp_path_factory, lab_transport):
    path = tmp_path_factory.mktemp("preflight-ad")
    return path, _preflight(directory, path)


def test_without_a_server_list_every_directory_computer_is_judged_without_contact(ad_run):
    path, run = ad_run
    assert run.rc == 0, run.stderr[-3000:]
    model = _report(path)
    rows = dict((h["host"], h) for h in model["hosts"])
    unsupported = dict((c["check"], c) for c in model["checks"])["unsupported_os"]
    flagged = dict((h["host"], h["detail"]) for h in unsupported["hosts"])
    for name, expected in computers.EXPECTED.items():
        if name.lower() in ("agent-win7-rtm", "agent-2008r2"):
            continue  # the lab's WinRM hosts: judged by their probe (below)
        if expected:
            assert rows[name]["status"] == "blocked", name
            assert flagged[name].startswith(expected + " (") and "Active Directory" in flagged[name], flagged[name]
        else:
            assert rows[name]["status"] == "not_contacted", name
            assert name not in flagged
        assert rows[name]["os_source"] == "ad"
    cov = model["coverage"]
    assert cov["server_agents"] is None
    assert cov["counts"]["ad"] == len(computers.EXPECTED) - 2
    assert cov["os_unknown"] == ["agent-vista-nowmi"]  # PowerShell 2.0 answered, WMI did not, not in AD
    assert rows["agent-vista-nowmi"]["findings"] == {"os_unknown": "blocker"}
    assert sorted(a["host"] for a in cov["remove_from_server"]) == sorted(  # WinRM-reached PowerShell 2.0 hosts too
        ["agent-win7-rtm", "agent-xp-ps2"] + [n for n, e in computers.EXPECTED.items() if e and not n.startswith("AGENT-")])


def test_directory_and_probe_are_cross_checked(ad_run):
    path, dummy = ad_run
    model = _report(path)
    mismatch = dict((c["check"], c) for c in model["checks"])["directory_mismatch"]
    # AD says Server 2008 (6.0) for AGENT-2008R2, the host itself says 2008 R2 (6.1): the probe wins, with a warning.
    assert [h["host"] for h in mismatch["hosts"]] == ["agent-2008r2"]
    assert mismatch["severity"] == "warning"
    rows = dict((h["host"], h) for h in model["hosts"])
    assert "unsupported_os" not in rows["agent-2008r2"]["findings"]
    assert rows["agent-win7-rtm"]["os_source"] == "probe"
    assert "AGENT-WIN7-RTM" not in rows and "AGENT-2008R2" not in rows  # joined to the lab host, not counted twice


def test_an_empty_directory_group_fails_clearly_when_the_directory_is_required(directory, tmp_path):
    wrong = "Wr0ng-" + directory.password[::-1]
    run = _preflight(directory, tmp_path, extra={"apexone_directory_required": True}, password=wrong)
    assert run.rc != 0
    msg = run.result("Write the fleet report (HTML and JSON)", "localhost")["msg"]
    assert "no computer came from Active Directory" in msg and "wrong bind password" in msg
    assert wrong not in run.stdout + run.stderr


# --- End to end: the real directory, the server's export (CP932, Japanese headers) and Apex Central ---

EXPORT = [  # (host, IP, OS column as the console would show it)
    ("AD-XP", "10.0.1.1", ""), ("AD-XP64", "10.0.1.2", ""), ("AD-VISTA", "10.0.1.3", ""),
    ("AD-WIN7RTM", "10.0.1.4", "Windows 7"), ("AD-WIN8", "10.0.1.5", ""), ("AD-SRV2008", "10.0.1.6", ""),
    ("AD-SRV2003", "10.0.1.7", ""), ("AD-WIN10", "10.0.1.8", "Windows 10"), ("AD-SRV2008R2", "10.0.1.9", ""),
    ("agent-win10-64", "10.0.2.1", "Windows 10"), ("agent-win7-rtm", "10.0.2.2", "Windows 7"),
    ("PC-EXPORT-XP", "10.0.3.1", "Windows XP Professional"), ("PC-GHOST", "10.0.3.2", ""),
]
NO_WINRM_BLOCKERS = {"AD-XP": "Windows XP", "AD-XP64": "Windows XP x64", "AD-VISTA": "Windows Vista",
                     "AD-WIN7RTM": "Windows 7 without SP1", "AD-WIN8": "Windows 8", "AD-SRV2008": "Windows Server 2008",
                     "AD-SRV2003": "Windows Server 2003"}


def _export(path):
    lines = ["エンドポイント,IPアドレス,オペレーティングシステム,ドメイン"]
    lines += ["%s,%s,%s,営業部" % row for row in EXPORT]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))
    return str(path)


@pytest.fixture(scope="module")
def full_run(directory, tmp_path_factory, lab_transport):
    from ansible_collections.apexone.upgrade.tests.directory.apex_central import ApexCentral
    path = tmp_path_factory.mktemp("preflight-full")
    key = "central-" + directory.password[::-1]
    agents = [{"host_name": "AD-XP", "ip_address_list": "10.0.1.1", "ad_domain": "LAB",
               "product": "SLF_PRODUCT_OFFICESCAN_CE", "managing_server_id": "srv-1"},
              {"host_name": "PC-NOWHERE", "ip_address_list": "10.0.4.1", "ad_domain": "LAB",
               "product": "SLF_PRODUCT_OFFICESCAN_CE", "managing_server_id": "srv-1"}]
    with ApexCentral("app-1", key, agents) as central:
        run = _preflight(directory, path, extra={
            "apexone_agent_list": _export(path / "agents.csv"), "apexone_central_url": central.url,
            "apexone_central_application_id": "app-1", "apexone_central_api_key": key,
            "apexone_directory_required": True})
    return path, run, key


def test_end_to_end_agents_no_winrm_reaches_are_blockers_by_name(full_run):
    path, run, dummy = full_run
    assert run.rc == 0, run.stdout[-3000:]
    model = _report(path)
    checks = dict((c["check"], c) for c in model["checks"])
    flagged = dict((h["host"], h["detail"]) for h in checks["unsupported_os"]["hosts"])
    for host, name in NO_WINRM_BLOCKERS.items():
        assert flagged[host].startswith(name + " (") and "Active Directory" in flagged[host], (host, flagged[host])
    assert flagged["agent-win7-rtm"].startswith("Windows 7 without SP1")  # read over WinRM (PowerShell 2.0)
    rows = dict((h["host"], h) for h in model["hosts"])
    # a PowerShell 2.0 host on a supported OS that WinRM reaches: classified, not unreachable
    assert rows["agent-win7-ps2"]["findings"] == {"wmf51_required": "blocker", "sha2_unknown": "warning"}
    assert flagged["PC-EXPORT-XP"].startswith("Windows XP (") and "agent list export" in flagged["PC-EXPORT-XP"]
    unknown = dict((h["host"], h["detail"]) for h in checks["os_unknown"]["hosts"])
    # in neither AD nor the inventory: OS unknown, blocks; and an inventory host whose WMI did not answer
    assert sorted(unknown) == ["PC-GHOST", "PC-NOWHERE", "agent-vista-nowmi"]
    assert checks["os_unknown"]["severity"] == "blocker"
    assert "not in Active Directory" in unknown["PC-GHOST"]
    rows = dict((h["host"], h) for h in model["hosts"])
    for host in list(NO_WINRM_BLOCKERS) + ["PC-GHOST", "PC-NOWHERE", "PC-EXPORT-XP"]:
        assert rows[host]["status"] == "blocked", host
    assert rows["AD-WIN10"]["status"] == "not_contacted" and rows["AD-SRV2008R2"]["status"] == "not_contacted"


def test_end_to_end_coverage_section(full_run):
    path, dummy, dummy = full_run
    cov = _report(path)["coverage"]
    assert cov["server_agents"] == len(EXPORT) + 1  # AD-XP is on both lists: once
    assert cov["list_sources"] == ["apex_central", "export"]
    on_list = [a for a in cov["agents"] if a["on_server_list"]]
    assert len(on_list) == cov["server_agents"]
    # inventory agents not on the server's list are counted too (probed)
    assert cov["counts"]["ad"] == 9 and cov["counts"]["export"] == 1 and cov["counts"]["unknown"] == 3
    assert cov["counts"]["probe"] == len(cov["agents"]) - 13
    assert sorted(cov["os_unknown"]) == ["PC-GHOST", "PC-NOWHERE", "agent-vista-nowmi"]
    remove = dict((a["host"], a) for a in cov["remove_from_server"])
    assert sorted(remove) == sorted(list(NO_WINRM_BLOCKERS) + ["agent-win7-rtm", "agent-xp-ps2", "PC-EXPORT-XP"])
    assert remove["AD-XP"]["ip"] == "10.0.1.1" and remove["AD-XP"]["os_source"] == "ad"
    assert "AD-WIN81" in cov["directory_not_on_server_list"]
    html = glob.glob(str(path / "reports" / "*.html"))[0]
    with open(html, encoding="utf-8") as handle:
        text = handle.read()
    assert "Agents to remove from the XG server" in text and "AD-SRV2003" in text


def test_end_to_end_no_secret_in_output_or_report(full_run, directory):
    path, run, key = full_run
    everything = run.stdout + run.stderr
    for name in glob.glob(str(path / "reports" / "*")):
        with open(name, encoding="utf-8") as handle:
            everything += handle.read()
    assert key not in everything
    assert directory.password not in everything


def test_at_vvv_neither_the_bind_password_nor_the_api_key_is_printed(directory, tmp_path):
    from ansible_collections.apexone.upgrade.tests.directory.apex_central import ApexCentral
    key = "vvv-key-" + directory.password[::-1]
    agents = [{"host_name": "AD-XP", "ip_address_list": "10.0.1.1", "product": "SLF_PRODUCT_OFFICESCAN_CE"}]
    extra = {"apexone_report_dir": str(tmp_path / "reports"), "apexone_backup_dir": str(tmp_path / "backups"),
             "apexone_fail_on_blockers": False, "apexone_directory_required": True,
             "apexone_central_application_id": "app-1", "apexone_central_api_key": key}
    from ansible_collections.apexone.upgrade.tests.lab.endpoint import server
    with ApexCentral("app-1", key, agents) as central, server.Endpoint(str(tmp_path / "lab")):
        extra["apexone_central_url"] = central.url
        proc = subprocess.run(
            [os.path.join(BIN, "ansible-playbook"), os.path.join(labrun.LAB, "..", "..", PLAYBOOK), "-vvv",
             "-i", os.path.join(labrun.LAB, "inventory.yml"), "-i", _inventory(directory, tmp_path),
             "-e", json.dumps(extra)],
            env=dict(ENV, ANSIBLE_STDOUT_CALLBACK="default", APEXONE_LAB_DIR=str(tmp_path / "lab"),
                     APEXONE_LAB_TRANSPORT="winrm"),
            capture_output=True, text=True, check=False, timeout=600)
        assert central.log and central.log[-1][1] == 200  # the key was used...
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "AD-XP" in proc.stdout  # ...and -vvv shows the hosts and results...
    everything = proc.stdout + proc.stderr
    for name in glob.glob(str(tmp_path / "reports" / "*")):
        with open(name, encoding="utf-8") as handle:
            everything += handle.read()
    assert key not in everything  # ...never the key
    assert directory.password not in everything  # nor the bind password
