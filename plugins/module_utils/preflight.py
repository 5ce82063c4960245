# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight: one probe answer -> host facts -> findings, and the checks across the fleet.

A finding is plain data: check code, severity, the article item it comes from, and parameters.
Each check is an entry of checks.CHECKS and one function here that finds it (see ``finds``);
its words (Japanese or English) are chosen when the report is written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ntpath

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    auth_backup, catalog, certificates, checks, hotfix_block, installed_updates, invalid_files, network_check, os_rules,
    probe_plan, root_update, secrets_check, winhttp)

BLOCKER, WARNING, INFO, MANUAL = checks.BLOCKER, checks.WARNING, checks.INFO, checks.MANUAL
SEVERITY_ORDER = checks.SEVERITY_ORDER

# Which facts a finder reads: any host's, an agent's, a server's, the whole fleet's, or none (unreachable).
HOST, AGENT, SERVER, FLEET, UNREACHABLE = "host", "agent", "server", "fleet", "unreachable"
NOT_PROBED = "not_probed"  # an inventory host the report has no usable probe record of (fleet_record.usable)
COLLECTED = "collected"  # the files of the folder of collected answers the report refused (collected.py)
COVERAGE = "coverage"  # every agent the server knows, with where its OS came from (coverage.evaluate)
# A host that answered with the bootstrap's short form (PowerShell 2.0, Constrained Language Mode): its
# facts hold the OS only, its `shell` what host_shell.classify said; SHELL_AGENT when it is an agent.
SHELL, SHELL_AGENT = "shell", "shell_agent"
FINDERS = {}  # check code -> (scope, function), in the order findings are listed


def finds(check, scope):
    """Register the function that finds `check` (an entry of checks.CHECKS) in `scope`."""
    def register(function):
        if check not in checks.CHECKS:
            raise KeyError("%s finds %r, which checks.CHECKS does not have" % (function.__name__, check))
        if check in FINDERS:
            raise KeyError("two functions find %r" % check)
        FINDERS[check] = (scope, function)
        return function
    return register


def finding(check, severity=None, on_host=None, **params):
    """A finding as plain data. Its parameters must be the check's declared ones (checks.CHECKS)."""
    entry = checks.CHECKS[check]
    unknown = set(params) - set(entry["params"])
    if unknown:
        raise KeyError("finding %r has parameters its check does not declare: %s" % (check, ", ".join(sorted(unknown))))
    item = {"check": check, "severity": severity or entry["severity"], "source": checks.source_text(check, "en"),
            "params": params}
    if on_host:
        item["host"] = on_host  # a fleet-level finding that belongs to one host (it counts against that host's status)
    return item


def _run(scopes, ctx):
    found = []
    for check, (scope, function) in FINDERS.items():
        if set(scope if isinstance(scope, tuple) else (scope,)) & set(scopes):  # a finder may serve two scopes
            found.extend(finding(check, **params) for params in function(ctx))
    return found


def parse_winhttp(encoded):
    """WinHttpSettings (base64 of the binary value) -> proxy, bypass, direct (see winhttp.parse)."""
    parsed = winhttp.parse(encoded)
    return {"proxy": parsed["proxy"], "bypass": parsed["bypass"], "direct": parsed["direct"], "source": parsed["source"]}


def _int(text):
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def host_facts(answer, required, sha2_updates=(), offline=False, now=None):
    """Normalise one probe answer into the facts every check reads.

    `sha2_updates`: more updates that satisfy KA-0012615 item 9 (KB strings or {kb, reason}).
    `offline`: the team marked the host offline (apexone_offline): Windows cannot add roots by itself.
    """
    read = probe_plan.Answer(answer)
    os_info, bits = read.os, read.bits
    values = read.values("agent_misc")  # Misc. values, then CurrentVersion's (Server, Application Path)
    values.update(read.values("agent"))
    version = hotfix_block.agent_version(values)
    block_value = read.values("agent_misc").get(catalog.NO_PROGRAM_UPGRADE)
    local_path = read.value("server", "Local_Path")
    if local_path is not None and not str(local_path).strip():
        local_path = None  # an empty Local_Path names no folder (the probe refuses to resolve it)
    server_version = read.value("server", "Server_Version")
    listing = read.listing("server")
    facts = {
        "os": {
            "version": os_info.get("version"), "build": os_info.get("build"), "product_type": os_info.get("product_type"),
            "service_pack": os_info.get("service_pack"), "caption": os_info.get("caption"), "bits": bits,
            "hostname": os_info.get("hostname"), "powershell": os_info.get("powershell"),
        },
        "agent": {
            "present": bool(read.registry("agent").get("exists")),
            "registry_path": "HKLM\\" + catalog.AGENT_KEY[bits]["path"],
            "version": version,
            "product": hotfix_block.product_of(version),
            "server": read.value("agent", "Server"),
            "block": {
                "value": None if block_value is None else block_value.get("value"),
                "kind": None if block_value is None else block_value.get("kind"),
                "blocked": bool(block_value) and block_value.get("kind") == "DWord" and _int(block_value.get("value")) == 1,
                "record": dict((k, v.get("value")) for k, v in read.values("block_record").items()),
            },
        },
        "server": {
            "present": bool(read.registry("server").get("exists")),
            "local_path": local_path,
            "install_dir": ntpath.dirname(ntpath.normpath(local_path)) if local_path else None,
            "version": server_version,
            "build": _int(read.value("server", "ServicePack_Build")),
            "product": hotfix_block.product_of(server_version),
            "auth_backup": read.file("auth_backup"),
            "invalid_files": [e["path"] for e in listing.get("entries") or []
                              if not e.get("is_dir") and invalid_files.SUFFIX.search(ntpath.basename(e["path"]))],
            "invalid_listing": {"root": listing.get("root"), "entries": listing.get("entries") or [],
                                "errors": listing.get("errors") or []},
            "iservice_folders": dict((feature, [e["path"] for e in found if e["exists"]])
                                     for feature, found in read.folders().items()),
        },
        "hotfixes": None,  # the installed updates the checks read (KB numbers), when the host was asked and answered
        "hotfix_count": None,  # how many updates are installed in all
        "services": answer.get("services") or [],
        "winhttp": parse_winhttp(read.value("winhttp", "WinHttpSettings")),
        "certificates": certificates.evaluate(answer.get("certificates") or {}, required),
        # What could not be read: part of the probe -> the host's message (each part fails on its own).
        "unreadable": dict((name, (error or {}).get("message") if isinstance(error, dict) else str(error))
                           for name, error in (answer.get("errors") or {}).items()),
    }
    facts["network"] = (network_check.interpret(answer["network"], facts["winhttp"])
                        if answer.get("network") is not None else None)
    # Missing roots, judged as Windows works: added on first use where automatic root update can reach its list.
    registry_read = "registry" not in facts["unreadable"]
    update = root_update.judge(read.read(probe_plan.ROOT_UPDATE_POLICY) if registry_read else None,
                               read.read(probe_plan.ROOT_UPDATE_STATE) if registry_read else None,
                               offline, facts["network"], now or certificates.utc_now())
    facts["certificates"].update(certificates.judge(facts["certificates"], update))
    updates = installed_updates.read(answer.get("hotfixes")) or {}
    if updates.get("unreadable"):  # a read that saw no package is no list at all
        facts["unreadable"].setdefault("hotfixes", updates["unreadable"])
    elif updates:
        facts["hotfix_count"] = len(updates["installed"])
    facts["unsupported_os"] = facts["sha2"] = None  # the OS version was not read
    version_text = facts["os"]["version"]
    if version_text:
        facts["unsupported_os"] = os_rules.unsupported_os(version_text, facts["os"]["product_type"], facts["os"]["build"])
        # An answer without its updates leaves item 9 unknown (sha2 "known" False), never "none installed".
        facts["sha2"] = os_rules.missing_updates(version_text, facts["os"]["product_type"], updates.get("installed"),
                                                 facts["os"]["build"], extra=sha2_updates,
                                                 after_restart=updates.get("after_restart"))
    # Only what the checks read is kept: the whole list would be a patch inventory in the facts.
    facts["hotfixes"] = installed_updates.kept(updates.get("installed"), sha2_updates, (facts["sha2"] or {}).get("found"))
    return facts


def host_findings(facts, is_server, is_agent, upgrade_date=None):
    """The checks that one host's facts answer by themselves.

    A check whose part of the probe failed is not judged from the missing data: the finding
    `unreadable` says what could not be read, with the host's message.
    """
    scopes = [HOST] + ([AGENT] if is_agent else []) + ([SERVER] if is_server else [])
    found = _run(scopes, {"facts": facts, "upgrade_date": upgrade_date})
    unreadable = facts.get("unreadable") or {}
    if "os" in unreadable:  # nothing can be judged without the OS and its bitness
        return [f for f in found if f["check"] == "unreadable"]
    return [f for f in found if checks.CHECKS[f["check"]]["reads"] not in unreadable]


def fleet_findings(hosts, servers, agents, activation_code=None, sql_password=None, controller_backups=None):
    """Checks across the fleet and of the two secrets. `hosts`: name -> facts (None = unreachable).

    `controller_backups`: server name -> the kept copy read back through the store ({"where", "problem"}: problem
    None, "unverifiable" or "damaged"), or None when there is none.
    """
    return _run([FLEET], {"hosts": hosts, "servers": servers, "agents": agents, "activation_code": activation_code,
                          "sql_password": sql_password, "controller_backups": controller_backups or {}})


def shell_findings(facts, is_agent):
    """What the report says about a host that answered short: its OS (by name) and why nothing else ran."""
    return _run([SHELL] + ([SHELL_AGENT] if is_agent else []), {"facts": facts, "shell": facts["shell"]})


def coverage_findings(cov):
    """What the coverage says about agents the probe did not read (coverage.evaluate's result)."""
    return _run([COVERAGE], {"coverage": cov})


def collected_findings(refused):
    """What the report says about each refused file of the folder of collected answers ({file, why, text})."""
    return _run([COLLECTED], {"refused": refused})


def unreachable_findings(error):
    """What the report says about a host whose facts could not be read."""
    return _run([UNREACHABLE], {"error": error})


def not_probed_findings(params):
    """What the report says about a host no recent probe read (params: fleet_record.not_probed_params)."""
    return _run([NOT_PROBED], {"params": params})


# Each function below finds one check of checks.CHECKS: it yields (or returns a list of) the parameters of each finding
# (plus `severity` to differ from the check's usual one, or `on_host` for a fleet finding that counts
# against one host). Its context: for HOST / AGENT / SERVER, facts and upgrade_date; for FLEET,
# hosts, servers, agents, the two secrets and controller_backups.

@finds("unreachable", UNREACHABLE)
def _unreachable(ctx):
    yield {"error": ctx["error"] or ""}


@finds("not_probed", NOT_PROBED)
def _not_probed(ctx):
    yield ctx["params"]


@finds("collected_refused", COLLECTED)
def _collected_refused(ctx):
    for item in ctx["refused"]:
        yield {"file": item["file"], "text": item["text"], item["why"]: True}


@finds("unreadable", HOST)
def _unreadable(ctx):
    for name, message in sorted((ctx["facts"].get("unreadable") or {}).items()):
        yield {"subset": name, "error": message}
    backup = ctx["facts"]["server"].get("auth_backup") or {}
    if backup.get("error"):  # the file is there but could not be read (locked, denied)
        yield {"subset": "files", "error": "%s: %s" % (backup.get("path"), backup["error"])}


def _expired(items):
    return ["%s (%s)" % (i["name"], i["expired_on"]) for i in items if i.get("expired_on")]


@finds("certificates", HOST)
def _certificates(ctx):
    certs = ctx["facts"]["certificates"]
    missing, wrong = certs["blocking"]["missing"], certs["blocking"]["wrong_store"]
    if missing or wrong:
        why = certs["root_update"]["why"]
        roots = [m for m in missing if m["store"] == catalog.ROOT] + [w for w in wrong if w["expected_store"] == catalog.ROOT]
        yield {"missing": [m["name"] for m in missing], "files": [m["file"] for m in missing],
               "wrong_store": [w["name"] for w in wrong], "expired": _expired(missing),
               "off_by_policy": bool(roots) and why == root_update.POLICY,
               "marked_offline": bool(roots) and why == root_update.OFFLINE,
               "route_failed": certs["root_update"]["route_detail"] if roots and why == root_update.ROUTE else None,
               "root_update_unknown": bool(roots) and why == root_update.UNKNOWN}


@finds("root_auto_update", HOST)
def _root_auto_update(ctx):
    certs = ctx["facts"]["certificates"]
    adds, update = certs["windows_adds"], certs["root_update"]
    if adds:
        yield {"missing": [a["name"] for a in adds], "expired": _expired(adds),
               "elsewhere": ["%s (%s)" % (a["name"], a["elsewhere"]) for a in adds if a["elsewhere"]],
               "route_ok": update["route"] == "ok", "last_sync": update["last_sync"] if update["fresh"] else None,
               "stale_sync": update["last_sync"] if not update["fresh"] else None,
               "never_synced": not update["last_sync"] and update["route"] != "ok", "source": update["source"]}


@finds("winhttp_direct", HOST)
def _winhttp_direct(ctx):
    # Windows fetches roots through WinHTTP: a host that has no WinHTTP proxy, misses roots Windows would fetch,
    # and shows no sign of reaching the list may only lack the proxy (KA-0001268 method 1).
    certs = ctx["facts"]["certificates"]
    update = certs["root_update"]
    roots = certs["windows_adds"] or [m for m in certs["blocking"]["missing"] if m["store"] == catalog.ROOT]
    if roots and ctx["facts"]["winhttp"]["direct"] and update["why"] not in (root_update.POLICY, root_update.OFFLINE) \
            and update["route"] != "ok" and not update["fresh"]:
        yield {}


@finds("sha2_updates", HOST)
def _sha2_updates(ctx):
    sha2 = ctx["facts"].get("sha2")
    if sha2 and sha2["known"] and not sha2["satisfied"]:
        yield {"os": sha2["os"], "any_of": sha2["any_of"], "after_restart": sha2["after_restart"]}


@finds("sha2_unknown", (HOST, SHELL_AGENT, COVERAGE))
def _sha2_unknown(ctx):
    # KA-0012615 item 9 cannot be judged without the host's own list of updates: say so, never "ready".
    if "coverage" in ctx:  # known from Active Directory or the server's list only
        for agent in ctx["coverage"]["agents"]:
            if agent["sha2_os"] and not agent["contacted"] and not agent["unsupported"]:
                yield {"os": agent["sha2_os"], "on_host": agent["host"], "from_ad": agent["os_source"] == "ad",
                       "from_export": agent["os_source"] == "export", "short_answer": False}
        return
    facts = ctx["facts"]
    sha2 = facts.get("sha2")
    if sha2 and not sha2["known"] and not facts.get("unsupported_os"):
        short = "shell" in ctx  # PowerShell below 5.1 or restricted: the short answer holds the OS only
        yield {"os": sha2["os"], "from_ad": False, "from_export": False, "short_answer": short,
               "severity": WARNING if short else BLOCKER}  # a full answer without updates must not read ready


@finds("unsupported_os", (AGENT, COVERAGE, SHELL_AGENT))
def _unsupported_os(ctx):
    if "coverage" in ctx:  # agents known from Active Directory or the server's list, not contacted
        for agent in ctx["coverage"]["agents"]:
            if agent["unsupported"] and not agent["contacted"]:  # a contacted host has its probe's finding
                yield {"os": agent["unsupported"], "version": agent["version"], "on_host": agent["host"],
                       "from_ad": agent["os_source"] == "ad", "from_export": agent["os_source"] == "export"}
        return
    facts = ctx["facts"]
    if facts.get("unsupported_os"):
        yield {"os": facts["unsupported_os"], "version": facts["os"]["version"]}


@finds("powershell_restricted", SHELL)
def _powershell_restricted(ctx):
    if ctx["shell"]["restricted"]:
        yield {"language_mode": ctx["shell"]["language_mode"], "powershell": ctx["shell"]["powershell"]}


@finds("wmf51_required", SHELL)
def _wmf51_required(ctx):
    shell = ctx["shell"]
    if shell["needs_wmf"] and not shell["restricted"] and not shell["unsupported_os"] and not shell.get("os_unknown"):
        yield {"powershell": shell["powershell"]}


@finds("os_unknown", (COVERAGE, SHELL_AGENT))
def _os_unknown(ctx):
    if "coverage" not in ctx:  # an agent whose old PowerShell answered, but whose WMI did not
        if ctx["shell"].get("os_unknown"):
            yield {"why": "PowerShell %s answered, WMI (Win32_OperatingSystem) did not: repair WMI "
                          "(winmgmt /verifyrepository) or find the OS in Active Directory" % ctx["shell"]["powershell"]}
        return
    for agent in ctx["coverage"]["agents"]:
        if agent["os_unknown"] and agent["inventory_name"] is None:  # an inventory host has its "unreachable"
            yield {"why": agent["why_unknown"], "on_host": agent["host"]}


@finds("directory_mismatch", COVERAGE)
def _directory_mismatch(ctx):
    for item in ctx["coverage"]["mismatches"]:
        yield {"probe": item["probe"], "ad": item["ad"], "ad_name": item["ad_name"], "on_host": item["host"]}


@finds("no_agent", AGENT)
def _no_agent(ctx):
    agent = ctx["facts"]["agent"]
    if not agent["present"]:
        yield {"registry_path": agent["registry_path"]}


@finds("hotfix_block", AGENT)
def _hotfix_block(ctx):
    agent = ctx["facts"]["agent"]
    if agent["present"] and not agent["block"]["blocked"]:
        yield {"value": agent["block"]["value"], "kind": agent["block"]["kind"]}


@finds("hotfix_block_age", AGENT)
def _hotfix_block_age(ctx):
    agent = ctx["facts"]["agent"]
    if agent["present"] and agent["block"]["blocked"] and ctx["upgrade_date"]:
        blocked_at = agent["block"]["record"].get("BlockedAt")
        first_seen = agent["block"]["record"].get("FirstSeenAt")
        readiness = hotfix_block.block_readiness(True, blocked_at, ctx["upgrade_date"], first_seen=first_seen)
        if not readiness["ready"]:
            yield {"days": readiness["days_before_upgrade"], "earliest": readiness["earliest_upgrade"],
                   "counted_from_today": not blocked_at and not first_seen,
                   "first_seen": None if blocked_at else first_seen}


@finds("server_not_found", SERVER)
def _server_not_found(ctx):
    if not ctx["facts"]["server"]["present"]:
        yield {"registry_path": "HKLM\\" + catalog.SERVER_KEY[ctx["facts"]["os"]["bits"]]["path"]}


@finds("auth_backup_on_server", SERVER)
def _auth_backup_on_server(ctx):
    server = ctx["facts"]["server"]
    backup = server.get("auth_backup") or {}
    if server["present"] and not backup.get("exists") and not backup.get("error"):
        limit = auth_backup.export_limit(server["version"])
        past = server["build"] is not None and server["build"] >= limit  # no export possible any more
        yield {"path": backup.get("path"), "build": server["build"], "limit": limit,
               "severity": BLOCKER if past else WARNING}


@finds("invalid_files", SERVER)
def _invalid_files(ctx):
    server = ctx["facts"]["server"]
    if server["present"] and server["invalid_files"]:
        self_renames = server["product"] == "apexone" and (server["build"] or 0) >= catalog.BUILDS["apexone_self_rename"]
        yield {"count": len(server["invalid_files"]), "sample": server["invalid_files"][:5], "self_renames": self_renames}


@finds("network", SERVER)
def _network(ctx):
    if ctx["facts"]["server"]["present"]:
        for target in ctx["facts"].get("network") or []:
            if root_update.is_root_list(target):
                continue  # the root list's address answers for the certificates, not for item 5
            if target["outcome"] not in (network_check.OK, network_check.NOT_TESTED):
                yield {"host": target["host"], "port": target["port"], "dns": target["dns"], "tcp": target["outcome"],
                       "detail": target["detail"]}


@finds("network_not_tested", SERVER)
def _network_not_tested(ctx):
    if ctx["facts"]["server"]["present"]:
        for target in ctx["facts"].get("network") or []:
            if target["outcome"] == network_check.NOT_TESTED and not root_update.is_root_list(target):
                yield {"host": target["host"], "port": target["port"], "detail": target["detail"]}


@finds("activation_code_unchecked", FLEET)
def _activation_code_unchecked(ctx):
    return [{}] if ctx["activation_code"] is None else []


@finds("sql_password_unchecked", FLEET)
def _sql_password_unchecked(ctx):
    return [{}] if ctx["sql_password"] is None else []


@finds("activation_code", FLEET)
def _activation_code(ctx):
    status = None if ctx["activation_code"] is None else secrets_check.activation_code_status(ctx["activation_code"])
    return [{"masked": status["masked"]}] if status and not status["valid"] else []


@finds("sql_password", FLEET)
def _sql_password(ctx):
    bad = None if ctx["sql_password"] is None else secrets_check.forbidden_password_characters(ctx["sql_password"])
    return [{"characters": bad}] if bad else []


@finds("no_agents_in_inventory", FLEET)
def _no_agents_in_inventory(ctx):
    if not ctx["agents"]:
        yield {}


@finds("no_server_in_inventory", FLEET)
def _no_server_in_inventory(ctx):
    if not ctx["servers"]:
        yield {}


@finds("auth_backup_on_controller", FLEET)
def _auth_backup_on_controller(ctx):
    for server in ctx["servers"]:
        if ctx["hosts"].get(server) is None:
            continue
        kept = ctx["controller_backups"].get(server)
        if kept is None:
            yield {"server": server, "on_host": server}
        elif isinstance(kept, dict) and kept.get("problem"):  # read back through the store, checked against its SHA-256
            yield {"server": server, "on_host": server, kept["problem"]: True}


def _agent_products(ctx):
    versions = {}
    for name in ctx["agents"]:
        facts = ctx["hosts"].get(name)
        if facts and facts["agent"]["present"]:
            product = facts["agent"]["product"] or "unknown"
            versions[product] = versions.get(product, 0) + 1
    return versions


@finds("version_mix", FLEET)
def _version_mix(ctx):
    hosts = ctx["hosts"]
    versions = _agent_products(ctx)
    server_products = sorted(set(hosts[s]["server"]["product"] or "unknown" for s in ctx["servers"]
                                 if hosts.get(s) and hosts[s]["server"]["present"]))
    if len(set(versions) | set(server_products)) > 1:
        yield {"agents": versions, "servers": server_products}


@finds("service_names", FLEET)
def _service_names(ctx):
    count = _agent_products(ctx).get("xg")
    if count:
        yield {"count": count}


@finds("post_upgrade_checks", FLEET)
def _post_upgrade_checks(ctx):
    yield {}


@finds("behaviour_monitoring", FLEET)
def _behaviour_monitoring(ctx):
    yield {"settings": list(catalog.BEHAVIOUR_MONITORING_SETTINGS)}


@finds("console_update_setting", FLEET)
def _console_update_setting(ctx):
    # KA-0012615 item 6's real switch; no documented place on the server to read it from.
    if ctx["agents"]:
        yield {}
