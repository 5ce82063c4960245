# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KA-0012615 items 6 and 7: the Hotfix / program upgrade block on the agents.

NoProgramUpgrade = 1 under the agent's CurrentVersion\\Misc. key stops the server from sending
Hotfixes and the upgrade program. It must be set two weeks before the server upgrade to be
sure every agent has it. Pure functions: the plan sent to the host and the reading of its answer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, errors

RECORD_VALUES = ("BlockedAt", "BlockedBy", "ReleasedAt", "ReleasedBy", "FirstSeenAt", "FirstSeenBy")
DENIED_TYPES = ("System.UnauthorizedAccessException", "System.Security.SecurityException")
VERSION_VALUES = ("TmListen_Ver", "ProgramVer", "Server")
KIND_NAMES = {"DWord": "REG_DWORD", "String": "REG_SZ", "ExpandString": "REG_EXPAND_SZ", "QWord": "REG_QWORD",
              "Binary": "REG_BINARY", "MultiString": "REG_MULTI_SZ"}


def plan(state, actor, create_missing=False, agent_keys=None, record_key=None):
    """Parameters for registry_block.ps1: `state` present (block, 1) or absent (lift, 0)."""
    if state not in ("present", "absent"):
        raise errors.InputError("state must be 'present' (block Hotfixes and upgrades) or 'absent' (lift the block)")
    keys = agent_keys or catalog.AGENT_KEY
    record_key = record_key or catalog.BLOCK_RECORD_KEY
    blocking = state == "present"
    wanted = 1 if blocking else 0
    stamp, who = ("BlockedAt", "BlockedBy") if blocking else ("ReleasedAt", "ReleasedBy")
    # The decision the script looks up: what it saw ("absent" or "<kind>:<value>") -> keep or set.
    # Only a REG_DWORD of the wanted value is kept; lifting a block that is not there writes nothing.
    actions = [{"seen": "DWord:%d" % wanted, "action": "keep"}]
    if not blocking:
        actions.append({"seen": "absent", "action": "keep"})
    return {
        # Lists of entries, not objects keyed by name: the script reads them field by field (no member looked up
        # by a computed name, which PowerShell 5.1 logs as suspicious content).
        "AgentKeys": [{"bits": str(bits), "view": key["view"], "path": key["path"]} for bits, key in keys.items()],
        "MiscSubkey": catalog.AGENT_MISC_SUBKEY,
        "ValueName": catalog.NO_PROGRAM_UPGRADE,
        "Value": wanted,
        "Actions": actions,
        "DefaultAction": "set",
        "ReadValues": list(VERSION_VALUES),
        "Record": {"view": record_key["view"], "path": record_key["path"],
                   "read": list(RECORD_VALUES), "write": _entries({stamp: "{now}", who: actor}),
                   # A block found in place with no record of ours: note when it was first seen, never
                   # pretend it was set now (that would restart the two-week clock).
                   "note": _entries({"FirstSeenAt": "{now}", "FirstSeenBy": actor}) if blocking else None,
                   "note_unless": ["BlockedAt", "FirstSeenAt"] if blocking else []},
        "CreateMissing": bool(create_missing),
    }


def _entries(values):
    return [{"name": name, "value": value} for name, value in values.items()]


def seen_name(value):
    """What registry_block.ps1 calls a value it saw: "absent" or "<kind>:<value>" ("DWord:1")."""
    if value is None:
        return "absent"
    return "%s:%s" % (value.get("kind"), value.get("value"))


def planned_action(params, seen):
    """The action the plan's table gives for `seen` (what the script must have done)."""
    for entry in params["Actions"]:
        if entry["seen"] == seen:
            return entry["action"]
    return params["DefaultAction"]


def _denied(error):
    return bool(error) and (error.get("type") in DENIED_TYPES or error.get("inner_type") in DENIED_TYPES)


def protected_message(path, error):
    """The write was refused: name the agent's self-protection setting (ja and en), not 'access denied'."""
    return ("the write to HKLM\\%s was refused (%s). The agent's self-protection protects its registry keys: turn off "
            "'protect registry keys' for these agents in the console (%s), run again, then turn it back on. "
            "/ HKLM\\%s への書き込みが拒否されました。エージェントのセルフプロテクションがレジストリキーを保護しています。"
            "管理コンソールの %s を一時的に無効にして再実行し、その後有効に戻してください。"
            % (path, error.get("message"), catalog.AGENT_SELF_PROTECTION["en"], path,
               catalog.AGENT_SELF_PROTECTION["ja"]))


def _describe(value):
    if not value:
        return "(not set)"
    return "%s = %s (%s)" % (catalog.NO_PROGRAM_UPGRADE, value.get("value"),
                             KIND_NAMES.get(value.get("kind"), value.get("kind")))


def agent_version(values):
    """TmListen_Ver, else ProgramVer (older builds), else None."""
    for name in ("TmListen_Ver", "ProgramVer"):
        found = (values or {}).get(name)
        if found and found.get("value"):
            return str(found["value"])
    return None


def product_of(version):
    """'12.0.5684' -> 'xg', '14.0.12011' -> 'apexone', else None (KA-0012615 item 7: judge by version)."""
    match = re.match(r"^\s*(\d+)\.", str(version or ""))
    if not match:
        return None
    major = int(match.group(1))
    for product, known in catalog.PRODUCT_MAJOR.items():
        if major == known:
            return product
    return None


def interpret(answer, state, check_mode, params=None):
    """The module result for one host from the script's answer (`params`: the plan it was sent)."""
    full_path = "HKLM\\%s\\%s" % (answer.get("path", ""), catalog.AGENT_MISC_SUBKEY)
    base = {"registry_path": full_path, "os_bits": answer.get("bits"), "changed": False}
    set_now = answer.get("action") == "set"
    if not answer.get("agent_present") and not set_now:
        base.update(skipped=True, skip_reason="no Trend Micro agent: HKLM\\%s does not exist; nothing was created"
                    % answer.get("path", ""), msg="skipped: no agent on this host")
        return base
    values = answer.get("values") or {}
    previous, current = answer.get("previous"), answer.get("current")
    if params is not None and answer.get("action") != planned_action(params, seen_name(previous)):
        # The script must do what the table says for what it saw: anything else is a defect of the script.
        base.update(failed=True, msg="registry_block.ps1 reported action %r for %s, the plan says %r: the script and "
                    "the collection disagree; report this" % (answer.get("action"), seen_name(previous),
                                                              planned_action(params, seen_name(previous))))
        return base
    error = answer.get("write_error")
    wanted = 1 if state == "present" else 0
    # In check mode nothing was corrected: the diff and "would set" say what would be.
    type_corrected = bool(previous) and previous.get("kind") != "DWord" and set_now and not error and not check_mode
    record = answer.get("record") or {}
    # A block found in place (set by hand) gets FirstSeenAt / FirstSeenBy in the collection's own key: a write on the
    # host, so the module reports it (changed), once: the next run finds the record and writes nothing.
    noted = bool(answer.get("noted")) and not set_now
    base.update(
        changed=(set_now or noted) and not error,
        value_changed=set_now and not error,
        record_changed=(set_now or noted) and not error,
        first_seen=record.get("FirstSeenAt") if not record.get("BlockedAt") else None,
        previous=previous,
        current=current,
        type_corrected=type_corrected,
        agent_version=agent_version(values),
        agent_product=product_of(agent_version(values)),
        server=(values.get("Server") or {}).get("value"),
        record=record,
        blocked=bool(current) and current.get("kind") == "DWord" and int(current.get("value", 0)) == 1,
        diff={"before": _describe(previous) + "\n", "after": "%s = %d (REG_DWORD)\n" % (catalog.NO_PROGRAM_UPGRADE, wanted),
              "before_header": full_path, "after_header": full_path},
    )
    if noted:
        record_path = "HKLM\\" + ((params or {}).get("Record") or catalog.BLOCK_RECORD_KEY)["path"]
        base["diff"] = {"before": "FirstSeenAt (not set)\n",
                        "after": "FirstSeenAt = %s\n" % (record.get("FirstSeenAt") or "(the time of the run)"),
                        "before_header": record_path, "after_header": record_path}
    if error:
        denied = _denied(error)
        base.update(failed=True, status="protected_by_agent" if denied and answer.get("is_admin", True) else "write_failed",
                    msg=protected_message(full_path, error) if denied else
                    "the write to %s failed: %s" % (full_path, error.get("message")))
        if denied and not answer.get("is_admin", True):
            base["msg"] = ("the write to %s was refused and the account is not an administrator on the host: connect "
                           "as an administrator (%s)" % (full_path, error.get("message")))
        return base
    if check_mode:
        base["msg"] = ("would set %s = %d (was %s)" % (catalog.NO_PROGRAM_UPGRADE, wanted, _describe(previous))
                       if set_now else "already %s" % _describe(previous))
        if noted:
            base["msg"] += ("; set before this collection recorded it: would note it as first seen now (FirstSeenAt), "
                            "the value itself is kept")
    elif set_now:
        verified = bool(current) and current.get("kind") == "DWord" and int(current.get("value", -1)) == wanted
        base["verified"] = verified
        if not verified:
            base.update(failed=True, msg="set %s = %d but read back %s: check that no policy or the agent's "
                        "self-protection reverts it" % (catalog.NO_PROGRAM_UPGRADE, wanted, _describe(current)))
        else:
            note = "; corrected the value type to REG_DWORD" if type_corrected else ""
            base["msg"] = "set %s = %d (was %s)%s" % (catalog.NO_PROGRAM_UPGRADE, wanted, _describe(previous), note)
    else:
        base["verified"] = True
        base["msg"] = "already %s" % _describe(current)
        if noted:
            base["msg"] += ("; set before this collection recorded it: its age is unknown, first seen %s"
                            % record.get("FirstSeenAt"))
    return base


def parse_date(text, what="date"):
    """'2026-12-10' or ISO-8601 with time -> aware UTC datetime; a clear error otherwise."""
    value = str(text or "").strip()
    for pattern in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(value, pattern).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            continue
    raise errors.InputError("%s %r is not a date: write it as YYYY-MM-DD (for example 2026-12-10)" % (what, text))


def block_readiness(blocked, blocked_at, upgrade_date, now=None, lead_days=catalog.HOTFIX_BLOCK_LEAD_DAYS,
                    first_seen=None):
    """KA-0012615 item 6: is the block old enough on the day of the server upgrade?

    `blocked`: NoProgramUpgrade is 1 now. `blocked_at`: when the collection set it. `first_seen`:
    when the collection first found a block set by hand (it is at least that old). Neither: unknown,
    counted from `now`, the conservative reading. Returns ready, days, reason.
    """
    upgrade = parse_date(upgrade_date, "apexone_server_upgrade_date")
    if not blocked:
        return {"ready": False, "days_before_upgrade": None, "earliest_upgrade": None,
                "reason": "the Hotfix block is not set (NoProgramUpgrade is not 1)"}
    seen_only = False
    if blocked_at:
        since = parse_date(blocked_at, "BlockedAt")
        known = True
    elif first_seen:
        since = parse_date(first_seen, "FirstSeenAt")
        known, seen_only = True, True
    else:
        since = now or datetime.datetime.now(datetime.timezone.utc)
        known = False
    days = (upgrade - since).total_seconds() / 86400.0
    ready = days >= lead_days
    earliest = (since + datetime.timedelta(days=lead_days)).strftime("%Y-%m-%d")
    if ready:
        reason = "blocked %.1f days before the server upgrade" % days
    else:
        reason = ("blocked only %.1f days before the server upgrade; the article asks for %d: move the upgrade to "
                  "%s or later" % (days, lead_days, earliest))
    if not known:
        reason += " (no record of when the block was set: counted from today)"
    if seen_only:
        reason += " (set by hand; its age is unknown: counted from when it was first seen, %s)" % first_seen
    return {"ready": ready, "days_before_upgrade": round(days, 1), "earliest_upgrade": earliest, "reason": reason}
