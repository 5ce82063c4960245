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
  - Runs on the controller. Reads every target host's probe record C(apexone_preflight) (left in Ansible's fact cache by
    M(apexone.upgrade.apexone_facts) with O(apexone.upgrade.apexone_facts#module:compact)), adds the checks across the
    fleet, and writes one HTML page and one JSON file.
  - Hosts are read one at a time and streamed to the files, so memory grows by a few hundred bytes per host; the
    probe may have run in slices (AWX / Automation Platform job slicing), in other runs, any time within
    O(max_age_hours).
  - "Fleet checks: the activation code (KA-0012615 item 1) and the SQL Server password (item 3), read from the
    variables named by O(activation_code_var) and O(sql_password_var) so they never appear in task arguments or
    logs, and never whole in the report; agent and server versions (item 4); the server authentication certificate
    backup on the controller (item 10); service names (item 7), post-upgrade checks (item 11) and the behaviour
    monitoring settings to check by hand (item 12)."
  - A host the probe could not read is listed as unknown, never as ready. A host without a usable probe record (none,
    older than O(max_age_hours), read before O(read_since), or written by another version of this collection) is
    listed as not probed, and the report is then partial, never a verdict on the fleet (C(complete) of RV(summary) is
    false, RV(partial) says why); so is a report that runs in one slice of a sliced job.
  - The HTML page is self-contained (no external assets), readable offline and printable; Japanese or English.
    It starts with the verdict, the counts and the blockers; each check names its hosts by detail, the first 20 of
    each. Up to 1,000 hosts, the hosts-by-checks table follows on the same page; beyond, it is written in pages of
    1,000 hosts beside it (C(<name>-<time>-hosts-001.html), ...), blocked hosts first, linked from the page. The JSON
    file holds every host, one per line.
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
  max_age_hours:
    description: A probe record older than this many hours is not used (the host is not probed). V(0) accepts any age.
    type: int
    default: 24
  read_since:
    description:
      - A UTC time, C(YYYY-MM-DDTHH:MM:SSZ). A probe record read before it is not used. The playbook
        C(apexone.upgrade.preflight) sets it to the start of its probe, so that its report uses only what the same run read.
    type: str
  collected_dir:
    description:
      - The folder (a controller folder or a share, C(\\\\fileserver\\apexone$\\collected)) the standalone collector
        (M(apexone.upgrade.apexone_collector)) writes each host's answer into, C(<COMPUTERNAME>.json).
      - Each answer is matched to an agent of the inventory (its DNS host name, else its computer name, by full or
        short name), checked against the collector's format, its collection version and O(max_age_hours), and judged
        as a probed agent. A host both probed and collected is judged from the newer reading (a reading beats a failed
        attempt); the report says which. A file that cannot be used is refused by name (check C(collected_refused)).
    type: str
  required_certificates:
    description: Extra or overriding certificate entries, to judge collected answers (as M(apexone.upgrade.apexone_facts)).
    type: list
    elements: dict
    default: []
  build:
    description: The Apex One build to be ready for, to judge collected answers (as M(apexone.upgrade.apexone_facts)).
    type: int
  sha2_updates:
    description: More updates that satisfy the SHA-2 code signing requirement, to judge collected answers (as M(apexone.upgrade.apexone_facts)).
    type: list
    elements: raw
    default: []
  server_upgrade_date:
    description: The planned server upgrade date (YYYY-MM-DD), to judge collected answers.
    type: str
  server_agents:
    description:
      - The server's own list of agents, as M(apexone.upgrade.apexone_agent_list) and
        M(apexone.upgrade.apexone_central_agents) return it in C(agents) (C(host), C(ip), C(os), C(agent_version),
        C(domain), C(source)). Every agent on it is accounted for (its OS from WinRM, Active Directory or the list);
        unset, every directory computer counts as a possible agent.
    type: list
    elements: dict
  directory_group:
    description:
      - The inventory group holding the computers the C(microsoft.ad.ldap) inventory plugin read from Active Directory
        (its C(groups) option). Their OS is classified from their host variables, without contacting them.
    type: str
    default: apexone_directory
  directory_vars:
    description:
      - Which host variables hold the computer object's attributes, for inventories that name them otherwise. Keys
        C(os) (default V(operatingSystem)), C(version) (default V(operatingSystemVersion)), C(service_pack) (default
        V(operatingSystemServicePack)), C(dns_host_name) (default V(dNSHostName), else C(ansible_host)).
    type: dict
    default: {}
  directory_required:
    description:
      - Fail with a clear message when O(directory_group) is empty (the LDAP inventory source failed, for example with
        a wrong bind password, and Ansible only warned).
    type: bool
    default: false
  export_os_names:
    description:
      - How the agent list's OS column is read when neither WinRM nor the directory knows an agent, replacing the
        built-in table. Entries C(pattern) (a regular expression, case-insensitive), C(version) ([major, minor]),
        optional C(product_type) (1 client, 3 server) and C(build); the first match wins.
    type: list
    elements: dict
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
pages:
  description: The pages of the hosts table, beyond 1,000 hosts; empty when the table is on the report's page.
  returned: success
  type: list
  elements: str
summary:
  description:
    - Host counts C(hosts), C(ready), C(blocked), C(unknown), C(not_read) (no usable probe record) and C(not_contacted)
      (agents known from Active Directory or the server's list only).
    - C(fleet_blocked) (something blocks the upgrade), C(blocker_checks), C(complete) (every host has a usable record
      and the report did not run in a slice), C(slice), C(verdict) (V(ready), V(blocked) or V(partial)), and
      C(read_from) / C(read_to), when the oldest and newest records used were read.
  returned: success
  type: dict
partial:
  description: Why the report is not a verdict on the fleet and what to do, or null when it is one.
  returned: success
  type: str
blockers:
  description: Each blocking check with its title, C(count) and its first 20 hosts (C((fleet)) for fleet checks).
  returned: success
  type: list
  elements: dict
warning_checks:
  description: Each check that warns, as RV(blockers).
  returned: success
  type: list
  elements: dict
"""
