# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When a rollout run must refuse to go on, as decisions: a rollout that cannot silently restart.

A release or roll back run works on the whole fleet's state. It refuses:
- a release with no earlier state, unless the user says this is a new rollout (a lost state, or a
  state path that changed, must never look like "start from wave 1 again"); and a "new" rollout where
  one already exists;
- an inventory that is not the rollout's: agents of the rollout missing from it (an AWX job slice, a
  limit, another inventory source), a job that AWX runs as a slice of a sliced job template, or a
  `--limit` (the job template's Limit field);
- reopening a failed wave from a schedule: each scheduled run would restart the wave's deadline.

How AWX shows these to a playbook (AWX source: models/unified_jobs.py awx_meta_vars, models/jobs.py,
models/workflow.py): every job gets extra variables awx_* (and the older tower_*), among them
awx_job_template_name; a job started by a workflow also gets awx_workflow_job_id and
awx_workflow_job_name; a job started by a schedule gets awx_schedule_id (or, inside a scheduled
workflow, awx_parent_job_schedule_id). A job template with job slicing above 1 becomes a workflow job
of the template's own name, whose nodes run the template on parts of the inventory (hosts[n::count],
each group kept but pared to that part): so a slice is a job whose workflow bears its template's name.
Nothing else tells the slice number to the playbook.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

AWX_PREFIXES = ("awx", "tower")
AWX_NAMES = ("job_template_name", "workflow_job_id", "workflow_job_name", "schedule_id", "parent_job_schedule_id")


def awx_vars(variables):
    """The AWX job variables a run has (name without prefix -> value), from its variables."""
    found = {}
    for name in AWX_NAMES:
        for prefix in AWX_PREFIXES:
            value = variables.get("%s_%s" % (prefix, name))
            if value not in (None, ""):
                found[name] = value
                break
    return found


def start_refusal(state_exists, new, where):
    """A release run with no state, or a "new" rollout over an existing one."""
    if not state_exists and not new:
        return ("no rollout state at %s. If this is the first run of a new rollout, run once with "
                "apexone_rollout_new=true. If a rollout ran before, its state is elsewhere or was lost: point "
                "apexone_rollout_state_file (or apexone_report_dir) at it; under AWX a job's own folder is deleted after "
                "every job, so keep the state on a share (\\\\fileserver\\apexone$\\...) or a persistent volume. A "
                "rollout that started again from wave 1 would release agents the old one had not checked" % where)
    if state_exists and new:
        return ("apexone_rollout_new=true, but a rollout already exists at %s: drop apexone_rollout_new to continue it, "
                "or move the state aside to start over (the new rollout plans its waves afresh)" % where)
    return None


def slice_refusal(awx):
    name = awx.get("job_template_name")
    if name and awx.get("workflow_job_id") not in (None, "") and awx.get("workflow_job_name") == name:
        return ("this job looks like one slice of a sliced job template (AWX runs the slices in a workflow named after "
                "the template, %r): a rollout must see the whole inventory at once. Set the job template's Job Slicing to "
                "1 (slice the read-only preflight instead)" % name)
    return None


def limit_refusal(limit):
    if limit not in (None, ""):
        return ("the run is limited to %r (--limit, or the AWX job template's Limit): a rollout decides which agents to "
                "release and check from its whole inventory; run it without a limit" % (limit,))
    return None


def inventory_refusal(rollout_agents, inventory_agents, show=10):
    """The rollout's agents that the inventory lacks (a slice, a limit, a changed inventory source)."""
    inventory = set(inventory_agents)
    missing = [host for host in rollout_agents if host not in inventory]
    if not missing:
        return None
    return ("the inventory lacks %d of the rollout's %d agents (%s%s): this run does not see the rollout's fleet. Run it "
            "with the inventory the rollout started with (all its sources, not a sliced job, no limit). Agents taken out "
            "of the fleet for good stay in the rollout's waves: put them back in apexone_agents until it ends"
            % (len(missing), len(rollout_agents), ", ".join(missing[:show]), ", ..." if len(missing) > show else ""))


def reopen_refusal(reopen, awx):
    scheduled = awx.get("schedule_id") not in (None, "") or awx.get("parent_job_schedule_id") not in (None, "")
    if reopen and scheduled:
        return ("apexone_rollout_reopen=true in a scheduled job: every scheduled run would reopen the failed wave and "
                "restart its deadline, so a wave that keeps failing would never stop the rollout. Reopen is a person's "
                "decision after fixing the agents: launch one job with it, then let the schedule continue without it")
    return None


def refusal(awx, limit, reopen=False):
    """The first refusal that needs no state (a slice, a limit, a scheduled reopen), or None."""
    for found in (slice_refusal(awx), limit_refusal(limit), reopen_refusal(reopen, awx)):
        if found:
            return found
    return None
