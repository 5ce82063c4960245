#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_rollout
short_description: The staged agent rollout's state, gates and report, kept in the store
version_added: 0.1.0
description:
  - Keeps the rollout of release_hotfix_block.yml in a JSON state file in the store - a controller folder (local,
    NFS, a persistent volume) or a share - with the waves (fixed at the first run), when each agent was released,
    the versions seen, which wave is open. Each step reads the file under a lock (waiting for another run's, up to
    a timeout) and writes it back atomically (temporary file, then one rename), so an interrupted run never leaves
    a damaged state.
  - A rollout cannot restart silently. V(plan) refuses a release with no state unless O(new) is true, and a O(new)
    rollout where a state exists. V(plan) and V(rollback_plan) refuse an inventory that lacks agents of the
    rollout, a C(--limit) (the AWX job template's Limit), a job that AWX runs as one slice of a sliced job template,
    and O(reopen) in a scheduled AWX job (each run would restart the wave's deadline). A refusal is returned as
    C(action=refused) with the reason; the playbook fails at its end, after C(set_stats).
  - Under AWX / ansible-runner, a state file inside the job's own folder is refused (deleted when the job ends).
  - Steps, in the order the playbooks use them. V(plan) decides what the run does next (open the next wave or
    continue the open one; an agent with a release time is never released again). V(released) records the
    block module's results. V(poll) records one check of the open wave and applies the gate. V(close) writes
    the report after a wave and says when the wave failed (C(stopped)). V(report) writes the final report and
    returns C(awx), what the playbook hands to AWX with C(set_stats). V(rollback_plan), V(rollback_split) and
    V(rollback_record) serve rollback_hotfix_release.yml.
  - "The gate: the next wave starts only when at least O(threshold) percent of the wave's agents run Apex One
    (hosts without an agent are not counted) and no upgraded agent lost C(tmlisten) or C(NTRTScan); a wave that
    reaches O(deadline) first, has an agent that lost its services, or a released agent whose block is back at 1
    (the server's settings restored it - release that wave from the console's domain setting instead), stops the
    rollout at once."
  - Reports (HTML and JSON, Japanese or English) list the waves with times and counts, the agents still on XG,
    the version mix against the server (KA-0012615 item 4), XG agents whose service names say Apex One (item 7),
    agents reinstalled or whose block came back, and the console's update setting as a manual check (item 6).
options:
  step:
    description: What to do; see the description.
    type: str
    required: true
    choices: [plan, released, poll, close, report, rollback_plan, rollback_split, rollback_record]
  state_file:
    description:
      - The rollout's state file, a controller path or a share path (C(\\fileserver\apexone$\rollout\rollout-state.json)).
      - A share is reached with smbprotocol, signed and encrypted, with the credentials in the environment variables
        E(APEXONE_STORE_USERNAME) and E(APEXONE_STORE_PASSWORD), else the controller's Kerberos ticket.
    type: str
    required: true
  waves:
    description:
      - Sizes (C(5%), C(10)) used as Ansible's C(serial) uses them, inventory group names, or C(groups) for
        C(apexone_wave_1), C(apexone_wave_2), ... Used only when the state file does not exist yet.
    type: raw
    default: ['5%', '25%', '100%']
  agents:
    description: The agents of the rollout, in order. Defaults to the group C(apexone_agents).
    type: list
    elements: str
  interval:
    description: Seconds between two checks of a wave.
    type: int
    default: 600
  deadline:
    description: Seconds a wave may take before the rollout stops.
    type: int
    default: 86400
  threshold:
    description: Percent of a wave's agents that must run Apex One.
    type: float
    default: 95
  wait:
    description: V(false) for schedulers - a run releases at most one wave and checks the open wave once.
    type: bool
    default: true
  new:
    description: Start a new rollout. Without it, V(plan) refuses when there is no state.
    type: bool
    default: false
  reopen:
    description: Open a failed wave again with a new deadline (after its agents were fixed). Refused in a scheduled AWX job.
    type: bool
    default: false
  released_this_run:
    description: How many agents this run released so far (the playbook counts).
    type: int
    default: 0
  polled_this_run:
    description: How many checks this run made so far (the playbook counts).
    type: int
    default: 0
  wave:
    description: The wave a V(poll) or V(close) step is about.
    type: int
  hosts:
    description: The hosts whose registered results a step reads.
    type: list
    elements: str
    default: []
  result_var:
    description: The variable those hosts registered their results in.
    type: str
  server_version:
    description: The management server's version, for the version mix.
    type: str
  report_dir:
    description: Where reports are written (a controller folder or a share); none when unset.
    type: str
  lang:
    description: Language of the report.
    type: str
    choices: [ja, en]
    default: ja
  name:
    description: File name prefix of the reports.
    type: str
    default: rollout
  refused:
    description: For V(report) - the reason an earlier V(plan) refused the run; the report step then returns it as C(stop).
    type: str
  lock_timeout:
    description:
      - Seconds to wait for another run's lock on the state. Defaults to the variable C(apexone_store_lock_timeout),
        else 300.
    type: int
  allow_job_folder:
    description:
      - Write the state even when it lies inside the folder of an AWX / ansible-runner job. Defaults to the variable
        C(apexone_store_allow_job_folder), else false.
    type: bool
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.controller
attributes:
  check_mode:
    details: V(plan) says what would be released; nothing is written (no state file, no report).
notes:
  - Where the server stores the console's update setting (KA-0012615 item 6) is not documented; the report keeps
    it as a manual check with the console path in both languages.
seealso:
  - module: apexone.upgrade.apexone_agent_status
  - module: apexone.upgrade.apexone_hotfix_block
  - name: Upgrading agents in stages (Trend Micro, Japanese)
    description: KA-0009550, the staged upgrade the Hotfix block serves.
    link: https://success.trendmicro.com/ja-JP/solution/KA-0009550
  - name: Configuring Update Privileges and Other Settings (Apex One 2019 online help)
    description: The console's update setting and its three choices; it does not say where the server stores it.
    link: https://docs.trendmicro.com/en-us/documentation/article/trend-micro-apex-one-2019-server-online-help-update_priv_sttng_cf
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Decide what this run does next
  apexone.upgrade.apexone_rollout:
    step: plan
    state_file: /srv/apexone/reports/rollout-state.json
    waves: groups
  register: rollout_plan

- name: Start a new rollout with its state on the team's share (waves as an AWX survey gives them)
  apexone.upgrade.apexone_rollout:
    step: plan
    state_file: \\fileserver\apexone$\rollout\rollout-state.json
    waves: 5%,25%,100%
    new: true
  register: rollout_plan
"""

RETURN = r"""
action:
  description:
    - For the V(plan) and V(report) steps, what the rollout does next - V(release), V(poll), V(done), V(stopped),
      V(hold); V(refused) (from V(plan) and V(rollback_plan)) when the run must not touch the rollout, with the
      reason in C(msg).
  returned: plan, report, rollback_plan
  type: str
awx:
  description:
    - What the run hands to AWX (the playbooks' C(set_stats) key C(apexone_rollout_result)) - C(action), C(msg),
      C(wave), C(wave_name), C(wave_status), C(wave_counts), C(waves), C(waves_passed), C(counts) (agents by last
      status), C(report) (the HTML report's location) and C(state_file).
  returned: report, rollback_record
  type: dict
stop:
  description: Why the run must end as failed (a refusal, a failed wave, a roll back), or null.
  returned: report
  type: str
stopped:
  description: True when the wave just closed failed; the run stops after its report.
  returned: close
  type: bool
hosts:
  description: The rollout's agents, which a roll back reads.
  returned: rollback_plan
  type: list
  elements: str
release:
  description: Agents to release now (never one already released).
  returned: plan
  type: list
  elements: str
poll:
  description: Agents of the open wave to check.
  returned: plan
  type: list
  elements: str
polls_allowed:
  description: How many checks this cycle may make.
  returned: plan
  type: int
verdict:
  description: The gate's verdict after a check - V(wait), V(pass), V(fail).
  returned: poll
  type: str
progress:
  description: Counts of the wave after a check - upgraded, still_xg, unreachable, services_lost.
  returned: poll
  type: dict
events:
  description:
    - Agents reinstalled, whose block the server's settings restored (C(block_restored), which fails the wave at
      once), or whose agent disappeared, found by this check.
  returned: poll
  type: list
  elements: dict
report:
  description: Where the report was written (C(html), C(json)), as controller paths or share paths.
  returned: close, report, rollback_record
  type: dict
reblock:
  description: Agents a roll back re-blocks.
  returned: rollback_split
  type: list
  elements: str
upgraded:
  description: Agents already on Apex One, which a roll back cannot re-block.
  returned: rollback_split, rollback_record
  type: list
  elements: str
"""
