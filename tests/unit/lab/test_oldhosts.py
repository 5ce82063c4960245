# -*- coding: utf-8 -*-
"""The lab's written model of old PowerShell hosts (2.0 / 3.0 / Constrained Language Mode): each rule."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apexone.upgrade.tests.lab.simulator import oldhosts


def _seed(version="5.1", mode="FullLanguage", os_version="10.0.19045", product_type=1, sp=0, lang=None):
    seed = {"os": {"version": os_version, "product_type": product_type, "service_pack": sp},
            "powershell": {"version": version, "language_mode": mode}}
    if lang:
        seed["os"]["ui_language"] = lang
    return seed


def test_p1_a_newer_command_is_not_recognised_on_an_older_host():
    script = "$h = Get-FileHash -LiteralPath $p\n$j = ConvertTo-Json $x"
    assert oldhosts.missing_command(script, _seed("3.0")) == (
        "The term 'Get-FileHash' is not recognized as the name of a cmdlet, function, script file, or operable program.")
    assert "'Get-FileHash'" in oldhosts.missing_command(script, _seed("2.0", lang="ja-JP"))  # the first one it meets
    assert "認識されません" in oldhosts.missing_command(script, _seed("2.0", lang="ja-JP"))
    assert oldhosts.missing_command("ConvertTo-Json $x", _seed("2.0")).startswith("The term 'ConvertTo-Json'")
    assert oldhosts.missing_command(script, _seed("4.0")) is None
    assert oldhosts.missing_command(script, _seed("5.1")) is None
    assert oldhosts.missing_command("My-Get-FileHashLike $x", _seed("3.0")) is None  # a whole command name only


def test_p3_short_line_as_the_prelude_builds_it():
    seed = _seed("2.0", os_version="6.1.7601", sp=1)
    assert oldhosts.needs_short_answer(seed)
    line = oldhosts.short_line(seed)
    assert line.startswith("APEXONE-SHORT:") and line.endswith("\r\n")
    assert json.loads(line[len("APEXONE-SHORT:"):]) == ["2.0", "FullLanguage", "6.1.7601", "7601", "1", "1"]
    assert oldhosts.needs_short_answer(_seed("5.1", "ConstrainedLanguage"))
    assert not oldhosts.needs_short_answer(_seed("3.0"))
    assert not oldhosts.needs_short_answer(_seed())


def test_p3_a_failing_wmi_leaves_the_os_values_empty_and_the_line_written():
    seed = dict(_seed("2.0", os_version="6.1.7601", sp=1), faults={"wmi_broken": True})
    assert json.loads(oldhosts.short_line(seed)[len("APEXONE-SHORT:"):]) == ["2.0", "FullLanguage", "", "", "", ""]


def test_p3_through_the_lab_a_failing_wmi_still_answers_short():
    from ansible_collections.apexone.upgrade.plugins.plugin_utils import _remote
    from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import answer
    rc, stdout, stderr = _execute("agent-vista-nowmi")
    assert rc == 0 and stderr == b""
    with pytest.raises(_remote.ShortAnswer) as caught:
        answer.parse("probe", rc, stdout, stderr)
    assert caught.value.decided["os_unknown"] and "repair WMI" in caught.value.msg


@pytest.mark.parametrize("powershell", [{"version": "1.0"}, {"version": "7.4"}, {"language_mode": "NoLanguage"}])
def test_p5_what_the_model_does_not_know_it_refuses(powershell):
    with pytest.raises(oldhosts.ModelRefusal):
        oldhosts.powershell_of({"powershell": powershell})


def test_a_seed_without_powershell_is_5_1_full_language():
    assert oldhosts.powershell_of({}) == {"version": "5.1", "language_mode": "FullLanguage"}


# --- Through the lab with the runner's real command and payload ---

def _execute(seed, name="probe", params=None):
    from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan
    from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload
    from ansible_collections.apexone.upgrade.tests.lab.simulator import lab
    if params is None:
        params = probe_plan.probe_params(list(probe_plan.HOST_SUBSETS)) if name == "probe" else {}
    return lab.execute(seed, seed, payload.command(), payload.stdin(name, params).encode("ascii"))


@pytest.fixture(autouse=True)
def _lab_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("APEXONE_LAB_DIR", str(tmp_path))


@pytest.mark.parametrize("seed, expected", [
    ("agent-win7-rtm", ["2.0", "FullLanguage", "6.1.7600", "7600", "1", "0"]),
    ("agent-xp-ps2", ["2.0", "FullLanguage", "5.1.2600", "2600", "1", "3"]),
    ("agent-win7-ps2", ["2.0", "FullLanguage", "6.1.7601", "7601", "1", "1"]),
    ("agent-win10-clm", ["5.1", "ConstrainedLanguage", "10.0.19045", "19045", "1", "0"]),
])
def test_the_bootstrap_answers_short_on_powershell_2_and_clm_and_the_runner_reads_it(seed, expected):
    from ansible_collections.apexone.upgrade.plugins.plugin_utils import _remote
    from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import answer
    rc, stdout, stderr = _execute(seed)
    assert (rc, stderr) == (0, b"")
    assert json.loads(stdout.decode("ascii").strip()[len("APEXONE-SHORT:"):]) == expected
    with pytest.raises(_remote.ShortAnswer) as caught:
        answer.parse("probe", rc, stdout, stderr)
    assert dict(zip(answer.SHORT_FIELDS, expected)) == caught.value.answer


def test_powershell_3_runs_the_bootstrap_and_the_probe():
    # The probe calls nothing newer than 3.0 (RULE P1 would stop it: test_p1); a 3.0 host answers in full.
    from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import answer
    rc, stdout, stderr = _execute("agent-win8-ps3")
    assert rc == 0 and answer.parse("probe", rc, stdout, stderr)["os"]["version"] == "6.2.9200"
