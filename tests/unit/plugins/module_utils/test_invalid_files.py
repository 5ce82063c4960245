# -*- coding: utf-8 -*-
"""KA-0001268 file rename: the plan and the refusal of dangerous folders."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import invalid_files

ROOT = "C:\\Program Files (x86)\\Trend Micro\\OfficeScan"


def _entry(rel, target_exists=False, is_dir=False, **target):
    path = ROOT + "\\" + rel
    entry = {"path": path, "is_dir": is_dir, "size": 10, "modified": "2026-11-20T01:00:00Z"}
    stripped = invalid_files.SUFFIX.sub("", path)
    if stripped != path:
        entry["target"] = dict({"path": stripped, "exists": target_exists}, **target)
    return entry


def test_plan_renames_skips_and_excludes():
    planned = invalid_files.plan([
        _entry("PCCSRV\\Admin\\TmUpdate.dll_Invalid"),
        _entry("PCCSRV\\Admin\\tmssclient.dll_Invalid", target_exists=True, size=8, modified="2026-11-21T03:00:00Z"),
        _entry("PCCSRV\\Web\\images\\invalid.gif"),
        _entry("PCCSRV\\Web_OSCE\\config_invalid_syntax.php"),
        _entry("PCCSRV\\Download\\日本語モジュール.dll_INVALID"),
        _entry("PCCSRV\\a.dll_Invalid_Invalid"),
        _entry("PCCSRV\\Temp_Invalid", is_dir=True),
        _entry("PCCSRV\\_Invalid"),
        _entry("PCCSRV\\Web_OSCE\\images\\invalid.gif_Invalid"),
    ])
    assert [(r["from"].split("\\")[-1], r["to"].split("\\")[-1]) for r in planned["renames"]] == [
        ("a.dll_Invalid_Invalid", "a.dll"), ("TmUpdate.dll_Invalid", "TmUpdate.dll"),
        ("日本語モジュール.dll_INVALID", "日本語モジュール.dll"), ("invalid.gif_Invalid", "invalid.gif")]
    assert planned["renames"][0]["note"] == "more than one _Invalid suffix: all removed"
    skipped = dict((s["path"].split("\\")[-1], s) for s in planned["skipped"])
    assert set(skipped) == {"tmssclient.dll_Invalid", "Temp_Invalid", "_Invalid"}
    assert "nothing is overwritten" in skipped["tmssclient.dll_Invalid"]["reason"]
    assert skipped["tmssclient.dll_Invalid"]["existing"] == {"size": 8, "modified": "2026-11-21T03:00:00Z", "is_dir": None}
    assert "folders are never renamed" in skipped["Temp_Invalid"]["reason"]
    assert sorted(e["path"].split("\\")[-1] for e in planned["excluded"]) == ["config_invalid_syntax.php", "invalid.gif"]
    assert all("named in KA-0001268" in e["reason"] for e in planned["excluded"])


def test_other_lookalikes_are_kept_too():
    planned = invalid_files.plan([_entry("PCCSRV\\Temp\\invalid_entries.log"), _entry("PCCSRV\\invalidator.dll")])
    assert planned["renames"] == [] and len(planned["excluded"]) == 2
    assert all("does not end with _Invalid" in e["reason"] for e in planned["excluded"])


def test_a_target_the_host_reported_differently_is_not_renamed():
    entry = _entry("PCCSRV\\x.dll_Invalid")
    entry["target"]["path"] = ROOT + "\\PCCSRV\\other.dll"
    assert invalid_files.plan([entry])["renames"] == []


@pytest.mark.parametrize("path", ["C:\\", "c:", "D:\\", "\\\\fileserver\\share", "C:\\Windows", "c:\\windows\\system32"])
def test_dangerous_paths_are_refused(path):
    with pytest.raises(invalid_files.UnsafePath):
        invalid_files.check_path(path)


@pytest.mark.parametrize("path, install_dir, shown", [
    ("C:\\", None, "'C:\\' is a drive or share root"),
    ("\\\\fileserver\\share", None, "'\\\\fileserver\\share' is a drive or share root"),
    ("C:\\Windows\\Temp", None, "'C:\\Windows\\Temp' is inside the Windows folder"),
    ("C:\\Temp\\copy", ROOT, "'C:\\Temp\\copy' is outside the server's install folder " + ROOT),
])
def test_a_refused_path_is_shown_as_the_user_wrote_it(path, install_dir, shown):
    # Windows paths as typed: one backslash each, never Python's escaped form ('C:\\\\').
    with pytest.raises(invalid_files.UnsafePath) as refused:
        invalid_files.check_path(path, install_dir)
    assert shown in str(refused.value)
    assert "\\\\" not in str(refused.value).replace(path, "")


def test_outside_the_install_folder_needs_force():
    with pytest.raises(invalid_files.UnsafePath, match="force=true"):
        invalid_files.check_path("C:\\Temp\\copy", ROOT)
    invalid_files.check_path("C:\\Temp\\copy", ROOT, force=True)
    invalid_files.check_path(ROOT + "\\PCCSRV", ROOT)
