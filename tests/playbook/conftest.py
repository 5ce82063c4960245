# -*- coding: utf-8 -*-
"""Every playbook test runs twice: over ansible-core's real `winrm` plugin and over `psrp`.

labrun.run_playbook reads the transport from APEXONE_LAB_TRANSPORT (the lab inventories' group
vars turn it into ansible_connection); the test id says which one ran, e.g. `test_x[psrp]`.

The fixture is module-scoped so that a module-scoped fixture that runs a playbook once for many
tests runs it once per transport: such a fixture names `lab_transport` among its arguments, so it
is built again, on a fresh lab, when the transport changes (a fixture that did not would run over
whichever transport came first and hand its lab, changed by the first transport's tests, to the
second).
"""

from __future__ import annotations

import os

import pytest

TRANSPORTS = ("winrm", "psrp")


@pytest.fixture(params=TRANSPORTS, autouse=True, scope="module")
def lab_transport(request):
    previous = os.environ.get("APEXONE_LAB_TRANSPORT")
    os.environ["APEXONE_LAB_TRANSPORT"] = request.param
    yield request.param
    if previous is None:
        os.environ.pop("APEXONE_LAB_TRANSPORT", None)
    else:
        os.environ["APEXONE_LAB_TRANSPORT"] = previous
