# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout report as data (HTML and JSON are both written from it): waves, agents still on XG,
the version mix against the server (seed000 item 4), service names that say Apex One on XG agents
(item 7, information), and the console's update setting (item 6, a manual check). Japanese and English.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, hotfix_block, messages, rollout

TEMPLATE = "rollout_report.html.j2"

# The console's update setting (seed000 item 6, KA-0009550; Apex One 2019 online help "Configuring Update
# Privileges and Other Settings": three choices, all components / pattern files, engines, drivers / pattern
# files). Neither the help nor the KB says where the server stores it (ofcscan.ini, registry or database):
# a manual check.
CONSOLE_PATH = {
    "ja": "[管理コンソール] → [エージェント] → [エージェント管理] → (ルートドメイン) → [設定] → [権限とその他の設定] → "
          "[その他の設定] タブ → [アップデート設定]",
    "en": "Console: Agents > Agent Management > (root domain) > Settings > Privileges and Other Settings > "
          "Other Settings tab > Update Settings",
}

WORDS = {
    "ja": {
        "title": "Apex One エージェント段階バージョンアップ",
        "state": {"done": "すべてのウェーブが完了しました", "in_progress": "段階バージョンアップ実行中",
                  "stopped": "停止しました: ウェーブが条件を満たしませんでした", "rolled_back": "ロールバックしました"},
        "wave_status": {"pending": "未開始", "open": "実行中", "passed": "合格", "failed": "不合格", "rolled_back": "ロールバック"},
        "host_status": {"upgraded": "Apex One", "services_lost": "Apex One (サービス停止)", "still_xg": "XG のまま",
                        "unreachable": "接続不可", "no_agent": "エージェントなし", "unknown_version": "バージョン不明",
                        "not_polled": "未確認"},
        "events": {"reinstalled": "エージェントが再インストールされた可能性", "block_returned": "配信禁止設定が再び有効",
                   "agent_removed": "エージェントが削除された", "release_failed": "配信禁止設定の解除に失敗",
                   "reblocked": "ロールバックで再設定"},
        "mix_warning": ("管理サーバが Apex One でエージェントがウイルスバスター Corp. XG のままの状態では、バージョンアップに関連するお問い"
                        "合わせのみがサポート対象です (事項 4)。早めにすべてのエージェントをバージョンアップしてください。"),
        "mix_ok": "管理サーバとエージェントのバージョンは揃っています。",
        "item7": ("サービスの表示名は Apex One ですがプログラムは XG のままです (事項 7: 管理サーバのバージョンアップ後の仕様動作で、"
                  "影響はありません)。エージェントはプログラムのバージョンで判断しています。"),
        "console": ("手動確認 (事項 6): 管理サーバがこの設定を保存する場所は公開されていないため、コンソールで確認してください。"
                    "配信禁止の期間は『パターンファイル』、ウェーブのエージェントには『すべてのコンポーネント (Hotfix とエージェント"
                    "プログラムを含む)』にしないとバージョンアッププログラムは配信されません。"),
    },
    "en": {
        "title": "Apex One agent rollout",
        "state": {"done": "Every wave passed", "in_progress": "Rollout in progress",
                  "stopped": "Stopped: a wave did not meet its gate", "rolled_back": "Rolled back"},
        "wave_status": {"pending": "pending", "open": "open", "passed": "passed", "failed": "failed",
                        "rolled_back": "rolled back"},
        "host_status": {"upgraded": "Apex One", "services_lost": "Apex One, services stopped", "still_xg": "still XG",
                        "unreachable": "unreachable", "no_agent": "no agent", "unknown_version": "unknown version",
                        "not_polled": "not checked"},
        "events": {"reinstalled": "agent probably reinstalled", "block_returned": "the Hotfix block came back",
                   "agent_removed": "agent removed", "release_failed": "lifting the block failed",
                   "reblocked": "re-blocked by the roll back"},
        "mix_warning": ("The server runs Apex One while agents remain on Virus Buster Corp. XG: in this state Trend Micro "
                        "supports only questions about the upgrade (item 4). Finish the rollout soon."),
        "mix_ok": "Server and agents run the same product.",
        "item7": ("Service display names say Apex One while the program is still XG (item 7: expected after the server "
                  "upgrade, no effect). Agents are judged by their program version."),
        "console": ("Manual check (item 6): where the server stores this setting is not documented, so check it in the "
                    "console. 'Security Agents only update the following components' is 'Pattern files' (or 'Pattern "
                    "files, engines, drivers') while the block is in place; agents of a wave receive the upgrade program "
                    "only under 'All components (including hotfixes and the agent program)'."),
    },
}

LABELS = {
    "ja": {"generated": "作成日時", "waves": "ウェーブ", "wave": "ウェーブ", "status": "状態", "hosts": "ホスト",
           "opened": "開始", "closed": "終了", "polls": "確認回数", "upgraded": "Apex One", "still_xg": "XG のまま",
           "unreachable": "接続不可", "services_lost": "サービス停止", "share": "割合", "server": "管理サーバ",
           "mix": "バージョン構成 (管理サーバとエージェント)", "xg_list": "XG のままのエージェント", "events": "注意が必要なホスト",
           "item7": "表示名だけが Apex One のエージェント (情報)", "console": "コンソールのアップデート設定 (手動確認)",
           "agents": "エージェント一覧", "released": "解除日時", "version": "バージョン", "seen": "確認したバージョン",
           "last_poll": "最終確認", "none": "なし", "rollback": "ロールバック", "cannot_reblock": "Apex One のため再設定できない",
           "reblocked": "再設定した", "threshold": "合格条件", "interval": "確認間隔", "deadline": "期限", "unknown": "不明",
           "seed": "出典", "product": {"apexone": "Apex One", "xg": "XG", None: "不明"}},
    "en": {"generated": "Generated", "waves": "Waves", "wave": "Wave", "status": "Status", "hosts": "Hosts",
           "opened": "Opened", "closed": "Closed", "polls": "Checks", "upgraded": "Apex One", "still_xg": "Still XG",
           "unreachable": "Unreachable", "services_lost": "Services lost", "share": "Share", "server": "Server",
           "mix": "Version mix (server and agents)", "xg_list": "Agents still on XG", "events": "Hosts that need a look",
           "item7": "Agents whose service names alone say Apex One (information)",
           "console": "The console's update setting (manual check)", "agents": "Agents", "released": "Released",
           "version": "Version", "seen": "Versions seen", "last_poll": "Last check", "none": "none",
           "rollback": "Roll back", "cannot_reblock": "Already on Apex One: cannot be re-blocked",
           "reblocked": "Re-blocked", "threshold": "Gate", "interval": "Interval", "deadline": "Deadline",
           "unknown": "unknown", "seed": "Source", "product": {"apexone": "Apex One", "xg": "XG", None: "unknown"}},
}


def summary(state):
    """Counts across the rollout: agents by last status, waves by status."""
    by_status = {}
    for host, entry in state["hosts"].items():
        by_status.setdefault(entry.get("last_status") or "not_polled", []).append(host)
    waves = {}
    for wave in state["waves"]:
        waves[wave["status"]] = waves.get(wave["status"], 0) + 1
    return {"agents": len(state["hosts"]), "by_status": dict((k, sorted(v)) for k, v in by_status.items()),
            "waves": waves, "rolled_back_at": state.get("rolled_back_at")}


def _overall(state):
    if state.get("rolled_back_at"):
        return "rolled_back"
    statuses = [w["status"] for w in state["waves"]]
    if rollout.FAILED in statuses:
        return "stopped"
    if all(s == rollout.PASSED for s in statuses):
        return "done"
    return "in_progress"


def build(state, lang, generated_at, final=False):
    if lang not in messages.LANGUAGES:
        raise ValueError("apexone_report_lang must be one of %s, got %r" % (", ".join(messages.LANGUAGES), lang))
    words = WORDS[lang]
    hosts = []
    products = {"apexone": 0, "xg": 0, "unknown": 0}
    for host in sorted(state["hosts"], key=lambda h: (state["hosts"][h]["wave"], h)):
        entry = state["hosts"][host]
        status = entry.get("last_status") or "not_polled"
        version = entry.get("last_version") or (entry["versions_seen"][-1] if entry["versions_seen"] else None)
        product = hotfix_block.product_of(version)
        if status in (rollout.UNREACHABLE, rollout.NO_AGENT, "not_polled") and not version:
            products["unknown"] += 1
        else:
            products[product or "unknown"] += 1
        hosts.append({"host": host, "wave": entry["wave"], "status": status,
                      "status_text": words["host_status"].get(status, status), "version": version, "product": product,
                      "versions_seen": list(entry["versions_seen"]), "released_at": entry.get("released_at"),
                      "last_poll": entry.get("last_poll"), "display_says_apexone": bool(entry.get("display_says_apexone")),
                      "services_not_running": entry.get("services_not_running") or [],
                      "events": [dict(e, text=words["events"].get(e["kind"], e["kind"])) for e in entry.get("events") or []]})
    server_product = hotfix_block.product_of(state.get("server_version"))
    mixed = server_product == "apexone" and products["xg"] > 0
    waves = []
    for wave in state["waves"]:
        counts = wave.get("counts") or rollout.wave_counts(state, wave)
        waves.append({"index": wave["index"], "name": wave["name"], "status": wave["status"],
                      "status_text": words["wave_status"][wave["status"]], "hosts": len(wave["hosts"]),
                      "opened_at": wave.get("opened_at"), "closed_at": wave.get("closed_at"), "polls": wave.get("polls", 0),
                      "upgraded": counts.get(rollout.UPGRADED, 0), "still_xg": counts.get(rollout.STILL_XG, 0),
                      "unreachable": counts.get(rollout.UNREACHABLE, 0),
                      "services_lost": counts.get(rollout.SERVICES_LOST, 0), "share": wave.get("share"),
                      "reason": wave.get("reason")})
    overall = _overall(state)
    settings = state["settings"]
    return {
        "kind": "rollout",
        "title": words["title"],
        "lang": lang,
        "generated_at": generated_at,
        "final": bool(final),
        "overall": overall,
        "overall_text": words["state"][overall],
        "settings": {"threshold": settings["threshold"], "interval": settings["interval"],
                     "deadline": settings["deadline"]},
        "server_version": state.get("server_version"),
        "server_product": server_product,
        "version_mix": {"counts": products, "mixed": mixed,
                        "text": words["mix_warning"] if mixed else words["mix_ok"], "seed": "seed000 item 4"},
        "waves": waves,
        "still_xg": [h for h in hosts if h["product"] == "xg"],
        "attention": [h for h in hosts if any(e["kind"] != "reblocked" for e in h["events"])
                      or h["status"] == rollout.SERVICES_LOST],
        "item7": {"hosts": [h["host"] for h in hosts if h["display_says_apexone"] and h["product"] == "xg"],
                  "text": words["item7"], "seed": "seed000 item 7"},
        "console": {"path": CONSOLE_PATH[lang], "setting": catalog.CONSOLE_UPDATE_SETTING[lang],
                    "text": words["console"], "seed": "seed000 item 6 (KA-0009550)"},
        "rollback": state.get("rollback"),
        "hosts": hosts,
        "summary": summary(state),
    }
