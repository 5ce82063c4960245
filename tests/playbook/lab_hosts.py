# -*- coding: utf-8 -*-
"""One way for playbook tests to start a lab host from its seed with a change (tests/lab/hosts/*.yml)."""

from __future__ import annotations

import json
import os

from ansible_collections.apexone.upgrade.tests.lab.simulator import state


def seed(lab_dir, host, change=None, from_seed=None):
    """Write the working state of `host` under `lab_dir` from the seed `from_seed` (default: the host's own).

    `change`: a function that edits the state dict before it is written. Returns the state written.
    """
    data = state.load_seed(from_seed or host)
    if change is not None:
        change(data)
    folder = os.path.join(str(lab_dir), "state")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, host + ".json"), "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
    return data


def state_of(lab_dir, host):
    """The working state of `host` as the lab left it."""
    with open(os.path.join(str(lab_dir), "state", host + ".json"), encoding="utf-8") as handle:
        return json.load(handle)
