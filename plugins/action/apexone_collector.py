# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_collector: writes apexone-collect.ps1, the standalone probe ops push to hosts WinRM does not
reach, on the controller. Never overwrites a different file."""

from __future__ import annotations

import hashlib
import os

from ansible_collections.apexone.upgrade.plugins.module_utils import errors
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _collection, _collector
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction


class ActionModule(ApexOneAction):
    _requires_connection = False  # writes a file on the controller only
    _supports_diff = False
    ARGUMENT_SPEC = {
        "dest": {"type": "path", "required": True},
        "folder": {"type": "str", "required": True},
        "root_update_route_test": {"type": "bool", "default": False},
    }

    def act(self, args, task_vars):
        text = _collector.script(args["folder"], _collection.version(), args["root_update_route_test"]).encode("ascii")
        dest = args["dest"]
        if os.path.isdir(dest):
            dest = os.path.join(dest, "apexone-collect.ps1")
        result = {"dest": dest, "bytes": len(text), "sha256": hashlib.sha256(text).hexdigest(),
                  "collection": _collection.version(), "folder": args["folder"]}
        if os.path.exists(dest):
            with open(dest, "rb") as handle:
                if handle.read() == text:
                    return dict(result, changed=False, msg="%s is already this collector" % dest)
            raise errors.InputError("%s already exists with other content (another folder or collection version): it is "
                                    "never overwritten; give another dest, or move the old script away once no host "
                                    "runs it any more" % dest)
        if not os.path.isdir(os.path.dirname(dest) or "."):
            raise errors.InputError("the folder of %s does not exist: create it first" % dest)
        if not self._task.check_mode:
            with open(dest, "xb") as handle:  # exclusive: a file created meanwhile is never overwritten
                handle.write(text)
        return dict(result, changed=True, msg="%s written (%d bytes): push it to the hosts, which write their answers "
                                              "into %s" % (dest, len(text), args["folder"]))
