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
    # 7 SP1 with its stock PowerShell 2.0, and 2008 R2 SP1: their SHA-2 updates (item 9) are not known either
    (_answer("6.1.7601", 7601, 1, sp=1), ["sha2_unknown", "wmf51_required"], None),
    (_answer("6.1.7601", 7601, 3, sp=1), ["sha2_unknown", "wmf51_required"], None),
    (_answer("10.0.19045", 19045, 1, ps="5.1", mode="ConstrainedLanguage"), ["powershell_restricted"], None),
    (_answer("6.0.6002", 6002, 3, ps="3.0", mode="ConstrainedLanguage"), ["unsupported_os", "powershell_restricted"],
     "Windows Server 2008"),  # 2008 SP2 with WMF 3.0 under AppLocker (Constrained Language Mode exists from 3.0)
])
def test_short_answers_are_classified_never_unreachable(answer, checks, unsupported):
    decided = host_shell.classify(answer)
    assert decided["unsupported_os"] == unsupported
    facts = preflight.host_facts({"os": decided["os"]}, [])
    facts["shell"] = decided
    found = preflight.shell_findings(facts, is_agent=True)
    assert [f["check"] for f in found] == checks
    # the short answer blocks by itself; the unknown SHA-2 state is said beside it, as a warning
    assert all(f["severity"] == ("warning" if f["check"] == "sha2_unknown" else "blocker") for f in found)


def test_messages_say_what_to_do():
    assert "install WMF 5.1 to run the remaining checks" in host_shell.summary(
        host_shell.classify(_answer("6.1.7601", 7601, 1, sp=1)))
    restricted = host_shell.summary(host_shell.classify(_answer("10.0.17763", 17763, 3, ps="5.1",
                                                                mode="ConstrainedLanguage")))
    assert "PowerShell is restricted on this host" in restricted and "as an administrator" not in restricted
    assert "Windows XP" in host_shell.summary(host_shell.classify(_answer("5.1.2600", 2600, 1)))


def test_powershell_2_is_never_restricted_even_when_its_language_mode_reads_empty():
    # Constrained Language Mode exists from 3.0: a 2.0 host needs WMF 5.1, and must be told so
    decided = host_shell.classify(_answer("6.1.7601", 7601, 1, sp=1, mode=""))
    assert decided["needs_wmf"] and not decided["restricted"]
    assert "install WMF 5.1" in host_shell.summary(decided) and "restricted" not in host_shell.summary(decided)


@pytest.mark.parametrize("ps, mode, checks", [
    ("2.0", "FullLanguage", ["os_unknown"]),
    ("5.1", "ConstrainedLanguage", ["powershell_restricted", "os_unknown"]),
])
def test_a_host_whose_wmi_failed_is_an_agent_of_unknown_os_never_unreadable(ps, mode, checks):
    # the prelude catches a failing gwmi: the OS values come empty, the shell's still tell what to do
    decided = host_shell.classify(_answer("", "", "", ps=ps, mode=mode, sp=""))
    assert decided["os_unknown"] and decided["unsupported_os"] is None and decided["os"]["version"] is None
    facts = preflight.host_facts({"os": decided["os"]}, [])
    facts["shell"] = decided
    found = preflight.shell_findings(facts, is_agent=True)
    assert [f["check"] for f in found] == checks and all(f["severity"] == "blocker" for f in found)
    assert "repair WMI" in host_shell.summary(decided)
    assert "install WMF 5.1" not in host_shell.summary(decided)  # the OS may be one WMF cannot help
    facts_server = dict(facts)
    assert [f["check"] for f in preflight.shell_findings(facts_server, is_agent=False)] == checks[:-1]


@pytest.mark.parametrize("bad", [{}, {"version": "6.1.7601"}, {"version": "6.1.7601", "product_type": "x"},
                                 {"version": "", "ps_version": ""}])
def test_an_unreadable_short_answer_is_an_error(bad):
    with pytest.raises(ValueError, match="short answer"):
        host_shell.classify(bad)
