# -*- coding: utf-8 -*-
"""The console's agent-list export: encodings, column mappings, and clear errors for bad files (issue 11)."""

from __future__ import annotations

import codecs
import os

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


# Files cut short (issue 22 item 5): the sample export, saved the ways Windows saves CSV, then cut.
SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "agent_lists", "agents_ja.csv")
SAVED_AS = {
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8 BOM": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16-le BOM": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "cp932": lambda text: text.encode("cp932"),
}


def _sample():
    # kept with LF in the repository (the collection's files end lines with LF); the console saves CRLF
    with open(SAMPLE, "rb") as handle:
        return handle.read().decode("utf-8").replace("\n", "\r\n")


def _refused(data, lang="en"):
    with pytest.raises(errors.InputError) as caught:
        agent_list.parse(data, lang=lang)
    return str(caught.value)


@pytest.mark.parametrize("saved", sorted(SAVED_AS))
def test_the_whole_sample_is_read_in_every_encoding(saved):
    parsed = agent_list.parse(SAVED_AS[saved](_sample()))
    assert [(a["host"], a["ip"], a["line"]) for a in parsed["agents"]] == [
        ("営業-PC01", "10.2.0.11", 2), ("経理-PC02", "10.2.0.12", 3), ("SRV-FILE01", "10.2.0.13", 4),
        ("開発-PC03", "10.2.0.14", 5), ("PC-EN", "10.2.0.15", 6)]
    assert parsed["agents"][1]["domain"] == "経理部, 本社"


@pytest.mark.parametrize("saved", sorted(SAVED_AS))
def test_a_last_row_cut_short_is_refused_never_an_agent(saved):
    text = _sample()
    data = SAVED_AS[saved](text[:text.index("10.2.0.15") + len("10.2.0.")])  # ...PC-EN,10.2.0.
    message = _refused(data)
    assert message.startswith("line 6 has 2 field(s) where the header has 5: the file looks cut")


@pytest.mark.parametrize("saved", sorted(SAVED_AS))
def test_a_quote_never_closed_is_refused_with_the_line_it_opens_on(saved):
    text = _sample()
    data = SAVED_AS[saved](text[:text.index("本社")])  # cut inside the quoted domain of line 3
    assert _refused(data).startswith("line 3: a quoted field starts here and is never closed: the file looks cut")


@pytest.mark.parametrize("saved", sorted(SAVED_AS))
def test_a_file_cut_inside_a_character_says_so_with_the_line(saved):
    whole = SAVED_AS[saved](_sample())
    end = len(SAVED_AS[saved](_sample()[:_sample().index("開発")]))  # the bytes before line 5's first kanji
    data = whole[:end + 1]  # one byte of a two- or three-byte character
    message = _refused(data)
    assert message.startswith("line 5: the file ends inside a character")
    assert "the file looks cut" in message and "unknown encoding" not in message


def test_a_row_wider_than_the_header_is_refused():
    text = _sample().replace("SRV-FILE01,10.2.0.13,", "SRV-FILE01,10.2.0.13,extra,")
    assert _refused(text.encode("cp932")).startswith("line 4 has 6 field(s) where the header has 5")


def test_a_blank_line_keeps_the_file_line_numbers():
    text = _sample().replace("\r\nSRV-FILE01", "\r\n\r\nSRV-FILE01")
    hosts = dict((a["host"], a["line"]) for a in agent_list.parse(text.encode("utf-8"))["agents"])
    assert (hosts["経理-PC02"], hosts["SRV-FILE01"], hosts["PC-EN"]) == (3, 5, 7)


def test_a_cut_file_is_refused_in_japanese_too():
    text = _sample()
    message = _refused(text[:text.index("10.2.0.15") + 7].encode("cp932"), lang="ja")
    assert message.startswith("6 行目の項目数が 2 個で、見出し行の 5 個と合いません。ファイルが途中で切れている")


def test_a_mark_written_wrong_inside_the_file_is_not_called_cut():
    # A byte that cannot start a character in the middle: another encoding or damage, not a cut file.
    assert "unknown encoding" in _refused(b"Endpoint\n\x81\xff\xfe\x80\nPC1\n")
