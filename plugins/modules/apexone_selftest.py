#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_selftest
short_description: Prove the collection's scripts on a real host, read-only, before using it on the fleet
version_added: 0.1.0
description:
  - Runs every read-only PowerShell script of the collection once on the host (the probe with every part, the
    certificate backup search, the WinHTTP read, the Hotfix block and the certificate install in check mode) and checks
    each answer against its written contract (the JSON Schemas under C(tests/contracts) of the collection).
  - Keeps a recording of the parameters and answers in O(recording_dir) that ops can keep and the collection's tests
    can replay (C(tests/fixtures/recordings)). Nothing is changed on the host; the server's C(OfficeScanAuth.dat) is
    looked for but never read.
  - The task result carries only the summary (RV(ok), RV(lines), RV(recording_file)), never the recording, since task
    results are kept in AWX job events and shown at C(-v).
  - A recording is host inventory. It holds every certificate of C(LocalMachine) Root and CA (internal CAs,
    TLS-inspection roots), the service account and its proxy settings (proxy, bypass list, auto-config URL), paths
    and services. Read it before you share it, and share it as you would an inventory.
  - The rename of C(_Invalid) files has no read-only form and is not run.
options:
  network:
    description: Also test the destinations of KA-0012615 item 5 from the host (a few seconds).
    type: bool
    default: false
  contracts_dir:
    description: Where the contracts are. Defaults to the collection's C(tests/contracts).
    type: path
  recording_dir:
    description:
      - Keep the recording as C(selftest-<host>-<time>.json) in this folder of the store, a controller folder or a share
        (C(\\fileserver\apexone$\selftest)), also when an answer broke its contract. Never over an earlier file.
      - Without it, the recording is kept nowhere (a warning says so).
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.windows_read
attributes:
  check_mode:
    details: Runs the same read-only scripts.
requirements:
  - The Python package C(jsonschema) on the controller.
seealso:
  - module: apexone.upgrade.apexone_facts
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Prove the scripts on this host and keep the recording on the controller
  apexone.upgrade.apexone_selftest:
    recording_dir: /srv/apexone/selftest
  register: selftest

- name: Show what each script did
  ansible.builtin.debug:
    var: selftest.lines
"""

RETURN = r"""
ok:
  description: Every script answered, and within its contract.
  returned: always
  type: bool
lines:
  description: One line per script (ok, could not read a part, failed, outside its contract, not run).
  returned: always
  type: list
  elements: str
recording_file:
  description: Where the recording was kept (a controller path or a share path).
  returned: when O(recording_dir) is set
  type: str
"""
