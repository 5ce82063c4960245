# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_auth_backup: keep a copy of OfficeScanAuth.dat in the store (KA-0012615 item 10).

The file crosses the host's PowerShell pipeline sealed to a key pair made for this run (_sealed), is
opened here, checked against the SHA-256 the server computed, and written through the store (a
controller folder, 0600, or a share), never over an earlier copy.
"""

from __future__ import annotations

import hashlib

from ansible.utils.display import Display

from ansible_collections.apexone.upgrade.plugins.module_utils import auth_backup, errors
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _sealed, _store
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import backups, job_folder

display = Display()
FILE_NAME = auth_backup.FILE_NAME


class ActionModule(ApexOneAction):
    ARGUMENT_SPEC = {
        "dest": {"type": "str", "required": True},
        "max_bytes": {"type": "int", "default": 10 * 1024 * 1024},
        "allow_job_folder": {"type": "bool"},
    }

    def act(self, args, task_vars):
        host = task_vars.get("inventory_hostname", "server")
        allow = args["allow_job_folder"]
        if allow is None:
            allow = str(self._templar.template(task_vars.get(job_folder.ALLOW_VARIABLE, False))).lower() in \
                ("1", "true", "yes", "on")
        job_folder.refuse(args["dest"], "the server certificate backup", "apexone_backup_dir", allow)
        with _store.open_store(args["dest"]) as store:
            return self._keep(store, host, args)

    def _keep(self, store, host, args):
        known = backups.known_digests(store, host)
        key = _sealed.RunKey()
        params = auth_backup.plan(args["max_bytes"], key.public_xml, known.values())
        answer = self.run_script("auth_backup", params, read_only=True, list_paths=("candidates",))
        server = answer.get("server") or {}
        limit = auth_backup.export_limit(server.get("version"))
        build = int(server["build"]) if str(server.get("build") or "").isdigit() else None
        result = {"changed": False, "server_version": server.get("version"), "server_build": build, "export_limit": limit,
                  "searched": answer["candidates"], "store": store.location}
        problem = auth_backup.local_path_problem(answer, params)
        if problem:
            result["local_path_problem"] = problem
            display.warning("%s: %s" % (host, problem))
        if not answer["found"]:
            past = build is not None and build >= limit
            message = ("no %s on %s (searched %s). %s" % (
                FILE_NAME, host, ", ".join(answer["candidates"]),
                "The server is at build %s, at or past %s: the certificate can no longer be exported. Find the file "
                "and its password now, or a restore will need every agent reinstalled (KA-0012615 item 10)" % (build, limit)
                if past else "Back it up before the server reaches build %s (KA-0012615 item 10)" % limit))
            display.warning(message)
            result.update(found=False, export_blocked=past, msg=message)
            return result
        if "sha256" not in answer:
            raise errors.InputError("%s on %s is %s bytes, more than max_bytes=%d: copy it by hand"
                                    % (answer["path"], host, answer["size"], args["max_bytes"]))
        digest = answer["sha256"]
        result.update(found=True, source=answer["path"], size=answer["size"], sha256=digest, modified=answer.get("modified"))
        if "sealed" not in answer:  # the server's file is one of the copies already kept
            name = [n for n, d in sorted(known.items()) if d == digest][0]
            where = store.where("%s/%s" % (host, name))
            result.update(dest=where, msg="backup already kept: %s (sha256 %s)" % (where, digest))
            return result
        data = key.open(answer["sealed"])
        if hashlib.sha256(data).hexdigest() != digest or len(data) != answer["size"]:
            raise errors.InputError("%s from %s does not match the SHA-256 the server computed (%s): nothing was kept; "
                                    "run again" % (FILE_NAME, host, digest))
        kept = backups.keep(store, host, data, digest, answer.get("modified"), check_mode=self._task.check_mode)
        result.update(dest=kept["where"], changed=kept["kept"])
        if not kept["kept"]:
            result["msg"] = "backup already kept: %s (sha256 %s)" % (kept["where"], digest)
            return result
        if kept["name"] != FILE_NAME:
            display.warning("%s on %s differs from the backup already kept in %s; keeping both (new: %s)"
                            % (FILE_NAME, host, store.where(host), kept["where"]))
        if self._task.check_mode:
            result["msg"] = "would keep %s as %s (sha256 %s)" % (answer["path"], kept["where"], digest)
        else:
            result["msg"] = "kept %s as %s (sha256 %s); keep its password with it" % (answer["path"], kept["where"], digest)
        return result
