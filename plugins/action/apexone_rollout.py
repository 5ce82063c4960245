# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_rollout: the staged rollout's state and gates, on the controller only.

Each step loads the state file from the store (a controller folder or a share) under its lock,
applies one decision of module_utils.rollout to the results the hosts registered, and writes the
state back atomically. In check mode nothing is written. A run that must not go on (no state, a
sliced or partial inventory: module_utils.rollout_guard) is refused without failing here: the
playbook's last play hands the result to AWX (set_stats) and then fails with the reason.
"""

from __future__ import annotations

import datetime

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, checks, rollout, rollout_guard, rollout_report
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _report_files, _rollout_state, _store
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import job_folder, waiting

STEPS = ("plan", "released", "poll", "close", "report", "rollback_plan", "rollback_split", "rollback_record")
REFUSED = "refused"
STOPPED = "stopped"


class ActionModule(ApexOneAction):
    _requires_connection = False  # reads hostvars and writes on the controller only
    _supports_diff = False
    ARGUMENT_SPEC = {
        "step": {"type": "str", "required": True, "choices": list(STEPS)},
        "state_file": {"type": "str", "required": True},
        "waves": {"type": "raw", "default": list(rollout.DEFAULT_WAVES)},
        "agents": {"type": "list", "elements": "str"},
        "interval": {"type": "int", "default": rollout.DEFAULT_INTERVAL},
        "deadline": {"type": "int", "default": rollout.DEFAULT_DEADLINE},
        "threshold": {"type": "float", "default": rollout.DEFAULT_THRESHOLD},
        "wait": {"type": "bool", "default": True},
        "new": {"type": "bool", "default": False},
        "reopen": {"type": "bool", "default": False},
        "released_this_run": {"type": "int", "default": 0},
        "polled_this_run": {"type": "int", "default": 0},
        "wave": {"type": "int"},
        "hosts": {"type": "list", "elements": "str", "default": []},
        "result_var": {"type": "str"},
        "server_version": {"type": "str"},
        "report_dir": {"type": "str"},
        "lang": {"type": "str", "default": catalog.DEFAULT_LANG, "choices": list(checks.LANGUAGES)},
        "name": {"type": "str", "default": "rollout"},
        "refused": {"type": "str"},
        "lock_timeout": {"type": "int"},
        "allow_job_folder": {"type": "bool"},
    }

    def act(self, args, task_vars):
        now = rollout.stamp(datetime.datetime.now(datetime.timezone.utc))
        step = args["step"]
        self._settings(args, task_vars)
        try:
            with _rollout_state.opened(args["state_file"]) as state_file:
                self._state_file = state_file
                if self._task.check_mode:
                    return self._check_mode(step, args, task_vars, now)
                with state_file.locked(args["lock_timeout"]):
                    return getattr(self, "_" + step)(args, task_vars, now)
        except _rollout_state.StateFileError as exc:
            return {"failed": True, "msg": str(exc)}

    def _settings(self, args, task_vars):
        """The store's two collection-wide settings, read from the play when the task does not give them."""
        for option, variable, default in (("lock_timeout", "apexone_store_lock_timeout", waiting.DEFAULT_TIMEOUT),
                                          ("allow_job_folder", "apexone_store_allow_job_folder", False)):
            if args[option] is None:
                value = self._templar.template(task_vars.get(variable, default))
                args[option] = int(value) if option == "lock_timeout" else \
                    str(value).strip().lower() in ("1", "true", "yes", "on")

    # --- helpers ---

    def _load(self, args, required=True):
        state = self._state_file.load()
        if state is None:
            if required:
                raise rollout.RolloutError("no rollout state at %s: run release_hotfix_block.yml first"
                                           % self._state_file.path)
            return None
        return rollout.check_state(state)

    def _save(self, args, state):
        self._state_file.save(state, args["allow_job_folder"])

    @staticmethod
    def _results(task_vars, hosts, var):
        hostvars = task_vars.get("hostvars") or {}
        results = {}
        for host in hosts:
            try:
                results[host] = (hostvars[host] or {}).get(var)
            except KeyError:
                results[host] = None
        return results

    @staticmethod
    def _statuses(results):
        polled = {}
        for host, result in results.items():
            if not isinstance(result, dict) or result.get("unreachable") or result.get("failed") \
                    or not isinstance(result.get("agent"), dict):
                polled[host] = None
            else:
                polled[host] = result["agent"]
        return polled

    def _agents(self, args, task_vars):
        if args["agents"] is not None:
            return list(args["agents"])
        return list((task_vars.get("groups") or {}).get("apexone_agents") or [])

    def _refusal(self, args, task_vars, state, reopen=False):
        """Why this run must not touch the rollout (module_utils.rollout_guard), or None."""
        found = rollout_guard.refusal(rollout_guard.awx_vars(task_vars), task_vars.get("ansible_limit"), reopen)
        if found is None and state is not None:
            found = rollout_guard.inventory_refusal(sorted(state["hosts"]), self._agents(args, task_vars))
        return found

    def _refused(self, msg, **more):
        return dict(more, changed=False, action=REFUSED, msg=msg, wave=None, release=[], poll=[], polls_allowed=0)

    def _write_report(self, state, args, final):
        if not args["report_dir"]:
            return {}
        now = datetime.datetime.now(datetime.timezone.utc)
        model = rollout_report.build(state, args["lang"], now.strftime("%Y-%m-%d %H:%M:%S UTC"), final=final)
        stem = _report_files.new_stem(args["report_dir"], args["name"], now)
        return _report_files.write(model, args["report_dir"], stem, template=rollout_report.TEMPLATE,
                                   section=rollout_report.SECTION)

    # --- steps ---

    def _check_mode(self, step, args, task_vars, now):
        """Say what the step would do; write nothing (no state, no report)."""
        if step in ("rollback_split", "rollback_plan"):  # read-only: which agents a roll back would read or re-block
            state = self._load(args, required=False)
            refusal = self._refusal(args, task_vars, state) or (
                None if state else "no rollout state at %s: nothing to roll back" % self._state_file.path)
            if refusal:
                return self._refused(refusal)
            if step == "rollback_plan":
                return self._rollback_plan(args, task_vars, now, save=False)
            hosts = args["hosts"] or sorted(state["hosts"])
            split = rollout.rollback_split(state, self._statuses(self._results(
                task_vars, hosts, args["result_var"] or "apexone_rollout_poll")))
            return dict(split, changed=False, msg="check mode: would re-block %s" % (", ".join(split["reblock"]) or "none"))
        if step == "report":
            return self._report(args, task_vars, now, write=False)
        if step != "plan":
            return {"changed": False, "skipped": True, "msg": "check mode: nothing recorded"}
        state = self._load(args, required=False)
        refusal = rollout_guard.start_refusal(state is not None, args["new"], self._state_file.path) or \
            self._refusal(args, task_vars, state, args["reopen"])
        if refusal:
            return self._refused(refusal)
        created = state is None
        if created:
            settings = rollout.check_settings(args["interval"], args["deadline"], args["threshold"])
            waves = rollout.plan_waves(args["waves"], self._agents(args, task_vars), task_vars.get("groups") or {})
            state = rollout.new_state(waves, settings, now)
        if args["reopen"]:
            rollout.reopen(state, now)
        step_plan = rollout.next_step(state, args["wait"], args["released_this_run"], args["polled_this_run"])
        step_plan["polls_allowed"] = 0  # check mode lifts nothing, so there is nothing to wait for
        return dict(step_plan, changed=bool(created or step_plan["release"]), waves=self._waves(state),
                    msg="check mode: " + step_plan["msg"])

    @staticmethod
    def _waves(state):
        return [{"index": w["index"], "name": w["name"], "hosts": len(w["hosts"]), "status": w["status"]}
                for w in state["waves"]]

    def _plan(self, args, task_vars, now):
        try:  # before anything is released: a state that would vanish with an AWX job is no state
            job_folder.refuse(self._state_file.store.location, "the rollout state", _rollout_state.VARIABLE,
                              args["allow_job_folder"])
        except _store.StoreError as exc:
            return self._refused(str(exc), state_file=self._state_file.path)
        state = self._load(args, required=False)
        refusal = rollout_guard.start_refusal(state is not None, args["new"], self._state_file.path) or \
            self._refusal(args, task_vars, state, args["reopen"])
        if refusal:
            return self._refused(refusal, state_file=self._state_file.path)
        changed = False
        agents = self._agents(args, task_vars)
        if state is None:
            settings = rollout.check_settings(args["interval"], args["deadline"], args["threshold"])
            waves = rollout.plan_waves(args["waves"], agents, task_vars.get("groups") or {})
            state = rollout.new_state(waves, settings, now)
            changed = True
        else:
            # The gate's numbers may change between runs (a longer deadline, say); the waves never do.
            state["settings"] = rollout.check_settings(args["interval"], args["deadline"], args["threshold"])
        if args["server_version"]:
            state["server_version"] = args["server_version"]
        if args["reopen"] and rollout.reopen(state, now):
            changed = True
        step_plan = rollout.next_step(state, args["wait"], args["released_this_run"], args["polled_this_run"])
        if step_plan["action"] == "release":
            changed = rollout.start_wave(state, step_plan["wave"], now) or changed
        self._save(args, state)
        drift = rollout.inventory_drift(state, agents)
        msg = step_plan["msg"]
        if drift["not_in_rollout"]:
            msg += "; agent(s) added since the rollout started are not in any wave: %s" % ", ".join(drift["not_in_rollout"])
        return dict(step_plan, changed=changed and step_plan["action"] == "release", drift=drift,
                    waves=self._waves(state), state_file=self._state_file.path, msg=msg)

    def _released(self, args, task_vars, now):
        state = self._load(args)
        results = self._results(task_vars, args["hosts"], args["result_var"] or "hotfix_block_result")
        outcome = rollout.record_release(state, results, now)
        self._save(args, state)
        msg = "released %d agent(s)" % len(outcome["released"])
        if outcome["failed"]:
            msg += "; could not release %s (the next run tries again)" % ", ".join(outcome["failed"])
        if outcome["no_agent"]:
            msg += "; no agent on %s (not counted)" % ", ".join(outcome["no_agent"])
        return dict(outcome, changed=bool(outcome["released"]), msg=msg)

    def _poll(self, args, task_vars, now):
        state = self._load(args)
        wave = args["wave"] or (rollout.open_wave(state) or {}).get("index")
        if not wave:
            return {"changed": False, "verdict": rollout.PASS, "decided": True, "msg": "no open wave"}
        hosts = args["hosts"] or [h for h in rollout.wave_of(state, wave)["hosts"] if state["hosts"][h]["released_at"]]
        polled = self._statuses(self._results(task_vars, hosts, args["result_var"] or "apexone_rollout_poll"))
        events = rollout.record_poll(state, polled, now)
        verdict = rollout.gate(state, wave, now)
        decided = rollout.apply_gate(state, wave, verdict, now)
        self._save(args, state)
        counts = verdict["counts"]
        return {"changed": False, "verdict": verdict["verdict"], "decided": decided, "wave": wave,
                "counts": counts, "share": verdict["share"], "events": events,
                "progress": {"upgraded": counts[rollout.UPGRADED], "still_xg": counts[rollout.STILL_XG],
                             "unreachable": counts[rollout.UNREACHABLE],
                             "services_lost": counts[rollout.SERVICES_LOST]},
                "still_xg": verdict["hosts_by_status"].get(rollout.STILL_XG, []),
                "unreachable": verdict["hosts_by_status"].get(rollout.UNREACHABLE, []),
                "msg": verdict["msg"] + ("; " + "; ".join("%s: %s" % (e["host"], e["detail"]) for e in events)
                                         if events else "")}

    def _close(self, args, task_vars, now):
        """After a wave's checks: the report, and whether this run goes on. A failed wave stops the run; the
        playbook's last play hands the result to AWX and then fails with this message."""
        state = self._load(args)
        wave = rollout.wave_of(state, args["wave"]) if args["wave"] else None
        paths = self._write_report(state, args, final=False) if wave and wave["status"] != rollout.OPEN else {}
        result = {"changed": False, "report": paths, "status": wave["status"] if wave else None, "stopped": False}
        if wave is None:
            result["msg"] = "nothing to close"
            result["continue"] = False
        elif wave["status"] == rollout.FAILED:
            result.update(stopped=True, msg="rollout stopped: wave %d (%s) failed: %s. Report: %s. To re-block the "
                          "agents not yet upgraded: ansible-playbook apexone.upgrade.rollback_hotfix_release"
                          % (wave["index"], wave["name"], wave["reason"], paths.get("html", "-")))
            result["continue"] = False
        elif wave["status"] == rollout.PASSED:
            result["msg"] = "wave %d (%s) passed: %s%% on Apex One" % (wave["index"], wave["name"], wave.get("share"))
            result["continue"] = True
        else:
            result["msg"] = "wave %d (%s) is still open: %d check(s) so far; run again later" % (
                wave["index"], wave["name"], wave["polls"])
            result["continue"] = bool(args["wait"])
        return result

    def _report(self, args, task_vars, now, write=True):
        """The run's end: the final report and what AWX gets (`awx`, for set_stats); `stop` says why the run fails."""
        state = self._load(args, required=False)
        where = self._state_file.path
        if args["refused"]:
            return {"changed": False, "report": {}, "stop": args["refused"],
                    "awx": rollout_report.result_for_awx(state, REFUSED, args["refused"], state_file=where),
                    "msg": args["refused"]}
        if state is None:
            msg = "check mode: nothing recorded" if not write else "no rollout state at %s" % where
            return {"changed": False, "report": {}, "stop": None if not write else msg,
                    "awx": rollout_report.result_for_awx(None, "none", msg, state_file=where), "msg": msg}
        rollout.check_state(state)
        paths = self._write_report(state, args, final=True) if write else {}
        summary = rollout_report.summary(state)
        step_plan = rollout.next_step(state, True)
        counts = dict((status, len(hosts)) for status, hosts in summary["by_status"].items())
        stopped = step_plan["action"] == STOPPED
        action = step_plan["action"] if step_plan["action"] in ("done", STOPPED) else "hold"
        return {"changed": False, "report": paths, "summary": summary, "counts": counts, "action": step_plan["action"],
                "stopped": stopped, "stop": step_plan["msg"] if stopped else None,
                "awx": rollout_report.result_for_awx(state, action, step_plan["msg"], paths, where),
                "msg": step_plan["msg"]}

    def _rollback_plan(self, args, task_vars, now, save=True):
        """The agents a roll back reads: the rollout's, all of them in this inventory (else refused)."""
        state = self._load(args, required=False)
        refusal = self._refusal(args, task_vars, state) or (
            None if state else "no rollout state at %s: nothing to roll back. Run release_hotfix_block.yml first, or "
            "point apexone_rollout_state_file (or apexone_report_dir) at the rollout's state" % self._state_file.path)
        if refusal:
            return self._refused(refusal, hosts=[])
        return {"changed": False, "hosts": sorted(state["hosts"]), "action": "rollback",
                "msg": "the rollout has %d agent(s); each is read once" % len(state["hosts"])}

    def _rollback_split(self, args, task_vars, now):
        state = self._load(args)
        hosts = args["hosts"] or sorted(state["hosts"])
        polled = self._statuses(self._results(task_vars, hosts, args["result_var"] or "apexone_rollout_poll"))
        rollout.record_poll(state, polled, now)
        self._save(args, state)
        split = rollout.rollback_split(state, polled)
        return dict(split, changed=False, msg="re-block %d agent(s) still on XG; %d already run Apex One and cannot "
                    "be re-blocked; %d unreachable" % (len(split["reblock"]), len(split["upgraded"]),
                                                       len(split["unreachable"])))

    def _rollback_record(self, args, task_vars, now):
        state = self._load(args)
        hosts = args["hosts"]
        polled = dict((h, state["hosts"][h].get("last_status")) for h in state["hosts"])
        upgraded = (rollout.UPGRADED, rollout.SERVICES_LOST)
        split = {"reblock": list(hosts), "upgraded": [h for h, s in polled.items() if s in upgraded],
                 "unreachable": [h for h, s in polled.items() if s == rollout.UNREACHABLE],
                 "no_agent": [h for h, s in polled.items() if s == rollout.NO_AGENT]}
        results = self._results(task_vars, hosts, args["result_var"] or "hotfix_block_result")
        record = rollout.record_rollback(state, split, results, now)
        self._save(args, state)
        paths = self._write_report(state, args, final=True)
        changed = bool(record["reblocked"]) and any((results.get(h) or {}).get("changed") for h in record["reblocked"])
        msg = "re-blocked %d agent(s); already on Apex One (cannot be re-blocked): %s; failed: %s" % (
            len(record["reblocked"]), ", ".join(record["upgraded"]) or "none", ", ".join(record["reblock_failed"]) or "none")
        return dict(record, changed=changed, report=paths, failed=bool(record["reblock_failed"]), msg=msg,
                    awx=rollout_report.result_for_awx(state, "rolled_back", msg, paths, self._state_file.path))
