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

from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction

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
