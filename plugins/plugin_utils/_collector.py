# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The standalone collector, apexone-collect.ps1, made from what the runner sends. Internal: not a public API.

collector/collect.ps1 is the writer: it finds out whether the host's PowerShell can run the scripts (as the
bootstrap does), runs the driver and writes the answer file. Its line ``# <apexone-input>`` is replaced with the
bootstrap's own New-ApexOneBlock function and the one line of input a WinRM run of the probe sends to an agent
(payload.stdin: the driver, common.ps1, probe.ps1 with the agent's subsets, its parameters), so no second copy of
the probe exists to drift from it. Plain text: no base64, no compression.
"""

from __future__ import annotations

import os
import re

from ansible_collections.apexone.upgrade.plugins.module_utils import errors, probe_plan
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload

WRITER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "collector", "collect.ps1")
INPUT_MARK = "# <apexone-input>"
FOLDER_MARK = "'<apexone-folder>'"
VERSION_MARK = "'<apexone-version>'"
_NEW_BLOCK = re.compile(r"^function New-ApexOneBlock\(.*?^\}$", re.S | re.M)
# A folder the hosts can name: a share (\\server\share\...) or a local absolute path (C:\...); no control characters.
_FOLDER = re.compile(r"^(\\\\[^\\/:*?\"<>|\x00-\x1f]+\\[^\\/:*?\"<>|\x00-\x1f]+(\\[^\\/:*?\"<>|\x00-\x1f]+)*\\?|"
                     r"[A-Za-z]:\\([^\\/:*?\"<>|\x00-\x1f]+\\?)*)$")
_VERSION = re.compile(r"^[0-9A-Za-z.+-]{1,64}$")


def params(root_update_route_test: bool = False) -> dict:
    """The probe's parameters for an agent, as apexone_facts sends them (no destinations test; the route to
    Windows Update's root list only when asked)."""
    subsets = list(probe_plan.HOST_SUBSETS) + (["network"] if root_update_route_test else [])
    return probe_plan.probe_params(subsets, destinations=False, root_list=root_update_route_test)


def input_line(root_update_route_test: bool = False) -> str:
    """The one line of input the collector runs: what a WinRM run of the probe sends, without its line end."""
    return payload.stdin("probe", params(root_update_route_test)).rstrip("\r\n")


def new_block_function() -> str:
    """The bootstrap's New-ApexOneBlock function, as the bootstrap defines it."""
    match = _NEW_BLOCK.search(payload.own_text("bootstrap"))
    if match is None:
        raise RuntimeError("bootstrap.ps1 no longer defines New-ApexOneBlock as the collector expects")
    return match.group(0)


def script(folder: str, version: str, root_update_route_test: bool = False) -> str:
    """apexone-collect.ps1 (CR LF line ends, ASCII) writing answers into `folder` as the hosts name it."""
    if not _FOLDER.match(folder or ""):
        raise errors.InputError("folder %r is not a folder the hosts can write to: give a share such as "
                                "\\\\fileserver\\apexone$\\collected (or a local path such as C:\\ApexOne)" % (folder,))
    if not _VERSION.match(version):
        raise errors.InputError("collection version %r cannot be written into the answers" % (version,))
    with open(WRITER, encoding="utf-8") as handle:
        text = handle.read()
    for mark in (INPUT_MARK, FOLDER_MARK, VERSION_MARK):
        if text.count(mark) != 1:
            raise RuntimeError("collector/collect.ps1 must hold %s once" % mark)
    part = "%s\n$__in = ConvertFrom-Json -InputObject @'\n%s\n'@" % (new_block_function(), input_line(root_update_route_test))
    text = text.replace(INPUT_MARK, part).replace(FOLDER_MARK, "'%s'" % folder.replace("'", "''"))
    text = text.replace(VERSION_MARK, "'%s'" % version)
    text.encode("ascii")  # the input line is ASCII JSON; the writer's text is ASCII
    return "\r\n".join(text.splitlines()) + "\r\n"
