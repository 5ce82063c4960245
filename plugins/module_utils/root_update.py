# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Can Windows add a missing root certificate by itself on this host (automatic root update)?

Windows adds a root of Microsoft's root programme to LocalMachine\\Root when a chain first needs it, if it
can fetch Windows Update's certificate list (catalog.ROOT_UPDATE_*). It cannot when the policy turns that
off, when the team says the host is offline (apexone_offline), or when the host's route to the list fails.
Decided from raw values the probe already reads (the policy, when Windows last fetched the list, from
where) and, only when asked, one connection to the list's address: no slow test on every agent.
Pure functions over plain data.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import struct

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, network_check

# Why Windows cannot add a root by itself (each one makes a missing root a blocker).
POLICY, OFFLINE, ROUTE, UNKNOWN = "policy", "offline", "route", "unknown"
# Route outcomes a direct test can trust (network_check's outcomes): the host could not reach the list.
_ROUTE_FAILED = ("refused", "timeout", "unreachable", "blocked", "dns_failed", "dns_timeout", "failed")
_FILETIME_EPOCH = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)


def filetime(encoded):
    """A REG_BINARY FILETIME (base64, as the probe sends binary values) -> aware UTC datetime, or None."""
    try:
        data = base64.b64decode(encoded or "")
    except (TypeError, ValueError):
        return None
    if len(data) != 8:
        return None
    ticks = struct.unpack("<Q", data)[0]
    if not ticks:
        return None
    try:
        return _FILETIME_EPOCH + datetime.timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None


def is_root_list(target):
    """Whether a network target is the certificate list's address (not one of item 5's destinations)."""
    wanted = catalog.ROOT_LIST_ENDPOINT
    return str((target or {}).get("host") or "").lower() == wanted["host"] and (target or {}).get("port") == wanted["port"]


def route(network):
    """The tested route to the list, from the interpreted network answer (network_check.interpret):
    ("ok" | "failed" | None, detail). Only a direct failure while WinHTTP goes direct proves a failure
    (a proxy may refuse CONNECT to port 80 and still pass Windows' plain HTTP request): anything else is None.
    """
    for target in network or []:
        if not is_root_list(target):
            continue
        if target["outcome"] == network_check.OK:
            return "ok", ""
        if target.get("via", "direct") == "direct" and target["outcome"] in _ROUTE_FAILED:
            return "failed", ("%s %s" % (target["outcome"], target.get("detail") or "")).strip()
        return None, target.get("detail") or target["outcome"]
    return None, ""


def _windows_update(url):
    return not url or catalog.ROOT_LIST_ENDPOINT["host"] in str(url).lower()


def judge(policy, state, offline, network, now, fresh_days=catalog.ROOT_LIST_FRESH_DAYS):
    """Whether Windows can add a missing programme root by itself, and the evidence.

    `policy`, `state`: the probe's reads of catalog.ROOT_UPDATE_POLICY_KEY / ROOT_UPDATE_STATE_KEY
    ({exists, values}), or None when the answer lacks them (then nothing is assumed: "unknown").
    `offline`: the team marked the host offline (apexone_offline). `network`: the interpreted network answer.
    Returns {available, why, route, route_detail, last_sync, fresh, source}.
    """
    tested, detail = route(network)
    last = None if state is None else filetime(((state.get("values") or {}).get("LastSyncTime") or {}).get("value"))
    source = None if state is None else ((state.get("values") or {}).get("RootDirUrl") or {}).get("value")
    found = {"available": False, "why": None, "route": tested, "route_detail": detail,
             "last_sync": last.strftime("%Y-%m-%d") if last else None,
             "fresh": bool(last) and (now - last).days <= fresh_days,
             "source": None if _windows_update(source) else str(source)}
    setting = None if policy is None else (policy.get("values") or {}).get("DisableRootAutoUpdate")
    if setting and setting.get("kind") == "DWord" and setting.get("value") not in (0, "0"):
        found["why"] = POLICY  # Windows reads the policy as a DWORD; another kind is not the policy
    elif offline:
        found["why"] = OFFLINE
    elif policy is None or state is None:
        found["why"] = UNKNOWN  # never read: a missing root is not assumed to arrive by itself
    elif tested == "failed":
        found["why"] = ROUTE
    else:
        found["available"] = True
    return found
