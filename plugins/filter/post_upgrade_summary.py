# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Summarise the post-upgrade checks across hosts."""

from __future__ import annotations

DOCUMENTATION = r"""
name: post_upgrade_summary
short_description: Sort post-upgrade checks across hosts into passed, needs action and information
version_added: 0.1.0
description:
  - Takes C(hostvars) and host names; reads each host's C(apexone_post_upgrade) (set by
    M(apexone.upgrade.apexone_facts) with C(post_upgrade=true)) and the M(apexone.upgrade.apexone_invalid_rename)
    result registered in O(rename_var). A host without checks was not read and is listed as unknown.
positional: hosts, rename_var, lang
extends_documentation_fragment:
  - apexone.upgrade.fleet_filter
options:
  rename_var:
    description: The variable each server registered M(apexone.upgrade.apexone_invalid_rename)'s result in.
    type: str
    default: verify_post_upgrade_renames
  lang:
    description: The language of each check's detail and fix.
    type: str
    choices: [ja, en]
    default: ja
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Summarise
  ansible.builtin.debug:
    msg: "{{ hostvars | apexone.upgrade.post_upgrade_summary(groups['apexone_server'] + groups['apexone_agents']) }}"
"""

RETURN = r"""
_value:
  description: C(passed), C(needs_action), C(information) (each host, check, detail, fix), C(unknown) hosts and C(ok).
  type: dict
"""

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, post_upgrade
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _fleet_filter


def post_upgrade_summary(hostvars, hosts, rename_var="verify_post_upgrade_renames", lang=catalog.DEFAULT_LANG):
    def read(values):
        checks = values.get("apexone_post_upgrade")
        return None if checks is None else list(checks) + post_upgrade.rename_checks(values.get(rename_var))

    return _fleet_filter.summarise(hostvars, hosts, read, post_upgrade.summary, lang=lang)


class FilterModule:
    def filters(self):
        return {"post_upgrade_summary": post_upgrade_summary}
