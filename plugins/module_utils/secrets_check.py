# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks on the two secrets of the upgrade. Results never contain the secret itself."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog


def forbidden_password_characters(password, forbidden=catalog.SQL_PASSWORD_FORBIDDEN):
    """The KA-0012615 item 3 characters present in `password`, in catalog order (no duplicates)."""
    text = password or ""
    return [char for char in forbidden if char in text]


def mask(secret):
    """A description safe to print: its length and first two characters only."""
    text = (secret or "").strip()
    if len(text) <= 4:
        return "(%d characters)" % len(text)
    return "%s… (%d characters)" % (text[:2], len(text))


def activation_code_status(code, pattern=catalog.ACTIVATION_CODE_PATTERN):
    """KA-0012615 item 1: is this the current 37-character activation code form?

    Returns `valid` and a masked description; the code is upper-cased and trimmed first
    because codes are often pasted from mail in lower case or with spaces around them.
    """
    normalised = (code or "").strip().upper()
    return {"valid": bool(re.match(pattern, normalised)), "masked": mask(normalised),
            "length": len(normalised)}
