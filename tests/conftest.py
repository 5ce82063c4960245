# -*- coding: utf-8 -*-
"""Make the working tree importable as ansible_collections.apexone.upgrade for plain pytest."""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
LINK = os.path.join(COLLECTIONS, "ansible_collections", "apexone", "upgrade")

if not os.path.islink(LINK):
    os.makedirs(os.path.dirname(LINK), exist_ok=True)
    os.symlink(ROOT, LINK)
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)


# --- The real directory (Samba AD DC), started once per session by the tests that ask for it ---

import pytest  # noqa: E402

_DIRECTORY_TIMINGS = {}


@pytest.fixture(scope="module")
def directory():
    """A running Samba domain controller on 127.0.0.1 holding tests/directory/computers.py's objects.

    Module scope: it holds 127.0.0.1:389 (and the lock other checkouts' sessions wait on) only while the
    module that uses it runs.
    """
    from ansible_collections.apexone.upgrade.tests.directory import computers, samba_dc

    dc = samba_dc.SambaDC(computers.as_objects())
    dc.start()
    _DIRECTORY_TIMINGS.update(dc.timings)
    try:
        yield dc
    finally:
        dc.stop()


def pytest_terminal_summary(terminalreporter):
    if _DIRECTORY_TIMINGS:
        terminalreporter.write_line(
            "directory (Samba AD DC): provisioned in %(provision_s)ss (%(provisioned_from)s), computer objects loaded "
            "in %(load)ss, "
            "listening %(listen_s)ss after start; ready %(total_s)ss after the test command asked for it"
            % dict(_DIRECTORY_TIMINGS, load=_DIRECTORY_TIMINGS.get("load_computers_s", 0)))
