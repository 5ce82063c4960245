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

from . import state as lab_state


class ScriptFailure(Exception):
    """What would be a terminating PowerShell error inside the script."""


def _registry_read(host: dict, read: dict) -> dict:
    path = lab_state.physical_key(read["path"], read["view"], host["os"]["is_64bit"])
    key = lab_state.find_key(host["registry"], path)
    if key is None:
        return {"exists": False, "values": {}}
    stored = host["registry"][key]
    values = {}
    for name in read.get("values") or []:
        if name in stored:
            values[name] = {"kind": stored[name]["kind"], "value": stored[name]["value"]}
    return {"exists": True, "values": values}


def _resolve(spec: dict, registry: dict):
    """Resolve-Folder in probe.ps1: a path, or a registry value joined with a relative part."""
    if spec.get("path"):
        return spec["path"]
    read = registry.get(spec.get("registry"))
    if not read or spec.get("value") not in read["values"]:
        return None
    return ntpath.normpath(ntpath.join(read["values"][spec["value"]]["value"], spec.get("relative", "")))


def _file_entry(host: dict, spec: dict, registry: dict) -> dict:
    path = _resolve(spec, registry)
    entry = {"name": spec.get("name", ""), "path": path, "exists": False}
    found = lab_state.find_file(host["files"], path) if path else None
    if found is not None:
        data = host["files"][found]
        content = base64.b64decode(data.get("content_b64", ""))
        entry.update(exists=True, size=len(content), modified=data.get("modified", "2024-01-01T00:00:00Z"),
                     sha256=hashlib.sha256(content).hexdigest())
    return entry


def probe(host: dict, params: dict) -> dict:
    subsets = params.get("Subset") or []
    result: dict = {"subsets": subsets}
    os_info = host["os"]
    if "os" in subsets:
        result["os"] = {
            "version": os_info["version"], "build": int(os_info["version"].split(".")[2]),
            "product_type": os_info["product_type"], "service_pack": os_info.get("service_pack", 0),
            "caption": os_info.get("caption", ""), "is_64bit": os_info["is_64bit"],
            "hostname": os_info.get("hostname", "LAB"), "powershell": "5.1.17763.1",
        }
    if "hotfixes" in subsets:
        short = ".".join(os_info["version"].split(".")[:2])
        wanted = params.get("HotfixOsVersions") or []
        result["hotfixes"] = list(host["hotfixes"]) if ("*" in wanted or short in wanted) else None
    if "certificates" in subsets:
        stores = {}
        for name in params.get("CertificateStores") or []:
            if name not in host["certificates"] and name not in ("Root", "CA", "My"):
                raise ScriptFailure('Exception calling "Open" with "1" argument(s): "The system cannot find the '
                                    'file specified."')
            stores[name] = [
                {k: cert[k] for k in ("thumbprint", "subject", "issuer", "not_before", "not_after")}
                for cert in host["certificates"].get(name, [])
            ]
        result["certificates"] = stores
    registry = {}
    if "registry" in subsets:
        for read in params.get("RegistryReads") or []:
            registry[read["name"]] = _registry_read(host, read)
        result["registry"] = registry
    if "services" in subsets:
        patterns = [p.lower() for p in params.get("ServicePatterns") or []]
        result["services"] = [
            {k: svc[k] for k in ("name", "display_name", "state", "start_mode")}
            for svc in host["services"]
            if any(fnmatch.fnmatchcase(svc["name"].lower(), p) or fnmatch.fnmatchcase(svc["display_name"].lower(), p)
                   for p in patterns)
        ]
    if "files" in subsets:
        result["files"] = [_file_entry(host, spec, registry) for spec in params.get("Files") or []]
    if "invalid_files" in subsets:
        result["invalid_files"] = [_invalid_files(host, spec, registry) for spec in params.get("InvalidRoots") or []]
    if "network" in subsets:
        result["network"] = [_reach(host, target) for target in params.get("Endpoints") or []]
    if "folders" in subsets:
        result["folders"] = [_folders(host, spec, registry) for spec in params.get("Folders") or []]
    return result


def _under(path: str, root: str) -> bool:
    prefix = ntpath.normcase(ntpath.normpath(root)).rstrip("\\") + "\\"
    return ntpath.normcase(ntpath.normpath(path)).startswith(prefix)


def _describe_path(host: dict, path: str) -> dict:
    found = lab_state.find_file(host["files"], path)
    data = host["files"][found]
    info = {"path": found, "is_dir": bool(data.get("directory")), "modified": data.get("modified", "2024-01-01T00:00:00Z"),
            "size": 0 if data.get("directory") else len(base64.b64decode(data.get("content_b64", "")))}
    return info


def _invalid_files(host: dict, spec: dict, registry: dict) -> dict:
    root = _resolve(spec, registry)
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
            stripped = re.sub(r"(?i)(_Invalid)+$", "", path)
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
    path = _resolve(spec, registry)
    found = lab_state.find_file(host["files"], path) if path else None
    exists = found is not None and bool(host["files"][found].get("directory"))
    return {"name": spec.get("name", ""), "path": path, "exists": exists}


def invalid_rename(host: dict, params: dict) -> dict:
    results = []
    for item in params["Renames"]:
        source, target = item["from"], item["to"]
        found = lab_state.find_file(host["files"], source)
        outcome = {"from": source, "to": target, "time": _now(host)}
        if found is None:
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


def _reach(host: dict, target: dict) -> dict:
    """The state's `network` maps "host" or "host:port" to dns_failed / timeout / refused; else ok."""
    network = host.get("network") or {}
    name, port = target["host"], target["port"]
    outcome = network.get("%s:%d" % (name, port), network.get(name, "ok"))
    if outcome in ("dns_failed", "dns_timeout"):
        return {"host": name, "port": port, "dns": "failed" if outcome == "dns_failed" else "timeout", "tcp": "not tried"}
    return {"host": name, "port": port, "dns": "ok", "tcp": outcome}


def _now(host: dict) -> str:
    """The host's clock: fixed by the state's `clock` so tests pass dates in, else real UTC."""
    if host.get("clock"):
        return host["clock"]
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _open(host: dict, view: str, path: str, create: bool = False):
    """The value dict of a key as RegistryKey.OpenSubKey / CreateSubKey would give it, or None."""
    physical = lab_state.physical_key(path, view, host["os"]["is_64bit"])
    found = lab_state.find_key(host["registry"], physical)
    if found is None and create:
        host["registry"][physical] = {}
        found = physical
    return None if found is None else host["registry"][found]


def _value(key, name):
    if key is None or name not in key:
        return None
    return {"kind": key[name]["kind"], "value": key[name]["value"]}


def registry_block(host: dict, params: dict) -> dict:
    bits = "64" if host["os"]["is_64bit"] else "32"
    target = params["AgentKeys"][bits]
    view, path = target["view"], target["path"]
    result = {"bits": int(bits), "view": view, "path": path, "changed": False, "record_changed": False}
    agent = _open(host, view, path)
    result["agent_present"] = agent is not None
    if agent is None and not params.get("CreateMissing"):
        return result
    misc_path = "%s\\%s" % (path, params["MiscSubkey"])
    name, wanted = params["ValueName"], params["Value"]
    misc = _open(host, view, misc_path)
    previous = _value(misc, name)
    result["previous"] = previous
    result["values"] = {}
    for value_name in params["ReadValues"]:
        found = _value(misc, value_name) or _value(agent, value_name)
        if found is not None:
            result["values"][value_name] = found
    record_spec = params["Record"]
    record_key = _open(host, record_spec["view"], record_spec["path"])
    result["record_before"] = {n: str(record_key[n]["value"]) for n in record_spec["read"] if record_key and n in record_key}
    needs_change = previous is None or previous["kind"] != "DWord" or int(previous["value"]) != wanted
    needs_record = needs_change or record_spec["stamp_name"] not in result["record_before"]
    result["changed"], result["record_changed"] = needs_change, needs_record
    if not params.get("CheckMode"):
        if needs_change:
            _open(host, view, misc_path, create=True)[name] = {"kind": "DWord", "value": wanted}
        if needs_record:
            stamp_key = _open(host, record_spec["view"], record_spec["path"], create=True)
            for key, text in record_spec["write"].items():
                stamp_key[key] = {"kind": "String", "value": _now(host) if text == "{now}" else text}
    result["current"] = _value(_open(host, view, misc_path), name)
    record_after = _open(host, record_spec["view"], record_spec["path"])
    result["record"] = {n: str(record_after[n]["value"]) for n in record_spec["read"] if record_after and n in record_after}
    return result


def certificates_install(host: dict, params: dict) -> dict:
    from cryptography import x509  # pylint: disable=import-outside-toplevel
    result = {"added": [], "present": [], "certificates": {}}
    for item in params["Certificates"]:
        store = host["certificates"].setdefault(item["store"], [])
        if any(c["thumbprint"].lower() == item["thumbprint"].lower() for c in store):
            result["present"].append(item["thumbprint"])
            continue
        if not params.get("CheckMode"):
            cert = x509.load_der_x509_certificate(base64.b64decode(item["der_b64"]))
            cn = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
            store.append({"name": cn[0].value if cn else "", "thumbprint": item["thumbprint"].upper(),
                          "subject": "CN=%s" % (cn[0].value if cn else ""), "issuer": cert.issuer.rfc4514_string(),
                          "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")})
        result["added"].append(item["thumbprint"])
    for name in params["Stores"]:
        result["certificates"][name] = [
            {k: cert[k] for k in ("thumbprint", "subject", "issuer", "not_before", "not_after")}
            for cert in host["certificates"].get(name, [])]
    return result


def _text(key: dict, name: str) -> str:
    return str(key[name]["value"]) if name in key else ""


def auth_backup(host: dict, params: dict) -> dict:
    result = {"found": False, "candidates": [], "server": None}
    for spec in params["ServerKeys"]:
        key = _open(host, spec["view"], spec["path"])
        if key is None:
            continue
        result["server"] = {"local_path": _text(key, "Local_Path"), "version": _text(key, "Server_Version"),
                            "build": _text(key, "ServicePack_Build")}
        if result["server"]["local_path"]:
            result["candidates"].append(ntpath.normpath(ntpath.join(result["server"]["local_path"], params["Relative"])))
    result["candidates"].extend(params["DefaultPaths"])
    for path in result["candidates"]:
        found = lab_state.find_file(host["files"], path)
        if found is None or host["files"][found].get("directory"):
            continue
        content = base64.b64decode(host["files"][found].get("content_b64", ""))
        result.update(found=True, path=path, size=len(content), modified=host["files"][found].get("modified", ""))
        if len(content) <= params["MaxBytes"]:
            result["content_b64"] = base64.b64encode(content).decode("ascii")
        break
    return result


def winhttp_import(host: dict, params: dict) -> dict:
    """netsh winhttp import proxy source=ie: the state's `ie_proxy` (base64 WinHttpSettings) becomes WinHTTP's."""
    key = _open(host, "Registry64", params["SettingsPath"], create=not params.get("CheckMode"))
    before = (key or {}).get("WinHttpSettings", {}).get("value")
    result = {"before": before, "imported": False, "output": ""}
    if not params.get("CheckMode"):
        if host.get("ie_proxy"):
            key["WinHttpSettings"] = {"kind": "Binary", "value": host["ie_proxy"]}
            result["output"] = "Current WinHTTP proxy settings: ..."
        result["imported"] = True
    result["after"] = ((_open(host, "Registry64", params["SettingsPath"]) or {}).get("WinHttpSettings") or {}).get("value")
    return result


# Script name -> its twin.
TWINS = {
    "probe": probe,
    "registry_block": registry_block,
    "certificates_install": certificates_install,
    "auth_backup": auth_backup,
    "winhttp_import": winhttp_import,
    "invalid_rename": invalid_rename,
}
