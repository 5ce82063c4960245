# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that summarise the collection's per-host results across a fleet."""

from __future__ import annotations

DOCUMENTATION = r"""
name: block_summary
short_description: Summarise apexone_hotfix_block results across hosts
version_added: 0.1.0
description:
  - Takes C(hostvars) and the hosts of a play and sorts them by outcome of the Hotfix block.
  - A host without the registered result (it failed or was unreachable) is counted as such, never as blocked.
positional: hosts, result_var, upgrade_date
extends_documentation_fragment:
  - apexone.upgrade.fleet_filter
options:
  result_var:
    description: The variable each host registered the module's result in.
    type: str
    default: hotfix_block_result
  upgrade_date:
    description: The planned server upgrade date, C(YYYY-MM-DD), for the two-week rule.
    type: str
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Summarise the block across the agents
  ansible.builtin.debug:
    msg: "{{ hostvars | apexone.upgrade.block_summary(groups['apexone_agents'], upgrade_date='2026-12-10') }}"
"""

RETURN = r"""
_value:
  description: Host lists by outcome (C(blocked_now), C(already_blocked), C(released_now), C(already_released),
    C(skipped_no_agent), C(failed_or_unreachable), C(type_corrected)), C(versions) (version to hosts) and
    C(not_ready_for_upgrade) (host and reason). In check mode (C(check_mode) true) nothing changed, and the hosts that
    would change are in C(would_block) / C(would_release) instead of C(blocked_now) / C(released_now).
  type: dict
"""

from ansible_collections.apexone.upgrade.plugins.module_utils import fleet_summary
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _fleet_filter


def block_summary(hostvars, hosts, result_var="hotfix_block_result", upgrade_date=None):
    return _fleet_filter.summarise(hostvars, hosts, lambda values: values.get(result_var),
                                   fleet_summary.block_summary, upgrade_date=upgrade_date or None)


class FilterModule:
    def filters(self):
        return {"block_summary": block_summary}
