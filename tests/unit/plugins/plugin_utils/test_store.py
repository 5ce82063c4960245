# -*- coding: utf-8 -*-
"""The store as a controller folder: atomic writes, never overwriting, a POSIX lock that waits, and the
refusal to keep state or backups in an AWX / ansible-runner job's throwaway folder."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import signal
import time

import pytest

from ansible_collections.apexone.upgrade.plugins.plugin_utils import _store
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import job_folder, waiting


def test_a_file_that_is_never_overwritten_stays_as_it_was(tmp_path):
    store = _store.open_store(str(tmp_path / "keep"))
    where = store.write_new("apexone-srv/OfficeScanAuth.dat", b"first")
    assert where == str(tmp_path / "keep" / "apexone-srv" / "OfficeScanAuth.dat")
    with pytest.raises(_store.StoreExists, match="never overwritten"):
        store.write_new("apexone-srv/OfficeScanAuth.dat", b"second")
    assert store.read("apexone-srv/OfficeScanAuth.dat") == b"first"
    assert os.listdir(str(tmp_path / "keep" / "apexone-srv")) == ["OfficeScanAuth.dat"]  # no temporary file left
    assert os.stat(where).st_mode & 0o777 == 0o600
    assert os.stat(str(tmp_path / "keep" / "apexone-srv")).st_mode & 0o777 == 0o700


def test_a_file_another_run_publishes_meanwhile_is_not_overwritten(tmp_path, monkeypatch):
    store = _store.open_store(str(tmp_path))
    store.write_new("OfficeScanAuth.dat", b"first")
    # The other run published its file after this run looked: only the publishing step itself can refuse.
    monkeypatch.setattr(_store.directory.os.path, "lexists", lambda path: False)
    with pytest.raises(_store.StoreExists):
        store.write_new("OfficeScanAuth.dat", b"second")
    monkeypatch.undo()
    assert store.read("OfficeScanAuth.dat") == b"first" and os.listdir(str(tmp_path)) == ["OfficeScanAuth.dat"]


def test_a_replace_that_dies_midway_leaves_the_old_file_whole(tmp_path):
    store = _store.open_store(str(tmp_path))
    store.replace("rollout-state.json", b'{"format": 1}')
    with pytest.raises(KeyboardInterrupt):
        with store.create_new("rollout-state.json", replace=True) as out:
            out.write(b'{"format": 1, "wav')  # half the document reaches the disk, then the run dies
            raise KeyboardInterrupt
    assert store.read("rollout-state.json") == b'{"format": 1}'
    assert os.listdir(str(tmp_path)) == ["rollout-state.json"]
    store.replace("rollout-state.json", b'{"format": 1, "waves": []}')
    assert store.read("rollout-state.json") == b'{"format": 1, "waves": []}'


def test_names_and_missing_files(tmp_path):
    store = _store.open_store(str(tmp_path / "none-yet"))
    assert store.read("x.json") is None and store.names() == [] and not store.exists("x.json")
    store.write_new("b.json", b"{}")
    store.write_new("a/c.json", b"{}")
    assert store.names() == ["a", "b.json"] and store.names("a") == ["c.json"] and store.exists("b.json")
    for bad in ("../escape.json", "/etc/passwd", "a/../../b", ""):
        with pytest.raises(_store.StoreError):
            store.where(bad)


def test_a_file_where_the_folder_should_be_is_refused(tmp_path):
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    with pytest.raises(_store.StoreError, match="is a file, not a folder"):
        _store.open_store(str(tmp_path / "plain"))


def _hold_posix_lock(path, ready, seconds):
    """Another process (another run, or another controller on NFS) holding a POSIX byte-range lock."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    ready.set()
    time.sleep(seconds)


def test_the_lock_is_a_posix_byte_range_lock_and_waits_with_a_timeout(tmp_path):
    store = _store.open_store(str(tmp_path))
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_posix_lock, args=(store.where("state.lock"), ready, 60))
    holder.start()
    try:
        assert ready.wait(20)
        began = time.monotonic()
        with pytest.raises(_store.LockTimeout, match="still locked by another run after 1 s"):
            with store.lock("state.lock", timeout=1.2):
                pass
        assert time.monotonic() - began >= 1.1  # it waited, it did not fail at once
        os.kill(holder.pid, signal.SIGKILL)  # the hardest end of a run: the lock goes with the process
        holder.join(10)
        with store.lock("state.lock", timeout=5):
            pass
    finally:
        if holder.is_alive():
            holder.kill()


def test_the_lock_is_taken_as_soon_as_the_other_run_lets_go(tmp_path):
    store = _store.open_store(str(tmp_path))
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_posix_lock, args=(store.where("state.lock"), ready, 1.5))
    holder.start()
    assert ready.wait(20)
    began = time.monotonic()
    with store.lock("state.lock", timeout=30):
        waited = time.monotonic() - began
    holder.join(10)
    assert 0.5 < waited < 10


def test_waiting_polls_until_the_timeout():
    now = [0.0]
    tries = []

    def try_once():
        tries.append(now[0])
        return "held" if now[0] >= 2 else None

    assert waiting.acquire(try_once, 5, "x", clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s)) \
        == "held"
    assert tries == [0.0, 0.5, 1.0, 1.5, 2.0]
    now[0] = 0.0
    with pytest.raises(_store.LockTimeout):
        waiting.acquire(lambda: None, 1, "x", clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))


# --- the job's throwaway folder (AWX / ansible-runner) ---

RUNNER = {"AWX_ISOLATED_DATA_DIR": "/runner/artifacts/4711"}


def test_the_runner_folder_is_found_from_what_ansible_runner_and_awx_set():
    assert job_folder.job_folders({}) == []
    assert job_folder.job_folders(RUNNER) == ["/runner"]
    assert job_folder.job_folders({"AWX_ISOLATED_DATA_DIR": "/tmp/awx_12_x/artifacts/12",
                                   "AWX_PRIVATE_DATA_DIR": "/tmp/awx_12_x"}) == ["/tmp/awx_12_x"]


def test_state_or_backup_inside_the_job_folder_is_refused_unless_said(tmp_path, monkeypatch):
    job = tmp_path / "awx_42_abc"
    (job / "project").mkdir(parents=True)
    environ = {"AWX_ISOLATED_DATA_DIR": str(job / "artifacts" / "42")}
    monkeypatch.chdir(str(job / "project"))  # ansible-runner starts a playbook run in <private data dir>/project
    with pytest.raises(_store.JobFolderRefused) as refused:
        job_folder.refuse("apexone-backups", "the server certificate backup", "apexone_backup_dir", environ=environ)
    assert "deleted when the job ends" in str(refused.value) and "apexone_backup_dir" in str(refused.value)
    assert "apexone_store_allow_job_folder=true" in str(refused.value)
    job_folder.refuse("apexone-backups", "the backup", "apexone_backup_dir", allow=True, environ=environ)
    job_folder.refuse(str(tmp_path / "srv"), "the backup", "apexone_backup_dir", environ=environ)  # outside
    job_folder.refuse("\\\\fileserver\\apexone$\\backups", "the backup", "apexone_backup_dir", environ=environ)
    job_folder.refuse("apexone-backups", "the backup", "apexone_backup_dir", environ={})  # not under a runner
    assert "deleted when the job ends" in job_folder.warning("reports", "the report", "apexone_report_dir", environ)
    assert job_folder.warning(str(tmp_path), "the report", "apexone_report_dir", environ) is None


def test_a_link_into_the_job_folder_is_seen_through(tmp_path):
    job = tmp_path / "job"
    (job / "project").mkdir(parents=True)
    (tmp_path / "looks-safe").symlink_to(job / "project")
    environ = {"AWX_PRIVATE_DATA_DIR": str(job)}
    with pytest.raises(_store.JobFolderRefused):
        job_folder.refuse(str(tmp_path / "looks-safe" / "state"), "the rollout state", "apexone_report_dir",
                          environ=environ)


def test_share_paths_are_read_in_both_spellings():
    assert _store.split("\\\\fs01\\apexone$\\rollout\\rollout-state.json") == \
        ("\\\\fs01\\apexone$\\rollout", "rollout-state.json")
    assert _store.split("//fs01/apexone$/rollout-state.json") == ("\\\\fs01\\apexone$", "rollout-state.json")
    with pytest.raises(_store.StoreError, match="not allowed"):
        _store.open_store("\\\\fs01\\apexone$\\a\\..\\b")
    with pytest.raises(_store.StoreError, match="names a share, not a file"):
        _store.split("\\\\fs01\\apexone$")
