# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_winhttp_proxy: give WinHTTP a proxy (KA-0001268 method 1), never taking one away.

One read-only execution reads WinHTTP and the connecting account's IE setting; the decision is made
here (module_utils.winhttp); only when something is to change does a second execution run netsh and
read WinHTTP back.
"""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import errors, winhttp
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction


class ActionModule(ApexOneAction):
    ARGUMENT_SPEC = {
        "proxy": {"type": "str"},
        "bypass": {"type": "list", "elements": "str"},
    }

    def act(self, args, task_vars):
        proxy, bypass = (winhttp.check_explicit(args["proxy"], args["bypass"]) if args["proxy"] else (None, None))
        if args["bypass"] and not args["proxy"]:
            raise errors.InputError("bypass is only used with proxy: give proxy as well, or leave bypass out to import the IE "
                                    "proxy")
        read = self.run_script("winhttp_import", winhttp.script_params("read"), read_only=True)
        before, user = winhttp.parse(read.get("before")), winhttp.parse(read.get("user"))
        decision = winhttp.decide(before, user, read.get("account"), proxy, bypass)
        result = {"changed": False, "before": before, "after": before, "account_ie_proxy": user,
                  "decision": decision["action"], "reason": decision["reason"], "netsh": ""}
        if decision["action"] == "none":
            result["msg"] = "nothing done: %s" % decision["reason"]
            return result
        expected = decision["expected"]
        wanted = winhttp.describe({"direct": False, "proxy": expected["proxy"], "bypass": expected["bypass"]})
        result["changed"] = True
        if self._task.diff:
            result["diff"] = {"before": winhttp.describe(before) + "\n", "after": wanted + "\n", "before_header": "WinHTTP",
                              "after_header": "WinHTTP"}
        if self._task.check_mode:
            result["msg"] = "would %s: WinHTTP would use %s (now %s)" % (
                "import the IE proxy" if decision["action"] == "import" else "set the proxy", wanted,
                winhttp.describe(before))
            return result
        done = self.run_script("winhttp_import", winhttp.script_params(decision["action"], proxy, bypass),
                               read_only=False)
        after = winhttp.parse(done.get("after"))
        result.update(after=after, netsh=done.get("output", ""), netsh_exit_code=done.get("exit_code"))
        problem = winhttp.verify(decision, winhttp.parse(done.get("before")), after, done.get("exit_code"))
        if problem:
            result.update(failed=True, msg="%s; netsh said: %s" % (problem, done.get("output", "")))
            return result
        result["msg"] = "WinHTTP before: %s; after: %s" % (winhttp.describe(before), winhttp.describe(after))
        return result
