# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait for a lock another run holds, up to a timeout. Internal use only: not a public API."""

from __future__ import annotations

import time

from .errors import LockTimeout

DEFAULT_TIMEOUT = 300  # seconds a run waits for another run's lock before it gives up
POLL = 0.5


def acquire(try_once, timeout: float, what: str, clock=time.monotonic, sleep=time.sleep):
    """Call `try_once()` until it returns something other than None, at most `timeout` seconds.

    `try_once` returns the held lock, or None when another run holds it (and raises on any other
    failure). Neither POSIX byte-range locks nor SMB share modes have a waiting call with a
    timeout, so this polls: twice a second, which costs nothing next to a rollout step.
    """
    began = clock()
    while True:
        held = try_once()
        if held is not None:
            return held
        waited = clock() - began
        if waited >= timeout:
            raise LockTimeout("%s is still locked by another run after %d s: wait for that run to finish (a killed run's "
                              "lock goes when its process or SMB connection ends), or raise apexone_store_lock_timeout"
                              % (what, int(waited)))
        sleep(min(POLL, max(0.0, timeout - waited)))
