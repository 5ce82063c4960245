# -*- coding: utf-8 -*-
"""The server's agent list from the console export (CSV) and from Apex Central's Automation API, through
ansible-playbook: results, clear errors, and the API key never shown (-vvv)."""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
import uuid

import pytest

from ansible_collections.apexone.upgrade.tests.directory.apex_central import ApexCentral
from ansible_collections.apexone.upgrade.tests.playbook import labrun

PLAY = os.path.join(labrun.PLAYS, "agent_lists.yml")
APP_ID = "5E1D6F4A-0C2B-4B8E-9F1A-6A2B3C4D5E6F"
SERVER_ID = "7A1B2C3D-4E5F-4061-8A9B-0C1D2E3F4A5B"
AGENTS = [
    {"entity_id": "e1", "product": "SLF_PRODUCT_OFFICESCAN_CE", "managing_server_id": SERVER_ID, "ad_domain": "LAB",
     "host_name": "AD-XP", "ip_address_list": "10.0.0.11", "mac_address_list": "00-11-22-33-44-55"},
    {"entity_id": "e2", "product": "SLF_PRODUCT_OFFICESCAN_CE", "managing_server_id": SERVER_ID, "ad_domain": "LAB",
     "host_name": "PC-NOWHERE", "ip_address_list": "10.0.0.12,fe80::1"},
    {"entity_id": "e3", "product": "SLF_PRODUCT_OFFICESCAN_CE", "managing_server_id": "other-server",
     "host_name": "OTHER-PC", "ip_address_list": "10.9.9.9"},
    {"entity_id": "e4", "product": "SLF_PRODUCT_DEEP_SECURITY", "managing_server_id": SERVER_ID, "host_name": "DSA-1"},
]


def _play(extra_vars, verbose=False):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), PLAY, "-i", "localhost,",
               "-e", __import__("json").dumps(extra_vars)]
    if verbose:
        command.append("-vvv")  # the default callback: what an operator sees
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(labrun.LAB, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_STDOUT_CALLBACK="default")
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=300)
    return labrun.run_playbook(PLAY, "/nonexistent", extra_vars=extra_vars, inventory="localhost,")


@pytest.fixture()
def central():
    key = "key-" + uuid.uuid4().hex
    with ApexCentral(APP_ID, key, AGENTS) as server:
        server.key = key
        yield server


def test_apex_central_lists_the_agents_of_the_server_with_a_verified_token(central):
    run = _play({"central_url": central.url, "central_app_id": APP_ID, "central_api_key": central.key,
                 "central_server_id": SERVER_ID})
    result = run.result("Ask Apex Central", "localhost")
    assert run.rc == 0, result
    assert [(a["host"], a["ip"], a["domain"], a["source"]) for a in result["agents"]] == [
        ("AD-XP", "10.0.0.11", "LAB", "apex_central"), ("PC-NOWHERE", "10.0.0.12", "LAB", "apex_central")]
    assert central.log[-1][1:] == (200, "ok")
    assert "product=slf_product_officescan_ce" in central.log[-1][0].lower()
    assert central.key not in run.stdout + run.stderr


def test_a_wrong_api_key_is_refused_clearly_and_never_printed_at_vvv(central):
    wrong = "wrong-" + uuid.uuid4().hex
    proc = _play({"central_url": central.url, "central_app_id": APP_ID, "central_api_key": wrong}, verbose=True)
    assert proc.returncode != 0
    assert "Apex Central refused the request (HTTP 401)" in proc.stdout
    assert central.log[-1][1:] == (401, "bad signature")  # the server checked, and said why (to the test only)
    assert wrong not in proc.stdout + proc.stderr


def test_the_right_key_at_vvv_is_never_printed(central):
    proc = _play({"central_url": central.url, "central_app_id": APP_ID, "central_api_key": central.key}, verbose=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "PC-NOWHERE" in proc.stdout  # -vvv shows the result...
    assert central.key not in proc.stdout + proc.stderr  # ...never the key


def test_a_tampered_checksum_is_refused(central):
    # Same key and claims, but the token was made for another path: the server's own checksum check refuses it.
    from ansible_collections.apexone.upgrade.plugins.module_utils import apex_central
    import time
    import urllib.request
    token = apex_central.token(APP_ID, central.key, "GET", "/WebApp/API/AgentResource/ProductAgents?product=x",
                               time.time())
    request = urllib.request.Request(central.url + "/WebApp/API/AgentResource/ProductAgents?product=y",
                                     headers={"Authorization": "Bearer " + token})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 401 and central.log[-1][2] == "checksum"


def test_the_export_is_read_through_the_module(tmp_path):
    path = tmp_path / "agents.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "エンドポイント,IPアドレス,オペレーティングシステム\r\nPC1,10.0.0.1,Windows XP\r\n"
                     .encode("utf-16-le"))
    run = _play({"agent_list_path": str(path)})
    result = run.result("Read the console export", "localhost")
    assert run.rc == 0, result
    assert result["encoding"] == "utf-16-le" and result["count"] == 1
    assert result["agents"][0]["host"] == "PC1" and result["agents"][0]["os"] == "Windows XP"


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"Endpoint,OS\nPC1,XP\nPC1,XP\n", "duplicate hosts"),
    (b"Machine,OS\nPC1,XP\n", "a mapped column is missing: host"),
    (b"\xfe\xff\x00E", "unknown encoding"),
    ("エンドポイント,IPアドレス\r\nPC-JA,10.2.0.1\r\n開".encode("cp932")[:-1], "line 3: the file ends inside a character"),
    (b"Endpoint,IP Address\r\nPC-JA,10.2.0.1\r\nPC-EN\r\n", "line 3 has 1 field(s) where the header has 2"),
])
def test_bad_exports_fail_with_a_message_never_a_traceback(tmp_path, content, message):
    path = tmp_path / "agents.csv"
    path.write_bytes(content)
    run = _play({"agent_list_path": str(path), "agent_list_lang": "en"})
    result = run.result("Read the console export", "localhost")
    assert run.rc != 0 and result.get("failed")
    assert message in result["msg"] and str(path) in result["msg"]
    assert "Traceback" not in run.stdout + run.stderr
    assert result.get("exception") in (None, "(traceback unavailable)")  # ansible-core's words: there was none


def test_a_missing_export_file_says_so(tmp_path):
    run = _play({"agent_list_path": str(tmp_path / "nope.csv")})
    result = run.result("Read the console export", "localhost")
    assert "cannot read the agent list" in result["msg"] and "No such file" in result["msg"]
