# -*- coding: utf-8 -*-
"""KA-0012615 items 2 and 9: every OS case RUNBOOK_FACTS names, decided from version, build and type."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import os_rules

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
