#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_agent_status
short_description: Read an agent's program version, Hotfix block and core services in one light read
version_added: 0.1.0
description:
  - The read the staged rollout makes on each agent at every check - C(TmListen_Ver) (or C(ProgramVer)) and
    C(NoProgramUpgrade) under the agent's C(CurrentVersion\Misc.) key, the agent key's C(GUID) (to notice a
    reinstalled agent), and the state and display name of the services C(tmlisten) and C(NTRTScan).
  - One remote execution of the preflight's read-only probe script, asked for these values only. The key is
    read in both registry views, so no OS query is needed; on the management server the same read also gives
    the server's version (C(Server_Version), C(ServicePack_Build)).
  - The agent is judged by its program version (KA-0012615 item 7). A service display name that says Apex One
    on an XG agent is reported as C(display_says_apexone), never as an upgrade.
options: {}
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.windows_read
seealso:
  - module: apexone.upgrade.apexone_hotfix_block
  - module: apexone.upgrade.apexone_rollout
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Read the agent
  apexone.upgrade.apexone_agent_status:
  register: status

- name: Show it
  ansible.builtin.debug:
    msg: "{{ status.agent.status }} {{ status.agent.version }}"
"""

RETURN = r"""
agent:
  description: What the read says.
  returned: always
  type: dict
  contains:
    status:
      description: >-
        V(upgraded) (Apex One, tmlisten and NTRTScan running), V(services_lost) (Apex One, one of them not
        running), V(still_xg), V(no_agent) (the agent's key does not exist), V(unknown_version).
      type: str
      sample: still_xg
    version:
      description: C(TmListen_Ver), else C(ProgramVer), else null.
      type: str
      sample: 12.0.5684
    product:
      description: V(xg), V(apexone) or null, from the version's major number.
      type: str
    blocked:
      description: True when C(NoProgramUpgrade) is 1, null when it is not set.
      type: bool
    services:
      description: Service name (lower case) to C(display_name) and C(state).
      type: dict
    services_not_running:
      description: On an Apex One agent, the required services that are not running.
      type: list
      elements: str
    identity:
      description: Values that identify the installation (C(GUID)); a change means the agent was reinstalled.
      type: dict
    display_says_apexone:
      description: True when the services already carry Apex One display names while the program is XG (KA-0012615 item 7).
      type: bool
    server_version:
      description: The management server's version and build, on the server; null elsewhere.
      type: str
    server_product:
      description: V(xg) or V(apexone) on the server; null elsewhere.
      type: str
"""
