# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Python twins of the collection's PowerShell scripts, run against a simulated host's state.

Each twin does what its script does on Windows, no more: it reads what the parameters name and
changes exactly what they say. Keep each twin beside its script in meaning; a twin that decides
something its script does not would hide a bug in the plan.
"""

from __future__ import annotations

import fnmatch
import hashlib
import base64
import ntpath

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


def _file_entry(host: dict, spec: dict, registry: dict) -> dict:
    path = spec.get("path")
    if not path and spec.get("registry") in registry:
        values = registry[spec["registry"]]["values"]
        if spec.get("value") in values:
            path = ntpath.normpath(ntpath.join(values[spec["value"]]["value"], spec.get("relative", "")))
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
    return result


TWINS = {"probe": probe}
