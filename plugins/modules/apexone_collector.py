#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_collector
short_description: Write the standalone collector, a script that runs the preflight's probe on hosts WinRM does not reach
version_added: 0.2.0
description:
  - Most client PCs that carry the agent have no WinRM. This module writes C(apexone-collect.ps1), a PowerShell script
    ops push to those hosts themselves (a Group Policy machine startup script, a software-distribution tool, a
    scheduled task). On each host it runs the preflight's read-only probe exactly as a WinRM run sends it to an agent
    (the same driver, C(common.ps1) and C(probe.ps1), the same parameters) and writes the host's answer as one file,
    C(<folder>\\<COMPUTERNAME>.json), with the collection version, the read time (UTC) and the host name.
  - The preflight report takes that folder as a source (C(apexone_collected_dir)) and judges each answer as it judges
    a probed host.
  - The file is written under a temporary name, then renamed; an answer already there that was read at the same time
    or later is kept. On Windows PowerShell 2.0 or in Constrained Language Mode the script writes the short answer
    (PowerShell version, language mode, OS). Nothing is encoded or compressed, no secret is read.
  - An existing O(dest) is never overwritten; the same script again is C(changed=false).
  - Runs on the controller; reads nothing on managed hosts.
options:
  dest:
    description: Where to write the script on the controller; a folder gets C(apexone-collect.ps1) in it.
    type: path
    required: true
  folder:
    description:
      - The folder the hosts write their answers into, as the hosts name it, for example
        C(\\\\fileserver\\apexone$\\collected). The computer accounts need to create and modify files there (for a
        startup script, C(Domain Computers)). A host may be given another one with C(-Folder).
    type: str
    required: true
  root_update_route_test:
    description: Also test the route to Windows Update's root certificate list from each host, as
      C(apexone_root_update_route_test) does for a probed host.
    type: bool
    default: false
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
- name: Write the collector for the hosts of the share
  apexone.upgrade.apexone_collector:
    dest: /srv/apexone/apexone-collect.ps1
    folder: \\fileserver\apexone$\collected
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
dest:
  description: The script's path on the controller.
  returned: always
  type: str
bytes:
  description: The script's size.
  returned: always
  type: int
sha256:
  description: The script's SHA-256, to publish beside it (for an allow list or the security team).
  returned: always
  type: str
collection:
  description: The collection version written into the script; the report uses only answers of this version.
  returned: always
  type: str
folder:
  description: The folder written into the script.
  returned: always
  type: str
msg:
  description: What was written, or why not and what to do.
  returned: always
  type: str
"""
