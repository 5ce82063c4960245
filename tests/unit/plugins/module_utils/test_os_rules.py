# -*- coding: utf-8 -*-
"""KA-0012615 items 2 and 9: every OS case the article and Microsoft's version numbers give, decided from version, build and type."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, os_rules

WORKSTATION, DC, SERVER = 1, 2, 3


@pytest.mark.parametrize("version, product_type, expected", [
    ("5.1.2600", WORKSTATION, "Windows XP"),
    ("5.2.3790", WORKSTATION, "Windows XP x64"),
    ("6.0.6002", WORKSTATION, "Windows Vista"),
    ("6.1.7600", WORKSTATION, "Windows 7 without SP1"),
    ("6.1.7601", WORKSTATION, None),  # Windows 7 SP1 is supported
    ("6.2.9200", WORKSTATION, "Windows 8"),
    ("6.3.9600", WORKSTATION, None),  # Windows 8.1 is not Windows 8
    ("6.0.6001", SERVER, "Windows Server 2008"),
    ("6.0.6002", SERVER, "Windows Server 2008"),  # SP2 does not help
    ("6.0.6003", DC, "Windows Server 2008"),
    ("6.1.7600", SERVER, None),  # Server 2008 R2 is not in the seed's list, RTM or SP1
    ("6.1.7601", SERVER, None),
    ("6.1.7601", DC, None),
    ("6.2.9200", SERVER, None),  # Server 2012 shares 6.2 with Windows 8
    ("10.0.19045", WORKSTATION, None),
    ("10.0.14393", SERVER, None),
    # 5.2 is Server 2003 on a server and on a domain controller (product type 2), XP x64 only on a workstation
    ("5.2.3790", SERVER, "Windows Server 2003"),
    ("5.2.3790", DC, "Windows Server 2003"),
    ("5.0.2195", DC, "Windows 2000"),
])
def test_unsupported_os(version, product_type, expected):
    assert os_rules.unsupported_os(version, product_type) == expected


def test_build_given_separately_wins_over_the_version_string():
    assert os_rules.unsupported_os("6.1", WORKSTATION, build=7600) == "Windows 7 without SP1"
    assert os_rules.unsupported_os("6.1", WORKSTATION, build=7601) is None


def test_windows7_with_unknown_build_counts_as_without_sp1():
    # No build at all: the host cannot prove it has SP1, so it is flagged for a human to look at.
    assert os_rules.unsupported_os("6.1", WORKSTATION) == "Windows 7 without SP1"


@pytest.mark.parametrize("bad", ["", "ten", "10", None])
def test_unreadable_version_is_an_error(bad):
    with pytest.raises(ValueError, match="major.minor"):
        os_rules.unsupported_os(bad, WORKSTATION)


@pytest.mark.parametrize("version, product_type, installed, os_name, satisfied", [
    ("6.1.7601", WORKSTATION, [], "Windows 7 SP1", False),
    ("6.1.7601", WORKSTATION, ["KB4490628"], "Windows 7 SP1", True),
    ("6.1.7601", WORKSTATION, ["kb3033929"], "Windows 7 SP1", True),  # case from Get-HotFix varies
    ("6.1.7601", WORKSTATION, ["3033929"], "Windows 7 SP1", True),
    ("6.0.6002", SERVER, ["KB4474419"], "Windows Server 2008 SP2", True),
    ("6.0.6002", SERVER, ["KB4490628"], "Windows Server 2008 SP2", False),  # the 7/R2 KB does not count
    ("6.1.7601", SERVER, ["KB4490628"], "Windows Server 2008 R2 SP1", True),
    ("6.1.7601", DC, [], "Windows Server 2008 R2 SP1", False),
])
def test_sha2_updates(version, product_type, installed, os_name, satisfied):
    state = os_rules.missing_updates(version, product_type, installed)
    assert state["os"] == os_name
    assert state["satisfied"] is satisfied


@pytest.mark.parametrize("version, product_type", [
    ("10.0.19045", WORKSTATION), ("6.3.9600", SERVER), ("6.1.7600", WORKSTATION), ("6.0.6001", SERVER)])
def test_sha2_rule_does_not_apply(version, product_type):
    assert os_rules.missing_updates(version, product_type, []) is None


# --- Hosts not contacted: AD computer objects and the console's OS column (issue 11) ---

@pytest.mark.parametrize("text, expected", [
    ("6.1 (7601)", (6, 1, 7601)), ("6.1.7601", (6, 1, 7601)), ("10.0 (19045)", (10, 0, 19045)),
    (" 5.2 ( 3790 ) ", (5, 2, 3790)), ("6.1", (6, 1, None)),
])
def test_both_directory_version_forms(text, expected):
    assert os_rules.parse_directory_version(text) == expected


@pytest.mark.parametrize("bad", ["", "4.17.12-Debian", "6", "Windows 7", None])
def test_unreadable_directory_version(bad):
    with pytest.raises(ValueError, match="operatingSystemVersion"):
        os_rules.parse_directory_version(bad)


@pytest.mark.parametrize("os_name, version, sp, expected", [
    ("Windows XP Professional", "5.1 (2600)", "Service Pack 3", "Windows XP"),
    ("Windows XP Professional x64 Edition", "5.2 (3790)", "Service Pack 2", "Windows XP x64"),
    ("Windows Server 2003", "5.2 (3790)", "Service Pack 2", "Windows Server 2003"),
    ("Windows Server 2003 R2", "5.2.3790", None, "Windows Server 2003"),
    ("Windows 2000 Professional", "5.0 (2195)", "Service Pack 4", "Windows 2000"),
    ("Windows 2000 Server", "5.0 (2195)", None, "Windows 2000"),
    ("Windows Vista\u2122 Business", "6.0 (6002)", "Service Pack 2", "Windows Vista"),
    ("Windows Server\u00ae 2008 Standard", "6.0 (6003)", "Service Pack 2", "Windows Server 2008"),
    ("Windows 7 Professional", "6.1 (7600)", None, "Windows 7 without SP1"),
    ("Windows 7 Professional", "6.1.7601", "Service Pack 1", None),
    ("Windows 7 Professional", "6.1", "Service Pack 1", None),  # no build: the service pack says 7601
    ("Windows 7 Professional", "6.1", None, "Windows 7 without SP1"),  # nothing proves SP1
    ("Windows Server 2008 R2 Standard", "6.1 (7600)", None, None),  # 2008 R2 is not on the seed's list
    ("Windows 8 Pro", "6.2 (9200)", None, "Windows 8"),
    ("Windows Server 2012 Standard", "6.2 (9200)", None, None),
    ("Windows 8.1 Pro", "6.3 (9600)", None, None),
    ("Windows 10 Enterprise", "10.0 (19045)", None, None),
])
def test_directory_objects_are_classified_like_the_probe(os_name, version, sp, expected):
    decided = os_rules.classify_directory(os_name, version, sp)
    assert decided["known"] is True
    assert decided["unsupported"] == expected


def test_directory_object_without_operating_system_is_unknown_where_client_and_server_differ():
    assert os_rules.classify_directory("", "6.1 (7600)")["known"] is False  # 7 RTM or 2008 R2 RTM
    assert os_rules.classify_directory(None, "6.0 (6002)") == {  # Vista and 2008 both block: still a decision
        "known": True, "unsupported": "Windows Server 2008 or Windows Vista", "version": "6.0.6002", "reason": None}
    assert os_rules.classify_directory("Windows 7", "")["known"] is False


@pytest.mark.parametrize("text, known, expected", [
    ("Windows XP Professional", True, "Windows XP"),
    ("Windows 7 Professional", True, "Windows 7 without SP1"),
    ("Windows 7 Professional Service Pack 1", True, None),
    ("Windows 7 SP1 (64-bit)", True, None),
    ("Windows 8.1 Enterprise", True, None),
    ("Windows 8 Enterprise", True, "Windows 8"),
    ("Windows Server 2008 R2 Standard", True, None),
    ("Windows Server 2008 Standard", True, "Windows Server 2008"),
    ("Windows Server 2003 R2", True, "Windows Server 2003"),
    ("Windows 10 (64-bit)", True, None),
    ("Windows 6.1.7600", True, "Windows 7 without SP1"),
    ("OS/2 Warp", False, None),
    ("", False, None),
])
def test_export_os_text(text, known, expected):
    decided = os_rules.classify_text(text)
    assert decided["known"] is known
    assert decided["unsupported"] == expected


# A version in the text counts only when it is one the table knows, on a text that names Windows (or is only the
# version): anything else must block as "OS unknown" (KA-0012615 item 2: one such agent can stall the server setup).
@pytest.mark.parametrize("text", [
    "Windows 6.4 (9841)",          # a version no table knows (a preview build)
    "Windows 10.5",
    "Mac OS X 10.15.7",
    "CentOS Linux 6.10",
    "Linux 5.4.0-150-generic",     # 5.4 is no Windows version; 5.1 would read as Windows XP
    "Linux 5.1",
])
def test_export_os_text_with_a_version_no_table_knows_is_unknown(text):
    decided = os_rules.classify_text(text)
    assert decided["known"] is False, decided
    assert decided["unsupported"] is None and "export table" in decided["reason"]


def test_export_os_text_version_alone_or_with_windows_is_read():
    assert os_rules.classify_text("6.1.7601")["known"] is True
    assert os_rules.classify_text("Windows Server 10.0 (17763)")["known"] is True
    # A version the table was extended with counts.
    names = [{"pattern": "never matches", "version": [6, 4], "product_type": 1}]
    assert os_rules.classify_text("Windows 6.4 (9841)", names)["known"] is True


# Windows Update stops offering a superseded update and component cleanup removes it: a Windows 7 /
# 2008 R2 host patched after 2019 can lack both of the article's updates and still be fine.
@pytest.mark.parametrize("installed, satisfied, inferred", [
    (["KB4474419"], True, False),              # replaces KB3033929
    (["KB4537820", "KB890830"], True, True),   # a 2020 rollup: installs only with SHA-2 support
    (["KB5006743"], True, True),               # the October 2021 ESU rollup Trend's ACS bulletin names
    (["KB2533552", "KB976902"], False, False),  # 2011-era updates only: the seed's blocker stands
    (["KB4516065"], False, False),             # the threshold itself is not "newer"
])
def test_superseded_sha2_updates_are_not_a_blocker(installed, satisfied, inferred):
    state = os_rules.missing_updates("6.1.7601", WORKSTATION, installed)
    assert (state["satisfied"], state["inferred"]) == (satisfied, inferred)
    if satisfied:
        assert state["evidence"] and state["found"]


def test_every_accepted_update_names_its_reason():
    for rule in catalog.SHA2_UPDATES:
        assert set(rule["any_of"]) <= set(item["kb"] for item in rule["satisfied_by"]), rule["name"]
        for item in rule["satisfied_by"]:
            assert item["reason"] and item["confidence"], item


def test_extra_updates_extend_the_table():
    assert not os_rules.missing_updates("6.1.7601", WORKSTATION, ["KB9999"])["satisfied"]
    state = os_rules.missing_updates("6.1.7601", WORKSTATION, ["KB9999"], extra=[{"kb": "KB9999", "reason": "policy"}])
    assert state["satisfied"] and state["evidence"] == ["KB9999: policy"]
    assert os_rules.missing_updates("6.1.7601", WORKSTATION, ["kb42"], extra=["42"])["satisfied"]
