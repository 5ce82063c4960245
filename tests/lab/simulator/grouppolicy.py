# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The twin of gpo_certificates.ps1: a Windows domain controller's GroupPolicy module, on a host seed's
`group_policy` section.

    group_policy:
      domain: corp.example
      containers: [DC=corp,DC=example, OU=Workstations,DC=corp,DC=example]   # what New-GPLink may target
      gpos:
        - {id: <guid>, name: <display name>, registry: {<key under HKLM>: {<value name>: {type: Binary, data_b64: ...}}}}
      links: {<container DN>: [{id: <guid>, enabled: true, enforced: false}]}
      link_denied: [<container DN>]   # optional: the account may make GPOs but not link them there (G8)

Rules, each as Microsoft documents the cmdlet (learn.microsoft.com, GroupPolicy module); what is not
written here the model refuses:
G1  Import-Module GroupPolicy fails on a host without the module (no `group_policy` section: the Group
    Policy Management feature is not installed).
G2  Get-GPO -Name finds a GPO by display name, case-insensitively; none is an error the script catches.
    Two GPOs of one name are not modelled (refused).
G3  New-GPO -Name makes an empty GPO with a new id; a name in use is an error.
G4  Set-GPRegistryValue -Type Binary sets one value (replacing a value of that name under that key, of
    any kind); nothing else in the GPO changes.
G5  Get-GPRegistryValue -Key lists the values set directly under the key (HasValue) and its immediate
    subkeys (HasValue false); FullKeyPath starts with HKEY_LOCAL_MACHINE, KeyPath is the same path without
    the hive. A key with no setting at or under it is an error. -Key is documented in the HKLM\\ form only:
    the lab refuses the long hive name there (whether Windows takes it is not documented).
G6  New-GPLink -Target links the GPO, enabled, at a container that exists; linking it twice there is an
    error. Get-GPInheritance -Target lists a container's links; a container that does not exist is an error.
G7  -Server names the domain controller every cmdlet talks to (without it: the PDC emulator, which the
    script never leaves to chance). The lab's DC is the host itself, by its short name or its DNS name
    (os.hostname + group_policy.domain); the script sends that DNS name when the controller names none.
    Another server is a second DC the lab does not model: refused.
G8  New-GPLink at a container in link_denied fails with access denied (Group Policy Creator Owners may make
    GPOs, not link them: that needs write access to the container's gPLink). The script keeps what it did
    before (created, set) and answers write_error; it reads nothing back after a failed change.
    The error's FullyQualifiedErrorId prefix is the lab's guess: only a real DC shows the exact one.
"""

from __future__ import annotations

import base64
import uuid

from . import state as lab_state

MODULE_MISSING = ("The specified module 'GroupPolicy' was not loaded because no valid module file was found in any "
                  "module directory.")
NOT_FOUND_ID = "GpoWithNameNotFound,Microsoft.GroupPolicy.Commands.GetGpoCommand"
KEY_NOT_FOUND_ID = "UnableToRetrievePolicySetting,Microsoft.GroupPolicy.Commands.GetGPRegistryValueCommand"
LONG_HIVE = "HKEY_LOCAL_MACHINE"
LINK_DENIED = "Access is denied. (Exception from HRESULT: 0x80070005 (E_ACCESSDENIED))"
LINK_DENIED_ID = "System.UnauthorizedAccessException,Microsoft.GroupPolicy.Commands.NewGPLinkCommand"
SET_FAILED_ID = "FormatException"  # a .NET method's exception: its type name is the error id


def _failure(message):
    from .twins import ScriptFailure  # pylint: disable=import-outside-toplevel
    return ScriptFailure(message)


def _module(host: dict) -> dict:
    policy = host.get("group_policy")
    if not policy:
        raise _failure(MODULE_MISSING)  # G1
    policy.setdefault("gpos", [])
    policy.setdefault("links", {})
    policy.setdefault("containers", [])
    return policy


def _find(policy: dict, name: str):
    found = [gpo for gpo in policy["gpos"] if gpo["name"].lower() == name.lower()]
    if len(found) > 1:
        raise lab_state.LabError("the seed has two GPOs named %r: the lab does not model Get-GPO's answer then" % name)
    return found[0] if found else None


def _short_key(key: str) -> str:
    """'HKLM\\Software\\X' -> 'Software\\X' (the seed keeps keys under HKLM without the hive)."""
    text = key.strip("\\")
    if text.upper().startswith(LONG_HIVE + "\\"):  # G5
        raise lab_state.LabError("-Key %r: the GroupPolicy cmdlets document the HKLM\\ form only; the lab does not "
                                 "know what Windows does with the long hive name" % key)
    if text.upper().startswith("HKLM\\"):
        return text[len("HKLM\\"):]
    raise lab_state.LabError("key %r is not under HKLM: the lab models the computer half of a GPO only" % key)


def own_dns_name(host: dict) -> str:
    """G7: the host's name and primary DNS suffix, as IPGlobalProperties gives them."""
    name = (host.get("os") or {}).get("hostname") or "LAB"
    domain = (host.get("group_policy") or {}).get("domain")
    return "%s.%s" % (name, domain) if domain else name


def _server(host: dict, asked) -> str:
    """G7."""
    own = own_dns_name(host)
    if not asked:
        return own
    if asked.lower() not in (own.lower(), own.split(".")[0].lower()):
        raise lab_state.LabError("-Server %r: the lab models one domain controller, %s (a second DC over a second "
                                 "hop is not modelled)" % (asked, own))
    return asked


def _list(gpo: dict, key: str) -> list:
    """G5."""
    wanted = _short_key(key).lower()
    items, subkeys = [], []
    for stored, values in gpo.get("registry", {}).items():
        lowered = stored.lower()
        if lowered == wanted:
            for value_name, value in values.items():
                items.append({"key": "%s\\%s" % (LONG_HIVE, stored), "value_name": value_name, "value": value})
        elif lowered.startswith(wanted + "\\"):
            child = stored[:len(wanted) + 1 + len(lowered[len(wanted) + 1:].split("\\")[0])]
            if child.lower() not in [s.lower() for s in subkeys]:
                subkeys.append(child)
    if not items and not subkeys:
        raise _failure('The following Group Policy registry setting was not found: "key: %s".' % key)
    return items + [{"key": "%s\\%s" % (LONG_HIVE, s), "key_path": s, "subkey": True} for s in subkeys]


def _read_key(gpo: dict, key: str, into: dict) -> None:
    from .twins import ScriptFailure  # pylint: disable=import-outside-toplevel
    try:
        items = _list(gpo, key)
    except ScriptFailure as exc:
        into["list_errors"].append({"key": key, "error": {"message": str(exc), "id": KEY_NOT_FOUND_ID}})
        return
    for item in items:
        if item.get("subkey"):
            into["subkeys"].append("HKLM\\" + item["key_path"])  # F6: KeyPath in the documented form
            continue
        value = item["value"]
        entry = {"key": item["key"], "value_name": item["value_name"], "type": value["type"], "policy_state": "Set"}
        if value["type"] == "Binary":
            entry["data_b64"] = value["data_b64"]
        else:
            entry["text"] = str(value.get("value", ""))
        into["values"].append(entry)


def _set_value(gpo: dict, key: str, value_name: str, data_b64: str) -> None:
    """G4."""
    short = _short_key(key)
    registry = gpo.setdefault("registry", {})
    stored = lab_state.find_key(registry, short) or short
    values = registry.setdefault(stored, {})
    for existing in list(values):
        if existing.lower() == value_name.lower():
            del values[existing]
    values[value_name] = {"type": "Binary", "data_b64": data_b64}


def _container(policy: dict, target: str) -> str:
    for known in policy["containers"]:
        if known.lower() == target.lower():
            return known
    raise _failure('The "%s" directory object could not be found.' % target)  # G6


class _WriteFailed(Exception):
    """A terminating error inside the script's try around Set-GPRegistryValue / New-GPLink."""

    def __init__(self, message: str, error_id: str) -> None:
        super().__init__(message)
        self.error_id = error_id


def _change(policy: dict, gpo: dict, params: dict, result: dict) -> None:
    """G4, G6, G8: set each value, then link; each step is recorded in result as soon as it is done."""
    from .twins import ScriptFailure  # pylint: disable=import-outside-toplevel
    for item in params.get("Set") or []:
        if item is None:
            continue
        try:
            base64.b64decode(item["data_b64"], validate=True)  # [Convert]::FromBase64String refuses what is not base64
        except ValueError as exc:
            raise _WriteFailed('Exception calling "FromBase64String" with "1" argument(s): "The input is not a valid '
                               'Base-64 string"', SET_FAILED_ID) from exc
        _set_value(gpo, "HKLM\\" + item["key"], item["value_name"], item["data_b64"])
        result["set"].append(item["key"])
    if params.get("Link"):
        try:
            target = _container(policy, params.get("LinkTarget") or "")
        except ScriptFailure as exc:
            raise _WriteFailed(str(exc), "GpoLinkTargetNotFound,Microsoft.GroupPolicy.Commands.NewGPLinkCommand") from exc
        if target.lower() in [denied.lower() for denied in policy.get("link_denied") or []]:
            raise _WriteFailed(LINK_DENIED, LINK_DENIED_ID)  # G8
        links = policy["links"].setdefault(target, [])
        if any(link["id"].lower() == gpo["id"].lower() for link in links):
            raise _WriteFailed('The GPO "%s" is already linked to "%s".' % (gpo["name"], target),
                               "GpoLinkExists,Microsoft.GroupPolicy.Commands.NewGPLinkCommand")
        links.append({"id": gpo["id"], "enabled": True, "enforced": False})
        result["linked"] = True


def gpo_certificates(host: dict, params: dict) -> dict:
    policy = _module(host)
    result = {"gpo": None, "values": [], "list_errors": [], "links": None, "created": False, "set": [], "linked": False,
              "server": _server(host, params.get("Server"))}
    name = params["Name"]
    if params.get("Create"):
        if _find(policy, name) is not None:  # G3
            raise _failure('The GPO "%s" already exists in the %s domain.' % (name, policy.get("domain", "")))
        gpo = {"id": str(uuid.uuid4()), "name": name, "registry": {}}
        policy["gpos"].append(gpo)
        result["created"] = True
    else:
        gpo = _find(policy, name)
        if gpo is None:  # G2
            result["lookup_error"] = {"message": 'A GPO with the display name "%s" was not found in the %s domain.'
                                                 % (name, policy.get("domain", "")), "id": NOT_FOUND_ID}
    if gpo is not None:
        result["gpo"] = {"id": gpo["id"], "display_name": gpo["name"]}
        try:
            _change(policy, gpo, params, result)
        except _WriteFailed as exc:  # F5: what was done stays in the answer, nothing is read back
            result["write_error"] = {"message": str(exc), "id": exc.error_id}
            return result
        found = {"values": [], "subkeys": [], "list_errors": []}
        for key in params["Keys"]:
            _read_key(gpo, "HKLM\\" + key, found)
        for subkey in list(found["subkeys"]):
            _read_key(gpo, subkey, found)
        result["values"] = found["values"]
        result["list_errors"] = found["list_errors"]
    if params.get("LinkTarget"):
        target = _container(policy, params["LinkTarget"])
        result["links"] = [{"id": link["id"], "enabled": bool(link.get("enabled", True)),
                            "enforced": bool(link.get("enforced", False))} for link in policy["links"].get(target, [])]
    return result
