# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_winhttp_proxy: import the IE proxy into WinHTTP (KA-0001268 method 1)."""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import preflight, probe_plan
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction


def _describe(setting):
    return "direct access (no proxy)" if setting["direct"] else "proxy %s, bypass %s" % (setting["proxy"], setting["bypass"])


class ActionModule(ApexOneAction):
    ARGUMENT_SPEC = {}

    def act(self, args, task_vars):
        params = {"SettingsPath": probe_plan.WINHTTP_KEY["path"], "CheckMode": bool(self._task.check_mode)}
        answer = self.run_script("winhttp_import", params, read_only=False)
        before, after = preflight.parse_winhttp(answer.get("before")), preflight.parse_winhttp(answer.get("after"))
        changed = answer.get("before") != answer.get("after")
        result = {"changed": changed, "before": before, "after": after, "netsh": answer.get("output", "")}
        if self._task.check_mode:
            result.update(changed=True, msg="would import the IE proxy; WinHTTP now: %s" % _describe(before))
        else:
            result["msg"] = "WinHTTP before: %s; after: %s" % (_describe(before), _describe(after))
            if after["direct"]:
                result["warnings"] = ["WinHTTP still has no proxy: the account Ansible connects as has no IE proxy set. "
                                      "Set it with 'netsh winhttp set proxy <proxy:port>' if the host needs one."]
        if self._task.diff and changed:
            result["diff"] = {"before": _describe(before) + "\n", "after": _describe(after) + "\n", "before_header": "WinHTTP"}
        return result
