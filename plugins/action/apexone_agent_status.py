# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_agent_status: the rollout's light read of an agent, one remote execution."""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import rollout
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction


class ActionModule(ApexOneAction):
    _supports_diff = False
    ARGUMENT_SPEC: dict = {}

    def act(self, args, task_vars):
        # The preflight's read-only probe script, asked for two registry keys and two services only.
        answer = self.run_script("probe", rollout.poll_params(), read_only=True, list_paths=("subsets", "services"))
        status = rollout.read_status(answer)
        return {"changed": False, "agent": status,
                "msg": "%s%s" % (status["status"], " (%s)" % status["version"] if status["version"] else "")}
