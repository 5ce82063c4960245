# -*- coding: utf-8 -*-
"""What playbooks and roles print comes from words/<lang>.yml (issue 21 item 3): every message in both
languages with the same names, and every use in a playbook or role names a message and exactly its values."""

from __future__ import annotations

import glob
import os
import re

import jinja2
import pytest
from ansible.errors import AnsibleFilterError
from jinja2 import nodes

from ansible_collections.apexone.upgrade.plugins.filter import words as words_filter
from ansible_collections.apexone.upgrade.plugins.module_utils import checks
from ansible_collections.apexone.upgrade.tests.unit import helpers

FILTER = "apexone.upgrade.words"
JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")


def _messages(lang):
    return checks.words(lang)[words_filter.SECTION]


def _uses():
    """(file, message, value names) for every `'<message>' | apexone.upgrade.words(...)` in playbooks and roles."""
    found = []
    paths = glob.glob(os.path.join(helpers.ROOT, "playbooks", "*.yml")) + glob.glob(
        os.path.join(helpers.ROOT, "roles", "*", "tasks", "*.yml"))
    for path in sorted(paths):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        for expression in re.findall(r"\{\{.*?\}\}", text, re.S):
            for node in jinja2.Environment().parse(expression).find_all(nodes.Filter):
                if node.name == FILTER:
                    assert isinstance(node.node, nodes.Const), "%s: name the message literally" % path
                    found.append((os.path.relpath(path, helpers.ROOT), node.node.value, set(k.key for k in node.kwargs)))
    return found


def test_both_languages_have_the_same_messages_with_the_same_names():
    english, japanese = _messages("en"), _messages("ja")
    assert sorted(english) == sorted(japanese)
    for name in english:
        assert words_filter.names(english[name]) == words_filter.names(japanese[name]), name
        assert not JAPANESE.search(english[name]) and JAPANESE.search(japanese[name]), name


def test_every_use_names_a_message_and_exactly_its_values():
    uses = _uses()
    used = set(name for dummy, name, dummy2 in uses)
    assert {"sha2_updates_missing", "rollout_all_components", "block_check_mode", "block_not_blocked"} <= used
    for path, name, values in uses:
        assert name in _messages("en"), "%s: %r is not a message" % (path, name)
        assert values == words_filter.names(_messages("en")[name]), "%s: %s" % (path, name)
    assert used == set(_messages("en")), "messages no playbook or role uses: %s" % sorted(set(_messages("en")) - used)


@pytest.mark.parametrize("lang, expected", [
    ("en", "Windows 7 SP1 needs one of KB3033929, KB4490628: install it before the agent upgrade (KA-0006042)"),
    ("ja", "Windows 7 SP1 には KB3033929, KB4490628 のいずれかが必要です: エージェントのバージョンアップ前にインストールしてください"
           " (KA-0006042)"),
    (None, "Windows 7 SP1 には KB3033929, KB4490628 のいずれかが必要です: エージェントのバージョンアップ前にインストールしてください"
           " (KA-0006042)"),
])
def test_a_message_is_filled_in(lang, expected):
    assert words_filter.words("sha2_updates_missing", lang, os="Windows 7 SP1", updates="KB3033929, KB4490628") == expected


@pytest.mark.parametrize("args, kwargs, message", [
    (("no_such_message", "en"), {}, "'no_such_message' is not a message of the collection"),
    (("block_failed", "en"), {}, "takes the values hosts, got none"),
    (("block_failed", "en"), {"hosts": "-", "count": 1}, "takes the values hosts, got count, hosts"),
    (("block_failed", "fr"), {"hosts": "-"}, "must be one of ja, en"),
])
def test_a_wrong_use_fails_the_task_never_shows_half_a_message(args, kwargs, message):
    with pytest.raises(AnsibleFilterError) as caught:
        words_filter.words(*args, **kwargs)
    assert message in str(caught.value)
