# -*- coding: utf-8 -*-
"""Hosts that answer with the bootstrap's short form: PowerShell 2.0, Constrained Language Mode (issue 11,
issue 12 item 8)."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import host_shell, preflight


def _answer(version, build, product_type, ps="2.0", mode="FullLanguage", sp=0):
    return {"version": version, "build": str(build), "product_type": product_type, "service_pack": sp,
            "ps_version": ps, "language_mode": mode}


@pytest.mark.parametrize("answer, checks, unsupported", [
    (_answer("5.1.2600", 2600, 1), ["unsupported_os"], "Windows XP"),
    (_answer("6.0.6002", 6002, 1), ["unsupported_os"], "Windows Vista"),
    (_answer("6.1.7600", 7600, 1), ["unsupported_os"], "Windows 7 without SP1"),
    (_answer("6.0.6002", 6002, 3, ps="3.0"), ["unsupported_os"], "Windows Server 2008"),
    (_answer("5.2.3790", 3790, 3), ["unsupported_os"], "Windows Server 2003"),
    (_answer("6.1.7601", 7601, 1, sp=1), ["wmf51_required"], None),  # 7 SP1 with its stock PowerShell 2.0
    (_answer("6.1.7601", 7601, 3, sp=1), ["wmf51_required"], None),  # 2008 R2 SP1
    (_answer("10.0.19045", 19045, 1, ps="5.1", mode="ConstrainedLanguage"), ["powershell_restricted"], None),
    (_answer("6.1.7600", 7600, 1, mode="ConstrainedLanguage"), ["unsupported_os", "powershell_restricted"],
     "Windows 7 without SP1"),
])
def test_short_answers_are_classified_never_unreachable(answer, checks, unsupported):
    decided = host_shell.classify(answer)
    assert decided["unsupported_os"] == unsupported
    facts = preflight.host_facts({"os": decided["os"]}, [])
    facts["shell"] = decided
    found = preflight.shell_findings(facts, is_agent=True)
    assert [f["check"] for f in found] == checks
    assert all(f["severity"] == "blocker" for f in found)


def test_messages_say_what_to_do():
    assert "install WMF 5.1 to run the remaining checks" in host_shell.summary(
        host_shell.classify(_answer("6.1.7601", 7601, 1, sp=1)))
    restricted = host_shell.summary(host_shell.classify(_answer("10.0.17763", 17763, 3, ps="5.1",
                                                                mode="ConstrainedLanguage")))
    assert "PowerShell is restricted on this host" in restricted and "as an administrator" not in restricted
    assert "Windows XP" in host_shell.summary(host_shell.classify(_answer("5.1.2600", 2600, 1)))


@pytest.mark.parametrize("bad", [{}, {"version": "6.1.7601"}, {"version": "6.1.7601", "product_type": "x"}])
def test_an_unreadable_short_answer_is_an_error(bad):
    with pytest.raises(ValueError, match="short answer"):
        host_shell.classify(bad)
