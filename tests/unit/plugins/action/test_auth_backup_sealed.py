# -*- coding: utf-8 -*-
"""apexone_auth_backup with the lab's twin of auth_backup.ps1: the file travels sealed to a key made for the run,
is opened and checked against the server's SHA-256 on the controller, and kept through the store, never over an
earlier copy; the preflight reads it back through the same store and checks it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat

import pytest

from ansible_collections.apexone.upgrade.plugins.action import apexone_auth_backup
from ansible_collections.apexone.upgrade.plugins.module_utils import preflight
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _sealed
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import backups
from ansible_collections.apexone.upgrade.tests.lab.simulator import sealing, state, twins
from ansible_collections.apexone.upgrade.tests.unit.helpers_action import recorded, run_action

PFX_PATH = "C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\AuthCertBackup\\OfficeScanAuth.dat"


@pytest.fixture()
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("APEXONE_LAB_DIR", str(tmp_path))
    host = state.load_seed("apexone-srv")
    plain = os.urandom(2477)  # a PFX's worth of bytes no text could hold by chance
    host["files"][PFX_PATH]["content_b64"] = base64.b64encode(plain).decode("ascii")
    return host, plain


def _run(host, dest, check_mode=False, answers=None):
    return run_action(apexone_auth_backup, {"dest": str(dest)},
                      answers or {"auth_backup": lambda params: twins.TWINS["auth_backup"](host, params)},
                      task_vars={"inventory_hostname": "apexone-srv"}, check_mode=check_mode)


def test_the_file_travels_sealed_and_is_kept_whole(tmp_path, server):
    host, plain = server
    result, calls = _run(host, tmp_path / "keep")
    assert result["changed"] and not result.get("failed"), result
    kept = tmp_path / "keep" / "apexone-srv" / "OfficeScanAuth.dat"
    assert kept.read_bytes() == plain and stat.S_IMODE(os.stat(kept).st_mode) == 0o600
    assert result["sha256"] == hashlib.sha256(plain).hexdigest() == \
        (tmp_path / "keep" / "apexone-srv" / "OfficeScanAuth.dat.sha256").read_text().split()[0]
    params = calls[0]["params"]
    assert params["PublicKey"].startswith("<RSAKeyValue><Modulus>") and params["Known"] == []
    answer = twins.TWINS["auth_backup"](host, params)
    text = json.dumps(answer)
    assert base64.b64encode(plain).decode() not in text and plain.hex() not in text
    assert set(answer["sealed"]) == {"key", "iv", "data"}
    assert "content_b64" not in json.dumps(result)


def test_a_copy_already_kept_is_not_sent_again(tmp_path, server):
    host, plain = server
    _run(host, tmp_path / "keep")
    again, calls = _run(host, tmp_path / "keep")
    assert calls[0]["params"]["Known"] == [hashlib.sha256(plain).hexdigest()]
    assert not again["changed"] and "already kept" in again["msg"]
    assert "sealed" not in twins.TWINS["auth_backup"](host, calls[0]["params"])  # only the hash travelled


def test_a_new_certificate_is_kept_beside_the_old_one(tmp_path, server):
    host, plain = server
    _run(host, tmp_path / "keep")
    newer = os.urandom(2000)
    host["files"][PFX_PATH]["content_b64"] = base64.b64encode(newer).decode("ascii")
    result, dummy = _run(host, tmp_path / "keep")
    assert result["changed"] and os.path.basename(result["dest"]).startswith("OfficeScanAuth-")
    assert (tmp_path / "keep" / "apexone-srv" / "OfficeScanAuth.dat").read_bytes() == plain
    assert open(result["dest"], "rb").read() == newer


def test_an_answer_whose_content_does_not_match_the_servers_hash_keeps_nothing(tmp_path, server):
    host, dummy = server

    def lying(params):
        answer = twins.TWINS["auth_backup"](host, params)
        answer["sealed"] = sealing.seal(b"something else", params["PublicKey"])
        return answer

    result, dummy = _run(host, tmp_path / "keep", answers={"auth_backup": lying})
    assert result["failed"] and "does not match the SHA-256 the server computed" in result["msg"]
    assert not (tmp_path / "keep" / "apexone-srv").exists()


def test_an_answer_sealed_to_another_key_is_refused(tmp_path, server):
    host, dummy = server
    other = _sealed.RunKey(bits=2048)

    def other_key(params):
        return twins.TWINS["auth_backup"](host, dict(params, PublicKey=other.public_xml))

    result, dummy = _run(host, tmp_path / "keep", answers={"auth_backup": other_key})
    assert result["failed"] and "cannot be opened with this run's key" in result["msg"]


def test_check_mode_reads_but_keeps_nothing(tmp_path, server):
    host, dummy = server
    result, dummy = _run(host, tmp_path / "keep", check_mode=True)
    assert result["changed"] and result["msg"].startswith("would keep")
    assert not (tmp_path / "keep").exists()


def test_the_twin_refuses_what_the_script_refuses(server):
    host, dummy = server
    from ansible_collections.apexone.upgrade.plugins.module_utils import auth_backup
    with pytest.raises(twins.ScriptFailure, match="never returned in clear"):
        twins.TWINS["auth_backup"](host, auth_backup.plan(1 << 20))
    with pytest.raises(twins.ScriptFailure, match="FromXmlString"):
        twins.TWINS["auth_backup"](host, auth_backup.plan(1 << 20, "<RSAKeyValue><Modulus>!</Modulus></RSAKeyValue>"))
    looked = twins.TWINS["auth_backup"](host, auth_backup.plan(0))  # the self-test: looked for, never read
    assert looked["found"] and "sha256" not in looked and "sealed" not in looked


def test_under_ansible_runner_a_backup_in_the_job_folder_is_refused(tmp_path, server, monkeypatch):
    host, dummy = server
    monkeypatch.setenv("AWX_ISOLATED_DATA_DIR", str(tmp_path / "job" / "artifacts" / "9"))
    result, calls = _run(host, tmp_path / "job" / "project" / "apexone-backups")
    assert result["failed"] and "deleted when the job ends" in result["msg"] and calls == []  # before any remote call


# --- the preflight's check, through the store ---------------------------------------------------

def test_the_preflight_reads_the_kept_copy_back_and_checks_it(tmp_path, server):
    host, dummy = server
    _run(host, tmp_path / "keep")
    facts = {"apexone-srv": preflight.host_facts(recorded("probe_apexone-srv.json"), [])}

    def finding(kept):
        found = preflight.fleet_findings(facts, ["apexone-srv"], [], controller_backups={"apexone-srv": kept})
        return [f for f in found if f["check"] == "auth_backup_on_controller"]

    kept = backups.verify(str(tmp_path / "keep"), "apexone-srv")
    assert kept == {"where": str(tmp_path / "keep" / "apexone-srv" / "OfficeScanAuth.dat"), "problem": None}
    assert finding(kept) == []
    assert finding(backups.verify(str(tmp_path / "nothing"), "apexone-srv"))[0]["params"] == {"server": "apexone-srv"}
    copy = tmp_path / "keep" / "apexone-srv" / "OfficeScanAuth.dat"
    os.chmod(copy, 0o600)
    copy.write_bytes(copy.read_bytes()[:-1] + b"\0")  # one byte changed on the disk
    assert finding(backups.verify(str(tmp_path / "keep"), "apexone-srv"))[0]["params"]["damaged"] is True
    (tmp_path / "keep" / "apexone-srv" / "OfficeScanAuth.dat.sha256").unlink()
    assert finding(backups.verify(str(tmp_path / "keep"), "apexone-srv"))[0]["params"]["unverifiable"] is True
