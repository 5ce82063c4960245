#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_agent_list
short_description: Read the server's agent list from the web console's CSV export
version_added: 0.1.0
description:
  - One agent on an unsupported OS stops the Apex One server setup (KA-0012615 item 2), and the hosts that matter most
    are the ones WinRM cannot reach. The authoritative list of agents is the server's own; this module reads the
    web console's agent-list export so the preflight can account for every agent, not only the inventory.
  - "Detects the file's encoding: UTF-8 with or without a BOM, UTF-16LE (Windows \"Unicode\"), or CP932
    (Shift_JIS, Japanese Windows)."
  - The export's exact column headers are not public. The defaults are documented guesses in English and Japanese
    (for example C(Endpoint) / C(エンドポイント) for the host name, C(IP Address) / C(IPアドレス),
    C(Operating System) / C(オペレーティングシステム), C(Agent Version) / C(エージェントのバージョン), C(Domain) /
    C(ドメイン)); give O(columns) when your file differs. Headers are matched ignoring case, spaces and full-width
    forms.
  - Fails with a message that says what to do for a file that is empty, in an unknown encoding, missing a mapped
    column, or that lists a host twice.
  - A file that looks cut is refused whole, naming the line, so that nothing partial becomes an agent; a row with more
    or fewer fields than the header, a quote that is never closed, or bytes that end inside a character (UTF-8,
    UTF-16LE or CP932). A file cut exactly at a line end, or inside the last field of a row, cannot be told from a
    whole one; compare RV(count) with the console's agent count.
  - Runs on the controller; reads nothing on managed hosts.
options:
  path:
    description: The exported CSV file, on the controller.
    type: path
    required: true
  encoding:
    description: The file's encoding; V(auto) detects it.
    type: str
    default: auto
    choices: [auto, utf-8, utf-8-sig, utf-16-le, cp932]
  columns:
    description:
      - Which column holds each field, as C(field -> header) or C(field -> [headers tried in order]).
      - Fields are C(host) (required), C(ip), C(os), C(agent_version) and C(domain). A field you map must exist in the
        file; a field you set to an empty value is not read.
    type: dict
    default: {}
  lang:
    description: The language of the messages about a damaged file (the report's language, C(apexone_report_lang)).
    type: str
    default: ja
    choices: [ja, en]
    version_added: 0.2.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.controller
seealso:
  - module: apexone.upgrade.apexone_report
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Read the agent list exported from the console
  apexone.upgrade.apexone_agent_list:
    path: /srv/apexone/agents.csv
  register: server_agents
  delegate_to: localhost
  run_once: true

- name: The same, from a file whose headers are not among the defaults
  apexone.upgrade.apexone_agent_list:
    path: /srv/apexone/agents.csv
    encoding: cp932
    columns:
      host: 端末名
      os: [OS, オペレーティングシステム]
      domain: ""
"""

RETURN = r"""
agents:
  description: One entry per agent, in file order, with C(host), C(ip), C(os), C(agent_version), C(domain) (null when
    the file has no such column or the cell is empty), C(source) (V(export)) and C(line) (the row number in the file).
  returned: success
  type: list
  elements: dict
count:
  description: How many agents the file lists.
  returned: success
  type: int
encoding:
  description: The encoding the file was read with.
  returned: success
  type: str
  sample: cp932
columns:
  description: The header used for each field.
  returned: success
  type: dict
missing_fields:
  description: Optional fields the file has no column for.
  returned: success
  type: list
  elements: str
msg:
  description: What was read, or what is wrong with the file and what to do.
  returned: always
  type: str
"""
