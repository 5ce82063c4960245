# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight: one probe answer -> host facts -> findings, and the checks across the fleet.

A finding is plain data: check code, severity, the seed item it comes from, and parameters.
Its words (Japanese or English) are chosen when the report is written (see messages.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import ntpath
import struct

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    auth_backup, catalog, certificates, hotfix_block, invalid_files, os_rules, secrets_check)

BLOCKER, WARNING, INFO, MANUAL = "blocker", "warning", "info", "manual"
SEVERITY_ORDER = (BLOCKER, WARNING, MANUAL, INFO)


def finding(check, severity, seed, **params):
    return {"check": check, "severity": severity, "seed": seed, "params": params}


def on_host(host, item):
    """A fleet-level finding that belongs to one host (it counts against that host's status)."""
    item["host"] = host
    return item


def parse_winhttp(encoded):
    """WinHttpSettings (base64 of the binary value) -> proxy, bypass, direct.

    Layout: DWORD size, DWORD counter, DWORD flags, DWORD proxy length, proxy (ASCII),
    DWORD bypass length, bypass. No value at all means direct access.
    """
    if not encoded:
        return {"proxy": None, "bypass": None, "direct": True, "source": "not set"}
    data = base64.b64decode(encoded)
    if len(data) < 16:
        return {"proxy": None, "bypass": None, "direct": True, "source": "unreadable"}
    proxy_len = struct.unpack_from("<I", data, 12)[0]
    proxy = data[16:16 + proxy_len].decode("ascii", "replace")
    offset = 16 + proxy_len
    bypass = ""
    if len(data) >= offset + 4:
        bypass_len = struct.unpack_from("<I", data, offset)[0]
        bypass = data[offset + 4:offset + 4 + bypass_len].decode("ascii", "replace")
    return {"proxy": proxy or None, "bypass": bypass or None, "direct": not proxy, "source": "registry"}


def _value(read, name):
    entry = ((read or {}).get("values") or {}).get(name)
    return None if entry is None else entry.get("value")


def _int(text):
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def host_facts(answer, required):
    """Normalise one probe answer into the facts every check reads."""
    os_info = answer.get("os") or {}
    bits = 64 if os_info.get("is_64bit") else 32
    registry = answer.get("registry") or {}
    agent_read, misc_read = registry.get("agent_%d" % bits) or {}, registry.get("agent_misc_%d" % bits) or {}
    values = dict(misc_read.get("values") or {})  # Misc. values, then CurrentVersion's (Server, Application Path)
    values.update(agent_read.get("values") or {})
    version = hotfix_block.agent_version(values)
    block_value = (misc_read.get("values") or {}).get(catalog.NO_PROGRAM_UPGRADE)
    server_read = registry.get("server_%d" % bits) or {}
    local_path = _value(server_read, "Local_Path")
    server_version = _value(server_read, "Server_Version")
    files = dict((entry.get("name"), entry) for entry in answer.get("files") or [])
    invalid = dict((entry.get("name"), entry) for entry in answer.get("invalid_files") or [])
    listing = invalid.get("server_%d" % bits) or {}
    folders = {}
    for entry in answer.get("folders") or []:
        if entry["name"].endswith("_%d" % bits):
            folders.setdefault(entry["name"].rsplit("_", 1)[0], []).append(entry)
    facts = {
        "os": {
            "version": os_info.get("version"), "build": os_info.get("build"), "product_type": os_info.get("product_type"),
            "service_pack": os_info.get("service_pack"), "caption": os_info.get("caption"), "bits": bits,
            "hostname": os_info.get("hostname"), "powershell": os_info.get("powershell"),
        },
        "agent": {
            "present": bool(agent_read.get("exists")),
            "registry_path": "HKLM\\" + catalog.AGENT_KEY[bits]["path"],
            "version": version,
            "product": hotfix_block.product_of(version),
            "server": _value(agent_read, "Server"),
            "block": {
                "value": None if block_value is None else block_value.get("value"),
                "kind": None if block_value is None else block_value.get("kind"),
                "blocked": bool(block_value) and block_value.get("kind") == "DWord" and _int(block_value.get("value")) == 1,
                "record": dict((k, v.get("value")) for k, v in ((registry.get("block_record") or {}).get("values") or {}).items()),
            },
        },
        "server": {
            "present": bool(server_read.get("exists")),
            "local_path": local_path,
            "install_dir": ntpath.dirname(ntpath.normpath(local_path)) if local_path else None,
            "version": server_version,
            "build": _int(_value(server_read, "ServicePack_Build")),
            "product": hotfix_block.product_of(server_version),
            "auth_backup": files.get("auth_backup_%d" % bits),
            "invalid_files": [e["path"] for e in listing.get("entries") or []
                              if not e.get("is_dir") and invalid_files.SUFFIX.search(ntpath.basename(e["path"]))],
            "invalid_listing": {"root": listing.get("root"), "entries": listing.get("entries") or [],
                                "errors": listing.get("errors") or []},
            "iservice_folders": dict((feature, [e["path"] for e in found if e["exists"]])
                                     for feature, found in folders.items()),
        },
        "hotfixes": answer.get("hotfixes"),
        "services": answer.get("services") or [],
        "winhttp": parse_winhttp(_value(registry.get("winhttp"), "WinHttpSettings")),
        "certificates": certificates.evaluate(answer.get("certificates") or {}, required),
        "network": answer.get("network"),
    }
    version_text = facts["os"]["version"]
    if version_text:
        facts["unsupported_os"] = os_rules.unsupported_os(version_text, facts["os"]["product_type"], facts["os"]["build"])
        facts["sha2"] = os_rules.missing_updates(version_text, facts["os"]["product_type"], answer.get("hotfixes") or [],
                                                 facts["os"]["build"])
    return facts


def host_findings(facts, is_server, is_agent, upgrade_date=None):
    """The checks that one host's facts answer by themselves."""
    found = []
    certs = facts["certificates"]
    if not certs["ready"]:
        found.append(finding("certificates", BLOCKER, "seed003 / seed000 item 8",
                             missing=[m["name"] for m in certs["missing"]],
                             files=[m["file"] for m in certs["missing"]],
                             wrong_store=[w["name"] for w in certs["wrong_store"]]))
        if facts["winhttp"]["direct"]:
            found.append(finding("winhttp_direct", WARNING, "seed003 method 1"))
    sha2 = facts.get("sha2")
    if sha2 and not sha2["satisfied"]:
        found.append(finding("sha2_updates", BLOCKER, "seed000 item 9", os=sha2["os"], any_of=sha2["any_of"]))
    if is_agent:
        found.extend(_agent_findings(facts, upgrade_date))
    if is_server:
        found.extend(_server_findings(facts))
    return found


def _agent_findings(facts, upgrade_date):
    found = []
    if facts.get("unsupported_os"):
        found.append(finding("unsupported_os", BLOCKER, "seed000 item 2", os=facts["unsupported_os"],
                             version=facts["os"]["version"]))
    agent = facts["agent"]
    if not agent["present"]:
        found.append(finding("no_agent", WARNING, "seed000 item 6", registry_path=agent["registry_path"]))
        return found
    block = agent["block"]
    if not block["blocked"]:
        found.append(finding("hotfix_block", BLOCKER, "seed000 item 6", value=block["value"], kind=block["kind"]))
    elif upgrade_date:
        readiness = hotfix_block.block_readiness(True, block["record"].get("BlockedAt"), upgrade_date)
        if not readiness["ready"]:
            found.append(finding("hotfix_block_age", BLOCKER, "seed000 item 6", reason=readiness["reason"],
                                 days=readiness["days_before_upgrade"]))
    return found


def _server_findings(facts):
    server = facts["server"]
    if not server["present"]:
        return [finding("server_not_found", BLOCKER, "seed000 item 10",
                        registry_path="HKLM\\" + catalog.SERVER_KEY[facts["os"]["bits"]]["path"])]
    found = []
    backup = server.get("auth_backup") or {}
    limit = auth_backup.export_limit(server["version"])
    if not backup.get("exists"):
        past = server["build"] is not None and server["build"] >= limit
        found.append(finding("auth_backup_on_server", BLOCKER if past else WARNING, "seed000 item 10",
                             path=backup.get("path"), build=server["build"], limit=limit))
    if server["invalid_files"]:
        self_renames = server["product"] == "apexone" and (server["build"] or 0) >= catalog.BUILDS["apexone_self_rename"]
        found.append(finding("invalid_files", WARNING, "seed003 (file rename)", count=len(server["invalid_files"]),
                             sample=server["invalid_files"][:5], self_renames=self_renames))
    for target in facts.get("network") or []:
        if target["dns"] != "ok" or target["tcp"] != "ok":
            found.append(finding("network", WARNING, "seed000 item 5", host=target["host"], port=target["port"],
                                 dns=target["dns"], tcp=target["tcp"]))
    return found


def fleet_findings(hosts, servers, agents, activation_code=None, sql_password=None, controller_backups=None):
    """Checks across the fleet and of the two secrets. `hosts`: name -> facts (None = unreachable).

    `controller_backups`: server name -> the backup file found on the controller (or None).
    """
    found = []
    if activation_code is None:
        found.append(finding("activation_code_unchecked", MANUAL, "seed000 item 1"))
    else:
        status = secrets_check.activation_code_status(activation_code)
        if not status["valid"]:
            found.append(finding("activation_code", BLOCKER, "seed000 item 1", masked=status["masked"]))
    if sql_password is None:
        found.append(finding("sql_password_unchecked", MANUAL, "seed000 item 3"))
    else:
        bad = secrets_check.forbidden_password_characters(sql_password)
        if bad:
            found.append(finding("sql_password", BLOCKER, "seed000 item 3", characters=bad))
    if not agents:
        found.append(finding("no_agents_in_inventory", WARNING, "seed000 item 2"))
    if not servers:
        found.append(finding("no_server_in_inventory", WARNING, "seed000 item 10"))
    for server in servers:
        if (controller_backups or {}).get(server) is None and hosts.get(server) is not None:
            found.append(on_host(server, finding("auth_backup_on_controller", BLOCKER, "seed000 item 10", server=server)))
    versions = {}
    for name in agents:
        facts = hosts.get(name)
        if facts and facts["agent"]["present"]:
            product = facts["agent"]["product"] or "unknown"
            versions[product] = versions.get(product, 0) + 1
    server_products = sorted(set(hosts[s]["server"]["product"] or "unknown" for s in servers
                                 if hosts.get(s) and hosts[s]["server"]["present"]))
    if len(set(versions) | set(server_products)) > 1:
        found.append(finding("version_mix", WARNING, "seed000 item 4", agents=versions, servers=server_products))
    if versions.get("xg"):
        found.append(finding("service_names", INFO, "seed000 item 7", count=versions["xg"]))
    found.append(finding("post_upgrade_checks", INFO, "seed000 item 11"))
    found.append(finding("behaviour_monitoring", MANUAL, "seed000 item 12",
                         settings=list(catalog.BEHAVIOUR_MONITORING_SETTINGS)))
    return found
