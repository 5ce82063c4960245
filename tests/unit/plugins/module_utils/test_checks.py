# -*- coding: utf-8 -*-
"""The check registry: every check has every word in every language, with no fallback."""

from __future__ import annotations

import copy
import os
import re

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, checks, errors, preflight

REQUIRED_KEYS = {"title", "fix", "short", "detail"}


def _shape(value, path=()):
    """Every key path of a nested dict, and where a leaf is not a string."""
    if isinstance(value, dict):
        return set().union(*[_shape(v, path + (k,)) for k, v in value.items()]) | {path}
    assert isinstance(value, str), (path, value)
    return {path}


def _problems(words_by_lang):
    """What is wrong with a set of languages' words: different key paths, missing or empty texts."""
    problems = []
    shapes = dict((lang, _shape(words)) for lang, words in words_by_lang.items())
    every = set().union(*shapes.values())
    for lang, shape in sorted(shapes.items()):
        problems += ["%s lacks %s" % (lang, "/".join(path)) for path in sorted(every - shape)]
    for lang, words in sorted(words_by_lang.items()):
        if set(words["post_upgrade"]) != set(checks.POST_UPGRADE):
            problems.append("%s: post-upgrade kinds differ from checks.POST_UPGRADE" % lang)
        for kind, entry in sorted(words["post_upgrade"].items()):
            for text in [entry.get("detail", ""), entry.get("fix", "")] + list((entry.get("more") or {}).values()):
                undeclared = checks.format_fields(text) - set(checks.POST_UPGRADE.get(kind, ()))
                if undeclared:
                    problems.append("%s/post_upgrade/%s uses undeclared parameters %s" % (lang, kind, sorted(undeclared)))
            problems += ["%s/post_upgrade/%s lacks %s" % (lang, kind, key) for key in ("detail", "fix")
                         if not entry.get(key, "").strip()]
        if set(words["checks"]) != set(checks.CHECKS):
            problems.append("%s: checks differ from the registry: %s" % (
                lang, sorted(set(words["checks"]) ^ set(checks.CHECKS))))
        for check, entry in sorted(words["checks"].items()):
            problems += ["%s/%s lacks %s" % (lang, check, key) for key in sorted(REQUIRED_KEYS - set(entry))]
            problems += ["%s/%s/%s is empty" % (lang, check, key) for key in ("title", "fix", "short")
                         if not entry.get(key, "").strip()]
            declared = set(checks.CHECKS.get(check, {}).get("params", ()))
            formats = [entry.get("detail", "")] + list((entry.get("more") or {}).values())
            for text in formats:
                undeclared = checks.format_fields(text) - declared
                if undeclared:
                    problems.append("%s/%s uses undeclared parameters %s" % (lang, check, sorted(undeclared)))
            if declared and not entry.get("detail", "").strip():
                problems.append("%s/%s has parameters but no detail" % (lang, check))
    return problems


def _all_words():
    return dict((lang, copy.deepcopy(checks.words(lang))) for lang in checks.LANGUAGES)


def test_every_check_has_every_word_in_every_language():
    words_files = os.listdir(os.path.join(catalog.HERE, "words"))
    assert sorted(words_files) == sorted("%s.yml" % lang for lang in checks.LANGUAGES)
    assert _problems(_all_words()) == []


@pytest.mark.parametrize("lang, path", [
    ("ja", ("checks", "hotfix_block", "fix")),
    ("en", ("checks", "certificates", "more", "wrong_store")),
    ("ja", ("checks", "network")),
    ("en", ("report", "severity", "manual")),
    ("ja", ("source", "item")),
])
def test_a_missing_word_is_found(lang, path):
    broken = _all_words()
    parent = broken[lang]
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    assert _problems(broken)


def test_an_empty_text_or_an_undeclared_parameter_is_found():
    broken = _all_words()
    broken["ja"]["checks"]["sha2_updates"]["title"] = " "
    broken["en"]["checks"]["network"]["detail"] = "{host}:{port} via {proxy}"
    assert _problems(broken) == ["en/network uses undeclared parameters ['proxy']", "ja/sha2_updates/title is empty"]


def test_no_fallback_when_a_language_lacks_a_check(monkeypatch):
    ja = _all_words()["ja"]
    del ja["checks"]["hotfix_block"]
    monkeypatch.setitem(catalog._DATA, "words/ja.yml", ja)  # pylint: disable=protected-access
    with pytest.raises(KeyError):
        checks.texts("hotfix_block", "ja")
    assert checks.texts("hotfix_block", "en")[0] == "Hotfix block (NoProgramUpgrade=1) not set"


def test_every_check_has_exactly_one_finder_and_every_finder_a_check():
    assert set(preflight.FINDERS) == set(checks.CHECKS)
    with pytest.raises(KeyError, match="does not have"):
        preflight.finds("no_such_check", preflight.HOST)(lambda ctx: ())
    with pytest.raises(KeyError, match="two functions"):
        preflight.finds("network", preflight.SERVER)(lambda ctx: ())


def test_a_finding_refuses_parameters_its_check_does_not_declare():
    with pytest.raises(KeyError, match="proxy"):
        preflight.finding("network", proxy="p")


@pytest.mark.parametrize("check, params, lang, expected", [
    ("hotfix_block", {"value": None, "kind": None}, "en", "NoProgramUpgrade: not set"),
    ("hotfix_block", {"value": None, "kind": None}, "ja", "NoProgramUpgrade: 未設定"),
    ("hotfix_block", {"value": "1", "kind": "String"}, "en", "NoProgramUpgrade: 1 (String)"),
    ("certificates", {"missing": ["A", "B"], "files": [], "wrong_store": []}, "en", "missing: A, B"),
    ("certificates", {"missing": [], "files": [], "wrong_store": ["C"]}, "ja", "不足: - / ストア違い: C"),
    ("version_mix", {"agents": {"xg": 2, "apexone": 1}, "servers": ["apexone"]}, "en",
     "agents: apexone x1, xg x2 / servers: apexone"),
    ("invalid_files", {"count": 1, "sample": ["a_Invalid"], "self_renames": True}, "en",
     "1 file(s): a_Invalid (build 9565+ servers rename them back by themselves)"),
    ("activation_code_unchecked", {}, "ja", ""),
])
def test_detail(check, params, lang, expected):
    assert checks.detail(check, params, lang) == expected


JAPANESE = re.compile("[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")


def test_an_english_report_has_no_japanese_in_the_fleet_checks():
    # The manual items (behaviour monitoring, KA-0012615 item 12, among them) are rendered from the same findings
    # in both languages: each language's words name the settings in that language.
    found = preflight.fleet_findings({}, [], [])
    assert "behaviour_monitoring" in [f["check"] for f in found]
    for finding in found:
        entry = checks.words("en")["checks"][finding["check"]]
        texts = [checks.detail(finding["check"], finding["params"], "en"), entry["title"], entry["fix"], entry["short"]]
        assert not [text for text in texts if JAPANESE.search(text)], finding["check"]
    shown = checks.detail("behaviour_monitoring", next(f["params"] for f in found if f["check"] == "behaviour_monitoring"),
                          "en")
    assert "Protect documents against unauthorized encryption or modification" in shown
    assert shown.count(";") == 3  # the four settings of item 12
    ja = checks.detail("behaviour_monitoring", next(f["params"] for f in found if f["check"] == "behaviour_monitoring"),
                       "ja")
    assert all(name in ja for name in catalog.BEHAVIOUR_MONITORING_SETTINGS)


@pytest.mark.parametrize("check, lang, expected", [
    ("hotfix_block", "en", "KA-0012615 item 6"),
    ("hotfix_block", "ja", "KA-0012615 事項 6"),
    ("certificates", "en", "KA-0001268 / KA-0012615 item 8"),
    ("winhttp_direct", "ja", "KA-0001268 方法 1"),
    ("invalid_files", "en", "KA-0001268 renaming files"),
    ("unreachable", "en", "-"),
])
def test_source_names_the_article_a_user_can_look_up(check, lang, expected):
    assert checks.source_text(check, lang) == expected


def test_no_user_facing_word_says_seed():
    text = repr(_all_words()) + repr([checks.source_text(c, lang) for c in checks.CHECKS for lang in checks.LANGUAGES])
    assert "seed" not in text.lower()


def test_unknown_language_is_refused_with_the_ones_to_use():
    with pytest.raises(errors.InputError, match="must be one of ja, en"):
        checks.words("fr")


def test_no_check_declares_a_name_the_finders_reserve():
    for check, entry in checks.CHECKS.items():
        assert not {"severity", "on_host"} & set(entry["params"]), check
