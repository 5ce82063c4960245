# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup: read entries of the runbook catalog from playbooks, so the catalog stays the one source."""

from __future__ import annotations

DOCUMENTATION = r"""
name: runbook
short_description: Read entries of the apexone.upgrade runbook catalog
version_added: 0.1.0
description:
  - Returns entries of the collection's runbook catalog (the facts of the two Trend Micro articles), so playbooks
    print the same text and use the same data as the modules.
options:
  _terms:
    description:
      - Catalog entry names, in lower case, from this list
        C(builds), C(certificates), C(unsupported_os), C(sha2_updates), C(acs_updates), C(endpoints),
        C(agent_services), C(server_services), C(sql_password_forbidden), C(invalid_keep_names),
        C(signature_failure_text), C(console_update_setting), C(hotfix_block_lead_days),
        C(behaviour_monitoring_settings), and the shared defaults C(default_region), C(default_lang),
        C(default_report_dir), C(default_backup_dir), C(default_rollout_deadline).
    type: list
    elements: str
    required: true
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Remind the console setting of KA-0012615 item 6, in Japanese
  ansible.builtin.debug:
    msg: "{{ query('apexone.upgrade.runbook', 'console_update_setting')[0]['ja'] }}"
"""

RETURN = r"""
_list:
  description: One value per term, tuples turned into lists.
  type: list
  elements: raw
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, certificates


def _plain(value):
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return dict((key, _plain(item)) for key, item in value.items())
    return value


# The entries playbooks may read: an explicit list, so renaming an internal name of the catalog never
# changes what a playbook sees without this list (and its documentation) changing too.
EXPOSED = (
    "builds", "certificates", "unsupported_os", "sha2_updates", "acs_updates", "endpoints", "agent_services",
    "server_services", "sql_password_forbidden", "invalid_keep_names", "signature_failure_text",
    "console_update_setting", "hotfix_block_lead_days", "behaviour_monitoring_settings",
    "default_region", "default_lang", "default_report_dir", "default_backup_dir", "default_rollout_deadline",
)


def entry(term):
    name = str(term).strip().lower()
    if name not in EXPOSED:
        raise AnsibleLookupError("%r is not an entry of the runbook catalog; known: %s" % (term, ", ".join(EXPOSED)))
    if name == "certificates":  # completed as the modules use them (name, file, match, since_build)
        return _plain(certificates.required_certificates())
    return _plain(getattr(catalog, name.upper()))  # plain data in the catalog module itself


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [entry(term) for term in terms]
