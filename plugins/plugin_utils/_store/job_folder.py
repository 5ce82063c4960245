# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The throwaway folder of an AWX / Automation Platform job, and what may not be kept in it.

Internal use only: not a public API.

How a job shows its folder (ansible-runner and AWX source):
- ansible-runner always sets AWX_ISOLATED_DATA_DIR to the run's artifact folder,
  <private data dir>/artifacts/<ident>; in an execution environment the private data dir is mounted at
  /runner, so the variable reads /runner/artifacts/<ident>. Playbook runs start in
  <private data dir>/project, so a relative path lands inside it.
- AWX also sets AWX_PRIVATE_DATA_DIR to the job's private data dir (a temporary folder on the
  execution node that AWX deletes after the job; a container group's pod is deleted whole).
Anything kept below one of those folders is gone when the job ends.
"""

from __future__ import annotations

import os

from . import location
from .errors import JobFolderRefused

ALLOW_VARIABLE = "apexone_store_allow_job_folder"


def job_folders(environ=None) -> list:
    environ = os.environ if environ is None else environ
    found = []
    artifacts = environ.get("AWX_ISOLATED_DATA_DIR")
    if artifacts:
        found.append(os.path.dirname(os.path.dirname(os.path.normpath(artifacts))))
    if environ.get("AWX_PRIVATE_DATA_DIR"):
        found.append(os.path.normpath(environ["AWX_PRIVATE_DATA_DIR"]))
    return [f for i, f in enumerate(found) if f not in found[:i] and f not in ("", os.sep)]


def inside_job_folder(where: str, environ=None):
    """The job folder that holds `where` (a folder or file of the controller), or None."""
    if not where or location.is_share(where):
        return None
    path = os.path.realpath(location.local_folder(where))
    for folder in job_folders(environ):
        for candidate in (folder, os.path.realpath(folder)):
            if path == candidate or path.startswith(candidate.rstrip(os.sep) + os.sep):
                return folder
    return None


def refuse(where: str, what: str, variable: str, allow: bool = False, environ=None) -> None:
    """Refuse to keep `what` at `where` when that lies inside this job's throwaway folder."""
    folder = inside_job_folder(where, environ)
    if folder and not allow:
        raise JobFolderRefused(
            "%s would be kept at %s, inside the private folder of this AWX / ansible-runner job (%s), which is deleted "
            "when the job ends: set %s to a share (\\\\fileserver\\apexone$\\...) or to a persistent volume mounted in "
            "the execution environment. If that folder really outlives the job, say so with %s=true"
            % (what, location.local_folder(where), folder, variable, ALLOW_VARIABLE))


def warning(where: str, what: str, variable: str, environ=None):
    """The words of a warning when `what` goes into the job's folder (reports: kept, but not for long)."""
    folder = inside_job_folder(where, environ)
    if not folder:
        return None
    return ("%s written to %s, inside the private folder of this AWX / ansible-runner job (%s): it is deleted when the "
            "job ends. Set %s to a share or a persistent volume to keep it" % (what, location.local_folder(where), folder,
                                                                               variable))
