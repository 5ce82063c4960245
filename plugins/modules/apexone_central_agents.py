#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_central_agents
short_description: Read the server's agents from Apex Central / Control Manager (Automation API)
version_added: 0.1.0
description:
  - For servers registered to Apex Central (or Control Manager 7.0), the list of agents the preflight accounts
    for (KA-0012615 item 2) can come from its Automation API instead of a console export
    (C(GET /WebApp/API/AgentResource/ProductAgents)).
  - Each request carries a JWT (HS256) signed with the API key, with the claims C(appid), C(iat), C(version) V(V1)
    and C(checksum) (base64 of SHA-256 over the method, the lower-cased path and query, the canonical headers and
    the body).
  - The answer has no operating system; the preflight joins it with Active Directory by host name.
  - The API key is a secret; it is never returned, logged or printed, at any verbosity.
  - Runs on the controller; reads nothing on managed hosts.
options:
  url:
    description: The Apex Central server, e.g. V(https://apexcentral.corp.example).
    type: str
    required: true
  application_id:
    description: The application ID from Apex Central's Automation API Access Settings.
    type: str
    required: true
  api_key:
    description: The API key of that application. Keep it in a vault.
    type: str
    required: true
  managing_server_id:
    description: Only the agents of this managing server (the OfficeScan / Apex One server being upgraded).
    type: str
  product:
    description: The product code of the agents asked for (a filter of the API).
    type: str
    default: SLF_PRODUCT_OFFICESCAN_CE
  validate_certs:
    description: Verify Apex Central's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: A CA bundle to verify Apex Central's certificate with.
    type: path
  timeout:
    description: Seconds to wait for the answer.
    type: int
    default: 30
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.controller
seealso:
  - module: apexone.upgrade.apexone_agent_list
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Ask Apex Central which agents the server manages
  apexone.upgrade.apexone_central_agents:
    url: https://apexcentral.corp.example
    application_id: "{{ apexone_central_application_id }}"
    api_key: "{{ apexone_central_api_key }}"  # from a vault
  register: central_agents
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
agents:
  description: One entry per agent with C(host), C(ip) (the first address), C(domain) (C(ad_domain)),
    C(managing_server_id), C(entity_id), C(source) (V(apex_central)); C(os) and C(agent_version) are null.
  returned: success
  type: list
  elements: dict
count:
  description: How many agents Apex Central listed.
  returned: success
  type: int
msg:
  description: What was read, or why not and what to do.
  returned: always
  type: str
"""
