#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_cert_install
short_description: Install the runbook's missing root and intermediate certificates from a checked bundle
version_added: 0.1.0
description:
  - Installs certificates of the Trend Micro article (KA-0001268, method 2) from a folder on the controller into
    C(LocalMachine\Root) or C(LocalMachine\CA), each into the store the article names, then reads the stores back
    and sets C(apexone_certificates) as M(apexone.upgrade.apexone_cert_facts) does. One remote execution.
  - A certificate already in its store (same thumbprint) is left as it is. Nothing is ever removed; a certificate
    found only in the wrong store is added to the right one and left where it was.
  - Fails before touching the host when the bundle lacks a certificate asked for.
options:
  bundle:
    description: The folder of certificate files on the controller (see M(apexone.upgrade.apexone_cert_bundle)).
    type: path
    required: true
  names:
    description:
      - The certificates to install, by the names M(apexone.upgrade.apexone_cert_facts) reports (for example its
        C(missing) list). Defaults to every required certificate.
    type: list
    elements: str
extends_documentation_fragment:
  - apexone.upgrade.certificate_list
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.windows_change
attributes:
  check_mode:
    details: Says which certificates would be added and whether the host would then be ready.
notes:
  - Chosen over M(ansible.windows.win_certificate_store), which needs one module run and one file copy per
    certificate; here all of them travel in one execution.
  - After installing certificates on the SERVER, rename its C(*_Invalid) files back (KA-0001268); builds 9565 and
    later do it by themselves at their next check.
seealso:
  - module: apexone.upgrade.apexone_cert_bundle
  - module: apexone.upgrade.apexone_cert_facts
  - module: ansible.windows.win_certificate_store
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Read the stores
  apexone.upgrade.apexone_cert_facts:

- name: Install what is missing
  apexone.upgrade.apexone_cert_install:
    bundle: /srv/apexone/cert-files
    names: "{{ (apexone_certificates.missing + apexone_certificates.wrong_store) | map(attribute='name') | list }}"
  when: not apexone_certificates.ready
"""

RETURN = r"""
added:
  description: The certificates added (or, in check mode, that would be).
  returned: success
  type: list
  elements: str
already_present:
  description: The certificates asked for that were already in their store.
  returned: success
  type: list
  elements: str
ready:
  description: True when every required certificate is now in its store.
  returned: success
  type: bool
ansible_facts:
  description: C(apexone_certificates), read back after the change.
  returned: success
  type: dict
"""
