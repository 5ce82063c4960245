# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes and notes of the collection's modules, which are all action plugins with full check mode.

A module lists, after ansible.builtin.action_common_attributes and its .flow (fragments do not nest),
``apexone.upgrade.action_common`` and one section by where it runs and whether it changes the host:

- ``apexone.upgrade.action_common.controller``: runs on the controller only;
- ``apexone.upgrade.action_common.windows_read``: reads a Windows host and changes nothing on it;
- ``apexone.upgrade.action_common.windows_change``: changes a Windows host, with diff.

A module's own ``attributes`` entries win over these (for example a ``check_mode`` ``details``).
"""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
"""

    CONTROLLER = r"""
attributes:
  diff_mode:
    support: none
  platform:
    platforms: posix
    details: Runs on the controller; it reads nothing on managed hosts.
"""

    WINDOWS_READ = r"""
attributes:
  check_mode:
    details: Read-only; check mode runs the same read.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - Read-only on the host. A read whose WinRM connection drops is retried once.
"""

    WINDOWS_CHANGE = r"""
attributes:
  diff_mode:
    support: full
  platform:
    platforms: windows
notes:
  - The change is made in one remote execution, which is not retried if the WinRM connection drops; run the task
    again, it is idempotent.
"""
