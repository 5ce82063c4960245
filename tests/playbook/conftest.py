# -*- coding: utf-8 -*-
"""Every playbook test runs twice: over ansible-core's real `winrm` plugin and over `psrp`.

labrun.run_playbook reads the transport from APEXONE_LAB_TRANSPORT (the lab inventories' group
vars turn it into ansible_connection); the test id says which one ran, e.g. `test_x[psrp]`.
"""

from __future__ import annotations

import pytest

TRANSPORTS = ("winrm", "psrp")


@pytest.fixture(params=TRANSPORTS, autouse=True)
def lab_transport(request, monkeypatch):
    monkeypatch.setenv("APEXONE_LAB_TRANSPORT", request.param)
    return request.param
