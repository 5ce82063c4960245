# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Python twins of the collection's PowerShell scripts, run against a simulated host's state.

Each twin does what its script does on Windows, no more: it reads what the parameters name and
changes exactly what they say. Keep each twin beside its script in meaning; a twin that decides
something its script does not would hide a bug in the plan.
"""

from __future__ import annotations

import base64
import datetime
import fnmatch
import hashlib
import ntpath
import re

from . import agent_upgrade, contracts, grouppolicy, sealing
from . import state as lab_state


class ScriptFailure(Exception):
    """What would be a terminating PowerShell error inside the script."""


def _registry_read(host: dict, read: dict) -> dict:
    path = lab_state.physical_key(read["path"], read["view"], host["os"]["is_64bit"])
    key = lab_state.find_key(host["registry"], path)
    if key is None:
        return {"exists": False, "values": {}, "path": read["path"]}
    stored = host["registry"][key]
    values = {}
    for name in read.get("values") or []:
        if name in stored:
            values[name] = {"kind": stored[name]["kind"], "value": stored[name]["value"]}
            if stored[name]["kind"] == "ExpandString":  # [Environment]::ExpandEnvironmentVariables
                values[name]["expanded"] = _expand(host, str(stored[name]["value"]))
    return {"exists": True, "values": values, "path": read["path"]}


# The session environment the lab's hosts expand %NAME% with (64-bit WinRM session).
ENVIRONMENT = {"programfiles": "C:\\Program Files", "programfiles(x86)": "C:\\Program Files (x86)",
               "systemroot": "C:\\Windows", "systemdrive": "C:", "windir": "C:\\Windows",
               "programdata": "C:\\ProgramData"}


def _expand(host: dict, text: str) -> str:
    """ExpandEnvironmentVariables: a known %NAME% (case-insensitive) is replaced, an unknown one kept."""
    env = dict(ENVIRONMENT)
    if not host["os"]["is_64bit"]:
        env["programfiles(x86)"] = None

    def replace(match):
        found = env.get(match.group(1).lower())
        return found if found else match.group(0)
    return re.sub(r"%([^%]+)%", replace, text)


def get_full_path(path: str) -> str:
    """[IO.Path]::GetFullPath as .NET Framework 4.x does it on Windows, for the paths the lab meets.

    Rules written down: characters "<>| and control characters -> ArgumentException "Illegal
    characters in path."; a ':' anywhere but after a drive letter -> NotSupportedException "The given
    path's format is not supported."; a relative path resolves under the session's working folder
    (WinRM: the connecting user's profile, C:\\Users\\<user>), which is why an empty base must never
    get here; '.' and '..' parts are folded.
    """
    if any(c in path for c in '"<>|') or any(ord(c) < 32 for c in path):
        raise ScriptFailure('Exception calling "GetFullPath" with "1" argument(s): "Illegal characters in path."')
    if ":" in path[2:] or (":" in path[:2] and not re.match(r"^[A-Za-z]:", path)):
        raise ScriptFailure('Exception calling "GetFullPath" with "1" argument(s): "The given path\'s format is not '
                            'supported."')
    if not re.match(r"^([A-Za-z]:\\|\\\\)", path):
        path = ntpath.join("C:\\Users\\ansible", path)
    return ntpath.normpath(path)


def _resolve(host: dict, spec: dict, registry: dict):
    """Resolve-Folder in probe.ps1: a path, or a registry value (expanded) joined with a relative part."""
    if spec.get("path"):
        return spec["path"]
    read = registry.get(spec.get("registry"))
    if not read or spec.get("value") not in read["values"]:
        return None
    entry = read["values"][spec["value"]]
    base = str(entry.get("expanded", entry["value"]))
    if not base.strip():
        raise ScriptFailure("registry value %s under HKLM\\%s is empty" % (spec["value"], read["path"]))
    return get_full_path(ntpath.join(base, spec.get("relative", "")))


def _sha256(host: dict, path: str) -> str:
    """Get-Sha256 in probe.ps1: FileStream(Open, Read, ReadWrite); a file held without sharing fails."""
    data = host["files"][path]
    if data.get("locked"):
        raise ScriptFailure("The process cannot access the file '%s' because it is being used by another process."
                            % path)
    if data.get("denied"):
        raise ScriptFailure("Access to the path '%s' is denied." % path)
    return hashlib.sha256(base64.b64decode(data.get("content_b64", ""))).hexdigest()


def _file_entry(host: dict, spec: dict, registry: dict) -> dict:
    path = _resolve(host, spec, registry)
    entry = {"name": spec.get("name", ""), "path": path, "exists": False}
    found = lab_state.find_file(host["files"], path) if path else None
    if found is not None and not host["files"][found].get("directory"):
        data = host["files"][found]
        entry["exists"] = True
        try:
            content = base64.b64decode(data.get("content_b64", ""))
            entry.update(size=len(content), modified=data.get("modified", "2024-01-01T00:00:00Z"))
        except ScriptFailure as exc:
            entry["error"] = str(exc)
    return entry


def _file_hashes(host: dict, files: list) -> list:
    """The file_hashes subset: each file the files subset found and could read, by name."""
    hashes = []
    for entry in files:
        if not entry["exists"] or "error" in entry:
            continue
        digest = {"name": entry["name"]}
        try:
            digest["sha256"] = _sha256(host, lab_state.find_file(host["files"], entry["path"]))
        except ScriptFailure as exc:
            digest["error"] = str(exc)
        hashes.append(digest)
    return hashes


WMI_BROKEN = "Invalid class \"Win32_OperatingSystem\" (HRESULT 0x80041010): the WMI repository is broken"


def _wmi(host: dict) -> None:
    """Get-CimInstance on a host whose WMI repository is broken (fault `wmi_broken`)."""
    if (host.get("faults") or {}).get("wmi_broken"):
        raise ScriptFailure(WMI_BROKEN)


def _subset(result: dict, name: str, subsets, body) -> None:
    """Invoke-Subset in probe.ps1: a terminating error is kept under errors.<name>, the rest answer."""
    if name not in subsets:
        return
    try:
        result[name] = body()
    except ScriptFailure as exc:
        result.pop(name, None)
        result["errors"][name] = {"message": str(exc), "type": "Lab.ScriptFailure"}


def probe(host: dict, params: dict) -> dict:
    agent_upgrade.advance(host, poll=True)  # the lab's agents upgrade some time after the block is lifted
    subsets = params.get("Subset") or []
    result: dict = {"subsets": subsets, "errors": {}}
    os_info = host["os"]

    def os_subset():
        _wmi(host)
        return {
            "version": os_info["version"], "build": int(os_info["version"].split(".")[2]),
            "product_type": os_info["product_type"], "service_pack": os_info.get("service_pack", 0),
            "caption": os_info.get("caption", ""), "is_64bit": os_info["is_64bit"],
            "hostname": os_info.get("hostname", "LAB"), "powershell": "5.1.17763.1",
        }

    def hotfix_subset():
        # [Environment]::OSVersion, no WMI: the seed's os.version (exact for the 6.0 / 6.1 the controller asks about)
        short = ".".join(os_info["version"].split(".")[:2])
        wanted = params.get("HotfixOsVersions") or []
        return _installed_updates(host, params) if ("*" in wanted or short in wanted) else None

    def certificate_subset():
        stores = {}
        for name in params.get("CertificateStores") or []:
            stores[name] = _read_store(host, name)
        return stores

    registry: dict = {}

    def registry_subset():
        for read in params.get("RegistryReads") or []:
            registry[read["name"]] = _registry_read(host, read)
        return registry

    def service_subset():
        _wmi(host)
        patterns = [p.lower() for p in params.get("ServicePatterns") or []]
        return [
            {k: svc[k] for k in ("name", "display_name", "state", "start_mode")}
            for svc in host["services"]
            if any(fnmatch.fnmatchcase(svc["name"].lower(), p) or fnmatch.fnmatchcase(svc["display_name"].lower(), p)
                   for p in patterns)
        ]

    _subset(result, "os", subsets, os_subset)
    _subset(result, "hotfixes", subsets, hotfix_subset)
    _subset(result, "certificates", subsets, certificate_subset)
    _subset(result, "registry", subsets, registry_subset)
    _subset(result, "services", subsets, service_subset)
    _subset(result, "files", subsets,
            lambda: [_file_entry(host, spec, registry) for spec in params.get("Files") or []])
    _subset(result, "file_hashes", subsets, lambda: _file_hashes(host, result.get("files") or []))
    _subset(result, "invalid_files", subsets,
            lambda: [_invalid_files(host, spec, registry, params.get("InvalidStrip") or "")
                     for spec in params.get("InvalidRoots") or []])
    _subset(result, "folders", subsets,
            lambda: [_folders(host, spec, registry) for spec in params.get("Folders") or []])
    _subset(result, "network", subsets, lambda: _network(host, params))
    return result


HOTFIX_PARAMS = "the hotfixes subset needs HotfixKey, HotfixPattern and HotfixDeadlineMs"


def _installed_updates(host: dict, params: dict) -> dict:
    """The hotfixes subset of probe.ps1: the package keys under HotfixKey (64-bit view), each name the
    pattern matches listed by its first group under its raw CurrentState ('none' without one).

    Rule written down: how long the read takes is the state's fault `cbs_read_ms` (default 0, a registry
    read of a few thousand keys takes well under a second); past HotfixDeadlineMs the script stops with
    its error after the packages it had time for, never with a partial list.
    """
    key_path, pattern, deadline = params.get("HotfixKey"), params.get("HotfixPattern"), params.get("HotfixDeadlineMs")
    if not key_path or not pattern or not deadline or int(deadline) <= 0:
        raise ScriptFailure(HOTFIX_PARAMS)
    physical = lab_state.physical_key(key_path, "Registry64", host["os"]["is_64bit"])
    found = lab_state.find_key(host["registry"], physical)
    if found is None and not lab_state.subkey_names(host["registry"], physical):
        raise ScriptFailure("HKLM\\%s does not exist" % key_path)
    names = lab_state.subkey_names(host["registry"], physical)
    cost = int((host.get("faults") or {}).get("cbs_read_ms") or 0)
    if cost > int(deadline):
        done = len(names) * int(deadline) // cost
        raise ScriptFailure("reading the installed updates took longer than %d ms (%d of %d packages read)"
                            % (int(deadline), done, len(names)))
    states: dict = {}
    for name in names:
        match = re.match(pattern, name)  # the pattern is written to mean the same in .NET and Python
        if not match:
            continue
        key = lab_state.find_key(host["registry"], physical + "\\" + name)
        current = (host["registry"].get(key) or {}).get("CurrentState") if key else None
        state = "none" if current is None else str(current["value"])
        listed = states.setdefault(state, {})
        listed.setdefault(match.group(1).lower(), match.group(1))  # a hashtable: keys case-insensitive
    return {"packages": len(names), "states": dict((s, list(kbs.values())) for s, kbs in states.items()),
            "elapsed_ms": cost}


def _under(path: str, root: str) -> bool:
    prefix = ntpath.normcase(ntpath.normpath(root)).rstrip("\\") + "\\"
    return ntpath.normcase(ntpath.normpath(path)).startswith(prefix)


def _describe_path(host: dict, path: str) -> dict:
    found = lab_state.find_file(host["files"], path)
    data = host["files"][found]
    info = {"path": found, "is_dir": bool(data.get("directory")), "modified": data.get("modified", "2024-01-01T00:00:00Z"),
            "size": 0 if data.get("directory") else len(base64.b64decode(data.get("content_b64", "")))}
    return info


def _invalid_files(host: dict, spec: dict, registry: dict, strip: str) -> dict:
    root = _resolve(host, spec, registry)
    entry = {"name": spec.get("name", ""), "root": root, "exists": False, "entries": [], "errors": []}
    if root and any(_under(path, root) for path in host["files"]):
        entry["exists"] = True
        for path in sorted(host["files"]):
            if not (_under(path, root) and "invalid" in ntpath.basename(path).lower()):
                continue
            if host["files"][path].get("unlistable"):
                entry["errors"].append("Access to the path '%s' is denied." % path)
                continue
            info = _describe_path(host, path)
            stripped = re.sub(strip, "", path) if strip else path  # $item.FullName -replace $InvalidStrip, ''

            if stripped != path:
                other = lab_state.find_file(host["files"], stripped)
                info["target"] = {"path": stripped, "exists": other is not None}
                if other is not None:
                    described = _describe_path(host, other)
                    info["target"].update(is_dir=described["is_dir"], modified=described["modified"])
                    if not described["is_dir"]:
                        info["target"]["size"] = described["size"]
            entry["entries"].append(info)
    return entry


def _folders(host: dict, spec: dict, registry: dict) -> dict:
    path = _resolve(host, spec, registry)
    found = lab_state.find_file(host["files"], path) if path else None
    exists = found is not None and bool(host["files"][found].get("directory"))
    return {"name": spec.get("name", ""), "path": path, "exists": exists}


def invalid_rename(host: dict, params: dict) -> dict:
    results = []
    for item in params["Renames"]:
        source, target = item["from"], item["to"]
        found = lab_state.find_file(host["files"], source)
        outcome = {"from": source, "to": target, "time": _now(host)}
        if ntpath.dirname(source).lower() != ntpath.dirname(target).lower():
            # Rename-Item -NewName renames inside the item's folder: the script refuses another folder.
            outcome.update(status="failed", error="the target is in another folder; only renames within a folder "
                                                  "are made")
        elif found is None:
            outcome.update(status="failed", error="Cannot find path '%s' because it does not exist." % source)
        elif lab_state.find_file(host["files"], target) is not None:
            outcome.update(status="skipped", error="the target appeared since the listing; nothing was overwritten")
        elif host["files"][found].get("locked"):
            outcome.update(status="failed", error="The process cannot access the file because it is being used by "
                                                  "another process.")
        else:
            host["files"][target] = host["files"].pop(found)
            outcome["status"] = "renamed"
        results.append(outcome)
    return {"results": results}


# How the state's `network` words come back from .NET: the Winsock code and SocketErrorCode name.
SOCKET_ERRORS = {"refused": (10061, "ConnectionRefused"), "unreachable": (10065, "HostUnreachable"),
                 "net_unreachable": (10051, "NetworkUnreachable"), "ipv6_only": (10047, "AddressFamilyNotSupported"),
                 "dns_failed": (11001, "HostNotFound")}
# What a proxy answers to CONNECT when the destination fails that way (the state's `proxy`).
PROXY_STATUS = {"ok": "HTTP/1.1 200 Connection established", "refused": "HTTP/1.1 502 Bad Gateway",
                "unreachable": "HTTP/1.1 502 Bad Gateway", "net_unreachable": "HTTP/1.1 502 Bad Gateway",
                "ipv6_only": "HTTP/1.1 200 Connection established", "timeout": "HTTP/1.1 504 Gateway Timeout",
                "dns_failed": "HTTP/1.1 502 Bad Gateway", "dns_timeout": "HTTP/1.1 504 Gateway Timeout"}


def _socket_error(word: str) -> dict:
    code, name = SOCKET_ERRORS[word]
    return {"code": code, "name": name, "message": "lab: %s" % name}


def _network(host: dict, params: dict) -> list:
    """The state's `network` maps "host" or "host:port" to a word of SOCKET_ERRORS, timeout or
    dns_timeout; else ok. `proxy` ({host, port, auth}) is what listens when the probe names one."""
    network = host.get("network") or {}
    proxy = host.get("proxy") or {}
    answers = []
    for target in params.get("Endpoints") or []:
        name, port = target["host"], target["port"]
        outcome = network.get("%s:%d" % (name, port), network.get(name, "ok"))
        if params.get("ProxyHost"):
            entry = {"host": name, "port": port, "dns": "proxy", "tcp": "ok", "via": "proxy"}
            if (params["ProxyHost"].lower(), params.get("ProxyPort")) != (str(proxy.get("host", "")).lower(), proxy.get("port")):
                entry.update(tcp="error", error=_socket_error("dns_failed" if not proxy else "refused"))
            elif proxy.get("auth"):
                entry["proxy_status"] = "HTTP/1.1 407 Proxy Authentication Required"
            else:
                entry["proxy_status"] = PROXY_STATUS[outcome]
            answers.append(entry)
            continue
        entry = {"host": name, "port": port, "dns": "ok", "tcp": "not tried", "via": "direct"}
        if proxy.get("only"):  # a network where only the proxy gets out: every direct attempt times out
            outcome = "timeout"
        if outcome == "dns_timeout":
            entry["dns"] = "timeout"
        elif outcome == "dns_failed":
            entry.update(dns="failed", error=_socket_error("dns_failed"))
        elif outcome == "timeout":
            entry["tcp"] = "timeout"
        elif outcome == "ok":
            entry["tcp"] = "ok"
        else:
            entry.update(tcp="error", error=_socket_error(outcome))
        answers.append(entry)
    return answers


def _now(host: dict) -> str:
    """The host's clock: fixed by the state's `clock` so tests pass dates in, else real UTC."""
    if host.get("clock"):
        return host["clock"]
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _open(host: dict, view: str, path: str, create: bool = False):
    """The value dict of a key as RegistryKey.OpenSubKey / CreateSubKey would give it, or None.

    CreateSubKey creates every missing key on the way, as Windows does (CurrentVersion and Misc.).
    """
    physical = lab_state.physical_key(path, view, host["os"]["is_64bit"])
    found = lab_state.find_key(host["registry"], physical)
    if found is None and create:
        parts = physical.split("\\")
        for depth in range(1, len(parts) + 1):
            ancestor = "\\".join(parts[:depth])
            if lab_state.find_key(host["registry"], ancestor) is None:
                host["registry"][ancestor] = {}
        found = physical
    return None if found is None else host["registry"][found]


def _value(key, name):
    if key is None or name not in key:
        return None
    return {"kind": key[name]["kind"], "value": key[name]["value"]}


def _protected(host: dict, path: str) -> bool:
    """Fault `protected_keys`: the agent's self-protection refuses writes under its own keys."""
    return bool((host.get("faults") or {}).get("protected_keys")) and "trendmicro" in path.lower()


def _write_record(host: dict, spec: dict, values) -> None:
    """Write-Record: a null list or entry, or an empty name, is skipped (never the key's (Default) value)."""
    stamp_key = _open(host, spec["view"], spec["path"], create=True)
    for entry in values if isinstance(values, list) else [values]:
        if entry is None or not str(entry.get("name") or ""):
            continue
        text = str(entry["value"])
        stamp_key[str(entry["name"])] = {"kind": "String", "value": _now(host) if text == "{now}" else text}


def registry_block(host: dict, params: dict) -> dict:
    bits = "64" if host["os"]["is_64bit"] else "32"
    target = [entry for entry in params["AgentKeys"] if str(entry["bits"]) == bits][0]
    view, path = target["view"], target["path"]
    result = {"bits": int(bits), "view": view, "path": path, "action": "keep", "noted": False,
              "is_admin": not (host.get("faults") or {}).get("not_admin")}
    agent = _open(host, view, path)
    result["agent_present"] = agent is not None
    if agent is None and not params.get("CreateMissing"):
        return result
    misc_path = "%s\\%s" % (path, params["MiscSubkey"])
    name = params["ValueName"]
    misc = _open(host, view, misc_path)
    previous = _value(misc, name)
    result["previous"] = previous
    result["values"] = {}
    for value_name in params["ReadValues"]:
        found = _value(misc, value_name) or _value(agent, value_name)
        if found is not None:
            result["values"][value_name] = found
    # The script names what it saw and looks it up in the controller's table; it compares nothing.
    result["seen"] = "absent" if previous is None else "%s:%s" % (previous["kind"], previous["value"])
    result["action"] = params["DefaultAction"]
    for entry in params["Actions"]:
        if entry["seen"] == result["seen"]:
            result["action"] = entry["action"]
    record_spec = params["Record"]
    record_key = _open(host, record_spec["view"], record_spec["path"])
    result["record_before"] = {n: str(record_key[n]["value"]) for n in record_spec["read"] if record_key and n in record_key}
    known = any(n in result["record_before"] for n in record_spec.get("note_unless") or [])
    result["noted"] = result["action"] == "keep" and record_spec.get("note") is not None and not known
    if not params.get("CheckMode"):
        try:
            if result["action"] == "set":
                if _protected(host, misc_path) or result["is_admin"] is False:
                    raise ScriptFailure("Access to the registry key 'HKEY_LOCAL_MACHINE\\%s' is denied." % misc_path)
                _open(host, view, misc_path, create=True)[name] = {"kind": "DWord", "value": params["Value"]}
                _write_record(host, record_spec, record_spec["write"])
            elif result["noted"]:
                _write_record(host, record_spec, record_spec["note"])
        except ScriptFailure as exc:
            result["write_error"] = {"message": 'Exception calling "CreateSubKey" with "1" argument(s): "%s"' % exc,
                                     "type": "System.Management.Automation.MethodInvocationException",
                                     "inner_type": "System.UnauthorizedAccessException"}
    agent_upgrade.advance(host, poll=False)  # a lift starts the agent's upgrade clock
    result["current"] = _value(_open(host, view, misc_path), name)
    record_after = _open(host, record_spec["view"], record_spec["path"])
    result["record"] = {n: str(record_after[n]["value"]) for n in record_spec["read"] if record_after and n in record_after}
    return result


def dotnet_name(name) -> str:
    """X509Certificate2.Subject / Issuer as .NET Framework writes them: most specific part first
    (CN=...), ", " between parts, short names CN OU O L S C E DC STREET SERIALNUMBER, and a value
    holding , + = " or a line break wrapped in double quotes (inner quotes doubled)."""
    from cryptography.x509.oid import NameOID  # pylint: disable=import-outside-toplevel
    short = {NameOID.COMMON_NAME: "CN", NameOID.ORGANIZATIONAL_UNIT_NAME: "OU", NameOID.ORGANIZATION_NAME: "O",
             NameOID.LOCALITY_NAME: "L", NameOID.STATE_OR_PROVINCE_NAME: "S", NameOID.COUNTRY_NAME: "C",
             NameOID.EMAIL_ADDRESS: "E", NameOID.DOMAIN_COMPONENT: "DC", NameOID.STREET_ADDRESS: "STREET",
             NameOID.SERIAL_NUMBER: "SERIALNUMBER"}
    parts = []
    for rdn in reversed(list(name.rdns)):
        for attribute in rdn:
            label = short.get(attribute.oid, "OID." + attribute.oid.dotted_string)
            value = str(attribute.value)
            if any(c in value for c in ',+="\n') or value != value.strip():
                value = '"%s"' % value.replace('"', '""')
            parts.append("%s=%s" % (label, value))
    return ", ".join(parts)


# LocalMachine stores every Windows has; others exist only when the state lists them. The scripts
# open stores with OpenExistingOnly, so a store that does not exist fails the open (X509Store.Open:
# "if no store exists, the Open method will not create a new store") and is never created.
ALWAYS_STORES = ("Root", "CA", "My")
STORE_MISSING = 'Exception calling "Open" with "1" argument(s): "The system cannot find the file specified."'
# common.ps1's Read-CertificateStore lists a store with Get-ChildItem on PowerShell's certificate provider:
# a store that does not exist is the provider's ItemNotFoundException.
STORE_NOT_FOUND = "Cannot find path 'Cert:\\LocalMachine\\%s' because it does not exist."


NO_STORE_NAME = "no store name"  # Read-CertificateStore refuses what is not one store's name (Cert:\\LocalMachine\\ lists stores)
STORE_NAME = re.compile(r"^[A-Za-z0-9 _.-]+$")  # common.ps1's -notmatch / -match pair, case-insensitive as PowerShell's


def _read_store(host: dict, name: str) -> list:
    """Read-CertificateStore (common.ps1): the logical store's certificates."""
    if not name or not STORE_NAME.match(name) or set(name) == {"."}:
        raise ScriptFailure(NO_STORE_NAME)
    if not _store_exists(host, name):
        raise ScriptFailure(STORE_NOT_FOUND % name)
    return [{k: cert[k] for k in ("thumbprint", "subject", "issuer", "not_before", "not_after")}
            for cert in lab_state.logical_store(host, name)]


def _store_exists(host: dict, name: str) -> bool:
    sections = ("certificates", "policy_certificates", "enterprise_certificates")
    return any(name in (host.get(section) or {}) for section in sections) or name in ALWAYS_STORES


def certificates_install(host: dict, params: dict) -> dict:
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    result = {"results": [], "certificates": {}, "errors": {}}
    for item in params["Certificates"]:
        entry = {"thumbprint": item["thumbprint"], "store": item["store"]}
        if not _store_exists(host, item["store"]):
            entry.update(status="failed", error=STORE_MISSING)
            result["results"].append(entry)
            continue
        # FindByThumbprint searches the logical store: a certificate delivered by policy is found too.
        if any(c["thumbprint"].lower() == item["thumbprint"].lower() for c in lab_state.logical_store(host, item["store"])):
            entry["status"] = "present"
        elif params.get("CheckMode"):
            entry["status"] = "absent"
        else:
            try:
                # New-Object X509Certificate2 (bytes): bytes .NET cannot read fail with this message.
                cert = x509.load_der_x509_certificate(base64.b64decode(item["der_b64"]))
            except ValueError:
                entry.update(status="failed", error='Exception calling ".ctor" with "1" argument(s): "Cannot find the '
                                                    'requested object."')
            else:
                if item["store"] in ((host.get("faults") or {}).get("store_denied") or []):
                    entry.update(status="failed", error='Exception calling "Add" with "1" argument(s): "Access is '
                                                        'denied."')
                else:
                    cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
                    host["certificates"].setdefault(item["store"], []).append({  # the store's own physical store
                        "name": cn[0].value if cn else "", "thumbprint": item["thumbprint"].upper(),
                        "subject": dotnet_name(cert.subject), "issuer": dotnet_name(cert.issuer),
                        "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")})
                    entry["status"] = "added"
        result["results"].append(entry)
    for name in params["Stores"]:
        try:
            result["certificates"][name] = _read_store(host, name)
        except ScriptFailure as exc:
            result["errors"][name] = str(exc)
    return result


def _text(key: dict, name: str, host: dict) -> str:
    """GetValue(name) expands REG_EXPAND_SZ by default."""
    if name not in key:
        return ""
    value = str(key[name]["value"])
    return _expand(host, value) if key[name]["kind"] == "ExpandString" else value


def auth_backup(host: dict, params: dict) -> dict:
    """auth_backup.ps1: the file is read (FileStream, read-only) only up to MaxBytes, hashed, and sealed to
    PublicKey unless its SHA-256 is among Known; without a PublicKey a file to read stops the script."""
    result = {"found": False, "candidates": [], "server": None}
    for spec in params["ServerKeys"]:
        key = _open(host, spec["view"], spec["path"])
        if key is None:
            continue
        result["server"] = {"local_path": _text(key, "Local_Path", host), "version": _text(key, "Server_Version", host),
                            "build": _text(key, "ServicePack_Build", host)}
        if result["server"]["local_path"].strip():
            try:
                result["candidates"].append(get_full_path(ntpath.join(result["server"]["local_path"], params["Relative"])))
            except ScriptFailure as exc:  # the script's try/catch around Combine/GetFullPath
                result["local_path_invalid"] = str(exc)
        else:
            result["local_path_empty"] = True
    result["candidates"].extend(params["DefaultPaths"])
    for path in result["candidates"]:
        found = lab_state.find_file(host["files"], path)
        if found is None or host["files"][found].get("directory"):
            continue
        data = host["files"][found]
        content = base64.b64decode(data.get("content_b64", ""))
        result.update(found=True, path=path, size=len(content), modified=data.get("modified", ""))
        if len(content) <= params["MaxBytes"]:
            if not params.get("PublicKey", ""):
                raise ScriptFailure("no public key to seal %s to: the file is never returned in clear" % path)
            result["sha256"] = _sha256(host, found)  # the same FileStream open: a locked or denied file fails here
            if result["sha256"] not in (params.get("Known") or []):
                try:
                    result["sealed"] = sealing.seal(content, params["PublicKey"])
                except sealing.SealRefused as exc:
                    raise ScriptFailure(str(exc))
        break
    return result


def _ie_setting(host: dict):
    """The connecting account's DefaultConnectionSettings from the state's `ie_proxy`
    ({proxy, bypass, auto_config_url, auto_detect}); None when the account has none."""
    from ansible_collections.apexone.upgrade.plugins.module_utils import winhttp  # pylint: disable=import-outside-toplevel
    ie = host.get("ie_proxy")
    if not ie:
        return None
    flags = winhttp.FLAG_DIRECT | (winhttp.FLAG_PROXY if ie.get("proxy") else 0) | \
        (winhttp.FLAG_AUTO_URL if ie.get("auto_config_url") else 0) | (winhttp.FLAG_AUTO_DETECT if ie.get("auto_detect") else 0)
    return winhttp.encode(ie.get("proxy"), ie.get("bypass"), flags=flags, auto_config_url=ie.get("auto_config_url"),
                          version=0x46, counter=7)


def winhttp_import(host: dict, params: dict) -> dict:
    """Models netsh as it really behaves: `import proxy source=ie` copies the account's static IE proxy
    and bypass, and when the account has none (or only a PAC file / auto-detection) writes direct
    access, replacing whatever WinHTTP had; `set proxy` writes what it is given. Each write bumps the
    value's counter."""
    from ansible_collections.apexone.upgrade.plugins.module_utils import winhttp  # pylint: disable=import-outside-toplevel
    if params["Action"] not in ("read", "import", "set"):  # ValidateSet
        raise ScriptFailure("Cannot validate argument on parameter 'Action'. The argument \"%s\" does not belong to "
                            "the set \"read,import,set\"" % params["Action"])
    key = _open(host, "Registry64", params["SettingsPath"])
    before = ((key or {}).get("WinHttpSettings") or {}).get("value")
    result = {"action": params["Action"], "before": before, "user": _ie_setting(host),
              "account": host.get("account", "LAB\\ansible"), "ran": False, "output": "", "exit_code": None}
    if params["Action"] != "read":
        raw = base64.b64decode(before) if before else b""
        counter = int.from_bytes(raw[4:8], "little") if len(raw) >= 8 else 0
        if params["Action"] == "import":
            ie = winhttp.parse(result["user"])
            proxy, bypass = (ie["proxy"], ie["bypass"]) if not ie["direct"] else (None, None)
        else:
            proxy, bypass = params.get("Proxy") or None, params.get("ProxyExceptions") or None
        value = winhttp.encode(proxy, bypass, counter=counter + 1, version=0x28)
        _open(host, "Registry64", params["SettingsPath"], create=True)["WinHttpSettings"] = {"kind": "Binary", "value": value}
        result.update(ran=True, exit_code=0, output="Current WinHTTP proxy settings:\n\n    %s" % (
            "Direct access (no proxy server)." if not proxy else "Proxy Server(s) :  %s\n    Bypass List     :  %s"
            % (proxy, bypass or "(none)")))
    result["after"] = ((_open(host, "Registry64", params["SettingsPath"]) or {}).get("WinHttpSettings") or {}).get("value")
    return result


# Script name -> its twin, each answer checked against the script's contract (tests/contracts/).
TWINS = dict((name, contracts.checked(name, twin)) for name, twin in (
    ("probe", probe),
    ("registry_block", registry_block),
    ("certificates_install", certificates_install),
    ("auth_backup", auth_backup),
    ("winhttp_import", winhttp_import),
    ("invalid_rename", invalid_rename),
    ("gpo_certificates", grouppolicy.gpo_certificates),
))
