# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_invalid_rename: list (or take the preflight's listing), plan, rename exactly that.

The manifest of what was renamed (to undo by hand) is kept in the store when manifest_dir is given.
"""

from __future__ import annotations

import datetime
import json

from ansible.utils.display import Display

from ansible_collections.apexone.upgrade.plugins.module_utils import errors, invalid_files, preflight, probe_plan
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _store
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import job_folder


def keep_manifest(folder, host, manifest, now=None):
    """Write the manifest as invalid-renames-<host>-<UTC time>.json in the store (never over another); where it is."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    warning = job_folder.warning(folder, "the rename manifest", "apexone_report_dir")
    if warning:
        Display().warning(warning)
    text = json.dumps(manifest, ensure_ascii=False, indent=4, sort_keys=True) + "\n"
    with _store.open_store(folder) as store:
        stem = "invalid-renames-%s-%s" % (host, now.strftime("%Y%m%dT%H%M%SZ"))
        for counter in range(1, 100):
            name = "%s.json" % stem if counter == 1 else "%s-%d.json" % (stem, counter)
            try:
                return store.write_new(name, text.encode("utf-8"))
            except _store.StoreExists:
                continue
    raise errors.InputError("too many rename manifests for %s in this second in %s" % (host, folder))


class ActionModule(ApexOneAction):
    ARGUMENT_SPEC = {
        "path": {"type": "str"},
        "force": {"type": "bool", "default": False},
        "facts": {"type": "dict"},
        "manifest_dir": {"type": "str"},
    }

    def act(self, args, task_vars):
        path = args["path"]
        if path:
            invalid_files.check_path(path)  # drive roots and the Windows folder: refused before any remote call
        facts = args["facts"]
        if facts and not path and (facts.get("server") or {}).get("invalid_listing") is not None:
            server = facts["server"]
        else:
            subsets = ["os", "registry", "invalid_files"]
            answer = self.run_script("probe", probe_plan.probe_params(subsets, invalid_path=path), read_only=True,
                                     list_paths=probe_plan.LIST_PATHS)
            server = preflight.host_facts(answer, [])["server"]
            if path:
                listing = (answer.get("invalid_files") or [{}])[0]
                server["invalid_listing"] = {"root": listing.get("root"), "entries": listing.get("entries") or [],
                                             "errors": listing.get("errors") or [], "exists": listing.get("exists")}
        listing = server["invalid_listing"]
        if path:
            invalid_files.check_path(path, server.get("install_dir"), args["force"])
            if not listing.get("exists"):
                raise errors.InputError("folder %s does not exist on the host: check the path (it is searched as written)" % path)
        elif not server.get("present"):
            raise errors.InputError("no OfficeScan / Apex One server on this host (no server registry key): give path to "
                                    "search a folder explicitly")
        planned = invalid_files.plan(listing["entries"])
        # "skipped" and "failed" are Ansible's own result keys: the lists are skipped_files and failed_files.
        result = {"root": listing["root"], "excluded": planned["excluded"], "skipped_files": planned["skipped"],
                  "renamed": [], "failed_files": [], "manifest": [], "planned": planned["renames"],
                  "check_mode": bool(self._task.check_mode)}
        if listing["errors"]:
            result["warnings"] = ["some folders could not be listed (%s); files there were not looked at"
                                  % "; ".join(listing["errors"][:3])]
        if self._task.diff and planned["renames"]:
            result["diff"] = {"before": "".join("%s\n" % r["from"] for r in planned["renames"]),
                              "after": "".join("%s\n" % r["to"] for r in planned["renames"])}
        if not planned["renames"]:
            counts = (listing["root"], len(planned["excluded"]), len(planned["skipped"]))
            result.update(changed=False, msg="nothing to rename under %s (%d excluded, %d skipped)" % counts)
            return result
        if self._task.check_mode:
            result.update(changed=True, msg="would rename %d file(s) under %s" % (len(planned["renames"]), listing["root"]))
            return result
        answer = self.run_script("invalid_rename", {"Renames": [{"from": r["from"], "to": r["to"]} for r in planned["renames"]]},
                                 read_only=False, list_paths=("results",))
        for outcome in answer["results"]:
            if outcome["status"] == "renamed":
                result["renamed"].append({"from": outcome["from"], "to": outcome["to"]})
                result["manifest"].append({"old_name": outcome["from"], "new_name": outcome["to"], "time": outcome["time"]})
            elif outcome["status"] == "skipped":
                result["skipped_files"].append({"path": outcome["from"], "to": outcome["to"], "reason": outcome["error"]})
            else:
                result["failed_files"].append({"path": outcome["from"], "to": outcome["to"], "error": outcome.get("error")})
        result["changed"] = bool(result["renamed"])
        if result["manifest"] and args["manifest_dir"]:
            result["manifest_file"] = keep_manifest(args["manifest_dir"], task_vars.get("inventory_hostname", "host"),
                                                    result["manifest"])
        result["msg"] = "renamed %d, skipped %d, excluded %d, failed %d under %s" % (
            len(result["renamed"]), len(result["skipped_files"]), len(result["excluded"]), len(result["failed_files"]),
            listing["root"])
        if result["failed_files"]:
            result.update(failed=True, msg=result["msg"] + ": " + "; ".join(
                "%s (%s)" % (f["path"], f["error"]) for f in result["failed_files"]))
        return result
