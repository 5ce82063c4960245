# -*- coding: utf-8 -*-
"""The preflight sliced as AWX / Automation Platform job slicing slices it, then reported from the fact cache.

Each slice is a run of its own (a job), on the part of the inventory AWX gives it, writing into one
jsonfile fact cache; the report is one more run over the whole inventory. Its verdict and findings
must be those of one unsliced run, and an inventory some host of which no recent probe read must be
refused as a fleet verdict.
"""

from __future__ import annotations

import glob
import json
import os

import pytest
import yaml

from ansible_collections.apexone.upgrade.tests.playbook import labrun

SLICES = 3


def lab_groups():
    """group -> {host: apexone_lab_state} of the lab's inventory (tests/lab/inventory.yml)."""
    with open(os.path.join(labrun.LAB, "inventory.yml"), encoding="utf-8") as handle:
        children = yaml.safe_load(handle)["all"]["children"]["windows"]["children"]
    return dict((group, dict((host, values["apexone_lab_state"]) for host, values in (data["hosts"] or {}).items()))
                for group, data in children.items())


def awx_slice(groups, number, count):
    """The inventory slice `number` (from 1) of `count` gets under AWX job slicing: the hosts ordered by name,
    every count-th one from number - 1 (awx Inventory.get_sliced_hosts); groups keep their slice's members."""
    names = sorted(set(host for members in groups.values() for host in members))
    kept = set(names[number - 1::count])
    return dict((group, dict((h, v) for h, v in members.items() if h in kept)) for group, members in groups.items())


def cache_env(folder):
    return {"ANSIBLE_CACHE_PLUGIN": "ansible.builtin.jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": str(folder)}


def fact_cache(folder):
    """ansible-core's own jsonfile cache plugin on `folder` (it reads and writes what a play would)."""
    os.environ["ANSIBLE_CACHE_PLUGIN_CONNECTION"] = str(folder)
    try:
        from ansible.plugins.loader import cache_loader  # pylint: disable=import-outside-toplevel
        return cache_loader.get("jsonfile")
    finally:
        del os.environ["ANSIBLE_CACHE_PLUGIN_CONNECTION"]


def copied_cache(sliced, folder, slices):
    """A fact cache at `folder` holding the records the probe slices numbered in `slices` (from 1) left."""
    cache = fact_cache(sliced["tmp"] / "cache")
    copy = fact_cache(folder)
    for number in slices:
        for host in sliced["slices"][number - 1]:
            copy.set(host, cache.get(host))
    return copy


def report_of(folder):
    files = sorted(glob.glob(str(folder / "preflight-*.json")))
    assert len(files) == 1, files
    with open(files[0], encoding="utf-8") as handle:
        return json.load(handle)


def comparable(model):
    """What must not depend on how the probe was run: the summary (but when it read), each check's
    hosts and details, each host's row."""
    summary = dict(model["summary"])
    del summary["read_from"], summary["read_to"]
    found = dict((c["check"], (c["severity"], c["count"], sorted((h["host"], h["detail"]) for h in c["hosts"])))
                 for c in model["checks"])
    return summary, found, sorted(model["hosts"], key=lambda row: row["host"])


def run_report(tmp, name, cache, inventory, **extra):
    extra_vars = dict({"apexone_report_dir": str(tmp / name), "apexone_fail_on_blockers": False}, **extra)
    run = labrun.run_playbook("playbooks/preflight_report.yml", tmp / "lab", inventory=inventory, env=cache_env(cache),
                              extra_vars=extra_vars)
    return run, report_of(tmp / name)


@pytest.fixture(scope="module")
def sliced(tmp_path_factory, lab_transport):
    """One unsliced preflight, and the same preflight sliced in three then reported, each with its own cache."""
    tmp = tmp_path_factory.mktemp("sliced")
    groups = lab_groups()
    whole = labrun.write_inventory(tmp / "inventory.yml", groups)
    once = labrun.run_playbook("playbooks/preflight.yml", tmp / "lab", inventory=whole, env=cache_env(tmp / "cache-once"),
                               extra_vars={"apexone_report_dir": str(tmp / "once"), "apexone_fail_on_blockers": False})
    assert once.rc == 0, once.stdout[-2000:]
    slices = []
    for number in range(1, SLICES + 1):
        part = awx_slice(groups, number, SLICES)
        inventory = labrun.write_inventory(tmp / ("slice-%d.yml" % number), part)
        run = labrun.run_playbook("playbooks/preflight_probe.yml", tmp / "lab", inventory=inventory,
                                  env=cache_env(tmp / "cache"))
        assert run.rc == 0, run.stdout[-2000:]
        slices.append(sorted(host for members in part.values() for host in members))
    report_run, model = run_report(tmp, "sliced", tmp / "cache", whole)
    return {"tmp": tmp, "whole": whole, "slices": slices, "once": report_of(tmp / "once"), "report_run": report_run,
            "model": model}


def test_each_slice_reads_only_its_hosts_and_registers_nothing(sliced):
    every = sorted(host for members in lab_groups().values() for host in members)
    assert sorted(sum(sliced["slices"], [])) == every and all(sliced["slices"])
    # the probe left one compact record per host in the cache, nothing else
    cache = fact_cache(sliced["tmp"] / "cache")
    for host in every:
        facts = cache.get(host)
        assert set(facts) == {"apexone_preflight"}, (host, sorted(facts))
        assert len(json.dumps(facts["apexone_preflight"])) < 1024, host


def test_the_sliced_preflight_gives_the_verdict_and_findings_of_one_unsliced_run(sliced):
    model, once = sliced["model"], sliced["once"]
    assert sliced["report_run"].rc == 0
    assert comparable(model) == comparable(once)
    assert model["summary"]["complete"] and model["summary"]["verdict"] == "blocked"
    assert model["summary"]["hosts"] == 7 and model["summary"]["not_read"] == 0
    # the server's findings came from one slice, the fleet checks from the report over every slice
    checks = dict((c["check"], c) for c in model["checks"])
    assert "no_server_in_inventory" not in checks and "no_agents_in_inventory" not in checks
    assert [h["host"] for h in checks["auth_backup_on_controller"]["hosts"]] == ["apexone-srv"]


def test_a_report_missing_a_slice_is_refused(sliced, tmp_path):
    kept = tmp_path / "cache"
    copied_cache(sliced, kept, (1, 2))  # the third slice never ran
    run, model = run_report(tmp_path, "partial", kept, sliced["whole"])
    assert run.rc == 2
    assert "%d of 7 host(s) have no usable probe record" % len(sliced["slices"][2]) in run.result(
        "Stop when the report is not a verdict on the whole fleet", "localhost")["msg"]
    summary = model["summary"]
    assert not summary["complete"] and summary["verdict"] == "partial"
    assert sorted(h["host"] for h in model["hosts"] if h["status"] == "not_read") == sliced["slices"][2]
    not_probed = next(c for c in model["checks"] if c["check"] == "not_probed")
    assert sorted(h["host"] for h in not_probed["hosts"]) == sliced["slices"][2]
    html = glob.glob(str(tmp_path / "partial" / "*.html"))[0]
    with open(html, encoding="utf-8") as handle:
        assert "全体の判定ではありません: 7 台のうち %d 台" % len(sliced["slices"][2]) in handle.read()


def test_old_records_and_records_of_another_version_are_not_used(sliced, tmp_path):
    kept = tmp_path / "cache"
    copy = copied_cache(sliced, kept, range(1, SLICES + 1))
    old = copy.get("agent-win10-64")
    old["apexone_preflight"]["read_at"] = "2026-01-01T00:00:00Z"
    copy.set("agent-win10-64", old)
    other = copy.get("agent-2008r2")
    other["apexone_preflight"]["collection"] = "0.0.1"
    copy.set("agent-2008r2", other)
    run, model = run_report(tmp_path, "old", kept, sliced["whole"], apexone_report_lang="en")
    assert run.rc == 2 and model["summary"]["not_read"] == 2
    details = dict((h["host"], h["detail"]) for c in model["checks"] if c["check"] == "not_probed" for h in c["hosts"])
    assert details["agent-win10-64"] == "no usable probe facts: read at 2026-01-01T00:00:00Z, more than 24 h ago"
    assert details["agent-2008r2"].startswith("no usable probe facts: read by apexone.upgrade 0.0.1, this report is ")
    # a longer age, set by the user, accepts the old record (never the other version's)
    run, model = run_report(tmp_path, "older", kept, sliced["whole"], apexone_preflight_max_age_hours=0)
    assert [h["host"] for h in model["hosts"] if h["status"] == "not_read"] == ["agent-2008r2"]


def test_a_report_inside_a_slice_of_a_sliced_job_is_refused(sliced, tmp_path):
    # AWX passes every job its job template's and workflow job's names; a sliced template's workflow carries its name
    part = labrun.write_inventory(tmp_path / "slice.yml", awx_slice(lab_groups(), 1, SLICES))
    run, model = run_report(tmp_path, "in-slice", sliced["tmp"] / "cache", part, awx_job_template_name="Preflight",
                            awx_workflow_job_name="Preflight", awx_job_id=41)
    assert run.rc == 2 and model["summary"]["slice"] and model["summary"]["verdict"] == "partial"
    assert "ran in one slice of a sliced job" in run.result(
        "Stop when the report is not a verdict on the whole fleet", "localhost")["msg"]
    # the same job in a workflow an organisation built (its own name) is a fleet verdict over its inventory
    run, model = run_report(tmp_path, "in-workflow", sliced["tmp"] / "cache", sliced["whole"],
                            awx_job_template_name="Preflight report", awx_workflow_job_name="Preflight", awx_job_id=42)
    assert run.rc == 0 and model["summary"]["complete"]


def test_in_the_run_that_probes_only_that_run_s_readings_count(sliced, tmp_path):
    kept = tmp_path / "cache"
    copied_cache(sliced, kept, range(1, SLICES + 1))
    # one host probed again; the six others have records, but from before this run
    run = labrun.run_playbook("playbooks/preflight.yml", sliced["tmp"] / "lab", inventory=sliced["whole"],
                              env=cache_env(kept), limit="agent-win10-64,localhost",
                              extra_vars={"apexone_report_dir": str(tmp_path / "limited"), "apexone_fail_on_blockers": False,
                                          "apexone_report_lang": "en"})
    model = report_of(tmp_path / "limited")
    assert run.rc == 2 and model["summary"]["not_read"] == 6
    assert [h["host"] for h in model["hosts"] if h["status"] != "not_read"] == ["agent-win10-64"]
    detail = next(h["detail"] for c in model["checks"] if c["check"] == "not_probed" for h in c["hosts"])
    assert ", before this run started (" in detail


def test_the_report_reads_the_records_when_facts_are_not_injected_as_variables(sliced, tmp_path):
    # ANSIBLE_INJECT_FACT_VARS=false (a quarter less report time at 50,000 hosts): the records are only in ansible_facts
    env = dict(cache_env(sliced["tmp"] / "cache"), ANSIBLE_INJECT_FACT_VARS="false")
    run = labrun.run_playbook("playbooks/preflight_report.yml", tmp_path / "lab", inventory=sliced["whole"], env=env,
                              extra_vars={"apexone_report_dir": str(tmp_path / "r"), "apexone_fail_on_blockers": False})
    assert run.rc == 0
    assert comparable(report_of(tmp_path / "r")) == comparable(sliced["model"])
