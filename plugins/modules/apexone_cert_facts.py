#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_cert_facts
short_description: Check the root and intermediate certificates Apex One's signature checks need
version_added: 0.1.0
description:
  - Reads the C(LocalMachine\Root) and C(LocalMachine\CA) certificate stores of a Windows host in one
    remote execution and compares them, on the controller, with the certificates the Trend Micro article
    on digital signature checks lists (the 13 root and 5 intermediate certificates; KA-0001268, method 2).
  - Reports which are present, missing, expired (still counted as present, files signed while they were
    valid keep verifying) or installed in the wrong store.
  - Intermediate certificates whose thumbprint is not known (C(DigiCertEVCodeSigningCA.crt)) or only
    known from outside the article are recognised by subject common name; the result says which were
    matched that way.
  - Read-only; sets the fact C(apexone_certificates).
options:
  stores:
    description:
      - Stores to read. The stores the required certificates belong in are always read.
    type: list
    elements: str
    choices: [Root, CA]
    default: [Root, CA]
  include_all:
    description:
      - Also return every certificate of the stores read, not only the runbook's, in C(stores).
    type: bool
    default: false
extends_documentation_fragment:
  - apexone.upgrade.certificate_list
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.windows_read
notes:
  - The host must run Windows PowerShell 5.1 (WMF 5.1 on Windows 7 SP1 and Server 2008 R2 SP1).
  - On hosts that reach Windows Update, Windows fetches missing roots on demand; the article's list matters
    most on offline hosts.
seealso:
  - module: ansible.windows.win_certificate_store
  - name: Certificates the digital signature check needs (Trend Micro, Japanese)
    description: The article this module encodes, KA-0001268.
    link: https://success.trendmicro.com/solution/KA-0001268
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Check the certificates every host needs for Apex One
  apexone.upgrade.apexone_cert_facts:

- name: Require a certificate Trend Micro added after this collection was released
  apexone.upgrade.apexone_cert_facts:
    required_certificates:
      - name: Example Code Signing CA 2027
        store: CA
        thumbprint: "AB CD EF 01 23 45 67 89 AB CD EF 01 23 45 67 89 AB CD EF 01"

- name: Stop when a host is not ready
  ansible.builtin.assert:
    that: apexone_certificates.ready
    fail_msg: "{{ apexone_certificates.summary }}"
"""

RETURN = r"""
ansible_facts:
  description: Facts set for the host.
  returned: success
  type: dict
  contains:
    apexone_certificates:
      description: The certificate state of the host against the required list.
      returned: success
      type: dict
      contains:
        ready:
          description: True when every required certificate is in its store.
          type: bool
          sample: false
        required_count:
          description: How many certificates were required.
          type: int
          sample: 18
        present:
          description: Required certificates found in their store, with C(matched_by) V(thumbprint) or V(subject_cn).
          type: list
          elements: dict
        missing:
          description: Required certificates found in no store read, with the file name the article gives.
          type: list
          elements: dict
          sample:
            - name: thawte Primary Root CA
              thumbprint: 91c6d6ee3e8ac86384e548c299295c756c817b81
              store: Root
              file: 91c6d6ee3e8ac86384e548c299295c756c817b81.crt
              source: KA-0001268 method 2 (added 2022-10-05, CP 11110)
        expired:
          description: Present certificates past their expiry date (still counted as present).
          type: list
          elements: dict
        wrong_store:
          description: Required certificates found only in the other store.
          type: list
          elements: dict
        summary:
          description: One line for a human.
          type: str
          sample: "16 of 18 required certificates present; missing: thawte Primary Root CA (Root), ..."
        build:
          description: The build given in O(build), if any.
          type: int
        stores:
          description: Every certificate of the stores read, when O(include_all) is set.
          type: dict
          returned: when O(include_all=true)
msg:
  description: The summary line.
  returned: success
  type: str
"""
