#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_winhttp_proxy
short_description: Give WinHTTP a proxy so Windows Update can deliver root certificates
version_added: 0.1.0
description:
  - Method 1 of the Trend Micro article on certificates (KA-0001268). Hosts that reach the internet through a proxy
    may still fail to fetch root certificates from Windows Update because WinHTTP has no proxy.
  - With O(proxy), sets that proxy (C(netsh winhttp set proxy)) unless WinHTTP already has exactly it.
  - Without O(proxy), runs the article's C(netsh winhttp import proxy source=ie) only when WinHTTP is on direct access
    today and the account Ansible connects as has a static IE proxy. Otherwise nothing is done and RV(reason) says
    why. netsh writes direct access when that account has no proxy, or only a PAC file or automatic detection, so a
    configured WinHTTP proxy is never replaced that way.
  - Settings are compared by their parsed values (proxy, bypass list), never by the raw registry bytes, which hold a
    counter.
  - One read-only remote execution; a second one only when something changes.
options:
  proxy:
    description:
      - The proxy to set, as netsh takes it (C(host:port), or C(http=host:port;https=host:port)). No spaces or quotes.
    type: str
  bypass:
    description:
      - Names that bypass the proxy (C(<local>), C(*.corp.example)). Only with O(proxy).
    type: list
    elements: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.windows_change
attributes:
  check_mode:
    details: Reads the settings and reports what would be done; runs no netsh command.
notes:
  - The IE proxy is a per-user setting. The import takes the proxy of the account Ansible connects as. A proxy set
    only by group policy for other users is not seen; give it with O(proxy).
  - netsh's own output is shown as it is (Japanese on a Japanese host) and never parsed.
  - On Windows XP / Server 2003 the article's command is C(proxycfg -u); those systems cannot run Ansible.
seealso:
  - module: apexone.upgrade.apexone_cert_facts
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Import the IE proxy into WinHTTP where that is safe
  apexone.upgrade.apexone_winhttp_proxy:

- name: Set the proxy explicitly
  apexone.upgrade.apexone_winhttp_proxy:
    proxy: proxy.corp.example:8080
    bypass:
      - <local>
      - "*.corp.example"
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
  description: What netsh printed (empty when it did not run).
  returned: success
  type: str
decision:
  description: C(none), C(import) or C(set).
  returned: success
  type: str
reason:
  description: Why that action (for C(none), why nothing was done).
  returned: success
  type: str
account_ie_proxy:
  description: The connecting account's IE setting, parsed (C(proxy), C(bypass), C(auto_config_url), C(auto_detect)).
  returned: success
  type: dict
"""
