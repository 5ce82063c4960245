#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_winhttp_proxy
short_description: Give WinHTTP the Internet Explorer proxy so Windows Update can deliver root certificates
version_added: 0.1.0
description:
  - Method 1 of the Trend Micro article on certificates (KA-0001268). Hosts that reach the internet through a proxy
    may still fail to fetch root certificates from Windows Update because WinHTTP has no proxy. This runs
    C(netsh winhttp import proxy source=ie) and reports WinHTTP's proxy before and after, in one remote execution.
options: {}
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.windows_action
attributes:
  check_mode:
    support: full
    details: Reports the current WinHTTP proxy; imports nothing.
  diff_mode:
    support: full
notes:
  - The IE proxy is a per-user setting. The import takes the proxy of the account Ansible connects as; when that
    account has none, WinHTTP stays on direct access and the module warns.
  - On Windows XP / Server 2003 the article's command is C(proxycfg -u); those systems cannot run Ansible.
seealso:
  - module: apexone.upgrade.apexone_cert_facts
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Import the IE proxy into WinHTTP
  apexone.upgrade.apexone_winhttp_proxy:
"""

RETURN = r"""
before:
  description: WinHTTP's proxy before (C(proxy), C(bypass), C(direct)).
  returned: success
  type: dict
after:
  description: WinHTTP's proxy after.
  returned: success
  type: dict
netsh:
  description: What netsh printed.
  returned: success
  type: str
"""
