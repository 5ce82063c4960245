# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's stand-in for the Apex One server delivering its program to an agent once the block is lifted.

On Windows this happens outside anything the collection runs: the server notifies the agent, the agent
downloads the program and upgrades itself, some time after NoProgramUpgrade becomes 0. The lab models
only what the collection can observe afterwards, from a host state's `upgrade` entry:

    upgrade:
      after_polls: 2          # the upgrade shows at the 2nd read (probe) after the lift ...
      after_seconds: 30       # ... or this long after the lift, whichever comes first
      version: 14.0.12011     # TmListen_Ver afterwards (default 14.0.12011)
      outcome: upgrade        # upgrade | never (stays XG) | lose_services (upgrades, tmlisten and NTRTScan stop)

Rules, stated:
- the clock starts when a twin first sees NoProgramUpgrade = 0 (REG_DWORD) on the agent's Misc. key
  (normally the lift itself); a block set again before the upgrade stops and resets it;
- only probe executions count as polls; the upgrade is applied before the probe reads, so the
  N-th poll after the lift is the first to see it;
- the upgrade changes TmListen_Ver and the service display names the catalog knows (KA-0012615 item 7:
  XG names become Apex One names); nothing else about the host;
- a host without the agent's key, or without `upgrade`, never changes.
"""

from __future__ import annotations

import time

from . import state as lab_state

DEFAULT_VERSION = "14.0.12011"
OUTCOMES = ("upgrade", "never", "lose_services")
# tmlisten / NTRTScan / TmPfw / TmProxy: XG display name -> Apex One display name (RUNBOOK_FACTS).
APEXONE_NAMES = {
    "tmlisten": "Apex One NT Listener",
    "ntrtscan": "Apex One NT RealTime Scan",
    "tmpfw": "Apex One NT Firewall",
    "tmproxy": "Apex One NT Proxy Service",
}
REQUIRED = ("tmlisten", "ntrtscan")


def _misc(host: dict):
    bits64 = host["os"]["is_64bit"]
    path = ("SOFTWARE\\WOW6432Node\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion\\Misc." if bits64
            else "SOFTWARE\\TrendMicro\\PC-cillinNTCorp\\CurrentVersion\\Misc.")
    found = lab_state.find_key(host["registry"], path)
    return None if found is None else host["registry"][found]


def advance(host: dict, poll: bool) -> None:
    """Move the agent along its `upgrade` plan; `poll`: this execution is a read that counts."""
    plan = host.get("upgrade")
    if not plan:
        return
    outcome = plan.get("outcome", "upgrade")
    if outcome not in OUTCOMES:
        raise lab_state.LabError("upgrade.outcome %r: choose one of %s" % (outcome, ", ".join(OUTCOMES)))
    misc = _misc(host)
    progress = host.setdefault("upgrade_progress", {})
    if misc is None or progress.get("done"):
        return
    block = misc.get("NoProgramUpgrade")
    lifted = block is not None and block.get("kind") == "DWord" and int(block.get("value")) == 0
    if not lifted:
        progress.pop("lifted_at", None)
        progress.pop("polls", None)
        return
    if "lifted_at" not in progress:
        progress.update(lifted_at=time.time(), polls=0)
    if poll:
        progress["polls"] += 1
    due = (plan.get("after_polls") is not None and progress["polls"] >= int(plan["after_polls"])) or \
          (plan.get("after_seconds") is not None and time.time() - progress["lifted_at"] >= float(plan["after_seconds"]))
    if not due or outcome == "never":
        return
    misc["TmListen_Ver"] = {"kind": "String", "value": str(plan.get("version", DEFAULT_VERSION))}
    for service in host["services"]:
        key = service["name"].lower()
        if key in APEXONE_NAMES:
            service["display_name"] = APEXONE_NAMES[key]
        if outcome == "lose_services" and key in REQUIRED:
            service["state"] = "Stopped"
    progress["done"] = True
