# -*- coding: utf-8 -*-
"""A folder of collected answers read by the report (plugin_utils/_collected.py), filled by the collector's twin."""

from __future__ import annotations

import datetime
import json
import shutil

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates, errors
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _collected, _collection, _collector
from ansible_collections.apexone.upgrade.tests.lab.simulator import collector

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
AGENTS = ["pc-win10-64.corp.example", "pc-win10-clm.corp.example"]


def judge(host):
    del host
    return {"required": certificates.required_certificates(), "sha2_updates": [], "offline": False, "upgrade_date": None}


@pytest.fixture()
def folder(tmp_path):
    script = _collector.script("C:\\ApexOne", _collection.version())
    answers = tmp_path / "answers"
    answers.mkdir()
    for host, seed in (("a", "agent-win10-64"), ("b", "agent-win10-clm")):
        collector.run(host, seed, script, str(answers), NOW, str(tmp_path / "lab"))
    return answers


def test_each_answer_becomes_the_record_a_probe_leaves(folder):
    read = _collected.read(str(folder), AGENTS, NOW, 24, _collection.version(), judge)
    assert sorted(read.records) == AGENTS and read.refused == [] and read.ignored == 0
    full, short = read.records["pc-win10-64.corp.example"], read.records["pc-win10-clm.corp.example"]
    assert full["read_by"] == "collected" and full["os"]["version"] == "10.0.19045" and full["agent"]["present"]
    assert [f["check"] for f in short["findings"]] == ["powershell_restricted"]
    assert read.files == {"pc-win10-64.corp.example": "PC-WIN10-64.json", "pc-win10-clm.corp.example": "PC-WIN10-CLM.json"}


def test_a_second_answer_of_one_host_a_leftover_and_a_driver_error(folder):
    shutil.copy(folder / "PC-WIN10-64.json", folder / "pc-win10-64.JSON")  # the same host twice (another case)
    (folder / "PC-WIN10-CLM.12.tmp").write_text("{", encoding="ascii")  # a writer that stopped half-way
    doc = json.loads((folder / "PC-WIN10-CLM.json").read_text(encoding="ascii"))
    doc.update(kind="error", dns_name="pc-win10-clm", answer={"message": "Access is denied", "type": "System.Unauthorized",
                                                              "stack": "at <ScriptBlock>, apexone.upgrade.probe.ps1: line 3"})
    (folder / "PC-WIN10-CLM.json").write_text(json.dumps(doc), encoding="ascii")
    read = _collected.read(str(folder), AGENTS, NOW, 24, _collection.version(), judge)
    assert read.ignored == 1
    assert [(r["file"], r["why"]) for r in read.refused] == [("pc-win10-64.JSON", "duplicate")]
    assert read.records["pc-win10-clm.corp.example"]["error"] == (
        "script probe failed on the host: Access is denied (at <ScriptBlock>, apexone.upgrade.probe.ps1: line 3)")


def test_an_answer_without_a_subset_it_was_asked_is_refused(folder):
    doc = json.loads((folder / "PC-WIN10-64.json").read_text(encoding="ascii"))
    del doc["answer"]["certificates"]
    (folder / "PC-WIN10-64.json").write_text(json.dumps(doc), encoding="ascii")
    read = _collected.read(str(folder), AGENTS, NOW, 24, _collection.version(), judge)
    assert read.refused == [{"file": "PC-WIN10-64.json", "why": "malformed", "text": "the probe's answer lacks certificates"}]


def test_a_folder_that_is_not_there_stops_the_report(tmp_path):
    with pytest.raises(errors.InputError, match="is not a folder"):
        _collected.read(str(tmp_path / "nowhere"), AGENTS, NOW, 24, _collection.version(), judge)


def test_a_huge_file_is_refused_after_reading_no_more_than_the_limit(folder, monkeypatch):
    # Whoever can write to the share could leave a file of gigabytes: the report reads one byte past the limit.
    from ansible_collections.apexone.upgrade.plugins.module_utils import collected
    from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import directory
    (folder / "PC-WIN10-64.json").write_bytes(b" " * (collected.MAX_BYTES * 3))
    sizes = []
    real_read = directory.DirectoryStore.read

    def counting_read(self, name, limit=None):
        data = real_read(self, name, limit=limit)
        sizes.append(len(data or b""))
        return data
    monkeypatch.setattr(directory.DirectoryStore, "read", counting_read)
    read = _collected.read(str(folder), AGENTS, NOW, 24, _collection.version(), judge)
    assert read.refused == [{"file": "PC-WIN10-64.json", "why": "malformed",
                             "text": "more than %d bytes, larger than any answer" % collected.MAX_BYTES}]
    assert max(sizes) == collected.MAX_BYTES + 1
