# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KA-0012615 items 4, 6 and 7: the staged agent rollout after the server upgrade, as decisions.

The Hotfix block (NoProgramUpgrade = 1) keeps agents on XG; lifting it wave by wave lets them take
the Apex One program gradually (KA-0009550). Everything here is pure: the waves from the inventory,
what one light read of an agent says, whether a wave may be followed by the next, what a re-run
does next, and what a roll back re-blocks. The state is a plain dict the controller keeps as JSON.

Times are ISO-8601 UTC strings ("2026-11-22T06:00:00Z"); `now` is always passed in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import math
import re

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, hotfix_block

STATE_FORMAT = 1
DEFAULT_WAVES = ("5%", "25%", "100%")
DEFAULT_INTERVAL = 600          # seconds between two polls of a wave
DEFAULT_DEADLINE = catalog.DEFAULT_ROLLOUT_DEADLINE  # seconds a wave may take to upgrade
DEFAULT_THRESHOLD = 95          # percent of a wave's agents that must run Apex One
MAX_WAVES = 10                  # plays the rollout playbook holds; more waves: merge some
MAX_POLLS_PER_CYCLE = 150       # checks one cycle of the playbook holds (24 h at 10 min); the next cycle goes on
WAVE_GROUP = re.compile(r"^apexone_wave_(\d+)$")
# The services an upgraded agent must keep running (KA-0012615 item 7 names them; a stopped one means
# the agent does not protect the host).
REQUIRED_SERVICES = ("tmlisten", "NTRTScan")
# Values under the agent's CurrentVersion key that identify one installation: a new value after a
# release means the agent was reinstalled. UNCONFIRMED that every build writes GUID there (public
# cloning notes name it); a value the agent lacks is simply not compared.
AGENT_IDENTITY_VALUES = ("GUID",)

# What a check after a release says when the agent's value is back at 1 (KA-0009550, item 6).
BLOCK_RESTORED = ("NoProgramUpgrade is 1 again after the release at %s: block restored by the server's settings: "
                  "release this wave from the console's domain setting instead")

# What one poll says about an agent.
UPGRADED = "upgraded"              # Apex One program and its services run
SERVICES_LOST = "services_lost"    # Apex One program, but tmlisten or NTRTScan is not running
STILL_XG = "still_xg"              # XG program (whatever its service names say)
UNREACHABLE = "unreachable"        # no answer
NO_AGENT = "no_agent"              # the agent's key is gone
UNKNOWN_VERSION = "unknown_version"  # the agent answers without a version we know
STATUSES = (UPGRADED, SERVICES_LOST, STILL_XG, UNREACHABLE, NO_AGENT, UNKNOWN_VERSION)

# A wave's life.
PENDING, OPEN, PASSED, FAILED, ROLLED_BACK = "pending", "open", "passed", "failed", "rolled_back"
# The gate's verdict on an open wave.
WAIT, PASS, FAIL = "wait", "pass", "fail"


class RolloutError(ValueError):
    """Bad input or a state the rollout must not continue from; the message says what to do."""


# --- time -------------------------------------------------------------------------------------

def stamp(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def _seconds_between(earlier, later):
    return (parse_stamp(later) - parse_stamp(earlier)).total_seconds()


# --- settings ---------------------------------------------------------------------------------

def check_settings(interval, deadline, threshold):
    """The gate's three numbers, checked: interval and deadline in seconds, threshold in percent."""
    try:
        interval, deadline, threshold = int(interval), int(deadline), float(threshold)
    except (TypeError, ValueError):
        raise RolloutError("apexone_rollout_interval and apexone_rollout_deadline must be whole seconds and "
                           "apexone_rollout_threshold a percentage, got %r, %r, %r" % (interval, deadline, threshold))
    if interval < 1:
        raise RolloutError("apexone_rollout_interval must be at least 1 second (default %d = 10 minutes), got %d"
                           % (DEFAULT_INTERVAL, interval))
    if deadline < interval:
        raise RolloutError("apexone_rollout_deadline (%d s) must not be shorter than apexone_rollout_interval (%d s)"
                           % (deadline, interval))
    if not 0 < threshold <= 100:
        raise RolloutError("apexone_rollout_threshold is the share of a wave that must upgrade, in percent: "
                           "give a number above 0 and at most 100 (default %d), got %s" % (DEFAULT_THRESHOLD, threshold))
    return {"interval": interval, "deadline": deadline, "threshold": threshold}


def max_polls(settings):
    """How many polls one cycle of the playbook runs: the deadline's worth, at most MAX_POLLS_PER_CYCLE
    (the gate decides by the clock first; a wave still open after a cycle is checked by the next one)."""
    return min(MAX_POLLS_PER_CYCLE, int(math.ceil(settings["deadline"] / float(settings["interval"]))) + 1)


# --- waves ------------------------------------------------------------------------------------

def _wave_size(item, total):
    text = str(item).strip()
    match = re.match(r"^(\d+(?:\.\d+)?)\s*%$", text)
    if match:
        share = float(match.group(1))
        if not 0 < share <= 100:
            raise RolloutError("wave size %r: a percentage must be above 0%% and at most 100%%" % (item,))
        return max(1, int(share * total / 100.0))
    if re.match(r"^\d+$", text) and int(text) > 0:
        return int(text)
    return None


def wave_spec(value):
    """The waves as given: a list, the word "groups", or one line of text as a survey or `-e` gives it.

    "5%,25%,100%" (an AWX survey's text answer; spaces and a trailing comma allowed) is the list
    ["5%", "25%", "100%"]; "pilot, floor" is two group names; "groups" stays the word.
    """
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value]
    if not isinstance(value, str):
        raise RolloutError("apexone_release_waves must be a list of sizes (['5%%', '25%%', '100%%']), a list of "
                           "inventory groups, the word 'groups', or the same as one line of text ('5%%,25%%,100%%'); "
                           "got %r" % (value,))
    text = value.strip()
    if text == "groups":
        return text
    items = [item.strip() for item in text.split(",")]
    if len(items) > 1 and not items[-1]:
        items.pop()  # "5%,25%,100%," : a trailing comma is forgiven
    if any(not item for item in items):
        raise RolloutError("apexone_release_waves %r: write the waves separated by commas, for example 5%%,25%%,100%% "
                           "or pilot,floor,servers" % (value,))
    return items


def plan_waves(spec, agents, groups):
    """The rollout's waves: [{"index", "name", "hosts"}], every agent in exactly one wave.

    `spec`: a list of sizes ("5%", 10), consumed as Ansible's `serial` does (the last size repeats
    until every agent has a wave); or a list of inventory group names; or the word "groups" for
    the groups apexone_wave_1, apexone_wave_2, ... in number order. `agents`: the agents in
    inventory order. `groups`: group name -> hosts.
    """
    agents = list(agents)
    if not agents:
        raise RolloutError("no agents to roll out: the inventory group apexone_agents is empty")
    spec = wave_spec(spec)
    if isinstance(spec, str):
        names = sorted((g for g in groups if WAVE_GROUP.match(g)), key=lambda g: int(WAVE_GROUP.match(g).group(1)))
        if not names:
            raise RolloutError("apexone_release_waves is 'groups' but the inventory has no group apexone_wave_1, "
                               "apexone_wave_2, ...: create them (pilot PCs first) or give sizes such as ['5%', '100%']")
        spec = names
    spec = list(spec or [])
    if not spec:
        raise RolloutError("apexone_release_waves is empty: give sizes such as ['5%', '25%', '100%'] or wave groups")
    sizes = [_wave_size(item, len(agents)) for item in spec]
    if all(size is not None for size in sizes):
        waves, start, position = [], 0, 0
        while start < len(agents):
            size = sizes[min(position, len(sizes) - 1)]
            label = str(spec[min(position, len(spec) - 1)])
            waves.append({"index": len(waves) + 1, "name": label, "hosts": agents[start:start + size]})
            start += size
            position += 1
    elif any(size is not None for size in sizes):
        raise RolloutError("apexone_release_waves mixes sizes and group names (%s): use one kind" % ", ".join(map(str, spec)))
    else:
        known = set(agents)
        missing = [name for name in spec if name not in groups]
        if missing:
            raise RolloutError("wave group(s) %s are not in the inventory" % ", ".join(missing))
        seen, waves = {}, []
        for name in spec:
            hosts = [h for h in groups[name] if h in known]
            for host in hosts:
                if host in seen:
                    raise RolloutError("%s is in two waves (%s and %s): put each agent in one wave group only"
                                       % (host, seen[host], name))
                seen[host] = name
            others = [h for h in groups[name] if h not in known]
            if others:
                raise RolloutError("wave group %s holds host(s) that are not in apexone_agents: %s"
                                   % (name, ", ".join(others)))
            waves.append({"index": len(waves) + 1, "name": name, "hosts": hosts})
        left = [h for h in agents if h not in seen]
        if left:
            raise RolloutError("agent(s) %s are in no wave group (%s): add them to one, for example the last"
                               % (", ".join(left), ", ".join(spec)))
    waves = [w for w in waves if w["hosts"]]
    if len(waves) > MAX_WAVES:
        raise RolloutError("%d waves are more than the %d one rollout holds: use larger sizes or fewer groups"
                           % (len(waves), MAX_WAVES))
    return waves


# --- the state --------------------------------------------------------------------------------

def new_state(waves, settings, now):
    hosts = {}
    for wave in waves:
        for host in wave["hosts"]:
            hosts[host] = {"wave": wave["index"], "released_at": None, "versions_seen": [], "last_status": None,
                           "last_poll": None, "events": []}
    return {
        "format": STATE_FORMAT,
        "created_at": now,
        "updated_at": now,
        "settings": dict(settings),
        "waves": [{"index": w["index"], "name": w["name"], "hosts": list(w["hosts"]), "status": PENDING,
                   "opened_at": None, "closed_at": None, "polls": 0, "counts": {}, "reason": None} for w in waves],
        "hosts": hosts,
        "rolled_back_at": None,
        "server_version": None,
    }


def check_state(state):
    """A state read from disk, checked before it is trusted; a clear error when it is not ours."""
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT or not isinstance(state.get("waves"), list) \
            or not isinstance(state.get("hosts"), dict):
        raise RolloutError("the rollout state file is not one this collection wrote (format %s): move it aside to "
                           "start a new rollout" % (state.get("format") if isinstance(state, dict) else type(state).__name__))
    return state


def open_wave(state):
    for wave in state["waves"]:
        if wave["status"] == OPEN:
            return wave
    return None


def wave_of(state, index):
    return state["waves"][index - 1]


def inventory_drift(state, agents):
    """Agents the inventory has and the rollout does not, and the reverse (waves are fixed at the start)."""
    known = set(state["hosts"])
    current = set(agents)
    return {"not_in_rollout": sorted(current - known), "not_in_inventory": sorted(known - current)}


def next_step(state, wait, released_this_run=0, polled_this_run=0):
    """What this run does now: {"action", "wave", "release", "poll", "polls_allowed", "msg"}.

    action: "release" (open `wave`: lift the block on `release`, then poll), "poll" (the open wave),
    "done" (every wave passed), "stopped" (a wave failed or the rollout was rolled back), or "hold"
    (no-wait mode: this run already released its wave, or checked the open wave and it must wait). A host with a release time is never in
    `release`: a re-run never releases a host twice.
    """
    base = {"wave": None, "release": [], "poll": [], "polls_allowed": 0}
    if state.get("rolled_back_at"):
        base.update(action="stopped", msg="the rollout was rolled back at %s: to release the agents again, move the "
                    "state file aside and start a new rollout" % state["rolled_back_at"])
        return base
    failed = [w for w in state["waves"] if w["status"] == FAILED]
    if failed:
        wave = failed[0]
        base.update(action="stopped", wave=wave["index"],
                    msg="wave %d (%s) failed: %s. Roll back (rollback_hotfix_release.yml) or, after fixing the agents, "
                    "set apexone_rollout_reopen=true to check the wave again" % (wave["index"], wave["name"], wave["reason"]))
        return base
    if not wait and (released_this_run or (polled_this_run and open_wave(state))):
        base.update(action="hold", msg="no-wait mode: this run released its wave; the next run checks it")
        return base
    wave = open_wave(state)
    if wave is None:
        pending = [w for w in state["waves"] if w["status"] == PENDING]
        if not pending:
            base.update(action="done", msg="every wave passed")
            return base
        wave = pending[0]
        action = "release"
    else:
        action = "poll"
    release = [h for h in wave["hosts"] if not state["hosts"][h]["released_at"]
               and state["hosts"][h].get("last_status") != NO_AGENT]
    if release:
        action = "release"
    released = [h for h in wave["hosts"] if state["hosts"][h]["released_at"]] + release
    if wait:
        polls = max_polls(state["settings"])
    else:
        # A scheduler's run checks a wave opened by an earlier run once (also when some of its agents could not be
        # released yet: the gate's deadline runs from the wave's opening, and only a check can call it); a wave it
        # opens waits for the next run.
        polls = 0 if wave["status"] == PENDING else 1
    base.update(action=action, wave=wave["index"], release=release, poll=released, polls_allowed=polls,
                msg="%s wave %d (%s): %d agent(s) to release, %d to check"
                % ("open" if wave["status"] == PENDING else "continue", wave["index"], wave["name"], len(release),
                   len(released)))
    return base


def start_wave(state, index, now):
    """Mark wave `index` open (before any block is lifted, so an interrupted run resumes it)."""
    wave = wave_of(state, index)
    if wave["status"] == PENDING:
        wave.update(status=OPEN, opened_at=now)
        state["updated_at"] = now
        return True
    if wave["status"] != OPEN:
        raise RolloutError("wave %d is %s: it cannot be opened again" % (index, wave["status"]))
    return False


def record_release(state, results, now):
    """Store the block module's results (host -> result dict, or None when it failed or was unreachable).

    Returns {"released": [...], "already": [...], "failed": [...], "no_agent": [...]}.
    """
    outcome = {"released": [], "already": [], "failed": [], "no_agent": []}
    for host in sorted(results):
        entry = state["hosts"].get(host)
        if entry is None:
            continue
        result = results[host]
        if entry["released_at"]:
            outcome["already"].append(host)
            continue
        if not isinstance(result, dict) or result.get("failed") or result.get("unreachable"):
            outcome["failed"].append(host)
            entry["events"].append({"at": now, "kind": "release_failed",
                                    "detail": str((result or {}).get("msg", "no result"))[:300]})
            continue
        if result.get("skipped"):
            outcome["no_agent"].append(host)
            entry["last_status"] = NO_AGENT
            continue
        if result.get("blocked"):
            outcome["failed"].append(host)
            continue
        # The host's own record says when the block was lifted; a lift done by an interrupted run is kept.
        entry["released_at"] = (result.get("record") or {}).get("ReleasedAt") or now
        entry["release_changed"] = bool(result.get("value_changed"))
        version = result.get("agent_version")
        if version and version not in entry["versions_seen"]:
            entry["versions_seen"].append(version)
        outcome["released"].append(host)
    state["updated_at"] = now
    return outcome


# --- one poll ---------------------------------------------------------------------------------

def poll_reads():
    """The registry reads of one poll: the agent's key and its Misc. subkey, for both bitnesses (and the
    server's version key, so the same read tells the server's version on the management server).

    On 64-bit Windows both names lead to the same key (WOW6432Node); on 32-bit only the second
    exists. So the poll needs no OS query: the first key that exists is the agent's.
    """
    reads = []
    for bits in (64, 32):
        agent = catalog.AGENT_KEY[bits]
        reads.append({"name": "agent_%d" % bits, "view": agent["view"], "path": agent["path"],
                      "values": list(AGENT_IDENTITY_VALUES)})
        reads.append({"name": "agent_misc_%d" % bits, "view": agent["view"],
                      "path": agent["path"] + "\\" + catalog.AGENT_MISC_SUBKEY,
                      "values": [catalog.NO_PROGRAM_UPGRADE, "TmListen_Ver", "ProgramVer"]})
    for bits in (64, 32):
        server = catalog.SERVER_KEY[bits]
        reads.append({"name": "server_%d" % bits, "view": server["view"], "path": server["path"],
                      "values": ["Server_Version", "ServicePack_Build"]})
    return reads


def poll_params():
    """Parameters for probe.ps1: two registry keys and two services, nothing else (one light read)."""
    return {"Subset": ["registry", "services"], "RegistryReads": poll_reads(), "ServicePatterns": list(REQUIRED_SERVICES)}


def _value(read, name):
    entry = ((read or {}).get("values") or {}).get(name)
    return None if entry is None else entry.get("value")


def read_status(answer):
    """What a poll answer (probe.ps1 with poll_params) says: version, block, services, status.

    probe.ps1 answers each subset on its own: a subset that failed (WMI broken, access denied) is
    under errors.<subset>. Then nothing is known for this poll: status unreachable with the error,
    never "services lost" from a service list that could not be read.
    """
    failed = dict((name, error) for name, error in ((answer or {}).get("errors") or {}).items()
                  if name in ("registry", "services"))
    if failed:
        return {"status": UNREACHABLE, "version": None, "product": None, "blocked": None, "services": {},
                "identity": {}, "display_says_apexone": False, "server_version": None, "server_product": None,
                "error": "; ".join("%s: %s" % (name, (error or {}).get("message", error))
                                   for name, error in sorted(failed.items()))}
    registry = (answer or {}).get("registry") or {}
    server_version = None
    for candidate in (64, 32):
        server = registry.get("server_%d" % candidate) or {}
        if server.get("exists") and _value(server, "Server_Version"):
            server_version = str(_value(server, "Server_Version"))
            if _value(server, "ServicePack_Build"):
                server_version += " (build %s)" % _value(server, "ServicePack_Build")
            break
    bits = None
    for candidate in (64, 32):
        if (registry.get("agent_%d" % candidate) or {}).get("exists"):
            bits = candidate
            break
    services = {}
    for service in (answer or {}).get("services") or []:
        services[str(service.get("name", "")).lower()] = {"display_name": service.get("display_name"),
                                                          "state": service.get("state")}
    if bits is None:
        return {"status": NO_AGENT, "version": None, "product": None, "blocked": None, "services": services,
                "identity": {}, "display_says_apexone": False, "server_version": server_version,
                "server_product": hotfix_block.product_of(server_version)}
    misc = registry.get("agent_misc_%d" % bits)
    version = hotfix_block.agent_version((misc or {}).get("values"))
    product = hotfix_block.product_of(version)
    block = _value(misc, catalog.NO_PROGRAM_UPGRADE)
    try:
        blocked = None if block is None else int(block) == 1
    except (TypeError, ValueError):
        blocked = None
    identity = dict((name, str(_value(registry.get("agent_%d" % bits), name)))
                    for name in AGENT_IDENTITY_VALUES
                    if _value(registry.get("agent_%d" % bits), name) is not None)
    missing = [name for name in REQUIRED_SERVICES
               if (services.get(name.lower()) or {}).get("state") != "Running"]
    if product == "apexone":
        status = SERVICES_LOST if missing else UPGRADED
    elif product == "xg":
        status = STILL_XG
    else:
        status = UNKNOWN_VERSION
    says_apexone = any(str((services.get(s["name"].lower()) or {}).get("display_name") or "") == s["apexone"]
                       and s["apexone"] != s["xg"] for s in catalog.AGENT_SERVICES)
    return {"status": status, "version": version, "product": product, "blocked": blocked, "services": services,
            "services_not_running": missing if product == "apexone" else [], "identity": identity,
            "display_says_apexone": bool(says_apexone and product == "xg"), "server_version": server_version,
            "server_product": hotfix_block.product_of(server_version)}


def _event(entry, now, kind, detail):
    entry["events"].append({"at": now, "kind": kind, "detail": detail})
    return {"host": None, "kind": kind, "detail": detail}


def record_poll(state, polled, now):
    """Store one poll of the open wave's agents. `polled`: host -> read_status() result, or None (unreachable).

    Returns the events this poll found: a reinstalled agent (its identity changed, or its version went
    back from Apex One to XG), a block that came back after the release, an agent that disappeared.
    """
    found = []
    for host in sorted(polled):
        entry = state["hosts"].get(host)
        if entry is None:
            continue
        seen = polled[host]
        entry["last_poll"] = now
        if seen is None or seen["status"] == UNREACHABLE:
            entry["last_status"] = UNREACHABLE
            entry["last_error"] = (seen or {}).get("error")
            continue
        previous_status = entry.get("last_status")
        status = seen["status"]
        if status == NO_AGENT and previous_status not in (None, NO_AGENT, UNREACHABLE):
            item = _event(entry, now, "agent_removed", "the agent's registry key is gone")
            item["host"] = host
            found.append(item)
        identity = seen.get("identity") or {}
        known_identity = entry.get("identity") or {}
        changed_names = [n for n in identity if n in known_identity and known_identity[n] != identity[n]]
        went_back = seen.get("product") == "xg" and any(
            hotfix_block.product_of(v) == "apexone" for v in entry["versions_seen"])
        if changed_names or went_back:
            detail = ("agent identity changed (%s)" % ", ".join("%s %s -> %s" % (n, known_identity[n], identity[n])
                                                                for n in changed_names)
                      if changed_names else "version went back from Apex One to %s" % seen.get("version"))
            item = _event(entry, now, "reinstalled", detail)
            item["host"] = host
            found.append(item)
        if entry["released_at"] and seen.get("blocked") and seen.get("product") != "apexone" \
                and not entry.get("block_restored") and not entry.get("reblocked_at"):
            # KA-0009550 / item 6: the console's update setting is the switch. A value the agent's update cycle set
            # back to 1 after the release means the server's settings re-block it: the program will not come, and
            # waiting for the deadline would only lose a day. The gate stops the wave at once.
            entry["block_restored"] = now
            item = _event(entry, now, "block_restored", BLOCK_RESTORED % entry["released_at"])
            item["host"] = host
            found.append(item)
        if identity:
            entry["identity"] = identity
        version = seen.get("version")
        if version and version not in entry["versions_seen"]:
            entry["versions_seen"].append(version)
        if status in (UPGRADED, SERVICES_LOST) and not entry.get("upgraded_seen_at"):
            entry["upgraded_seen_at"] = now
        entry.update(last_status=status, last_version=version, display_says_apexone=seen.get("display_says_apexone"),
                     services_not_running=seen.get("services_not_running") or [])
    state["updated_at"] = now
    return found


def wave_counts(state, wave):
    counts = dict((status, 0) for status in STATUSES)
    counts["not_polled"] = 0
    for host in wave["hosts"]:
        status = state["hosts"][host].get("last_status")
        counts[status if status in counts else "not_polled"] += 1
    counts["hosts"] = len(wave["hosts"])
    counts["counted"] = len(wave["hosts"]) - counts[NO_AGENT]
    return counts


def gate(state, index, now):
    """The verdict on wave `index` after a poll: {"verdict", "counts", "share", "msg", "hosts_by_status"}.

    pass: at least the threshold of the wave's agents (hosts without an agent are not counted) run
    Apex One with their services, and no upgraded agent lost its services. fail: an upgraded agent lost
    its services, or the deadline passed before the threshold was reached. wait: otherwise.
    """
    wave = wave_of(state, index)
    settings = state["settings"]
    counts = wave_counts(state, wave)
    by_status = {}
    for host in wave["hosts"]:
        by_status.setdefault(state["hosts"][host].get("last_status") or "not_polled", []).append(host)
    share = 100.0 * counts[UPGRADED] / counts["counted"] if counts["counted"] else 100.0
    elapsed = _seconds_between(wave["opened_at"], now) if wave["opened_at"] else 0
    progress = ("wave %d (%s): %d of %d agent(s) on Apex One (%.0f%%, %.0f%% needed), %d still on XG, %d unreachable"
                % (index, wave["name"], counts[UPGRADED], counts["counted"], share, settings["threshold"],
                   counts[STILL_XG], counts[UNREACHABLE]))
    restored = [h for h in wave["hosts"] if state["hosts"][h].get("block_restored")]
    if restored:
        verdict = FAIL
        msg = "%s; block restored by the server's settings on %d agent(s) (%s): release this wave from the console's " \
              "domain setting instead (KA-0012615 item 6), then set apexone_rollout_reopen=true to check it again" % (
                  progress, len(restored), ", ".join(restored))
    elif counts[SERVICES_LOST]:
        verdict = FAIL
        msg = "%s; %d upgraded agent(s) lost their services (%s not running): %s" % (
            progress, counts[SERVICES_LOST], " / ".join(REQUIRED_SERVICES), ", ".join(by_status[SERVICES_LOST]))
    elif share + 1e-9 >= settings["threshold"]:
        verdict, msg = PASS, progress
    elif elapsed >= settings["deadline"]:
        verdict = FAIL
        msg = "%s; the deadline of %s passed" % (progress, _duration(settings["deadline"]))
    else:
        verdict = WAIT
        msg = "%s; next check in %s, deadline in %s" % (progress, _duration(settings["interval"]),
                                                        _duration(max(0, settings["deadline"] - elapsed)))
    return {"verdict": verdict, "counts": counts, "share": round(share, 1), "msg": msg, "hosts_by_status": by_status,
            "elapsed": elapsed}


def _duration(seconds):
    seconds = int(seconds)
    if seconds >= 3600:
        return "%dh%02dm" % (seconds // 3600, (seconds % 3600) // 60)
    if seconds >= 60:
        return "%dm%02ds" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def apply_gate(state, index, verdict, now):
    """Record a gate verdict on the wave; returns True when the wave closed."""
    wave = wave_of(state, index)
    wave["polls"] += 1
    wave["counts"] = verdict["counts"]
    wave["share"] = verdict["share"]
    if verdict["verdict"] == PASS:
        wave.update(status=PASSED, closed_at=now, reason=None)
    elif verdict["verdict"] == FAIL:
        wave.update(status=FAILED, closed_at=now, reason=verdict["msg"])
    state["updated_at"] = now
    return verdict["verdict"] != WAIT


def reopen(state, now):
    """Let a failed wave be checked again (after the agents were fixed): it becomes open, its clock restarts."""
    changed = False
    for wave in state["waves"]:
        if wave["status"] == FAILED:
            wave.update(status=OPEN, opened_at=now, closed_at=None, reason=None)
            for host in wave["hosts"]:  # released again from the console: judged by what the next checks see
                state["hosts"][host].pop("block_restored", None)
            changed = True
    if changed:
        state["updated_at"] = now
    return changed


# --- roll back --------------------------------------------------------------------------------

def rollback_split(state, polled):
    """Which agents to re-block and which cannot be: `polled` host -> read_status() or None.

    Every agent of the rollout that does not run Apex One is re-blocked (state: present), released or
    not, so an agent whose block was removed by hand is caught too. An agent on Apex One cannot go back
    by a registry value: it is listed. An unreachable one is listed to re-run on.
    """
    split = {"reblock": [], "upgraded": [], "unreachable": [], "no_agent": []}
    for host in sorted(polled):
        seen = polled[host]
        if seen is None:
            split["unreachable"].append(host)
        elif seen["status"] == NO_AGENT:
            split["no_agent"].append(host)
        elif seen["product"] == "apexone":
            split["upgraded"].append(host)
        else:
            split["reblock"].append(host)
    return split


def record_rollback(state, split, results, now):
    """Store a roll back: re-blocked hosts (block module results), the open wave closed as rolled back."""
    reblocked, failed = [], []
    for host in split["reblock"]:
        result = results.get(host)
        entry = state["hosts"].get(host)
        if entry is None:
            continue
        if isinstance(result, dict) and result.get("blocked") and not result.get("failed"):
            reblocked.append(host)
            if not entry.get("reblocked_at"):
                entry["reblocked_at"] = (result.get("record") or {}).get("BlockedAt") or now
                entry["events"].append({"at": now, "kind": "reblocked", "detail": "roll back"})
        else:
            failed.append(host)
    for wave in state["waves"]:
        if wave["status"] in (OPEN, FAILED):
            wave.update(status=ROLLED_BACK, closed_at=wave["closed_at"] or now)
    state["rolled_back_at"] = state.get("rolled_back_at") or now
    state["rollback"] = {"at": now, "reblocked": reblocked, "reblock_failed": failed, "upgraded": split["upgraded"],
                         "unreachable": split["unreachable"], "no_agent": split["no_agent"]}
    state["updated_at"] = now
    return state["rollback"]
