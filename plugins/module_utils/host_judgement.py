# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One host's probe answer turned into its facts and findings: the one path every reading takes.

A host probed over WinRM (apexone_facts) and a host whose answer the standalone collector wrote into a
folder (apexone_report's collected answers) are judged by these two functions, so both give the same
findings for the same answer. Pure functions over plain data.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import preflight


def judge(answer, required, role, is_server, is_agent, sha2_updates=None, offline=False, upgrade_date=None):
    """(facts, findings) of a host from the probe's full answer (a dict, lists already re-wrapped)."""
    facts = preflight.host_facts(answer, required, sha2_updates=sha2_updates or [], offline=offline)
    facts["role"] = role
    return facts, preflight.host_findings(facts, is_server, is_agent, upgrade_date=upgrade_date)


def judge_short(decided, required, role, is_agent, sha2_updates=None, offline=False):
    """(facts, findings) of a host that answered short (PowerShell 2.0, Constrained Language Mode);
    `decided`: host_shell.classify's reading of the short answer. Its OS is judged by name, nothing else."""
    facts = preflight.host_facts({"os": decided["os"]}, required, sha2_updates=sha2_updates or [], offline=offline)
    facts["shell"] = decided
    facts["role"] = role
    return facts, preflight.shell_findings(facts, is_agent)
