# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_agent_list: read the console's agent-list export (CSV) on the controller."""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import agent_list, catalog, checks, errors
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _paths
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction


class ActionModule(ApexOneAction):
    _requires_connection = False  # reads a file on the controller only
    _supports_diff = False
    ARGUMENT_SPEC = {
        "path": {"type": "path", "required": True},
        "encoding": {"type": "str", "default": "auto", "choices": list(agent_list.ENCODINGS)},
        "columns": {"type": "dict", "default": {}},
        "lang": {"type": "str", "default": catalog.DEFAULT_LANG, "choices": list(checks.LANGUAGES)},
    }

    def act(self, args, task_vars):
        args["path"] = _paths.input_path(args["path"], task_vars, "the agent list")  # relative: the project's
        try:
            with open(args["path"], "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise errors.InputError("cannot read the agent list %s: %s" % (args["path"], exc.strerror or exc))
        try:
            parsed = agent_list.parse(data, columns=args["columns"], encoding=args["encoding"],
                                      lang=args["lang"])
        except errors.InputError as exc:
            raise errors.InputError("%s: %s" % (args["path"], exc))
        return {"changed": False, "agents": parsed["agents"], "count": len(parsed["agents"]),
                "encoding": parsed["encoding"], "columns": parsed["columns"],
                "missing_fields": parsed["missing_fields"],
                "msg": "%d agent(s) read from %s (%s; columns %s)" % (
                    len(parsed["agents"]), args["path"], parsed["encoding"],
                    ", ".join("%s=%r" % kv for kv in sorted(parsed["columns"].items())))}
