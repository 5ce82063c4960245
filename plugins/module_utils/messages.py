# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each preflight check is called, what a finding says, and how to fix it: Japanese and English."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

LANGUAGES = ("ja", "en")

# check -> language -> (title, fix)
TEXTS = {
    "activation_code": {
        "ja": (
            "アクティベーションコードが Apex One で使用できない形式",
            ("法人カスタマーサービス&サポートで新しいアクティベーションコードを発行してもらい、バージョンアップ前に再設定してください (KA-0009604)"
             "。"),
        ),
        "en": (
            "Activation code is not in a form Apex One accepts",
            ("Ask Trend Micro support for a new activation code and set it before the "
             "upgrade (KA-0009604)."),
        ),
    },
    "activation_code_unchecked": {
        "ja": (
            "アクティベーションコード未確認",
            "apexone_activation_code (Vault 推奨) を指定して再実行するか、37 文字の現行形式であることを手で確認してください。",
        ),
        "en": (
            "Activation code not checked",
            ("Run again with apexone_activation_code (from a vault), or confirm by hand "
             "that it is the current 37-character form."),
        ),
    },
    "sql_password": {
        "ja": (
            "SQL Server パスワードに使用できない文字",
            "パスワードを変更してからセットアップしてください。使用しない文字: & < > ^ | ; \\ [ ] ( ) , ? * ! @ =",
        ),
        "en": (
            "SQL Server password contains forbidden characters",
            ("Change the password before the setup. Do not use: & < > ^ | ; \\ [ ] ( "
             ") , ? * ! @ ="),
        ),
    },
    "sql_password_unchecked": {
        "ja": (
            "SQL Server パスワード未確認",
            "apexone_sql_password (Vault 推奨) を指定して再実行するか、禁止文字を含まないことを手で確認してください。",
        ),
        "en": (
            "SQL Server password not checked",
            ("Run again with apexone_sql_password (from a vault), or confirm by hand "
             "that it has no forbidden character."),
        ),
    },
    "unsupported_os": {
        "ja": (
            "Apex One のサポート対象外 OS のエージェント",
            "1 台でも残っていると管理サーバのセットアップが進みません。バージョンアップ前に OS を更新するか、管理サーバの管理下から外してください。",
        ),
        "en": (
            "Agent on an OS Apex One does not support",
            ("Even one such agent stops the server setup. Upgrade its OS or remove it "
             "from the server's management before the upgrade."),
        ),
    },
    "sha2_updates": {
        "ja": (
            "SHA-2 コード署名対応の更新プログラムが未適用",
            "いずれかの更新プログラムを適用してください (KA-0006042)。",
        ),
        "en": (
            "SHA-2 code signing update missing",
            "Install one of the updates listed (KA-0006042).",
        ),
    },
    "certificates": {
        "ja": (
            "署名の検証に必要な証明書が不足",
            ("prerequisites.yml で不足分をインストールするか、CertUtil -syncWithWU で集めた証明書を所定のストアに手動でインストールしてください "
             "(KA-0001268)。"),
        ),
        "en": (
            "Certificates the signature checks need are missing",
            ("Run prerequisites.yml to install them, or install the files collected "
             "with CertUtil -syncWithWU into the stores named (KA-0001268)."),
        ),
    },
    "winhttp_direct": {
        "ja": (
            "WinHTTP プロキシ未設定 (証明書不足のホスト)",
            ("プロキシ経由でインターネットに出る環境なら「netsh winhttp import proxy source=ie」で Windows Update "
             "に接続できるようにしてください (prerequisites.yml の apexone_import_ie_proxy)。"),
        ),
        "en": (
            "No WinHTTP proxy on a host missing certificates",
            ("If the host reaches the internet through a proxy, run 'netsh winhttp import "
             "proxy source=ie' so Windows Update can deliver roots (prerequisites.yml,"
             " apexone_import_ie_proxy)."),
        ),
    },
    "no_agent": {
        "ja": (
            "エージェントがインストールされていない",
            "apexone_agents グループから外すか、エージェントをインストールしてください。このホストには何も設定していません。",
        ),
        "en": (
            "No agent installed",
            ("Remove the host from apexone_agents or install the agent. Nothing was "
             "set on this host."),
        ),
    },
    "hotfix_block": {
        "ja": (
            "Hotfix 配信禁止 (NoProgramUpgrade=1) が未設定",
            "管理サーバのバージョンアップの 2 週間前までに block_hotfix.yml を実行し、コンソールの「アップデート設定」も『パターンファイル』にしてください。",
        ),
        "en": (
            "Hotfix block (NoProgramUpgrade=1) not set",
            ("Run block_hotfix.yml at least two weeks before the server upgrade, and "
             "set the console's update setting to pattern files only."),
        ),
    },
    "hotfix_block_age": {
        "ja": (
            "Hotfix 配信禁止の設定から 2 週間経っていない",
            "サーバのバージョンアップ日を後ろにずらしてください。",
        ),
        "en": (
            "Hotfix block is less than two weeks old on the upgrade date",
            "Move the server upgrade later.",
        ),
    },
    "server_not_found": {
        "ja": (
            "管理サーバのレジストリが見つからない",
            "apexone_server グループのホストが正しいか確認してください。",
        ),
        "en": (
            "No OfficeScan / Apex One server found",
            "Check that the host in apexone_server is the management server.",
        ),
    },
    "auth_backup_on_server": {
        "ja": (
            "サーバ認証証明書 (OfficeScanAuth.dat) が見つからない",
            ("ビルド 5684 (XG) / 8378 (Apex One) 以降は証明書を出力できません。リストアに備え、インストールフォルダの AuthCertBackup\\OfficeScanAuth.dat "
             "とパスワードを確認してください (KA-0004800)。"),
        ),
        "en": (
            "Server authentication certificate (OfficeScanAuth.dat) not found",
            ("From XG build 5684 / Apex One build 8378 it can no longer be exported. "
             "Find AuthCertBackup\\OfficeScanAuth.dat and its password before the upgrade "
             "(KA-0004800)."),
        ),
    },
    "auth_backup_on_controller": {
        "ja": (
            "サーバ認証証明書のバックアップがコントローラにない",
            "prerequisites.yml を実行して OfficeScanAuth.dat をバックアップしてください。パスワードも別途保管してください。",
        ),
        "en": (
            "No backup of the server authentication certificate on the controller",
            ("Run prerequisites.yml to back up OfficeScanAuth.dat, and keep its password "
             "safe."),
        ),
    },
    "invalid_files": {
        "ja": (
            "名前の末尾が _Invalid のファイルがある",
            ("証明書を揃えてから verify_post_upgrade.yml (apexone_invalid_rename) で元の名前に戻してください。"
             "invalid.gif などの製品ファイルは対象外です。"),
        ),
        "en": (
            "Files renamed to *_Invalid",
            ("Install the certificates, then rename them back with verify_post_upgrade.yml "
             "(apexone_invalid_rename). Product files such as invalid.gif are left alone."),
        ),
    },
    "network": {
        "ja": (
            "Apex One の通信先に接続できない",
            "ファイアウォール等で許可してください。Apex One では XG と通信先が異なります (KA-0009594, KA-0004968)。",
        ),
        "en": (
            "An Apex One destination is not reachable",
            ("Allow it in the firewall or proxy: Apex One uses other destinations than "
             "XG (KA-0009594, KA-0004968)."),
        ),
    },
    "version_mix": {
        "ja": (
            "サーバとエージェントのバージョンが混在",
            "混在中はバージョンアップ関連の問い合わせのみサポート対象です。早めにエージェントをバージョンアップしてください。",
        ),
        "en": (
            "Server and agent versions differ",
            ("While they differ, only upgrade questions are supported. Upgrade the agents "
             "soon."),
        ),
    },
    "service_names": {
        "ja": (
            "サーバのバージョンアップ後、XG エージェントのサービス表示名も Apex One に変わります",
            "仕様動作です。エージェントはプログラムのバージョンで判断してください。",
        ),
        "en": (
            "After the server upgrade, XG agents show Apex One service names",
            "Expected behaviour. Judge agents by their program version.",
        ),
    },
    "post_upgrade_checks": {
        "ja": (
            "バージョンアップ後の確認 (verify_post_upgrade.yml)",
            ("Trend Micro Vulnerability Protection Service と Application Control Service "
             "の実行、iServiceSrv\\iVP と iAC フォルダ、_Invalid ファイル、証明書、バージョンを確認します。"),
        ),
        "en": (
            "After the upgrade (verify_post_upgrade.yml)",
            ("It checks that the Vulnerability Protection and Application Control services "
             "run, the iServiceSrv\\iVP and iAC folders, _Invalid files, certificates "
             "and versions."),
        ),
    },
    "behaviour_monitoring": {
        "ja": (
            "挙動監視設定 (手動確認)",
            "ルートドメインで有効・子ドメインで無効の場合、バージョンアップ後に子ドメインで有効化されることがあります。バージョンアップ前に確認してください。",
        ),
        "en": (
            "Behaviour monitoring settings (manual check)",
            ("If enabled on the root domain and disabled on a child domain, the upgrade "
             "may enable them on the child domain. Check before the upgrade."),
        ),
    },
    "no_agents_in_inventory": {
        "ja": (
            "インベントリにエージェントがない",
            "apexone_agents グループにエージェントを登録してください。対象外 OS や Hotfix 配信禁止を確認できません。",
        ),
        "en": (
            "No agents in the inventory",
            ("Add the agents to apexone_agents: unsupported OS and the Hotfix block "
             "cannot be checked without them."),
        ),
    },
    "no_server_in_inventory": {
        "ja": (
            "インベントリに管理サーバがない",
            "apexone_server グループに管理サーバを登録してください。",
        ),
        "en": (
            "No management server in the inventory",
            "Add the management server to apexone_server.",
        ),
    },
    "unreachable": {
        "ja": (
            "接続できず確認できない",
            "WinRM の接続を確認して再実行してください。確認できないホストは準備完了とはみなしません。",
        ),
        "en": (
            "Not reachable: not checked",
            ("Check WinRM to the host and run again. A host that was not checked is "
             "never counted as ready."),
        ),
    },
}


# Column labels for the hosts-by-checks table: check -> (ja, en)
SHORT = {
    "unreachable": ("未確認", "Not read"), "unsupported_os": ("対象外OS", "Unsupported OS"),
    "sha2_updates": ("SHA-2", "SHA-2"), "certificates": ("証明書", "Certificates"),
    "winhttp_direct": ("WinHTTP", "WinHTTP"), "no_agent": ("未導入", "No agent"),
    "hotfix_block": ("Hotfix禁止", "Hotfix block"), "hotfix_block_age": ("2週間", "Two weeks"),
    "server_not_found": ("サーバ", "Server"), "auth_backup_on_server": ("認証証明書", "Auth cert"),
    "auth_backup_on_controller": ("バックアップ", "Backup"), "invalid_files": ("_Invalid", "_Invalid"),
    "network": ("通信先", "Network"),
}


def short(check, lang):
    pair = SHORT.get(check)
    return check if pair is None else pair[0 if lang == "ja" else 1]


def _join(items):
    return ", ".join(str(i) for i in items) if items else "-"


def detail(check, params, lang):
    """One line about this finding's specifics, in `lang`."""
    ja = lang == "ja"
    p = params or {}
    if check == "activation_code":
        return ("登録されているコード: %s" if ja else "code given: %s") % p.get("masked")
    if check == "sql_password":
        return ("含まれている禁止文字: %s" if ja else "forbidden characters present: %s") % " ".join(p.get("characters") or [])
    if check == "unsupported_os":
        return "%s (%s)" % (p.get("os"), p.get("version"))
    if check == "sha2_updates":
        return ("%s: %s のいずれかが必要" if ja else "%s: needs one of %s") % (p.get("os"), _join(p.get("any_of")))
    if check == "certificates":
        text = ("不足: %s" if ja else "missing: %s") % _join(p.get("missing"))
        if p.get("wrong_store"):
            text += (" / ストア違い: %s" if ja else " / in the wrong store: %s") % _join(p.get("wrong_store"))
        return text
    if check == "hotfix_block":
        if p.get("value") is None:
            return "NoProgramUpgrade 未設定" if ja else "NoProgramUpgrade not set"
        return ("現在の値: %s (%s)" if ja else "current value: %s (%s)") % (p.get("value"), p.get("kind"))
    if check == "hotfix_block_age":
        return p.get("reason", "")
    if check == "auth_backup_on_server":
        return ("%s / ビルド %s (上限 %s)" if ja else "%s / build %s (limit %s)") % (p.get("path"), p.get("build"), p.get("limit"))
    if check == "auth_backup_on_controller":
        return ""
    if check == "invalid_files":
        text = ("%d 件: %s" if ja else "%d file(s): %s") % (p.get("count", 0), _join(p.get("sample")))
        if p.get("self_renames"):
            text += " (ビルド 9565 以降のサーバは自動で戻します)" if ja else " (build 9565+ servers rename them back by themselves)"
        return text
    if check == "network":
        return "%s:%s (DNS %s, TCP %s)" % (p.get("host"), p.get("port"), p.get("dns"), p.get("tcp"))
    if check == "version_mix":
        return ("エージェント: %s / サーバ: %s" if ja else "agents: %s / servers: %s") % (
            _join("%s x%s" % kv for kv in sorted((p.get("agents") or {}).items())), _join(p.get("servers")))
    if check == "service_names":
        return ("XG エージェント %s 台" if ja else "%s XG agent(s)") % p.get("count")
    if check == "behaviour_monitoring":
        return " / ".join(p.get("settings") or [])
    if check == "unreachable":
        return p.get("error", "")
    if check in ("no_agent", "server_not_found"):
        return p.get("registry_path", "")
    return ""


def texts(check, lang):
    """(title, fix) of a check in `lang`."""
    entry = TEXTS.get(check) or {}
    return entry.get(lang) or entry.get("en") or (check, "")
