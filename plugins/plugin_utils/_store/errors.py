# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the store raises; each message says what to do. Internal use only: not a public API."""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import errors


class StoreError(errors.InputError):
    """The store cannot do what was asked (unreachable share, denied, a path that is not a folder)."""


class StoreExists(StoreError):
    """A file that is never overwritten is already there."""


class LockTimeout(StoreError):
    """Another run held the lock for longer than the wait allowed."""


class JobFolderRefused(StoreError):
    """A destination inside the throwaway folder of an AWX / ansible-runner job."""
