# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_selftest: every read-only script once, each answer checked against its contract.

The recording is kept in the store (a controller folder or a share) when recording_dir is given; the task result
carries only the summary (ok, lines, recording_file).
"""

from __future__ import annotations

import datetime
import json
import os

from ansible.utils.display import Display

from ansible_collections.apexone.upgrade.plugins.module_utils import errors, selftest
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _remote, _store
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import job_folder

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTRACT_DIR = os.path.join(COLLECTION_ROOT, "tests", "contracts")


def _validators(folder):
    try:
        import jsonschema  # pylint: disable=import-outside-toplevel
    except ImportError:
        raise errors.InputError("the self-test checks answers with the Python package 'jsonschema' on the controller: "
                                "pip install jsonschema")
    found = {}
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        if name.endswith(".schema.json"):
            with open(os.path.join(folder, name), encoding="utf-8") as handle:
                found[name[:-len(".schema.json")]] = jsonschema.Draft7Validator(json.load(handle))
    if not found:
        raise errors.InputError("no answer contracts in %s: install the collection with its tests/ folder, or give "
                                "contracts_dir" % folder)
    return found


def keep_recording(folder, recording):
    """Write selftest-<host>-<recorded_at>.json in the store, never over another recording; where it is."""
    warning = job_folder.warning(folder, "the self-test recording", "apexone_selftest_dir")
    if warning:
        Display().warning(warning)
    name = "selftest-%s-%s.json" % (recording["host"], recording["recorded_at"].replace(":", "").replace("-", ""))
    with _store.open_store(folder) as store:
        try:
            return store.write_new(name, (json.dumps(recording, ensure_ascii=False, indent=4, sort_keys=True)
                                          + "\n").encode("utf-8"))
        except _store.StoreExists:
            return store.where(name)  # the same host, the same second: that recording is kept already


class ActionModule(ApexOneAction):
    _supports_diff = False
    ARGUMENT_SPEC = {
        "network": {"type": "bool", "default": False},
        "contracts_dir": {"type": "path"},
        "recording_dir": {"type": "str"},
    }

    def act(self, args, task_vars):
        validators = _validators(args["contracts_dir"] or CONTRACT_DIR)
        scripts = dict((name, {"not_run": why}) for name, why in selftest.NOT_RUN.items())
        for name, params, list_paths in selftest.calls(args["network"]):
            entry = {"params": params}
            try:
                answer = self.run_script(name, params, read_only=True, list_paths=list_paths)
            except _remote.RemoteScriptError as exc:
                entry.update(error=exc.msg, rc=exc.rc, stderr=exc.stderr)
            else:
                entry["answer"] = answer
                validator = validators.get(name)
                entry["problems"] = (["no contract for this script in %s" % (args["contracts_dir"] or CONTRACT_DIR)]
                                     if validator is None else
                                     ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(answer)", e.message)
                                      for e in validator.iter_errors(json.loads(json.dumps(answer)))])
            scripts[name] = entry
        ok, lines = selftest.summary(scripts)
        recording = {
            "format": selftest.FORMAT,
            "host": task_vars.get("inventory_hostname"),
            "recorded_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "os": ((scripts.get("probe") or {}).get("answer") or {}).get("os"),
            "scripts": scripts,
        }
        # Only the summary is returned: the recording holds the host's certificate stores, its service account and
        # proxy settings, paths and services, and a task result is kept in AWX job events and shown at -v.
        result = {"changed": False, "ok": ok, "lines": lines,
                  "msg": "every read-only script answered within its contract" if ok else
                         "; ".join(line for line in lines if "FAILED" in line or "OUTSIDE" in line)}
        if args["recording_dir"]:  # kept for a host whose answers broke a contract too: that is when it matters most
            result["recording_file"] = keep_recording(args["recording_dir"], recording)
        else:
            Display().warning("apexone_selftest: no recording_dir, so the recording of %s is kept nowhere: give "
                              "recording_dir to keep it" % recording["host"])
        if not ok:
            result["failed"] = True
        return result
