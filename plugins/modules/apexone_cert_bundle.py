#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_cert_bundle
short_description: Check a folder of certificate files on the controller against the runbook's list
version_added: 0.1.0
description:
  - Offline hosts need the root and intermediate certificates of the Trend Micro article installed by hand
    (KA-0001268, method 2). Ops collect the files on an online host with C(CertUtil -syncWithWU <folder>) and carry
    them in. This module reads that folder on the controller before anything is installed.
  - Reads PEM and DER files, computes each certificate's SHA-1 thumbprint with C(cryptography), and maps it to the
    required list (by thumbprint; intermediates with no known thumbprint by subject common name).
  - "Reports: certificates matched, required certificates missing from the bundle, files not on the list,
    duplicates, expired certificates, files whose name is a thumbprint that is not their content's, and files
    that are not certificates."
  - Runs on the controller; reads nothing on managed hosts.
options:
  path:
    description: The folder holding the certificate files.
    type: path
    required: true
  fail_on_missing:
    description: Fail when a required certificate is not in the bundle.
    type: bool
    default: false
extends_documentation_fragment:
  - apexone.upgrade.certificate_list
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.controller
seealso:
  - module: apexone.upgrade.apexone_cert_install
  - module: apexone.upgrade.apexone_cert_facts
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Check the certificates carried in from an online host
  apexone.upgrade.apexone_cert_bundle:
    path: /srv/apexone/cert-files
    fail_on_missing: true
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
complete:
  description: True when every required certificate is in the bundle.
  returned: success
  type: bool
bundle:
  description: C(matched) (name to file, thumbprint, store, expiry, C(matched_by)), C(missing), C(unknown),
    C(duplicates), C(expired), C(name_mismatch), C(unreadable) (file and reason).
  returned: success
  type: dict
msg:
  description: One line per kind of problem.
  returned: always
  type: str
"""
