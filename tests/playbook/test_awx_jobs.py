# -*- coding: utf-8 -*-
"""The playbooks run the way AWX runs them: each job in a fresh private folder that is deleted when it ends,
what must last kept on an SMB share (the lab's Samba DC serves \\\\127.0.0.1\\apexone$).

A job here is one ansible-playbook run that starts in <job>/project with ansible-runner's environment
(AWX_ISOLATED_DATA_DIR=<job>/artifacts/<id>, AWX_PRIVATE_DATA_DIR=<job>) and AWX's job variables, and whose
folder is removed afterwards. The rollout is driven by four scheduled jobs with apexone_rollout_wait=false;
a job without the state refuses; a roll back runs from yet another job; a certificate backup kept by one job is
verified by the next job's preflight through the store. The store is the transport's concern, not the
endpoint's: these run over winrm only.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid

import pytest

from ansible_collections.apexone.upgrade.tests.directory import samba_dc
from ansible_collections.apexone.upgrade.tests.playbook import labrun
from ansible_collections.apexone.upgrade.tests.playbook.test_rollout import INVENTORY, MISC, _seed_lab

TEMPLATE = "Apex One - release the Hotfix block"


@pytest.fixture(scope="module")
def share(request, lab_transport):
    if lab_transport != "winrm":
        pytest.skip("the store does not depend on the transport; the AWX jobs run over winrm")
    directory = request.getfixturevalue("directory")  # the DC (and its lock) only for the runs that use it
    directory.wait_for_share()
    return directory


def _env(dc):
    return {"APEXONE_STORE_USERNAME": "%s\\Administrator" % samba_dc.DOMAIN, "APEXONE_STORE_PASSWORD": dc.password,
            "APEXONE_STORE_AUTH": "ntlm", "ANSIBLE_SHOW_CUSTOM_STATS": "true"}


def _folder(dc, name):
    """A new folder on the share, and where the DC keeps it on its disk."""
    leaf = "%s-%s" % (name, uuid.uuid4().hex[:8])
    return "\\\\%s\\%s\\%s" % (samba_dc.HOST, samba_dc.SHARE, leaf), os.path.join(dc.share_folder, leaf)


def _job(tmp_path, number, playbook, lab_dir, dc, extra, inventory=INVENTORY, scheduled=True, limit=None, **awx):
    """One AWX job: a fresh private folder (deleted afterwards), ansible-runner's environment, AWX's variables."""
    job = tmp_path / ("awx_%d_job" % number)
    (job / "project").mkdir(parents=True)
    variables = {"awx_job_id": number, "awx_job_template_name": TEMPLATE, "awx_job_launch_type": "scheduled"}
    if scheduled:
        variables.update(awx_schedule_id=7, awx_schedule_name="hourly")
    variables.update(awx)
    variables.update(extra)
    env = dict(_env(dc), AWX_ISOLATED_DATA_DIR=str(job / "artifacts" / str(number)), AWX_PRIVATE_DATA_DIR=str(job))
    try:
        return labrun.run_playbook(playbook, lab_dir, extra_vars=variables, inventory=inventory, env=env,
                                   cwd=str(job / "project"), limit=limit)
    finally:
        shutil.rmtree(str(job))  # AWX deletes the job's private folder; a container group deletes the whole pod


def _stats(run):
    return json.loads(run.stdout).get("global_custom_stats", {}).get("apexone_rollout_result")


def _failure(run, playbook="release"):
    """The message the run failed with (its last play's fail task), as the job's output shows it."""
    task = "Stop when the rollout was refused or a wave failed" if playbook == "release" else \
        "Stop when the roll back was refused"
    return run.result(task, "localhost")["msg"]


def _state(on_disk):
    with open(os.path.join(on_disk, "reports", "rollout-state.json"), encoding="utf-8") as handle:
        return json.load(handle)


def _block(lab_dir, host):
    with open(os.path.join(str(lab_dir), "state", host + ".json"), encoding="utf-8") as handle:
        return json.load(handle)["registry"][MISC]["NoProgramUpgrade"]["value"]


@pytest.fixture(scope="module")
def rollout(share, tmp_path_factory):
    """Four scheduled jobs, each in a fresh folder, the state on the share."""
    tmp = tmp_path_factory.mktemp("awx")
    lab_dir = _seed_lab(tmp / "lab")
    unc, on_disk = _folder(share, "rollout")
    settings = {"apexone_report_dir": unc + "\\reports", "apexone_rollout_wait": False, "apexone_report_lang": "en",
                # an AWX survey's text answer
                "apexone_release_waves": "apexone_wave_1, apexone_wave_2, apexone_wave_3",
                "apexone_rollout_interval": 1, "apexone_rollout_deadline": 3600}
    jobs = [_job(tmp, 1, "playbooks/release_hotfix_block.yml", lab_dir, share, dict(settings, apexone_rollout_new=True),
                 scheduled=False)]
    for number in (2, 3, 4):
        jobs.append(_job(tmp, number, "playbooks/release_hotfix_block.yml", lab_dir, share, settings))
    return tmp, lab_dir, unc, on_disk, settings, jobs


def test_four_jobs_in_fresh_folders_reach_wave_3(rollout):
    dummy, lab_dir, unc, on_disk, dummy2, jobs = rollout
    for job in jobs:
        assert job.rc == 0, job.stdout[-3000:]
    state = _state(on_disk)
    assert [w["status"] for w in state["waves"]] == ["passed", "passed", "open"]
    assert [_block(lab_dir, h) for h in ("pilot-1", "floor-1", "floor-2", "srv-1", "srv-2")] == [0, 0, 0, 0, 0]
    # The deadline runs from the wave's opening: job 3 found wave 2 still open and did not restart it.
    assert [_stats(j)["wave"] for j in jobs] == [1, 2, 2, 3]
    assert [_stats(j)["wave_status"] for j in jobs] == ["open", "open", "open", "open"]
    assert _stats(jobs[1])["waves_passed"] == 1 and _stats(jobs[3])["waves_passed"] == 2
    assert _stats(jobs[3])["report"].startswith(unc + "\\reports\\rollout-")
    # Each job's reports are on the share, none lost with a job's folder.
    reports = [n for n in os.listdir(os.path.join(on_disk, "reports")) if n.startswith("rollout-") and n.endswith(".html")]
    assert len(reports) >= 4
    assert os.path.exists(os.path.join(on_disk, "reports", "rollout-state.json.lock"))


def test_a_job_without_the_state_refuses_and_says_why(rollout, share):
    tmp, lab_dir, dummy, dummy2, settings, dummy3 = rollout
    elsewhere, on_disk = _folder(share, "lost")
    run = _job(tmp, 5, "playbooks/release_hotfix_block.yml", lab_dir, share,
               dict(settings, apexone_report_dir=elsewhere + "\\reports"))
    assert run.rc != 0
    assert "no rollout state at %s\\reports\\rollout-state.json" % elsewhere in _failure(run)
    assert "apexone_rollout_new=true" in _failure(run) and _stats(run)["msg"] == _failure(run)
    assert _stats(run)["action"] == "refused"  # AWX still gets where things stand
    assert not os.path.exists(os.path.join(on_disk, "reports", "rollout-state.json"))  # nothing started


def test_a_state_in_the_jobs_own_folder_is_refused(rollout, share):
    tmp, lab_dir, dummy, dummy2, settings, dummy3 = rollout
    local = dict(settings, apexone_rollout_new=True)
    del local["apexone_report_dir"]  # the default, ./apexone-reports: inside the job's folder
    run = _job(tmp, 6, "playbooks/release_hotfix_block.yml", lab_dir, share, local, scheduled=False)
    assert run.rc != 0 and "deleted when the job ends" in _failure(run) and _stats(run)["action"] == "refused"


def test_a_sliced_job_and_a_limited_one_are_refused(rollout, share):
    tmp, lab_dir, unc, on_disk, settings, dummy = rollout
    before = _state(on_disk)
    sliced = _job(tmp, 7, "playbooks/release_hotfix_block.yml", lab_dir, share, settings,
                  awx_workflow_job_id=70, awx_workflow_job_name=TEMPLATE)
    assert sliced.rc != 0 and "Job Slicing to 1" in _failure(sliced)
    limited = _job(tmp, 8, "playbooks/rollback_hotfix_release.yml", lab_dir, share, settings,
                   limit="localhost,pilot-1,floor-1")
    assert limited.rc != 0 and "without a limit" in _failure(limited, "rollback")
    assert _state(on_disk)["updated_at"] == before["updated_at"]  # neither touched the rollout


def test_rollback_works_from_another_fresh_job(rollout, share):
    tmp, lab_dir, dummy, on_disk, settings, dummy2 = rollout
    back = _job(tmp, 9, "playbooks/rollback_hotfix_release.yml", lab_dir, share, settings, scheduled=False)
    assert back.rc == 0, back.stdout[-3000:]
    state = _state(on_disk)
    assert state["rolled_back_at"] and _stats(back)["action"] == "rolled_back"
    assert sorted(state["rollback"]["upgraded"] + state["rollback"]["reblocked"]) == \
        ["floor-1", "floor-2", "pilot-1", "srv-1", "srv-2"]
    for host in state["rollback"]["reblocked"]:
        assert _block(lab_dir, host) == 1
    refused = _job(tmp, 10, "playbooks/release_hotfix_block.yml", lab_dir, share, settings)
    assert refused.rc != 0 and "rolled back" in _failure(refused)


def test_a_backup_kept_by_one_job_is_verified_by_the_next_jobs_preflight(share, tmp_path):
    unc, on_disk = _folder(share, "backups")
    lab_dir = tmp_path / "lab"
    kept = _job(tmp_path, 11, "playbooks/prerequisites.yml", lab_dir, share, {"apexone_backup_dir": unc},
                inventory=os.path.join(labrun.LAB, "inventory.yml"), limit="apexone-srv,localhost", scheduled=False)
    assert kept.rc == 0, kept.stdout[-3000:]
    assert os.path.isfile(os.path.join(on_disk, "apexone-srv", "OfficeScanAuth.dat"))

    def preflight(number, backups):
        """The details of the finding auth_backup_on_controller for the server, from a preflight in a fresh job."""
        run = _job(tmp_path, number, "playbooks/preflight.yml", lab_dir, share,
                   {"apexone_backup_dir": backups, "apexone_report_dir": unc + "\\reports", "apexone_report_lang": "en",
                    "apexone_fail_on_blockers": False,
                    # limited to the server: the report names every other host of the inventory "not probed"
                    "apexone_fail_on_partial": False},
                   inventory=os.path.join(labrun.LAB, "inventory.yml"), limit="apexone-srv,localhost", scheduled=False)
        assert run.rc == 0, run.stdout[-3000:]
        report = run.result("Write the fleet report (HTML and JSON)", "localhost")
        assert report["json"].startswith(unc + "\\reports\\preflight-")
        with open(os.path.join(on_disk, "reports", report["json"].rsplit("\\", 1)[1]), encoding="utf-8") as handle:
            data = json.load(handle)
        return [h["detail"] for c in data["checks"] if c["check"] == "auth_backup_on_controller" for h in c["hosts"]
                if h["host"] == "apexone-srv"]

    assert preflight(12, unc) == []  # the first job's folder is gone; the share kept the copy
    copy = os.path.join(on_disk, "apexone-srv", "OfficeScanAuth.dat")
    with open(copy, "r+b") as handle:  # one byte of the kept copy changes on the file server
        handle.seek(3)
        handle.write(b"\xff")
    assert preflight(13, unc) == ["apexone-srv - the kept copy does not match its checksum: it is damaged"]
    assert preflight(14, _folder(share, "empty")[0]) == ["apexone-srv"]  # none kept there
