# -*- coding: utf-8 -*-
"""preflight.yml end to end on the lab: the report's findings, the cost, the languages, bad input."""

from __future__ import annotations

import glob
import hashlib
import json
import os

import pytest

from ansible_collections.apexone.upgrade.tests.playbook import labrun

PLAYBOOK = "playbooks/preflight.yml"
HOSTS = ["apexone-srv", "agent-win10-64", "agent-win10-32", "agent-win7-sp1-nokb", "agent-2008r2",
         "host-no-agent", "agent-missing-certs"]


def _run(tmp_path, **extra):
    extra_vars = {"apexone_report_dir": str(tmp_path / "reports"), "apexone_backup_dir": str(tmp_path / "backups")}
    extra_vars.update(extra.pop("extra_vars", {}))
    return labrun.run_playbook(PLAYBOOK, tmp_path / "lab", extra_vars=extra_vars, **extra)


def _report(tmp_path):
    files = sorted(glob.glob(str(tmp_path / "reports" / "preflight-*.json")))
    assert len(files) == 1, files
    with open(files[0], encoding="utf-8") as handle:
        return json.load(handle)


def _by_host(model):
    return dict((h["host"], h) for h in model["hosts"])


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory, lab_transport):
    path = tmp_path_factory.mktemp("preflight")
    return path, _run(path)


def test_fails_at_the_end_after_writing_the_report(lab_run):
    path, run = lab_run
    assert run.rc == 2
    assert run.stats["localhost"]["failures"] == 1
    assert "block the upgrade" in run.result("Stop when something blocks the upgrade", "localhost")["msg"]
    assert _report(path)["summary"]["fleet_blocked"]
    written = run.result("Write the fleet report (HTML and JSON)", "localhost")
    assert os.path.isfile(written["html"]) and written["html"][:-len(".html")] == written["json"][:-len(".json")]


@pytest.mark.parametrize("host, expected", [
    ("apexone-srv", {"auth_backup_on_controller": "blocker", "invalid_files": "warning", "network": "warning"}),
    ("agent-win10-64", {"hotfix_block": "blocker"}),
    ("agent-win10-32", {"hotfix_block": "blocker"}),
    ("agent-win7-sp1-nokb", {"hotfix_block": "blocker", "sha2_updates": "blocker"}),
    ("agent-2008r2", {}),
    ("host-no-agent", {"no_agent": "warning"}),
    # online: Windows adds the missing roots on first use (automatic root update)
    ("agent-missing-certs", {"root_auto_update": "warning", "hotfix_block": "blocker", "winhttp_direct": "warning"}),
])
def test_each_lab_host_has_exactly_the_findings_its_state_implies(lab_run, host, expected):
    path, dummy = lab_run
    assert _by_host(_report(path))[host]["findings"] == expected


def test_summary_and_fleet_checks(lab_run):
    path, dummy = lab_run
    model = _report(path)
    summary = model["summary"]
    assert summary.pop("read_from") <= summary.pop("read_to")  # when the probe read the first and the last host
    assert summary == {"hosts": 7, "ready": 2, "blocked": 5, "unknown": 0, "not_contacted": 0, "not_read": 0,
                       "blocker_checks": 3, "fleet_blocked": True, "complete": True, "slice": False,
                       "verdict": "blocked"}
    severities = [c["severity"] for c in model["checks"]]
    assert severities == sorted(severities, key=["blocker", "warning", "manual", "info"].index)  # blockers first
    fleet = dict((c["check"], c) for c in model["checks"])
    for check in ("activation_code_unchecked", "sql_password_unchecked", "behaviour_monitoring", "service_names",
                  "post_upgrade_checks"):
        assert fleet[check]["hosts"][0]["host"] == "(fleet)"
    assert fleet["hotfix_block"]["source"] == "KA-0012615 事項 6"  # the article a user can look up
    assert "2 週間前まで" in fleet["hotfix_block"]["fix"]  # Japanese by default


def test_one_remote_execution_per_host(lab_run):
    dummy, run = lab_run
    for host in HOSTS:
        counts = run.counts(host)
        assert counts["executions"] == 1, (host, counts)
        assert counts["scripts"] == {"probe": 1}


def test_english_report_and_html(tmp_path):
    run = _run(tmp_path, extra_vars={"apexone_report_lang": "en", "apexone_fail_on_blockers": False})
    assert run.rc == 0
    model = _report(tmp_path)
    assert model["lang"] == "en"
    html_path = glob.glob(str(tmp_path / "reports" / "*.html"))[0]
    with open(html_path, encoding="utf-8") as handle:
        html = handle.read()
    assert "Do not upgrade until the blockers are cleared" in html
    assert "<script" not in html and "http://" not in html.split("</style>")[0]  # nothing fetched when opened offline


def test_secrets_from_the_command_line_are_checked_and_never_echoed(tmp_path):
    password, code = "Adm1n;P@ss", "OLD-KEY-1234-5678"
    run = _run(tmp_path, extra_vars={"apexone_sql_password": password, "apexone_activation_code": code,
                                     "apexone_fail_on_blockers": False})
    assert run.rc == 0
    checks = dict((c["check"], c) for c in _report(tmp_path)["checks"])
    assert checks["sql_password"]["severity"] == "blocker"
    assert checks["activation_code"]["severity"] == "blocker"
    everything = run.stdout + run.stderr
    for path in glob.glob(str(tmp_path / "reports" / "*")):
        with open(path, encoding="utf-8") as handle:
            everything += handle.read()
    assert password not in everything
    assert code not in everything and code.upper() not in everything


def test_valid_secrets_pass(tmp_path):
    run = _run(tmp_path, extra_vars={"apexone_sql_password": "Str0ngPassw0rd", "apexone_fail_on_blockers": False,
                                     "apexone_activation_code": "AB-C3D4-E5F6G-H7J8K-L9M0N-P1Q2R-S3T4U"})
    checks = [c["check"] for c in _report(tmp_path)["checks"]]
    assert run.rc == 0
    assert not set(checks) & {"sql_password", "activation_code", "sql_password_unchecked", "activation_code_unchecked"}


def test_unknown_region_is_a_clear_error_before_any_remote_execution(tmp_path):
    run = _run(tmp_path, extra_vars={"apexone_region": "mars"}, limit="apexone-srv,localhost")
    assert run.rc != 0
    assert "unknown region 'mars'" in run.result("Read everything the runbook's checks need from this host "
                                                 "(one remote execution)", "apexone-srv")["msg"]
    assert run.counts("apexone-srv")["executions"] == 0
    # the report is still written; a refused input leaves the server without a probe record, so it is not
    # probed, never ready, and no host outside the limit was read either: the report is no fleet verdict
    model = _report(tmp_path)
    assert _by_host(model)["apexone-srv"]["status"] == "not_read"
    assert model["summary"]["not_read"] == 7 and model["summary"]["verdict"] == "partial"
    not_probed = next(c for c in model["checks"] if c["check"] == "not_probed")
    assert not_probed["hosts"][0]["detail"] == "使えるプローブのファクトがありません: ファクトキャッシュにありません"
    assert "7 of 7 host(s) have no usable probe record" in run.result(
        "Stop when the report is not a verdict on the whole fleet", "localhost")["msg"]


def test_unreachable_host_is_unknown(tmp_path, lab_transport):
    seed = tmp_path / "down.yml"
    with open(os.path.join(labrun.LAB, "hosts", "agent-win10-64.yml"), encoding="utf-8") as handle:
        seed.write_text(handle.read() + "faults: {unreachable: true}\n")
    inventory = labrun.write_inventory(tmp_path / "inventory.yml", {"apexone_server": {"apexone-srv": "apexone-srv"},
                                                                    "apexone_agents": {"agent-down": str(seed)}})
    run = _run(tmp_path, inventory=inventory, extra_vars={"apexone_fail_on_blockers": False})
    # the host's record says why it could not be read (the task warns); the report is still written
    probe = run.result("Read everything the runbook's checks need from this host (one remote execution)", "agent-down")
    assert probe["msg"].startswith("not read: ")
    assert any("the report counts it as unknown" in warning for warning in probe["warnings"])
    assert run.rc == 0 and run.stats["agent-down"]["failures"] == 0
    model = _report(tmp_path)
    host = _by_host(model)["agent-down"]
    assert host["status"] == "unknown" and host["findings"] == {"unreachable": "blocker"}
    unreachable = next(c for c in model["checks"] if c["check"] == "unreachable")
    # the winrm plugin's own words: the endpoint resets every connection to this host
    detail = unreachable["hosts"][0]["detail"]
    # the runner names the step and quotes the plugin's own words (winrm: "ntlm: ... reset by peer")
    assert "over %s (step: " % lab_transport in detail and "never started" in detail
    assert "reset by peer" in detail and ("ntlm:" in detail or lab_transport == "psrp")
    assert run.counts("agent-down")["executions"] == 0


def test_empty_agents_group_still_reports(tmp_path):
    inventory = labrun.write_inventory(tmp_path / "inventory.yml", {"apexone_server": {"apexone-srv": "apexone-srv"},
                                                                    "apexone_agents": {}})
    run = _run(tmp_path, inventory=inventory, extra_vars={"apexone_fail_on_blockers": False})
    assert run.rc == 0
    checks = [c["check"] for c in _report(tmp_path)["checks"]]
    assert "no_agents_in_inventory" in checks


def test_bad_upgrade_date_and_language_are_refused(tmp_path):
    run = _run(tmp_path, extra_vars={"apexone_server_upgrade_date": "12/10"}, limit="agent-win10-64,localhost")
    assert "write it as YYYY-MM-DD" in run.result("Read everything the runbook's checks need from this host "
                                                  "(one remote execution)", "agent-win10-64")["msg"]
    run = _run(tmp_path, extra_vars={"apexone_report_lang": "fr"}, limit="agent-win10-64,localhost")
    assert run.rc != 0
    assert "ja, en" in json.dumps(run.tasks)


def test_controller_backup_clears_the_server_blocker(tmp_path):
    backup = tmp_path / "backups" / "apexone-srv"
    backup.mkdir(parents=True)
    (backup / "OfficeScanAuth.dat").write_bytes(b"0\x82")
    (backup / "OfficeScanAuth.dat.sha256").write_text("%s  OfficeScanAuth.dat\n" % hashlib.sha256(b"0\x82").hexdigest(),
                                                      encoding="ascii")
    _run(tmp_path, extra_vars={"apexone_fail_on_blockers": False})
    assert "auth_backup_on_controller" not in _by_host(_report(tmp_path))["apexone-srv"]["findings"]
    # A copy without its checksum cannot be verified: it does not count as a backup.
    (backup / "OfficeScanAuth.dat.sha256").unlink()
    for report in glob.glob(str(tmp_path / "reports" / "preflight-*")):
        os.remove(report)
    _run(tmp_path, extra_vars={"apexone_fail_on_blockers": False})
    assert "auth_backup_on_controller" in _by_host(_report(tmp_path))["apexone-srv"]["findings"]


def test_no_variables_at_all(tmp_path):
    # nothing set: the report goes to ./apexone-reports of the directory ops run from, in Japanese
    run = labrun.run_playbook(PLAYBOOK, tmp_path / "lab", cwd=str(tmp_path))
    assert run.rc == 2  # the lab has blockers
    reports = glob.glob(str(tmp_path / "apexone-reports" / "preflight-*.html"))
    assert len(reports) == 1
    with open(reports[0], encoding="utf-8") as handle:
        assert "ブロッカーを解消するまでバージョンアップしないでください" in handle.read()


def test_missing_roots_are_judged_as_windows_works(tmp_path, lab_transport):
    # issue 19 item 6: the same missing roots block only where Windows cannot add them by itself
    inventory = labrun.write_inventory(tmp_path / "inventory.yml", {"apexone_agents": {
        "online": "agent-missing-certs",
        "offline": {"apexone_lab_state": "agent-missing-certs", "apexone_offline": True},
        "policy-off": "agent-roots-policy-off",
        "root-in-ca": {"apexone_lab_state": "agent-root-in-ca", "apexone_root_update_route_test": True}}})
    run = _run(tmp_path, inventory=inventory, extra_vars={"apexone_fail_on_blockers": False})
    assert run.rc == 0
    hosts = _by_host(_report(tmp_path))
    assert hosts["online"]["findings"] == {"root_auto_update": "warning", "hotfix_block": "blocker",
                                           "winhttp_direct": "warning"}
    assert hosts["offline"]["findings"] == {"certificates": "blocker", "hotfix_block": "blocker"}
    assert hosts["policy-off"]["findings"] == {"certificates": "blocker"}
    assert hosts["root-in-ca"]["findings"] == {"certificates": "blocker"}
    checks = dict((c["check"], dict((h["host"], h["detail"]) for h in c["hosts"])) for c in _report(tmp_path)["checks"])
    assert "apexone_offline" in checks["certificates"]["offline"]
    assert "DisableRootAutoUpdate=1" in checks["certificates"]["policy-off"]
    assert "2020-05-30" in checks["certificates"]["policy-off"]  # AddTrust External CA Root, expired, still listed
    assert "ctldl" not in checks["certificates"]["root-in-ca"] and "timeout" in checks["certificates"]["root-in-ca"]
    for host in ("online", "offline", "policy-off", "root-in-ca"):
        assert run.counts(host)["executions"] == 1, host  # the route test rides in the same execution
