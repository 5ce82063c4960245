# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a report as one self-contained HTML page and one JSON file. Internal: not a public API."""

from __future__ import annotations

import json
import os

import jinja2

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")

LABELS = {
    "ja": {"generated": "作成日時", "hosts": "ホスト", "ready": "準備完了", "blocked": "ブロッカーあり", "unknown": "未確認",
           "fleet_ready": "バージョンアップの準備ができています", "fleet_blocked": "ブロッカーを解消するまでバージョンアップしないでください",
           "blockers": "ブロッカー (チェック別)", "other": "警告・手動確認・情報", "matrix": "ホスト × チェック",
           "fix": "対処", "seed": "出典", "role": "役割", "status": "状態", "os": "OS", "agent": "エージェント",
           "server": "サーバ", "none": "なし", "fleet": "(全体)",
           "severity": {"blocker": "ブロッカー", "warning": "警告", "manual": "手動確認", "info": "情報"}},
    "en": {"generated": "Generated", "hosts": "Hosts", "ready": "Ready", "blocked": "Blocked", "unknown": "Unknown",
           "fleet_ready": "The fleet is ready for the upgrade", "fleet_blocked": "Do not upgrade until the blockers are cleared",
           "blockers": "Blockers, by check", "other": "Warnings, manual checks, information", "matrix": "Hosts by checks",
           "fix": "Fix", "seed": "Source", "role": "Role", "status": "Status", "os": "OS", "agent": "Agent",
           "server": "Server", "none": "none", "fleet": "(fleet)",
           "severity": {"blocker": "Blocker", "warning": "Warning", "manual": "Manual check", "info": "Info"}},
}

_ENV = None


def _environment():
    global _ENV  # pylint: disable=global-statement
    if _ENV is None:
        _ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  trim_blocks=True, lstrip_blocks=True)
    return _ENV


def render_html(report: dict) -> str:
    return _environment().get_template("preflight_report.html.j2").render(r=report, L=LABELS[report["lang"]])


def write(report: dict, folder: str, stem: str) -> dict:
    """Write <stem>.html and <stem>.json into `folder` (created 0700); never overwrite a file."""
    os.makedirs(folder, mode=0o700, exist_ok=True)
    paths = {}
    for suffix, text in (("json", json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True)),
                         ("html", render_html(report))):
        path = os.path.join(folder, "%s.%s" % (stem, suffix))
        with open(path, "x", encoding="utf-8") as handle:  # "x": an existing report is never overwritten
            handle.write(text)
        paths[suffix] = path
    return paths
