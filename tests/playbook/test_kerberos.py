# -*- coding: utf-8 -*-
"""Kerberos and HTTPS end to end: the real winrm and psrp plugins, the lab's Samba KDC, the loopback endpoint.

One domain controller for the module (it holds the shared directory lock while this module runs): the
controller's account and the WinRM service's SPNs, its keytab for the endpoint, the controller's
krb5.conf (tests/directory/kerberos.py). Each lab host is reached by `<name>.lab.example`.

- the preflight and the Hotfix block playbooks over Kerberos, on both transports (winrm's `kerberos`
  transport, psrp's `negotiate`, which must pick Kerberos: one host of the fleet denies NTLM);
- a host that denies NTLM refuses an NTLM logon as Windows does;
- HTTPS with certificate validation against a test CA; a CA the controller does not trust fails;
- each Kerberos failure the plugins meet, with what each plugin raises (kerberos_failures.py).
"""

from __future__ import annotations

import glob
import json
import os

import pytest
import yaml

from ansible_collections.apexone.upgrade.tests.directory import kerberos, samba_dc
from ansible_collections.apexone.upgrade.tests.lab import kerberos_failures
from ansible_collections.apexone.upgrade.tests.lab.endpoint import tls
from ansible_collections.apexone.upgrade.tests.lab.simulator import lab
from ansible_collections.apexone.upgrade.tests.playbook import lab_hosts, labrun

SERVER = {"apexone-srv": "apexone-srv"}
AGENTS = dict((name, name) for name in ("agent-win10-64", "agent-win10-32", "agent-win7-sp1-nokb", "agent-2008r2",
                                        "host-no-agent", "agent-missing-certs"))
NTLM_DENIED = "agent-2008r2"  # its working state says winrm: {ntlm: false}
HOSTS = list(SERVER) + list(AGENTS)
CLOCK = "2026-11-22T06:00:00Z"
CONNECTION = os.path.join(labrun.LAB, "connection")


def _vars(name, **more):
    with open(os.path.join(CONNECTION, name + ".yml"), encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle), **more)


@pytest.fixture(scope="module")
def realm(tmp_path_factory):
    """The lab realm: a running Samba KDC with the accounts, the keytab and the controller's krb5.conf."""
    if os.geteuid() != 0:
        pytest.skip("the lab's KDC (Samba, port 88) and the lab host names (/etc/hosts) need root, as CI runs")
    kerberos.hosts_entries(HOSTS + [kerberos_failures.SPN_UNKNOWN_HOST])
    dc = samba_dc.SambaDC([], kerberos_hosts=HOSTS)
    dc.start()
    try:
        yield dc.realm
    finally:
        dc.stop()


def _connection(transport):
    """Kerberos settings; psrp negotiates (it must find Kerberos: NTLM_DENIED refuses NTLM)."""
    return _vars("kerberos", ansible_psrp_auth="negotiate") if transport == "psrp" else _vars("kerberos")


def _seed(lab_dir):
    for host in HOSTS:
        lab_hosts.seed(lab_dir, host, lambda data, host=host: data.update(
            {"clock": CLOCK}, **({"winrm": {"ntlm": False}} if host == NTLM_DENIED else {})))


def _inventory(path, transport, **more):
    return labrun.write_inventory(path / "inventory.yml", {"apexone_server": SERVER, "apexone_agents": AGENTS},
                                  connection=dict(_connection(transport), **more))


def _kerberos_only(run, hosts):
    for host in hosts:
        counts = run.counts(host)
        assert set(counts.get("logons", {})) == {"Kerberos"}, (host, counts.get("logons"))
        assert not counts.get("logon_failures"), (host, counts.get("logon_failures"))


@pytest.fixture(scope="module")
def preflight(tmp_path_factory, realm, lab_transport):
    path = tmp_path_factory.mktemp("kerberos-preflight")
    _seed(path / "lab")
    run = labrun.run_playbook("playbooks/preflight.yml", path / "lab", inventory=_inventory(path, lab_transport),
                              extra_vars={"apexone_report_dir": str(path / "reports"),
                                          "apexone_backup_dir": str(path / "backups")},
                              env=realm.env(), endpoint={"keytab": realm.keytab})
    return path, run


def test_preflight_over_kerberos_reads_every_host_with_one_execution(preflight):
    path, run = preflight
    assert run.rc == 2, run.stdout[-3000:]  # the lab's blockers, as over NTLM
    reports = glob.glob(str(path / "reports" / "preflight-*.json"))
    with open(reports[0], encoding="utf-8") as handle:
        summary = json.load(handle)["summary"]
    assert (summary["hosts"], summary["ready"], summary["blocked"], summary["unknown"]) == (7, 2, 5, 0)
    for host in HOSTS:
        assert run.counts(host)["executions"] == 1, host
    _kerberos_only(run, HOSTS)  # psrp's negotiate picked Kerberos everywhere, NTLM_DENIED included


@pytest.fixture(scope="module")
def hotfix_runs(tmp_path_factory, realm, lab_transport):
    path = tmp_path_factory.mktemp("kerberos-hotfix")
    _seed(path / "lab")
    inventory = _inventory(path, lab_transport)
    runs = [labrun.run_playbook("playbooks/block_hotfix.yml", path / "lab", inventory=inventory,
                                extra_vars={"apexone_server_upgrade_date": "2026-12-10"}, env=realm.env(),
                                endpoint={"keytab": realm.keytab}) for dummy in range(2)]
    return path, runs


def test_hotfix_block_over_kerberos_sets_then_leaves_the_block(hotfix_runs):
    path, (first, second) = hotfix_runs
    assert first.rc == 0 and second.rc == 0, first.stdout[-3000:]
    task = "Set NoProgramUpgrade on the agent, verify it, and record when"
    assert first.result(task, "agent-win10-64")["changed"] is True
    assert second.result(task, "agent-win10-64")["changed"] is False
    assert sum(stats["changed"] for stats in second.stats.values()) == 0
    misc = lab_hosts.state_of(path / "lab", "agent-win10-64")["registry"][
        "SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion\\Misc."]
    assert misc["NoProgramUpgrade"] == {"kind": "DWord", "value": 1}
    _kerberos_only(second, list(AGENTS))


def test_a_host_that_denies_ntlm_refuses_the_ntlm_logon(tmp_path, realm, lab_transport):
    _seed(tmp_path / "lab")
    inventory = labrun.write_inventory(tmp_path / "inventory.yml", {"apexone_agents": {NTLM_DENIED: NTLM_DENIED}})
    run = labrun.run_playbook("tests/playbook/plays/facts.yml", tmp_path / "lab", inventory=inventory,
                              endpoint={"keytab": realm.keytab})
    assert run.stats[NTLM_DENIED]["unreachable"] == 1
    message = run.result("Read the host", NTLM_DENIED)["msg"]
    assert "(step: authenticate)" in message and "NTLM authentication failed" in message, message
    counts = run.counts(NTLM_DENIED)
    # one failed NTLM logon: an authentication failure is never tried again
    assert counts["logon_failures"] == {"NTLM": 1} and not counts.get("logons")
    assert counts["executions"] == 0
    assert "Restrict NTLM" in counts["refused"][0]["reason"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("pki"))
    return tls.make_pki(folder, [kerberos.fqdn(host) for host in HOSTS]), tls.make_pki(folder, ["x"], "other CA")


def test_https_with_validation_over_kerberos(tmp_path, realm, pki, lab_transport):
    trusted, dummy = pki
    _seed(tmp_path / "lab")
    inventory = labrun.write_inventory(
        tmp_path / "inventory.yml", {"apexone_agents": {"agent-win10-64": "agent-win10-64"}},
        connection=dict(_connection(lab_transport), **_vars("https", apexone_lab_ca=trusted.ca_file)))
    run = labrun.run_playbook("tests/playbook/plays/facts.yml", tmp_path / "lab", inventory=inventory, env=realm.env(),
                              endpoint={"keytab": realm.keytab, "pki": trusted})
    assert run.rc == 0, run.stdout[-3000:]
    facts = run.result("Read the host", "agent-win10-64")["ansible_facts"]["apexone_host"]
    assert facts["os"]["version"] == "10.0.19045"
    _kerberos_only(run, ["agent-win10-64"])


@pytest.mark.parametrize("case", kerberos_failures.CASES)
def test_each_kerberos_failure_is_the_plugins_own_error(tmp_path, realm, lab_transport, case):
    """What each plugin raises for each Kerberos failure, below it (the runner's `authenticate` step words them)."""
    with labrun.server.Endpoint(str(tmp_path / "lab"), keytab=realm.keytab) as endpoint:
        seen = kerberos_failures.observe(case, lab_transport, realm, endpoint.port, str(tmp_path))
    kind, *words = EXPECTED[lab_transport][case]
    assert seen["type"] == kind, seen
    for word in words:
        assert word in seen["text"], seen
    assert realm.password not in seen["text"]
    if case == "clock_skew":  # the host's acceptor refused the ticket: one failed logon, its reason
        skewed = lab.read_counts("agent-win10-64", str(tmp_path / "skewed-host"))
        assert skewed["logon_failures"] == {"Kerberos": 1} and "Clock skew too great" in skewed["refused"][0]["reason"]


@pytest.mark.parametrize("case", kerberos_failures.CASES)
def test_the_runner_names_each_kerberos_failure_once_and_says_what_to_do(tmp_path, realm, lab_transport, case):
    """Through the collection's runner: the step is authenticate, worded for Kerberos, with the fix for this case,
    the plugin asked to connect once (never a second attempt), no password in the text."""
    with labrun.server.Endpoint(str(tmp_path / "lab"), keytab=realm.keytab) as endpoint:
        seen = kerberos_failures.observe(case, lab_transport, realm, endpoint.port, str(tmp_path), runner=True)
    # Ansible's own class for refused credentials (a connection failure: the host is reported unreachable), so that
    # the preflight's compact read stops the run on it instead of recording the host as unread
    assert seen["type"] == "ansible.errors.AnsibleAuthenticationFailure", seen
    assert "(step: authenticate)" in seen["text"] and "not retried" in seen["text"], seen
    assert "Kerberos" in seen["text"] and "NTLM" not in seen["text"], seen
    assert HINTS[case] in seen["text"], seen
    assert seen["connects"] == 1, seen
    assert realm.password not in seen["text"] and "Not-The-Passw0rd-1" not in seen["text"]


# What the runner tells the user to do, per case (messages.py); winrm reads a skewed host clock as rejected
# credentials, and says the clock may be the cause.
HINTS = {
    "wrong_password": "before the account locks",
    "unknown_user": "The domain has no such account",
    "clock_skew": "clock",
    "kdc_unreachable": "cannot reach a KDC of the realm",
    "spn_unknown": "fully qualified name",
    "no_kerberos_library": "lacks the Kerberos libraries",
}


# Each plugin's own exception and words (pywinrm 0.5.0 / pykerberos 1.2.4; pypsrp 0.9.1 / pyspnego 0.12.4 /
# gssapi / krb5; MIT Kerberos 1.20; ansible-core 2.19). The winrm plugin wraps everything in
# AnsibleConnectionFailure (kinit's stderr for the KDC's answers); the psrp plugin lets the libraries' own
# exceptions out of _connect.
EXPECTED = {
    "winrm": {
        "wrong_password": ("ansible.errors.AnsibleConnectionFailure",
                           "Kerberos auth failure for principal apexone-lab@LAB.EXAMPLE: kinit: Password incorrect "
                           "while getting initial credentials"),
        "unknown_user": ("ansible.errors.AnsibleConnectionFailure",
                         "kinit: Client 'nobody-here@LAB.EXAMPLE' not found in Kerberos database"),
        "clock_skew": ("ansible.errors.AnsibleConnectionFailure",
                       "kerberos: the specified credentials were rejected by the server"),
        "kdc_unreachable": ("ansible.errors.AnsibleConnectionFailure",
                            "kinit: Cannot contact any KDC for realm 'LAB.EXAMPLE'"),
        "spn_unknown": ("ansible.errors.AnsibleConnectionFailure", "kerberos: authGSSClientStep() failed",
                        "Server not found in Kerberos database"),
        "no_kerberos_library": ("ansible.errors.AnsibleConnectionFailure",
                                "WinRM Kerberos authentication requested but the python kerberos library is not "
                                "installed"),
    },
    "psrp": {
        "wrong_password": ("krb5._exceptions.Krb5Error", "Preauthentication failed"),
        "unknown_user": ("krb5._exceptions.Krb5Error",
                         "Client 'nobody-here@LAB.EXAMPLE' not found in Kerberos database"),
        "clock_skew": ("spnego.exceptions.SpnegoError", "Clock skew too great"),
        "kdc_unreachable": ("krb5._exceptions.Krb5Error", "Cannot contact any KDC for realm 'LAB.EXAMPLE'"),
        "spn_unknown": ("spnego.exceptions.SpnegoError", "Server not found in Kerberos database"),
        "no_kerberos_library": ("builtins.ImportError", "GSSAPIProxy requires the Python gssapi library"),
    },
}


def test_psrp_negotiate_without_kerberos_libraries_falls_back_to_ntlm_silently(tmp_path, realm, lab_transport):
    """What the README warns of: the connection is made, over NTLM; only the host's logon says so."""
    if lab_transport != "psrp":
        pytest.skip("psrp's negotiate")
    with labrun.server.Endpoint(str(tmp_path / "lab"), keytab=realm.keytab) as endpoint:
        seen = kerberos_failures.observe("no_kerberos_library", "psrp", realm, endpoint.port, str(tmp_path),
                                         psrp_auth="negotiate")
    assert seen["type"] is None, seen
    assert lab.read_counts("agent-win10-64", str(tmp_path / "lab"))["logons"] == {"NTLM": 1}


def test_the_kerberos_scheme_on_a_host_without_negotiate(tmp_path, realm, lab_transport):
    """A host with Negotiate off offers only `Kerberos`: psrp's kerberos auth then uses that scheme and the
    HTTP-Kerberos-session-encrypted protocol (the endpoint refuses any other); pywinrm speaks only Negotiate."""
    lab_hosts.seed(tmp_path / "lab", "agent-win10-64", lambda data: data.update(winrm={"negotiate": False}))
    with labrun.server.Endpoint(str(tmp_path / "lab"), keytab=realm.keytab) as endpoint:
        seen = kerberos_failures.observe(None, lab_transport, realm, endpoint.port, str(tmp_path))
    counts = lab.read_counts("agent-win10-64", str(tmp_path / "lab"))
    if lab_transport == "psrp":
        assert seen["type"] is None, seen
        assert counts["logons"] == {"Kerberos": 1}
    else:
        assert seen["text"] == "kerberos: the specified credentials were rejected by the server", seen
        assert not counts.get("logons") and not counts.get("logon_failures")
