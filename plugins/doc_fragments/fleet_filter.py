# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input of the filters that summarise per-host results across a fleet."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  _input:
    description: C(hostvars).
    type: dict
    required: true
  hosts:
    description: The host names to summarise, for example C(groups['apexone_agents']).
    type: list
    elements: str
    required: true
"""
