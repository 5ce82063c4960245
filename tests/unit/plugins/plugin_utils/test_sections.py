# -*- coding: utf-8 -*-
"""The `#region subset` parts a run does not ask for are left out of what is sent (_sections), and
a subset asked for but not answered is an error (answer.unanswered), on the shipped scripts."""

from __future__ import annotations

import itertools
import os

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import answer, minify, payload, sections
from ansible_collections.apexone.upgrade.tests.lab.simulator import lab, oldhosts, pwsh

SHIPPED = sorted(name[:-4] for name in os.listdir(payload.SCRIPT_DIR) if name.endswith(".ps1"))
# every combination of the probe's subsets that has a part of its own, with and without the others
PARTS = sorted(sections.names(payload.script_text("probe")))
COMBINATIONS = [list(combo) for count in range(len(probe_plan.SUBSETS) + 1)
                for combo in itertools.combinations(probe_plan.SUBSETS, count)
                if count <= 2 or count >= len(probe_plan.SUBSETS) - 1]


def test_the_probe_has_a_network_part_and_a_checksum_part():
    # the checksums (SHA-256: PowerShell's suspicious-content list names the cryptography namespace) go only to
    # hosts whose probe asks for them (the server), never to the agents
    assert PARTS == ["file_hashes", "network"]
    agent = payload.script_for("probe", probe_plan.probe_params(list(probe_plan.HOST_SUBSETS)))
    assert "Cryptography" not in agent and "Get-Sha256" not in agent
    server = payload.script_for("probe", probe_plan.probe_params(list(probe_plan.HOST_SUBSETS) + ["file_hashes"]))
    assert "function Get-Sha256" in server


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_script_pairs_its_markers_and_names_only_subsets(name):
    text = payload.script_text(name)
    found = sections.sections(text)
    assert set(sections.names(text)) <= set(probe_plan.SUBSETS)
    # _sections reads lines, not PowerShell: each marker must be a comment of its own (the minifier, which
    # knows strings and block comments, leaves its line empty), never a line of a here-string
    minified = minify.minify(text).split("\n")
    assert all(minified[s.first] == minified[s.last] == "" for s in found)
    if found:  # a part is sent when the Subset parameter names it: the script must take one
        assert "subset" in pwsh.check(text).parameters


def test_a_marker_inside_a_here_string_would_be_seen():
    text = "$a = @'\n#region subset network\n'@\n#endregion subset network\n"
    section = sections.sections(text)[0]
    assert minify.minify(text).split("\n")[section.first] != ""


@pytest.mark.parametrize("subsets", COMBINATIONS, ids=lambda s: "+".join(s) or "none")
def test_what_is_sent_runs_every_subset_asked_and_defines_every_function_it_calls(subsets):
    params = {"Subset": subsets}
    sent = payload.script_for("probe", params)
    for subset in subsets:
        assert "Invoke-Subset '%s'" % subset in sent
    defined = pwsh.functions(sent) | pwsh.functions(payload.sent_text("common"))
    cmdlets = oldhosts.CORE_COMMANDS | {name.lower() for name in oldhosts.NEWER_COMMANDS}
    lacking = pwsh.commands(sent) - defined - cmdlets  # what the lab's RULE C2 would stop at
    assert lacking == set()
    assert pwsh.check(sent).ok
    assert sent.count("\n") == payload.script_text("probe").count("\n")  # line numbers are the file's


def test_an_agent_probe_leaves_out_the_network_part_and_is_smaller_on_the_wire():
    params = probe_plan.probe_params(list(probe_plan.HOST_SUBSETS))
    sent = payload.script_for("probe", params)
    whole = payload.sent_text("probe")
    assert "Test-Direct" not in sent and "Test-Direct" in whole
    assert len(payload.stdin("probe", params)) < len(payload.stdin("probe", params, script=whole)) - 2000
    server = probe_plan.probe_params(list(probe_plan.HOST_SUBSETS) + ["network"])
    assert "function Test-Direct" in payload.script_for("probe", server)


def test_the_lab_knows_each_variant_and_what_it_lacks():
    for keep in ([], ["network"]):
        sent = payload.sent_text("probe", keep)
        assert lab.known_scripts()[lab.script_digest(sent)] == "probe"
        assert lab.left_out(sent) == frozenset(PARTS) - frozenset(keep)


def test_lines_of_a_part_left_out_become_empty_lines():
    text = "a\r\n#region subset network\r\nfunction F { 1 }\r\n#endregion subset network\r\nb\r\n"
    assert sections.without(text, []) == "a\r\n\r\n\r\n\r\nb\r\n"
    assert sections.without(text, ["network"]) == text
    assert sections.kept(text, {"Subset": ["os", "network"]}) == {"network"}
    assert sections.kept(text, {"Subset": "network"}) == {"network"}
    assert sections.kept(text, {}) == frozenset()


@pytest.mark.parametrize("text, words", [
    ("#region subset a\n#region subset b\n#endregion subset b\n#endregion subset a", "do not nest"),
    ("#region subset a\nx", "never closed"),
    ("#endregion subset a", "does not close any region"),
    ("#region subset a\n#endregion subset b", "does not close region 'a'"),
    ("#Region Subset Network\n#endregion subset network", "not a marker this reader knows"),
    ("#region subset network # all\n#endregion subset network", "not a marker this reader knows"),
])
def test_markers_that_do_not_pair_are_refused(text, words):
    with pytest.raises(sections.SectionError, match=words):
        sections.sections(text)


def test_an_ordinary_region_comment_is_a_comment():
    assert sections.sections("#region helpers\nx\n#endregion\n") == []


@pytest.mark.parametrize("result, missing", [
    ({"subsets": ["os", "network"], "os": {}, "errors": {}}, ["network"]),
    ({"subsets": ["os", "network"], "os": {}, "errors": {"network": {"message": "x"}}}, []),
    ({"subsets": ["os", "network"], "os": {}, "network": None, "errors": {}}, []),
    ({"changed": True}, []),  # a script without subsets
])
def test_a_subset_asked_but_neither_answered_nor_failed_is_named(result, missing):
    assert answer.unanswered({"Subset": ["os", "network"]}, result) == missing
