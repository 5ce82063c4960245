# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout report as data (HTML and JSON are both written from it): waves, agents still on XG,
the version mix against the server (KA-0012615 item 4), service names that say Apex One on XG agents
(item 7, information), and the console's update setting (item 6, a manual check). Japanese and English:
the labels are words/<lang>.yml's `rollout` section, the three checks the registry's own words.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import checks, hotfix_block, rollout

TEMPLATE = "rollout_report.html.j2"
SECTION = "rollout"  # the labels of words/<lang>.yml the template uses

# Where the console's update setting lives (KA-0012615 item 6, KA-0009550; Apex One 2019 online help
# "Configuring Update Privileges and Other Settings": three choices, all components / pattern files,
# engines, drivers / pattern files). Neither the help nor the KB says where the server stores it
# (ofcscan.ini, registry or database): the check registry's manual check console_update_setting.


def _check_words(code, lang):
    entry = checks.words(lang)["checks"][code]
    return {"code": code, "title": entry["title"], "fix": entry["fix"], "source": checks.source_text(code, lang),
            "severity": checks.CHECKS[code]["severity"]}


def summary(state):
    """Counts across the rollout: agents by last status, waves by status."""
    by_status = {}
    for host, entry in state["hosts"].items():
        by_status.setdefault(entry.get("last_status") or "not_polled", []).append(host)
    waves = {}
    for wave in state["waves"]:
        waves[wave["status"]] = waves.get(wave["status"], 0) + 1
    return {"agents": len(state["hosts"]), "by_status": dict((k, sorted(v)) for k, v in by_status.items()),
            "waves": waves, "rolled_back_at": state.get("rolled_back_at")}


def _overall(state):
    if state.get("rolled_back_at"):
        return "rolled_back"
    statuses = [w["status"] for w in state["waves"]]
    if rollout.FAILED in statuses:
        return "stopped"
    if all(s == rollout.PASSED for s in statuses):
        return "done"
    return "in_progress"


def build(state, lang, generated_at, final=False):
    words = checks.words(lang)[SECTION]  # refuses an unknown language with what to use
    hosts = []
    products = {"apexone": 0, "xg": 0, "unknown": 0}
    for host in sorted(state["hosts"], key=lambda h: (state["hosts"][h]["wave"], h)):
        entry = state["hosts"][host]
        status = entry.get("last_status") or "not_polled"
        version = entry.get("last_version") or (entry["versions_seen"][-1] if entry["versions_seen"] else None)
        product = hotfix_block.product_of(version)
        if status in (rollout.UNREACHABLE, rollout.NO_AGENT, "not_polled") and not version:
            products["unknown"] += 1
        else:
            products[product or "unknown"] += 1
        hosts.append({"host": host, "wave": entry["wave"], "status": status,
                      "status_text": words["host_status"].get(status, status), "version": version, "product": product,
                      "versions_seen": list(entry["versions_seen"]), "released_at": entry.get("released_at"),
                      "last_poll": entry.get("last_poll"), "display_says_apexone": bool(entry.get("display_says_apexone")),
                      "services_not_running": entry.get("services_not_running") or [],
                      "events": [dict(e, text=words["event"].get(e["kind"], e["kind"])) for e in entry.get("events") or []]})
    server_product = hotfix_block.product_of(state.get("server_version"))
    mixed = server_product == "apexone" and products["xg"] > 0
    waves = []
    for wave in state["waves"]:
        counts = wave.get("counts") or rollout.wave_counts(state, wave)
        waves.append({"index": wave["index"], "name": wave["name"], "status": wave["status"],
                      "status_text": words["wave_status"][wave["status"]], "hosts": len(wave["hosts"]),
                      "opened_at": wave.get("opened_at"), "closed_at": wave.get("closed_at"), "polls": wave.get("polls", 0),
                      "upgraded": counts.get(rollout.UPGRADED, 0), "still_xg": counts.get(rollout.STILL_XG, 0),
                      "unreachable": counts.get(rollout.UNREACHABLE, 0),
                      "services_lost": counts.get(rollout.SERVICES_LOST, 0), "share": wave.get("share"),
                      "reason": wave.get("reason")})
    overall = _overall(state)
    settings = state["settings"]
    return {
        "kind": "rollout",
        "title": words["title"],
        "lang": lang,
        "generated_at": generated_at,
        "final": bool(final),
        "overall": overall,
        "overall_text": words["state"][overall],
        "settings": {"threshold": settings["threshold"], "interval": settings["interval"],
                     "deadline": settings["deadline"]},
        "server_version": state.get("server_version"),
        "server_product": server_product,
        "version_mix": dict(_check_words("version_mix", lang), counts=products, mixed=mixed),
        "waves": waves,
        "still_xg": [h for h in hosts if h["product"] == "xg"],
        "attention": [h for h in hosts if any(e["kind"] != "reblocked" for e in h["events"])
                      or h["status"] == rollout.SERVICES_LOST],
        "service_names": dict(_check_words("service_names", lang),
                              hosts=[h["host"] for h in hosts if h["display_says_apexone"] and h["product"] == "xg"]),
        "console": _check_words("console_update_setting", lang),
        "rollback": state.get("rollback"),
        "hosts": hosts,
        "summary": summary(state),
    }


def result_for_awx(state, action, msg, report=None, state_file=None):
    """What each run hands to AWX with set_stats (apexone_rollout_result): where the rollout stands.

    A workflow passes it on to the next node as an extra variable, and shows it beside the job: the
    open (or last decided) wave, agents by status, the report and state locations. `action` is what
    the run ended with: release / poll / hold (a wave is open and was checked or released), done,
    stopped (a wave failed or the rollout was rolled back), refused (nothing was done).
    """
    result = {"action": action, "msg": msg, "report": (report or {}).get("html"), "state_file": state_file,
              "wave": None, "wave_name": None, "wave_status": None, "waves": 0, "waves_passed": 0, "counts": {}}
    if not state:
        return result
    current = rollout.open_wave(state)
    decided = [w for w in state["waves"] if w["status"] != rollout.PENDING]
    wave = current or (decided[-1] if decided else None)
    counts = dict((status, len(hosts)) for status, hosts in summary(state)["by_status"].items())
    result.update(waves=len(state["waves"]), waves_passed=len([w for w in state["waves"] if w["status"] == rollout.PASSED]),
                  counts=counts, overall=_overall(state))
    if wave:
        result.update(wave=wave["index"], wave_name=wave["name"], wave_status=wave["status"],
                      wave_counts=rollout.wave_counts(state, wave))
    return result
