# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_facts: everything the preflight needs from a host, in one remote execution."""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleAuthenticationFailure, AnsibleConnectionFailure

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    catalog, certificates, errors, fleet_record, host_judgement, hotfix_block, post_upgrade, preflight, probe_plan)
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _collection, _remote
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
        "compact": {"type": "bool", "default": False},
    }

    def act(self, args, task_vars):
        if not args["compact"]:
            return self._read(args, task_vars)
        if args["post_upgrade"]:
            raise errors.InputError("compact and post_upgrade cannot be used together: the compact record holds the "
                                    "preflight's findings only")
        read_at = fleet_record.stamp(datetime.datetime.now(datetime.timezone.utc))
        try:
            result = self._read(args, task_vars)
        except AnsibleAuthenticationFailure:
            raise  # credentials refused: the run must stop on it, never carry on host by host
        except (_remote.RemoteScriptError, AnsibleConnectionFailure) as exc:
            # The host could not be read: the record says why, so the fact cache never keeps an older reading
            # as if it were this run's; the report counts the host as unknown.
            why = exc.msg if isinstance(exc, _remote.RemoteScriptError) else str(exc)
            role = self._role(args, task_vars)[0]
            return {"changed": False, "msg": "not read: %s" % why,
                    "warnings": ["this host could not be read, the report counts it as unknown: %s" % why],
                    "ansible_facts": {fleet_record.FACT: fleet_record.error_record(why, role, read_at,
                                                                                   _collection.version())}}
        facts = result.pop("ansible_facts")
        result["ansible_facts"] = {fleet_record.FACT: fleet_record.record(
            facts["apexone_host"], facts["apexone_findings"], read_at, _collection.version())}
        return result

    @staticmethod
    def _role(args, task_vars):
        """(role name, is_server, is_agent) of the host."""
        groups = task_vars.get("group_names") or []
        role = args["role"]
        is_server = role in ("server", "both") or (role == "auto" and "apexone_server" in groups)
        is_agent = role in ("agent", "both") or (role == "auto" and ("apexone_agents" in groups or not is_server))
        name = "server" if is_server and not is_agent else "agent" if is_agent and not is_server else "both"
        return name, is_server, is_agent

    def _read(self, args, task_vars):
        role, is_server, is_agent = self._role(args, task_vars)
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
            facts, found = host_judgement.judge_short(exc.decided, required, role, is_agent,
                                                      sha2_updates=args["sha2_updates"], offline=args["offline"])
            return {"changed": False, "ansible_facts": {"apexone_host": facts, "apexone_findings": found},
                    "msg": exc.msg}
        facts, found = host_judgement.judge(answer, required, role, is_server, is_agent, sha2_updates=args["sha2_updates"],
                                            offline=args["offline"], upgrade_date=args["server_upgrade_date"])
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
