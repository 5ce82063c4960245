# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_auth_backup: keep a copy of OfficeScanAuth.dat on the controller (KA-0012615 item 10)."""

from __future__ import annotations

import base64
import hashlib
import os

from ansible.utils.display import Display

from ansible_collections.apexone.upgrade.plugins.module_utils import auth_backup, errors
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction

display = Display()
FILE_NAME = "OfficeScanAuth.dat"


def _write_new(path: str, data: bytes) -> None:
    """Create `path` mode 0600; an existing file is never overwritten."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class ActionModule(ApexOneAction):
    ARGUMENT_SPEC = {
        "dest": {"type": "path", "required": True},
        "max_bytes": {"type": "int", "default": 10 * 1024 * 1024},
    }

    def act(self, args, task_vars):
        host = task_vars.get("inventory_hostname", "server")
        params = auth_backup.plan(args["max_bytes"])
        answer = self.run_script("auth_backup", params, read_only=True, list_paths=("candidates",))
        server = answer.get("server") or {}
        limit = auth_backup.export_limit(server.get("version"))
        build = int(server["build"]) if str(server.get("build") or "").isdigit() else None
        result = {"changed": False, "server_version": server.get("version"), "server_build": build, "export_limit": limit,
                  "searched": answer["candidates"]}
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
        if "content_b64" not in answer:
            raise errors.InputError("%s on %s is %s bytes, more than max_bytes=%d: copy it by hand"
                                    % (answer["path"], host, answer["size"], args["max_bytes"]))
        data = base64.b64decode(answer["content_b64"])
        digest = hashlib.sha256(data).hexdigest()
        folder = os.path.join(args["dest"], host)
        kept = os.path.join(folder, FILE_NAME)
        result.update(found=True, source=answer["path"], size=len(data), sha256=digest, modified=answer.get("modified"))
        if os.path.exists(kept):
            with open(kept, "rb") as handle:
                if hashlib.sha256(handle.read()).hexdigest() == digest:
                    result.update(dest=kept, msg="backup already kept: %s (sha256 %s)" % (kept, digest))
                    return result
            # Different content: keep both, never overwrite the earlier backup.
            kept = os.path.join(folder, "OfficeScanAuth-%s-%s.dat" % (
                (answer.get("modified") or "").replace(":", "").replace("-", ""), digest[:8]))
            display.warning("%s on %s differs from the backup already kept in %s; keeping both (new: %s)"
                            % (FILE_NAME, host, folder, kept))
            if os.path.exists(kept):
                result.update(dest=kept, msg="backup already kept: %s" % kept)
                return result
        result.update(changed=True, dest=kept)
        if self._task.check_mode:
            result["msg"] = "would keep %s as %s (sha256 %s)" % (answer["path"], kept, digest)
            return result
        os.makedirs(folder, mode=0o700, exist_ok=True)
        _write_new(kept, data)
        _write_new(kept + ".sha256", ("%s  %s\n" % (digest, os.path.basename(kept))).encode("ascii"))
        result["msg"] = "kept %s as %s (sha256 %s); keep its password with it" % (answer["path"], kept, digest)
        return result
