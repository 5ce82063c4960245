# -*- coding: utf-8 -*-
"""apexone-collect.ps1: made from what the runner sends, written by apexone_collector, run by its lab twin."""

from __future__ import annotations

import datetime
import json
import os

import jsonschema
import pytest

from ansible_collections.apexone.upgrade.plugins.action import apexone_collector, apexone_facts
from ansible_collections.apexone.upgrade.plugins.module_utils import errors
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _collection, _collector
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload
from ansible_collections.apexone.upgrade.tests.lab.simulator import collector, contracts, pwsh
from ansible_collections.apexone.upgrade.tests.unit.helpers_action import recorded, run_action

SHARE = "\\\\fileserver\\apexone$\\collected"
NOW = datetime.datetime(2026, 12, 7, 9, 0, 0, tzinfo=datetime.timezone.utc)
CONTRACT = os.path.join(contracts.CONTRACT_DIR, "collector", "collected.schema.json")


@pytest.fixture(scope="module")
def script():
    return _collector.script(SHARE, _collection.version())


def envelope_problems(doc):
    with open(CONTRACT, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft7Validator.check_schema(schema)
    found = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]
    if not found and doc["kind"] == "result":
        found = contracts.problems("probe", doc["answer"])
    return found


@pytest.mark.parametrize("route_test", [False, True])
def test_the_script_runs_exactly_what_a_winrm_probe_sends_an_agent(route_test):
    # the parameters apexone_facts sends an agent, taken from the action itself
    dummy, calls = run_action(apexone_facts, {"root_update_route_test": route_test},
                              {"probe": recorded("probe_agent-win10-64.json")}, task_vars={"group_names": ["apexone_agents"]})
    sent = payload.stdin("probe", calls[0]["params"]).rstrip("\r\n")
    text = _collector.script(SHARE, _collection.version(), route_test)
    assert "\r\n%s\r\n'@\r\n" % sent in text
    assert _collector.new_block_function().replace("\n", "\r\n") in text  # the bootstrap's own function


def test_the_script_is_plain_powershell_51_text(script):
    assert pwsh.check(script).ok, pwsh.check(script).errors
    assert pwsh.check(script).parameters["folder"].type == "string"
    script.encode("ascii")
    assert "\r\n" in script and "\n" not in script.replace("\r\n", "")
    assert "<apexone-" not in script  # every mark replaced
    assert "$Folder = '\\\\fileserver\\apexone$\\collected'" in script and "$__collection = '%s'" % _collection.version() in script
    for word in ("FromBase64String", "EncodedCommand", "Compression", "GZip", "Invoke-Expression", "iex "):
        assert word not in script, word


@pytest.mark.parametrize("folder", ["relative\\folder", "\\\\server", "C:\\a\nb", "", "/srv/x", "\\\\s\\sh\\a*b"])
def test_a_folder_the_hosts_cannot_name_is_refused(folder):
    with pytest.raises(errors.InputError, match="not a folder the hosts can write to"):
        _collector.script(folder, "1.0.0")


def test_a_quote_in_the_folder_is_written_as_powershell_reads_it():
    assert "$Folder = '\\\\fs\\o''brien'" in _collector.script("\\\\fs\\o'brien", "1.0.0")


@pytest.mark.parametrize("seed, kind", [("agent-win10-64", "result"), ("agent-2008r2", "result"),
                                        ("agent-win10-clm", "short"), ("agent-vista-nowmi", "short")])
def test_the_twin_writes_one_answer_that_keeps_to_the_contract(script, tmp_path, seed, kind):
    assert collector.run("h1", seed, script, str(tmp_path), NOW, str(tmp_path / "lab")) == "written"
    files = os.listdir(tmp_path)
    answers = [n for n in files if n.endswith(".json")]
    assert len(answers) == 1 and not [n for n in files if n.endswith(".tmp")]
    with open(tmp_path / answers[0], encoding="ascii") as handle:
        doc = json.load(handle)
    assert envelope_problems(doc) == []
    assert doc["kind"] == kind and doc["read_at"] == "2026-12-07T09:00:00Z" and doc["collection"] == _collection.version()
    assert answers[0] == doc["host"] + ".json"


def test_the_contract_refuses_a_broken_file(script, tmp_path):
    collector.run("h1", "agent-win10-64", script, str(tmp_path), NOW, str(tmp_path / "lab"))
    with open(tmp_path / "PC-WIN10-64.json", encoding="ascii") as handle:
        doc = json.load(handle)
    assert envelope_problems(dict(doc, read_at="yesterday"))
    assert envelope_problems(dict(doc, kind="short"))  # a result is no short answer
    assert envelope_problems(dict(doc, answer=dict(doc["answer"], subsets=["os", "bogus"])))  # the probe's contract
    assert envelope_problems(dict(doc, secret="x"))


def test_a_newer_answer_is_never_overwritten(script, tmp_path):
    lab = str(tmp_path / "lab")
    assert collector.run("h1", "agent-win10-64", script, str(tmp_path), NOW, lab) == "written"
    assert collector.run("h1", "agent-win10-64", script, str(tmp_path), NOW - datetime.timedelta(hours=1), lab) == "kept"
    assert collector.run("h1", "agent-win10-64", script, str(tmp_path), NOW, lab) == "kept"  # same second
    with open(tmp_path / "PC-WIN10-64.json", encoding="ascii") as handle:
        assert json.load(handle)["read_at"] == "2026-12-07T09:00:00Z"
    later = NOW + datetime.timedelta(hours=1)
    assert collector.run("h1", "agent-win10-64", script, str(tmp_path), later, lab) == "written"


@pytest.mark.parametrize("change, words", [
    (lambda s: s.replace("$__x = 0\r\n", "$__x = 0\r\nInvoke-WebRequest -Uri http://x\r\n"), "(?i)may not have: Invoke-WebRequest"),
    (lambda s: s.replace("if ($PSVersionTable.PSVersion.Major -lt 3 -or", "if ($PSVersionTable.PSVersion.Major -lt 2 -or"),
     "head is not the bootstrap's"),
    (lambda s: s.replace("$__x = 0\r\n", "$__x = $null ?? 0\r\n"), "does not parse as Windows PowerShell 5.1"),
    (lambda s: s.replace("$__in = ConvertFrom-Json -InputObject @'", "$__in = $null; $__y = @'"), "no input line"),
])
def test_the_twin_refuses_a_script_the_host_would_not_run_as_written(script, tmp_path, change, words):
    with pytest.raises(collector.CollectorRefused, match=words):
        collector.run("h1", "agent-win10-64", change(script), str(tmp_path), NOW, str(tmp_path / "lab"))


def test_the_module_writes_the_script_once_and_never_over_another(tmp_path):
    dest = str(tmp_path / "apexone-collect.ps1")
    result, dummy = run_action(apexone_collector, {"dest": dest, "folder": SHARE}, check_mode=True)
    assert result["changed"] and not os.path.exists(dest)
    result, dummy = run_action(apexone_collector, {"dest": str(tmp_path), "folder": SHARE})
    assert result["changed"] and result["dest"] == dest and os.path.getsize(dest) == result["bytes"]
    result, dummy = run_action(apexone_collector, {"dest": dest, "folder": SHARE})
    assert not result["changed"] and not result.get("failed")
    before = open(dest, "rb").read()
    result, dummy = run_action(apexone_collector, {"dest": dest, "folder": "\\\\other\\share"})
    assert result["failed"] and "never overwritten" in result["msg"] and open(dest, "rb").read() == before
