# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_hotfix_block: set, record and re-read the block in one remote execution."""

from __future__ import annotations

import getpass
import socket

from ansible_collections.apexone.upgrade.plugins.module_utils import hotfix_block
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction


class ActionModule(ApexOneAction):
    ARGUMENT_SPEC = {
        "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
        "create_missing": {"type": "bool", "default": False},
        "server_upgrade_date": {"type": "str"},
        "actor": {"type": "str"},
    }

    def act(self, args, task_vars):
        if args["server_upgrade_date"]:
            hotfix_block.parse_date(args["server_upgrade_date"], "server_upgrade_date")  # fail before touching hosts
        actor = args["actor"] or "%s@%s (apexone.upgrade)" % (getpass.getuser(), socket.gethostname())
        params = hotfix_block.plan(args["state"], actor, create_missing=args["create_missing"])
        params["CheckMode"] = bool(self._task.check_mode)
        answer = self.run_script("registry_block", params, read_only=False)
        result = hotfix_block.interpret(answer, args["state"], self._task.check_mode, params)
        result["check_mode"] = bool(self._task.check_mode)
        if not self._task.diff:
            result.pop("diff", None)
        elif not result.get("changed"):
            result.pop("diff", None)
        if args["server_upgrade_date"] and args["state"] == "present" and not result.get("skipped") \
                and not result.get("failed"):
            blocked = result["blocked"] or (self._task.check_mode and result.get("value_changed"))
            result["readiness"] = hotfix_block.block_readiness(
                blocked, result["record"].get("BlockedAt"), args["server_upgrade_date"],
                first_seen=result.get("first_seen"))
        return result
