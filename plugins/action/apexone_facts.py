# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_facts: everything the preflight needs from a host, in one remote execution."""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    catalog, certificates, hotfix_block, post_upgrade, preflight, probe_plan)
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _remote
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction


class ActionModule(ApexOneAction):
    _supports_diff = False
    ARGUMENT_SPEC = {
        "role": {"type": "str", "default": "auto", "choices": ["auto", "server", "agent", "both"]},
        "region": {"type": "str", "default": catalog.DEFAULT_REGION},
        "extra_endpoints": {"type": "list", "elements": "dict", "default": []},
        "network": {"type": "bool"},
        "network_timeout_ms": {"type": "int", "default": probe_plan.NETWORK_TIMEOUT_MS},
        "network_proxy": {"type": "str"},
        "sha2_updates": {"type": "list", "elements": "raw", "default": []},
        "server_services": {"type": "list", "elements": "dict", "options": {
            "feature": {"type": "str", "required": True}, "display_name": {"type": "str", "required": True},
            "names": {"type": "list", "elements": "str", "default": []}}},
        "required_certificates": {"type": "list", "elements": "dict", "default": []},
        "build": {"type": "int"},
        "server_upgrade_date": {"type": "str"},
        "post_upgrade": {"type": "bool", "default": False},
        "server_product": {"type": "str", "choices": ["xg", "apexone"]},
        "offline": {"type": "bool", "default": False},
        "root_update_route_test": {"type": "bool", "default": False},
    }

    def act(self, args, task_vars):
        groups = task_vars.get("group_names") or []
        role = args["role"]
        is_server = role in ("server", "both") or (role == "auto" and "apexone_server" in groups)
        is_agent = role in ("agent", "both") or (role == "auto" and ("apexone_agents" in groups or not is_server))
        if args["server_upgrade_date"]:
            hotfix_block.parse_date(args["server_upgrade_date"], "apexone_server_upgrade_date")
        required = certificates.required_certificates(build=args["build"], extra=args["required_certificates"])
        subsets = list(probe_plan.HOST_SUBSETS)
        if is_server:  # the server certificate backup's checksum (KA-0012615 item 10); agents need none
            subsets.append("file_hashes")
        destinations = args["network"] if args["network"] is not None else is_server
        # The route to Windows Update's root list: tested where the network part runs anyway, or when asked.
        root_list = (destinations or args["root_update_route_test"]) and not args["offline"]
        if destinations or root_list:
            subsets.append("network")
        if args["post_upgrade"] and is_server:
            subsets.append("folders")
        params = probe_plan.probe_params(subsets, region=args["region"], extra_endpoints=args["extra_endpoints"],
                                         timeout_ms=args["network_timeout_ms"], network_proxy=args["network_proxy"],
                                         server_services=args["server_services"], destinations=destinations,
                                         root_list=root_list)
        try:
            answer = self.run_script("probe", params, read_only=True, list_paths=probe_plan.LIST_PATHS)
        except _remote.ShortAnswer as exc:
            if exc.decided is None or args["post_upgrade"]:
                raise
            # PowerShell 2.0 or Constrained Language Mode: the host is classified from its short answer,
            # never reported unreachable; its other checks need WMF 5.1 / FullLanguage.
            facts = preflight.host_facts({"os": exc.decided["os"]}, required, sha2_updates=args["sha2_updates"],
                                         offline=args["offline"])
            facts["shell"] = exc.decided
            facts["role"] = "server" if is_server and not is_agent else "agent" if is_agent and not is_server else "both"
            found = preflight.shell_findings(facts, is_agent)
            return {"changed": False, "ansible_facts": {"apexone_host": facts, "apexone_findings": found},
                    "msg": exc.msg}
        facts = preflight.host_facts(answer, required, sha2_updates=args["sha2_updates"], offline=args["offline"])
        facts["role"] = "server" if is_server and not is_agent else "agent" if is_agent and not is_server else "both"
        found = preflight.host_findings(facts, is_server, is_agent, upgrade_date=args["server_upgrade_date"])
        blockers = [f["check"] for f in found if f["severity"] == preflight.BLOCKER]
        result = {
            "changed": False,
            "ansible_facts": {"apexone_host": facts, "apexone_findings": found},
            "msg": "blockers: %s" % ", ".join(blockers) if blockers else "no blocker on this host",
        }
        if args["post_upgrade"]:
            checks = post_upgrade.server_checks(facts, args["server_services"] or catalog.SERVER_SERVICES) \
                if is_server else []
            if is_agent:
                checks += post_upgrade.agent_checks(facts, args["server_product"])
            result["ansible_facts"]["apexone_post_upgrade"] = post_upgrade.worded(checks)
            todo = [c["check"] for c in checks if not c["ok"] and c["severity"] == "action"]
            result["msg"] = "needs action: %s" % ", ".join(todo) if todo else "post-upgrade checks passed"
        return result
