# -*- coding: utf-8 -*-
"""Agents WinRM does not reach: their answers collected by apexone-collect.ps1 into a folder, then judged by the
report (apexone_collected_dir) as the probe would judge them.

The folder is filled by the collector's twin (tests/lab/simulator/collector.py) running the script the module
apexone.upgrade.apexone_collector wrote, on the same lab hosts a WinRM preflight probes; the two reports must give
the same findings. Files that are stale, of a host outside the inventory, cut, or named for another host are refused
by name, and their hosts are not read.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil

import pytest

from ansible_collections.apexone.upgrade.plugins.plugin_utils import _collection
from ansible_collections.apexone.upgrade.tests.lab.simulator import collector
from ansible_collections.apexone.upgrade.tests.playbook import labrun
from ansible_collections.apexone.upgrade.tests.playbook.test_preflight_sliced import cache_env, comparable, report_of

# Inventory names as an estate has them (DNS names); each lab state's computer name is its os.hostname.
AGENTS = {"pc-win10-64.corp.example": "agent-win10-64", "pc-nocerts.corp.example": "agent-missing-certs",
          "srv-2008r2.corp.example": "agent-2008r2", "pc-win10-clm.corp.example": "agent-win10-clm"}
SERVER = {"apexone-srv": "apexone-srv"}
SHARE = "\\\\fileserver\\apexone$\\collected"


def without_sources(model):
    """comparable(), without what says how each host was read (the point of the comparison is the rest)."""
    summary, found, rows = comparable(model)
    return summary, found, [dict((k, v) for k, v in row.items() if k != "read_by") for row in rows]


@pytest.fixture(scope="module")
def collected(tmp_path_factory, lab_transport):
    tmp = tmp_path_factory.mktemp("collected")
    inventory = labrun.write_inventory(tmp / "inventory.yml", {"apexone_server": SERVER, "apexone_agents": AGENTS})
    # 1. the preflight as it is today: every host probed over WinRM
    probed = labrun.run_playbook("playbooks/preflight.yml", tmp / "lab", inventory=inventory, env=cache_env(tmp / "c1"),
                                 extra_vars={"apexone_report_dir": str(tmp / "probed"), "apexone_fail_on_blockers": False,
                                             "apexone_report_lang": "en"})
    assert probed.rc == 0, probed.stdout[-3000:]
    # 2. the collector, written by the module, run on each agent by its twin
    made = labrun.run_playbook("playbooks/collector.yml", tmp / "lab", inventory="localhost,",
                               extra_vars={"apexone_collector_dest": str(tmp / "apexone-collect.ps1"),
                                           "apexone_collected_folder": SHARE})
    assert made.rc == 0, made.stdout[-3000:]
    with open(tmp / "apexone-collect.ps1", encoding="ascii", newline="") as handle:
        script = handle.read()
    folder = tmp / "folder"
    folder.mkdir()
    now = datetime.datetime.now(datetime.timezone.utc)
    for host, seed in AGENTS.items():
        assert collector.run(host, seed, script, str(folder), now, str(tmp / "lab")) == "written"
    # 3. the report with the server probed and the agents from the folder only
    server = labrun.run_playbook("playbooks/preflight_probe.yml", tmp / "lab", inventory=inventory, limit="apexone-srv",
                                 env=cache_env(tmp / "c2"))
    assert server.rc == 0, server.stdout[-3000:]
    return {"tmp": tmp, "inventory": inventory, "probed": report_of(tmp / "probed"), "folder": folder, "script": script,
            "now": now}


def report(collected, name, folder, **extra):
    tmp = collected["tmp"]
    run = labrun.run_playbook("playbooks/preflight_report.yml", tmp / "lab", inventory=collected["inventory"],
                              env=cache_env(tmp / "c2"), extra_vars=dict({
                                  "apexone_report_dir": str(tmp / name), "apexone_fail_on_blockers": False,
                                  "apexone_report_lang": "en", "apexone_collected_dir": str(folder)}, **extra))
    return run, report_of(tmp / name)


def test_a_folder_of_collected_answers_gives_the_findings_of_the_probe(collected):
    run, model = report(collected, "from-folder", collected["folder"])
    assert run.rc == 0, run.stdout[-3000:]
    assert without_sources(model) == without_sources(collected["probed"])
    assert model["summary"]["complete"] and model["summary"]["not_read"] == 0
    rows = dict((row["host"], row["read_by"]) for row in model["hosts"])
    assert rows == dict([(h, "collected") for h in AGENTS] + [("apexone-srv", "probe")])
    sources = model["sources"]
    assert sources["counts"] == {"probed": 1, "collected": 4, "name_only": 0}
    assert sorted(c["file"] for c in sources["collected"]) == sorted(
        ["PC-WIN10-64.json", "PC-NOCERTS.json", "SRV-2008R2.json", "PC-WIN10-CLM.json"])
    assert all(0 <= c["age_hours"] < 1 for c in sources["collected"]) and sources["refused"] == []
    # the short answer of the Constrained Language Mode host is judged as the probe judged it
    clm = next(row for row in model["hosts"] if row["host"] == "pc-win10-clm.corp.example")
    assert clm["findings"].get("powershell_restricted") == "blocker"
    html = open(model_html(collected, "from-folder"), encoding="utf-8").read()
    assert "How each host was read" in html and "PC-NOCERTS.json" in html


def model_html(collected, name):
    folder = collected["tmp"] / name
    return str(folder / next(n for n in os.listdir(folder) if n.endswith(".html") and "-hosts-" not in n))


def _rewrite(path, change):
    with open(path, encoding="ascii") as handle:
        doc = json.load(handle)
    change(doc)
    with open(path, "w", encoding="ascii") as handle:
        json.dump(doc, handle)


def test_stale_foreign_cut_and_misnamed_files_are_refused_by_name(collected):
    folder = collected["tmp"] / "bad"
    shutil.copytree(collected["folder"], folder)
    _rewrite(folder / "PC-WIN10-64.json", lambda doc: doc.update(read_at="2026-01-01T00:00:00Z"))  # stale
    shutil.copy(folder / "PC-NOCERTS.json", folder / "PC-STRANGER.json")  # named for another host than it holds
    _rewrite(folder / "PC-STRANGER.json", lambda doc: doc.update(host="PC-STRANGER", dns_name="pc-stranger"))  # foreign
    with open(folder / "SRV-2008R2.json", "rb") as handle:
        text = handle.read()
    with open(folder / "SRV-2008R2.json", "wb") as handle:
        handle.write(text[:len(text) // 2])  # cut on the way
    with open(folder / "PC-OTHER.json", "wb") as handle:
        handle.write(open(folder / "PC-WIN10-CLM.json", "rb").read())  # a copy under another host's name
    _rewrite(folder / "PC-WIN10-CLM.json", lambda doc: doc.update(collection="0.0.1"))  # another version
    run, model = report(collected, "bad", folder)
    assert run.rc == 2  # partial: four agents are not read
    refused = dict((item["file"], item["why"]) for item in model["sources"]["refused"])
    assert refused == {"PC-WIN10-64.json": "too_old", "PC-STRANGER.json": "foreign", "SRV-2008R2.json": "malformed",
                       "PC-OTHER.json": "name", "PC-WIN10-CLM.json": "other_version"}
    details = [h["detail"] for c in model["checks"] if c["check"] == "collected_refused" for h in c["hosts"]]
    assert sorted(details) == sorted([
        "PC-OTHER.json: the file is named for another host than the one it holds",
        "PC-STRANGER.json: no agent of the inventory (host name pc-stranger, computer name PC-STRANGER)",
        "PC-WIN10-64.json: too old (read at 2026-01-01T00:00:00Z, more than 24 h ago)",
        "PC-WIN10-CLM.json: written by another version of the script (written by apexone.upgrade 0.0.1, this report "
        "is %s: make the script again with apexone.upgrade.collector and let the hosts run it)" % _collection.version(),
    ] + [d for d in details if d.startswith("SRV-2008R2.json: not an answer of the collector (cut or changed")])
    assert len(details) == 5
    not_read = sorted(row["host"] for row in model["hosts"] if row["status"] == "not_read")
    assert not_read == sorted(h for h in AGENTS if h != "pc-nocerts.corp.example")


def test_a_host_both_probed_and_collected_is_judged_from_the_newer_reading(collected):
    folder = collected["tmp"] / "old-and-new"
    shutil.copytree(collected["folder"], folder)
    # the folder's answer of one host is older than the probe's record; the others' are newer (read after it)
    _rewrite(folder / "PC-NOCERTS.json", lambda doc: doc.update(read_at="2000-01-01T00:00:00Z"))
    tmp = collected["tmp"]
    run = labrun.run_playbook("playbooks/preflight_probe.yml", tmp / "lab", inventory=collected["inventory"],
                              limit="pc-nocerts.corp.example,pc-win10-64.corp.example", env=cache_env(tmp / "c3"))
    assert run.rc == 0
    for host, seed in AGENTS.items():
        if seed == "agent-win10-64":
            collector.run(host, seed, collected["script"], str(folder),
                          datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=2), str(tmp / "lab"))
    run = labrun.run_playbook("playbooks/preflight_report.yml", tmp / "lab", inventory=collected["inventory"],
                              env=cache_env(tmp / "c3"), extra_vars={
                                  "apexone_report_dir": str(tmp / "both"), "apexone_fail_on_blockers": False,
                                  "apexone_fail_on_partial": False, "apexone_collected_dir": str(folder),
                                  "apexone_preflight_max_age_hours": 0})
    model = report_of(tmp / "both")
    both = dict((item["host"], item["used"]) for item in model["sources"]["both"])
    assert both == {"pc-nocerts.corp.example": "probe", "pc-win10-64.corp.example": "collected"}
    rows = dict((row["host"], row["read_by"]) for row in model["hosts"])
    assert rows["pc-nocerts.corp.example"] == "probe" and rows["pc-win10-64.corp.example"] == "collected"
