# -*- coding: utf-8 -*-
"""Run an action plugin directly: no connection, each remote execution answered by the test.

The action's one seam to the host is ``run_script``; here it keeps what the action asked for
(script, parameters, read-only) and answers from ``answers``: script name -> answer dict, or
-> a callable(params) returning one. A script without an answer stops the action with
``NotAnswered`` once its parameters are kept, which is all a parameter check needs.
"""

from __future__ import annotations

import json
import os
from unittest import mock

from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.template import Templar

from ansible_collections.apexone.upgrade.plugins.action import (
    apexone_auth_backup, apexone_cert_facts, apexone_cert_install, apexone_facts, apexone_gpo_certificates,
    apexone_hotfix_block, apexone_invalid_rename, apexone_winhttp_proxy)
from ansible_collections.apexone.upgrade.plugins.module_utils import preflight, winhttp
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction
from ansible_collections.apexone.upgrade.tests.unit import helpers_bundle

TEST_DATA = os.path.join(os.path.dirname(__file__), "plugins", "action", "test_data")


class NotAnswered(Exception):
    """The action called a script the test gave no answer for."""


def recorded(name):
    """A recorded answer from tests/unit/plugins/action/test_data/."""
    with open(os.path.join(TEST_DATA, name), encoding="utf-8") as handle:
        return json.load(handle)


def run_action(module, args, answers=None, task_vars=None, check_mode=False, diff=False):
    """Run the action of `module` with `args`. Returns (result, calls); result is None when stopped unanswered."""
    task = Task.load({"action": "apexone.upgrade." + module.__name__.rsplit(".", 1)[-1], "args": args})
    task.check_mode, task.diff = check_mode, diff
    loader = DataLoader()
    action = module.ActionModule(task, mock.MagicMock(), PlayContext(), loader, Templar(loader=loader), None)
    calls = []

    def run_script(name, params, read_only, list_paths=()):
        calls.append({"script": name, "params": params, "read_only": read_only})
        answer = (answers or {}).get(name)
        if answer is None:
            raise NotAnswered(name)
        answer = answer(params) if callable(answer) else answer
        return json.loads(json.dumps(answer))  # a fresh copy, as from the wire

    with mock.patch.object(ApexOneAction, "run_script", side_effect=run_script):
        try:
            return action.run(task_vars=task_vars or {}), calls
        except NotAnswered:
            return None, calls


def _sent(module, args, answers=None, **kwargs):
    """The parameters the action of `module` sends for `args`, taken from the action itself."""
    dummy, calls = run_action(module, args, answers, **kwargs)
    assert calls, "%s called no script" % module.__name__
    return calls


def gpo_answer(params):
    """What gpo_certificates.ps1 answers on a DC where no GPO has the name, and after it made one as told."""
    made = bool(params.get("Create"))
    return {"gpo": {"id": "0c1f7e2a-5b3d-4c8e-9f10-2a6b7c8d9e01", "display_name": params["Name"]} if made else None,
            "lookup_error": None if made else {"message": "not found", "id": "GpoWithNameNotFound,Microsoft.GroupPolicy"},
            "values": [{"key": "HKEY_LOCAL_MACHINE\\" + item["key"], "value_name": item["value_name"], "type": "Binary",
                        "policy_state": "Set", "data_b64": item["data_b64"]} for item in params.get("Set") or []],
            "list_errors": [], "links": [{"id": "0c1f7e2a-5b3d-4c8e-9f10-2a6b7c8d9e01", "enabled": True, "enforced": False}]
            if params.get("Link") else [], "created": made, "set": [i["key"] for i in params.get("Set") or []],
            "linked": bool(params.get("Link")), "server": params.get("Server") or "DC01.corp.example"}


def script_calls(tmp_dir):
    """script name -> every parameter set the actions send in these cases."""
    bundle = helpers_bundle.make_bundle(os.path.join(tmp_dir, "bundle"))
    server = preflight.host_facts(recorded("probe_apexone-srv.json"), [])["server"]
    agent = {"group_names": ["apexone_agents"]}
    runs = [
        _sent(apexone_facts, {}, task_vars=agent),
        _sent(apexone_facts, {"role": "server", "post_upgrade": True}),
        _sent(apexone_facts, {"role": "both", "network": True, "extra_endpoints": [{"host": "x.example", "ports": [443]}]}),
        _sent(apexone_facts, {"role": "server", "network_proxy": "proxy.corp.example:8080"}),
        _sent(apexone_cert_facts, {}),
        _sent(apexone_cert_facts, {"stores": ["Root"]}),
        _sent(apexone_invalid_rename, {}),
        _sent(apexone_invalid_rename, {"path": "D:\\OfficeScan"}),
        _sent(apexone_invalid_rename, {"facts": {"server": server}}),
        _sent(apexone_auth_backup, {"dest": os.path.join(tmp_dir, "backup")}),
        _sent(apexone_winhttp_proxy, {}),
        _sent(apexone_winhttp_proxy, {}, check_mode=True),
    ]
    in_bundle = sorted(helpers_bundle.REAL_NAMES)
    runs += [_sent(apexone_cert_install, {"bundle": bundle, "names": in_bundle}, check_mode=check) for check in (False, True)]
    runs += [_sent(apexone_hotfix_block, {"state": state, "create_missing": create}, check_mode=check)
             for state in ("present", "absent") for create in (False, True) for check in (False, True)]
    gpo_args = {"bundle": bundle, "use_catalog": False, "link_target": "OU=Workstations,DC=corp,DC=example", "platform": "windows",
                "required_certificates": [{"store": "Root", "thumbprint": t} for t in helpers_bundle.REAL_ROOTS.values()]}
    runs += [_sent(apexone_gpo_certificates, gpo_args, {"gpo_certificates": gpo_answer}, check_mode=check)
             for check in (False, True)]
    runs.append(_sent(apexone_gpo_certificates, dict(gpo_args, server="dc01.corp.example"),
                      {"gpo_certificates": gpo_answer}))
    calls = {}
    for run in runs:
        for call in run:
            calls.setdefault(call["script"], []).append(call["params"])
    # apexone_winhttp_proxy's second execution depends on what the first read: its parameters come from
    # the builder the action calls for it.
    calls["winhttp_import"] += [winhttp.script_params("import"), winhttp.script_params("set", "proxy.corp.example:8080"),
                                winhttp.script_params("set", "proxy.corp.example:8080", "<local>")]
    return calls
