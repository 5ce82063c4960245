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
    return write(lab_dir, host, data)


def write(lab_dir, host, data):
    """Write `data` as the working state of `host` under `lab_dir`."""
    folder = os.path.join(str(lab_dir), "state")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, host + ".json"), "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
    return data


def state_of(lab_dir, host):
    """The working state of `host` as the lab left it."""
    with open(os.path.join(str(lab_dir), "state", host + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


# The lab's side of the server upgrade, for the whole-timeline scenario (extensions/molecule/default):
# the server becomes the upgraded seed (Apex One, iVP/iAC, *_Invalid files left by the signature
# check), and XG agents show Apex One service display names (KA-0012615 item 7) while their
# program stays XG. The seed's deliberate rename collision is left out: the timeline has no human.
UPGRADED_SERVER_SEED = "apexone-srv-upgraded"
COLLISION = "C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\PCCSRV\\Admin\\tmssclient.dll_Invalid"


def upgrade_server(lab_dir, server, agents):
    """Make `server` the upgraded server and rename the XG agents' service display names. Idempotent."""
    seed(lab_dir, server, from_seed=UPGRADED_SERVER_SEED, change=lambda data: data["files"].pop(COLLISION, None))
    for agent in agents:
        path = os.path.join(str(lab_dir), "state", agent + ".json")
        data = state_of(lab_dir, agent) if os.path.exists(path) else state.load_seed(agent)
        for service in data.get("services") or []:
            if service["display_name"].startswith("OfficeScan NT"):
                service["display_name"] = "Apex One NT" + service["display_name"][len("OfficeScan NT"):]
        write(lab_dir, agent, data)


if __name__ == "__main__":
    import sys
    # python -m ...tests.playbook.lab_hosts upgrade-server <lab_dir> <server> [agent ...]
    if len(sys.argv) < 4 or sys.argv[1] != "upgrade-server":
        sys.exit("usage: lab_hosts upgrade-server <lab_dir> <server> [agent ...]")
    upgrade_server(sys.argv[2], sys.argv[3], sys.argv[4:])
