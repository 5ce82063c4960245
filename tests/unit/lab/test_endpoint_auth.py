# -*- coding: utf-8 -*-
"""The lab endpoint's authentication and TLS rules (tests/lab/endpoint/auth.py AUTH 1-6) that need no KDC:
NTLM denied, HTTPS with a test CA, plain SOAP only inside TLS, channel binding as Windows checks it.
Kerberos itself runs against the lab's Samba KDC in tests/playbook/test_kerberos.py."""

from __future__ import annotations

import base64
import hashlib
import json
import ssl

import pytest
import requests
import spnego
import spnego.channel_bindings
import winrm
from winrm.exceptions import InvalidCredentialsError

from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import answer, payload
from ansible_collections.apexone.upgrade.tests.lab.endpoint import auth, server, tls
from ansible_collections.apexone.upgrade.tests.lab.simulator import lab, state, wire

USER, PASSWORD = "apexone-lab", "Lab-Passw0rd-1"
NAME = "lab-https.lab.example"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("pki"))
    return tls.make_pki(folder, [NAME, "127.0.0.1"]), tls.make_pki(folder, ["127.0.0.1"], "another CA")


@pytest.fixture()
def https(tmp_path, pki):
    with server.Endpoint(str(tmp_path / "lab"), pki=pki[0]) as running:
        yield running


def _seed(tmp_path, **extra):
    data = state._load_yaml(state.seed_path("agent-win10-64"))  # pylint: disable=protected-access
    data.update(extra)
    path = tmp_path / "custom-seed.yml"
    path.write_text(json.dumps(data))
    return str(path)


def _url(endpoint, host="h1", seed="agent-win10-64"):
    return "%s/wsman/%s?seed=%s" % (endpoint.url, host, seed)


def _probe(protocol):
    shell = protocol.open_shell(codepage=65001)
    words = wire.winrm_command_line(payload.command()).split(" ")
    command_id = protocol.run_command(shell, words[0], words[1:], console_mode_stdin=False)
    protocol.send_command_input(shell, command_id, payload.stdin("probe", {"Subset": ["os"]}).encode("ascii"),
                                end=True)
    stdout, stderr, rc = protocol.get_command_output(shell, command_id)
    protocol.cleanup_command(shell, command_id)
    protocol.close_shell(shell)
    return answer.parse("probe", rc, stdout, stderr)


def test_a_host_that_denies_ntlm_refuses_the_last_leg_once(tmp_path):
    """AUTH 3: the handshake runs, the AUTHENTICATE is refused as a wrong password is; one failed logon."""
    with server.Endpoint(str(tmp_path / "lab")) as endpoint:
        protocol = winrm.Protocol(_url(endpoint, seed=_seed(tmp_path, winrm={"ntlm": False})), transport="ntlm",
                                  username=USER, password=PASSWORD, operation_timeout_sec=3, read_timeout_sec=4)
        with pytest.raises(InvalidCredentialsError):
            protocol.open_shell()
    counts = lab.read_counts("h1", endpoint.lab_dir)
    assert counts["logon_failures"] == {"NTLM": 1} and not counts["logons"]
    assert "Restrict NTLM" in counts["refused"][0]["reason"] and "apexone-lab" in counts["refused"][0]["reason"]


def test_the_offer_is_negotiate_and_kerberos_only_on_a_domain_member(tmp_path):
    """AUTH 1: without a keytab the endpoint is no domain member and offers Negotiate alone."""
    policy = auth.Policy.from_seed({}, domain_member=False)
    assert policy.offer() == (("WWW-Authenticate", "Negotiate"),)
    member = auth.Policy.from_seed({"negotiate": False}, domain_member=True)
    assert member.offer() == (("WWW-Authenticate", "Kerberos"),) and not member.accepts("negotiate")
    with pytest.raises(ValueError, match="winrm.ntlm must be true or false"):
        auth.Policy.from_seed({"ntlm": "no"}, domain_member=True)
    with server.Endpoint(str(tmp_path / "lab")) as endpoint:
        answer = requests.post(_url(endpoint), data=b"", timeout=5)
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Negotiate"


def test_https_with_validation_sends_plain_soap_inside_tls(https, pki, monkeypatch):
    """AUTH 5: pywinrm over HTTPS validates the listener against the test CA and does not seal."""
    seen = []
    original = requests.Session.send

    def spy(self, request, **kwargs):
        seen.append(request.headers.get("Content-Type", ""))
        return original(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", spy)
    protocol = winrm.Protocol(_url(https), transport="ntlm", username=USER,
                              password=PASSWORD, server_cert_validation="validate", ca_trust_path=pki[0].ca_file,
                              operation_timeout_sec=3, read_timeout_sec=4)
    assert _probe(protocol)["os"]["version"] == "10.0.19045"
    assert any(kind.startswith("application/soap+xml") for kind in seen)
    assert not any(kind.startswith("multipart/encrypted") for kind in seen)
    assert lab.read_counts("h1", https.lab_dir)["logons"] == {"NTLM": 1}


def test_a_certificate_the_controller_does_not_trust_fails_the_connection(https, pki):
    protocol = winrm.Protocol(_url(https), transport="ntlm", username=USER, password=PASSWORD,
                              server_cert_validation="validate", ca_trust_path=pki[1].ca_file,
                              operation_timeout_sec=3, read_timeout_sec=4)
    with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        protocol.open_shell()
    assert lab.read_counts("h1", https.lab_dir)["http_requests"] == 0


def test_plain_soap_is_still_refused_over_http(tmp_path):
    with server.Endpoint(str(tmp_path / "lab")) as endpoint:
        protocol = winrm.Protocol(_url(endpoint), transport="ntlm", username=USER, password=PASSWORD,
                                  message_encryption="never", operation_timeout_sec=3, read_timeout_sec=4)
        with pytest.raises(Exception, match="unencrypted message over HTTP"):
            protocol.open_shell()


def _ntlm_handshake(endpoint, bindings):
    """The NTLM handshake by hand over one HTTPS connection, the client binding `bindings` (or nothing)."""
    session = requests.Session()  # one TCP connection; verify per request (REQUESTS_CA_BUNDLE would win over the session's)
    client = spnego.client(USER, PASSWORD, protocol="ntlm", channel_bindings=bindings)
    answer = None
    token = client.step()
    while token:
        answer = session.post(_url(endpoint), data=b"", timeout=5, verify=endpoint.pki.ca_file,
                              headers={"Authorization": "Negotiate " + base64.b64encode(token).decode()})
        challenge = answer.headers.get("WWW-Authenticate", "")
        if answer.status_code != 401 or client.complete or " " not in challenge:
            break
        token = client.step(base64.b64decode(challenge.split(" ", 1)[1]))
    return answer.status_code


@pytest.mark.parametrize("binding, status", [("listener", 200), ("none", 200), ("another", 401)])
def test_channel_bindings_are_checked_as_windows_checks_them(https, pki, binding, status):
    """AUTH 6 (CbtHardeningLevel Relaxed): the listener's tls-server-end-point passes, no bindings pass,
    bindings of another certificate (a relay through another TLS endpoint) are refused."""
    certificate = {"listener": pki[0].cert_file, "another": pki[1].cert_file}.get(binding)
    bindings = None
    if certificate:
        with open(certificate, encoding="ascii") as handle:
            der = ssl.PEM_cert_to_DER_cert(handle.read())
        bindings = spnego.channel_bindings.GssChannelBindings(application_data=tls.channel_binding(der))
    assert _ntlm_handshake(https, bindings) == status
    counts = lab.read_counts("h1", https.lab_dir)
    assert counts.get("logons" if status == 200 else "logon_failures") == {"NTLM": 1}
    assert status == 200 or "BadBindingsError" in counts["refused"][0]["reason"]


def test_channel_binding_is_the_certificate_hash():
    """RFC 5929: tls-server-end-point is the hash of the whole certificate with its signature's hash."""
    with open("/usr/share/ca-certificates/mozilla/DigiCert_Global_Root_G2.crt", encoding="ascii") as handle:
        der = ssl.PEM_cert_to_DER_cert(handle.read())
    value = tls.channel_binding(der)
    assert value.startswith(b"tls-server-end-point:") and len(value) == len(b"tls-server-end-point:") + 32
    assert value == b"tls-server-end-point:" + hashlib.sha256(der).digest()
