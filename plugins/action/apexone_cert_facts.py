# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_cert_facts: one read of the host's stores, judged on the controller."""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates, probe_plan
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction


class ActionModule(ApexOneAction):
    _supports_diff = False
    ARGUMENT_SPEC = {
        "required_certificates": {"type": "list", "elements": "dict", "default": []},
        "use_catalog": {"type": "bool", "default": True},
        "build": {"type": "int"},
        "stores": {"type": "list", "elements": "str", "default": list(certificates.STORES),
                   "choices": list(certificates.STORES)},
        "include_all": {"type": "bool", "default": False},
    }

    def act(self, args, task_vars):
        required = certificates.required_certificates(
            build=args["build"], extra=args["required_certificates"], use_catalog=args["use_catalog"])
        stores = sorted(set(args["stores"]) | set(item["store"] for item in required))
        answer = self.run_script("probe", probe_plan.probe_params(["certificates"], stores=stores),
                                 read_only=True, list_paths=probe_plan.LIST_PATHS)
        facts = certificates.evaluate(answer["certificates"], required)
        facts["build"] = args["build"]
        if args["include_all"]:
            facts["stores"] = answer["certificates"]
        return {"changed": False, "ansible_facts": {"apexone_certificates": facts}, "msg": facts["summary"]}
