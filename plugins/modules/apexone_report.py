#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_report
short_description: Write the Apex One upgrade preflight report for the fleet
version_added: 0.1.0
description:
  - Runs on the controller. Reads every target host's C(apexone_host) and C(apexone_findings) (set by
    M(apexone.upgrade.apexone_facts)), adds the checks across the fleet, and writes one HTML page and one JSON file.
  - "Fleet checks: the activation code (KA-0012615 item 1) and the SQL Server password (item 3), read from the
    variables named by O(activation_code_var) and O(sql_password_var) so they never appear in task arguments or
    logs, and never whole in the report; agent and server versions (item 4); the server authentication certificate
    backup on the controller (item 10); service names (item 7), post-upgrade checks (item 11) and the behaviour
    monitoring settings to check by hand (item 12)."
  - A host without facts (unreachable, or failed before the probe) is listed as unknown, never as ready.
  - The HTML page is self-contained (no external assets), readable offline and printable; Japanese or English.
options:
  servers:
    description: The management server hosts. Defaults to the C(apexone_server) group.
    type: list
    elements: str
  agents:
    description: The agent hosts. Defaults to the C(apexone_agents) group.
    type: list
    elements: str
  lang:
    description: The report's language.
    type: str
    choices: [ja, en]
    default: ja
  report_dir:
    description: Where the report files are written (created with mode 0700). Existing files are never overwritten.
    type: path
    required: true
  backup_dir:
    description:
      - Where C(prerequisites.yml) keeps server certificate backups, C(<backup_dir>/<server>/OfficeScanAuth.dat), a
        controller folder or a share (C(\\fileserver\apexone$\backups)). Each kept copy is read back through the
        store and checked against its C(.sha256); a missing, unverifiable or damaged copy is a blocker.
    type: str
  name:
    description: The start of the report file names, followed by the date and time.
    type: str
    default: preflight
  activation_code_var:
    description: The variable holding the activation code to check. Unset or empty means a manual check.
    type: str
    default: apexone_activation_code
  sql_password_var:
    description: The variable holding the SQL Server password to check. Unset or empty means a manual check.
    type: str
    default: apexone_sql_password
  probe_var:
    description:
      - The variable each host registered M(apexone.upgrade.apexone_facts)'s result in. For a host without facts,
        its message says in the report why the host could not be read.
      - The role C(apexone.upgrade.preflight) registers it as C(preflight_probe).
    type: str
    default: preflight_probe
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.controller
attributes:
  check_mode:
    details: The report is written in check mode too; it changes no managed host.
notes:
  - C(changed) is always false. The report is output, like a registered result, not managed state.
seealso:
  - module: apexone.upgrade.apexone_facts
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Write the fleet report
  apexone.upgrade.apexone_report:
    report_dir: /var/lib/apexone/reports
    lang: en
  run_once: true
  delegate_to: localhost
  register: report
"""

RETURN = r"""
html:
  description: The HTML report's path.
  returned: success
  type: str
json:
  description: The JSON report's path.
  returned: success
  type: str
summary:
  description: Host counts (C(hosts), C(ready), C(blocked), C(unknown)) and C(fleet_blocked).
  returned: success
  type: dict
blockers:
  description: Each blocking check with its title and hosts (C((fleet)) for fleet checks).
  returned: success
  type: list
  elements: dict
warning_checks:
  description: Each check that warns, with its title and hosts, as RV(blockers).
  returned: success
  type: list
  elements: dict
"""
