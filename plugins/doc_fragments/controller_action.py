# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes of the modules that run on the controller only."""

from __future__ import annotations


# Modules list ansible.builtin.action_common_attributes and its .flow themselves: fragments do not nest.
class ModuleDocFragment:
    DOCUMENTATION = r"""
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  diff_mode:
    support: none
  platform:
    platforms: posix
    details: Runs on the controller; it reads nothing on managed hosts.
"""
