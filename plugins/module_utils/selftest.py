# -*- coding: utf-8 -*-
"""The self-test on one real host: which read-only scripts run with which parameters, and the recording.

Each script runs once, read-only (registry_block and certificates_install in check mode, which
opens nothing for writing; auth_backup with MaxBytes 0, so the server's certificate never travels).
invalid_rename is never run: it has no read-only form.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    auth_backup, certificates, hotfix_block, probe_plan, winhttp)

FORMAT = 1
NOT_RUN = {"invalid_rename": "renames files: it has no read-only form, and is tested by its integration target on a "
                             "throwaway folder"}
# A thumbprint no store holds: check mode only looks it up.
ABSENT_THUMBPRINT = "00" * 20


def calls(network=False):
    """(script, parameters, list paths) for every read-only script."""
    subsets = list(probe_plan.HOST_SUBSETS) + ["folders", "file_hashes"] + (["network"] if network else [])
    block = dict(hotfix_block.plan("present", "apexone.upgrade selftest"), CheckMode=True)
    return [
        ("probe", probe_plan.probe_params(subsets), probe_plan.LIST_PATHS),
        ("auth_backup", auth_backup.plan(0), ("candidates",)),
        ("winhttp_import", winhttp.script_params("read"), ()),
        ("registry_block", block, ()),
        ("certificates_install", certificates.install_plan(
            [{"store": certificates.STORES[0], "thumbprint": ABSENT_THUMBPRINT, "der_b64": ""}], True),
         ("results", "certificates.*")),
    ]


def summary(scripts):
    """One line per script: answered and kept to its contract, or what went wrong."""
    lines, ok = [], True
    for name in sorted(scripts):
        entry = scripts[name]
        if entry.get("not_run"):
            lines.append("%s: not run (%s)" % (name, entry["not_run"]))
        elif entry.get("error"):
            ok = False
            lines.append("%s: FAILED on the host: %s" % (name, entry["error"]))
        elif entry.get("problems"):
            ok = False
            lines.append("%s: answered OUTSIDE its contract: %s" % (name, "; ".join(entry["problems"][:3])))
        else:
            failed_parts = sorted((entry.get("answer") or {}).get("errors") or {}) if name == "probe" else []
            lines.append("%s: ok%s" % (name, " (could not read: %s)" % ", ".join(failed_parts) if failed_parts else ""))
    return ok, lines
