# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a relative input path (the certificate bundle, the agent-list export) is found. Internal: not a public API.

An AWX job runs ansible-playbook in its project's checkout (ansible-runner starts a playbook run in
<private data dir>/project), so a path the project carries, written relative to the project's root, is
found from the working folder; a path written relative to the playbook that the job template names
(Ansible's own habit for files/) is found from playbook_dir. The working folder is tried first, then
playbook_dir; when neither has it, the error names both.
"""

from __future__ import annotations

import os

from ansible_collections.apexone.upgrade.plugins.module_utils import errors


def input_path(path: str, task_vars: dict, what: str) -> str:
    if not path or os.path.isabs(path):
        return path
    tried = []
    for base in (os.getcwd(), task_vars.get("playbook_dir")):
        if not base:
            continue
        candidate = os.path.normpath(os.path.join(base, path))
        if candidate in tried:
            continue
        if os.path.exists(candidate):
            return candidate
        tried.append(candidate)
    raise errors.InputError("%s %s was not found: a relative path is looked for from the working folder (the project's "
                            "root in an AWX job) and from the playbook's folder; tried %s" % (what, path, ", ".join(tried)))
