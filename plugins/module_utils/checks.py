# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every check of the preflight, in one place: code, severity, source, and the words of each language.

A check is one entry in CHECKS (here) plus one entry per language in words/<lang>.yml (title, fix,
short, detail, and optional `more`), plus one function in preflight.py decorated with
``@finds("<code>", <scope>)`` that yields the parameters of each finding. Nothing else.

`source` names what a user can look up: the Trend Micro article and, where it has one, its item.
`params` are the parameters each finding carries; every detail format may use only these.
There is no fallback: a check without words in a language, or a finding with an undeclared
parameter, is an error (and a unit test fails).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import string

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, errors

BLOCKER, WARNING, INFO, MANUAL = "blocker", "warning", "info", "manual"
SEVERITY_ORDER = (BLOCKER, WARNING, MANUAL, INFO)

LANGUAGES = ("ja", "en")


def _item(number):
    return (catalog.UPGRADE_ARTICLE, "item", number)


def _cert(part=None, number=None):
    return (catalog.CERT_ARTICLE, part, number)


def _check(severity, source, params=(), reads=None):
    return {"severity": severity, "source": source, "params": tuple(params), "reads": reads}


# code -> severity (the usual one: a finder may raise or lower it for one finding), source
# (article, part, number), params, and reads: the part of the probe it is judged from (when that part
# could not be read, the check is not judged: the finding "unreadable" says so).
CHECKS = {
    "unreachable": _check(BLOCKER, (), ["error"]),
    "unreadable": _check(BLOCKER, (), ["subset", "error"]),
    # An inventory host without a usable probe record in the fact cache (fleet_record): the report is partial.
    "not_probed": _check(BLOCKER, (), [
        "missing", "damaged", "read_at", "max_age_hours", "run_started", "collection", "expected"]),
    # A file of the folder of collected answers (apexone-collect.ps1) the report did not use (collected.py).
    "collected_refused": _check(WARNING, (), ["file", "text", "malformed", "name", "foreign", "ambiguous", "too_old",
                                              "other_version", "future", "duplicate"]),
    "activation_code": _check(BLOCKER, [_item(1)], ["masked"]),
    "activation_code_unchecked": _check(MANUAL, [_item(1)]),
    "sql_password": _check(BLOCKER, [_item(3)], ["characters"]),
    "sql_password_unchecked": _check(MANUAL, [_item(3)]),
    "unsupported_os": _check(BLOCKER, [_item(2)], ["os", "version", "from_ad", "from_export"], reads="os"),
    "os_unknown": _check(BLOCKER, [_item(2)], ["why"]),
    "directory_mismatch": _check(WARNING, [_item(2)], ["probe", "ad", "ad_name"]),
    "wmf51_required": _check(BLOCKER, (), ["powershell"]),
    "powershell_restricted": _check(BLOCKER, (), ["language_mode", "powershell"]),
    "sha2_updates": _check(BLOCKER, [_item(9)], ["os", "any_of", "after_restart"], reads="hotfixes"),
    "sha2_unknown": _check(WARNING, [_item(9)], ["os", "from_ad", "from_export", "short_answer"], reads="hotfixes"),
    "certificates": _check(BLOCKER, [_cert(), _item(8)],
                           ["missing", "files", "wrong_store", "expired", "off_by_policy", "marked_offline",
                            "route_failed", "root_update_unknown"], reads="certificates"),
    "root_auto_update": _check(WARNING, [_cert(), _item(8)],
                               ["missing", "expired", "elsewhere", "route_ok", "last_sync", "stale_sync",
                                "never_synced", "source"], reads="certificates"),
    "winhttp_direct": _check(WARNING, [_cert("method", 1)], reads="registry"),
    "no_agent": _check(WARNING, [_item(6)], ["registry_path"], reads="registry"),
    "hotfix_block": _check(BLOCKER, [_item(6)], ["value", "kind"], reads="registry"),
    "hotfix_block_age": _check(BLOCKER, [_item(6)], ["days", "earliest", "counted_from_today", "first_seen"], reads="registry"),
    "server_not_found": _check(BLOCKER, [_item(10)], ["registry_path"], reads="registry"),
    "auth_backup_on_server": _check(WARNING, [_item(10)], ["path", "build", "limit"], reads="files"),
    "auth_backup_on_controller": _check(BLOCKER, [_item(10)], ["server", "unverifiable", "damaged"]),
    "invalid_files": _check(WARNING, [_cert("rename")], ["count", "sample", "self_renames"], reads="invalid_files"),
    "network": _check(WARNING, [_item(5)], ["host", "port", "dns", "tcp", "detail"], reads="network"),
    "network_not_tested": _check(INFO, [_item(5)], ["host", "port", "detail"]),
    "version_mix": _check(WARNING, [_item(4)], ["agents", "servers"]),
    "service_names": _check(INFO, [_item(7)], ["count"]),
    "post_upgrade_checks": _check(INFO, [_item(11)]),
    "behaviour_monitoring": _check(MANUAL, [_item(12)], ["settings"]),
    "console_update_setting": _check(MANUAL, [_item(6)]),
    "no_agents_in_inventory": _check(WARNING, [_item(2)]),
    "no_server_in_inventory": _check(WARNING, [_item(10)]),
}


# After the server upgrade (post_upgrade.py): kind -> the parameters its detail and fix may use.
POST_UPGRADE = {
    "server_version": ("version", "build"),
    "service": ("display_name", "feature", "state", "how", "service_name", "found_display_name"),
    "service_missing": ("display_name", "feature", "names"),
    "folder": ("feature", "path", "other_spelling"),
    "folder_missing": ("feature", "path", "other_spelling"),
    "certificates": ("summary",),
    "agent": (),
    "agent_version": ("version", "product"),
    "service_names": ("names",),
    "renamed": ("count", "root"),
    "rename_planned": ("count", "root"),
    "invalid_folder": ("path", "reason"),
    "rename_failed": ("path", "error"),
    "rename_collision": ("path", "reason"),
}


def words(lang):
    """All words of `lang` (report labels and checks). Unknown language: ValueError saying what to use."""
    if lang not in LANGUAGES:
        raise errors.InputError("apexone_report_lang must be one of %s, got %r" % (", ".join(LANGUAGES), lang))
    return catalog.data("words/%s.yml" % lang)


def source_text(check, lang):
    """Where a check comes from, as a user looks it up: 'KA-0012615 item 6' (English) / 'KA-0012615 事項 6'."""
    parts = words(lang)["source"]
    texts = []
    for article, part, number in CHECKS[check]["source"]:
        texts.append(article if part is None else "%s %s" % (article, parts[part].format(n=number)))
    return " / ".join(texts) or "-"


def _show(value, lang):
    if value is None:
        return words(lang)["report"]["not_set"]
    if isinstance(value, dict):
        return ", ".join("%s x%s" % item for item in sorted(value.items())) or "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


def _render(text, entry, declared, params, lang):
    shown = dict((name, _show((params or {}).get(name), lang)) for name in declared)
    text = text.format(**shown)
    for name, more in sorted((entry.get("more") or {}).items()):
        if (params or {}).get(name):
            text += more.format(**shown)
    return text


def detail(check, params, lang):
    """One line about this finding's specifics in `lang`: the detail format, then each `more` part whose parameter is set."""
    entry = words(lang)["checks"][check]
    return _render(entry["detail"], entry, CHECKS[check]["params"], params, lang)


def post_upgrade_text(kind, params, lang):
    """detail, fix of a post-upgrade check of `kind` in `lang`."""
    entry = words(lang)["post_upgrade"][kind]
    return (_render(entry["detail"], entry, POST_UPGRADE[kind], params, lang),
            entry["fix"].format(**dict((name, _show((params or {}).get(name), lang)) for name in POST_UPGRADE[kind])))


def texts(check, lang):
    """title, fix, short of a check in `lang`."""
    entry = words(lang)["checks"][check]
    return entry["title"], entry["fix"], entry["short"]


def format_fields(text):
    """The parameter names a format string uses."""
    return set(name for dummy, name, dummy2, dummy3 in string.Formatter().parse(text) if name)
