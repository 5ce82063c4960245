# -*- coding: utf-8 -*-
"""The console's agent-list export: encodings, column mappings, and clear errors for bad files (issue 11)."""

from __future__ import annotations

import codecs

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import agent_list, errors

EN = ("Endpoint,IP Address,Operating System,Agent Version,Domain\r\n"
      "PC-XP01,10.0.0.1,Windows XP Professional,12.0.5427,Workgroup\\Sales\r\n"
      "PC-WIN10,10.0.0.2,Windows 10 Enterprise,14.0.12011,Workgroup\\Sales\r\n")
JA = ("エンドポイント,IPアドレス,オペレーティングシステム,エージェントのバージョン,ドメイン\r\n"
      "営業-PC01,10.0.0.3,Windows 7 Professional,12.0.5427,営業部\r\n")


@pytest.mark.parametrize("data, encoding", [
    (EN.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + JA.encode("utf-8"), "utf-8"),
    (JA.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF16_LE + JA.encode("utf-16-le"), "utf-16-le"),
    (JA.encode("utf-16-le"), "utf-16-le"),
    (JA.encode("cp932"), "cp932"),
    (EN.encode("cp932"), "utf-8"),  # ASCII only: the same bytes either way
])
def test_encodings_are_detected(data, encoding):
    parsed = agent_list.parse(data)
    assert parsed["encoding"] == encoding
    first = parsed["agents"][0]
    assert first["host"] in ("PC-XP01", "営業-PC01")
    assert first["source"] == "export" and first["line"] == 2
    if first["host"] == "営業-PC01":
        assert (first["ip"], first["os"], first["agent_version"], first["domain"]) == (
            "10.0.0.3", "Windows 7 Professional", "12.0.5427", "営業部")


def test_default_columns_in_english():
    parsed = agent_list.parse(EN.encode("utf-8"))
    assert parsed["columns"] == {"host": "Endpoint", "ip": "IP Address", "os": "Operating System",
                                 "agent_version": "Agent Version", "domain": "Domain"}
    assert [a["host"] for a in parsed["agents"]] == ["PC-XP01", "PC-WIN10"]
    assert parsed["missing_fields"] == []


def test_user_mapping_wins_and_full_width_headers_match():
    data = "端末名,ＩＰ アドレス,OS\nPC1,10.0.0.9,Windows 8\n".encode("utf-8")
    parsed = agent_list.parse(data, columns={"host": "端末名", "ip": "IP アドレス"})
    assert parsed["agents"][0]["host"] == "PC1" and parsed["agents"][0]["ip"] == "10.0.0.9"
    assert parsed["agents"][0]["os"] == "Windows 8"
    assert parsed["missing_fields"] == ["agent_version", "domain"]


@pytest.mark.parametrize("data, kwargs, message", [
    (b"", {}, "empty"),
    (codecs.BOM_UTF8 + b"\r\n\r\n", {}, "empty"),
    (b"Endpoint,OS\r\n", {}, "no agent"),
    (b"Name,OS\nPC1,XP\n", {"columns": {"host": "Computer"}}, "mapped column is missing: host"),
    (b"Machine,OS\nPC1,XP\n", {}, "The file's columns are: 'Machine', 'OS'"),
    (b"Endpoint,OS\nPC1,XP\n", {"columns": {"domain": "Domain"}}, "mapped column is missing: domain"),
    (b"Endpoint,OS\nPC1,XP\npc1,7\nPC2,8\nPC2,8\n", {}, "duplicate hosts in the agent list: PC1 (rows 2, 3); PC2"),
    (b"Endpoint,OS\nPC1,XP\n,7\n", {}, "row(s) 3 have no host name"),
    (b"\xfe\xff\x00E\x00n", {}, "unknown encoding"),
    (b"Endpoint\n\x81\xff\xfe\x80\n", {}, "unknown encoding"),
    ("Endpoint\nPC1\n".encode("utf-16-le"), {"encoding": "utf-8"}, "the file is not utf-8"),
    (b"Endpoint\nPC1\n", {"columns": {"hostname": "x"}}, "'hostname' is not a field"),
])
def test_bad_files_get_errors_that_say_what_to_do(data, kwargs, message):
    with pytest.raises(errors.InputError) as caught:
        agent_list.parse(data, **kwargs)
    assert message in str(caught.value)
