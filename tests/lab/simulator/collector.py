# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The twin of apexone-collect.ps1 (plugins/plugin_utils/collector/collect.ps1, made by _collector.py): what the
script writes into its folder when it runs on a lab host. Tests fill a folder "as if the script ran" with it.

RULE K1  The script must parse as Windows PowerShell 5.1 (pwsh.check); anything else is refused, as the host
         would refuse it.
RULE K2  Its head is the bootstrap's: the same New-ApexOneBlock function (byte for byte) and the same version and
         language-mode test; the lab refuses a script whose function differs. It then runs the one line of input
         embedded in the script (between ``@'`` and ``'@``): the lab runs that line through the runner's own
         model of one execution (lab.execute with the runner's command), so the answer is what a WinRM probe
         of the same host with the same input gets: the short answer on PowerShell 2.0 or outside FullLanguage,
         else the driver's marked line.
RULE K3  The writer calls only cmdlets Windows PowerShell 2.0 has (WRITER_COMMANDS); any other is refused.
RULE K4  The file is <folder>/<COMPUTERNAME>.json (the seed's os.hostname), written under a temporary name, then
         renamed; a file already there whose read_at is the same or later is kept, this answer dropped. Its text is
         the writer's: format, read_at (the twin's `now`), host, dns_name (the host name; "" on the short path),
         collection (the version written into the script), kind (result, error, short), answer (the marked
         line's JSON as the driver wrote it).
"""

from __future__ import annotations

import datetime
import json
import os
import re

from ansible_collections.apexone.upgrade.plugins.plugin_utils import _collector
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import answer as answer_reader
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload

from . import lab, pwsh
from . import state as lab_state

WRITER_COMMANDS = frozenset(name.lower() for name in (
    "Get-Date", "Join-Path", "Test-Path", "Get-Content", "Set-Content", "Move-Item", "Remove-Item", "Where-Object",
    "Get-WmiObject"))
_INPUT = re.compile(r"^\$__in = ConvertFrom-Json -InputObject @'\r?\n(.*?)\r?\n'@\r?$", re.S | re.M)
_VERSION = re.compile(r"^\$__collection = '([^']*)'\r?$", re.M)
_SHORT_TEST = "if ($PSVersionTable.PSVersion.Major -lt 3 -or \"$($ExecutionContext.SessionState.LanguageMode)\" -ne 'FullLanguage') {"


class CollectorRefused(Exception):
    """The lab will not run this script (a RULE above says why)."""


def _check(text: str) -> tuple[str, str]:
    """RULE K1-K3: (the embedded input line, the collection version written into the script)."""
    checked = pwsh.check(text)
    if not checked.ok:
        raise CollectorRefused("apexone-collect.ps1 does not parse as Windows PowerShell 5.1: %s" % "; ".join(checked.errors))
    if _collector.new_block_function().replace("\n", "\r\n") not in text or _SHORT_TEST not in text:
        raise CollectorRefused("apexone-collect.ps1's head is not the bootstrap's (New-ApexOneBlock, the version test)")
    found = _INPUT.search(text)
    version = _VERSION.search(text)
    if found is None or version is None:
        raise CollectorRefused("apexone-collect.ps1 holds no input line or no collection version")
    outside = _INPUT.sub("", text)
    unknown = sorted(c for c in pwsh.commands(outside) - pwsh.functions(outside) if c.lower() not in WRITER_COMMANDS)
    if unknown:
        raise CollectorRefused("apexone-collect.ps1 calls what Windows PowerShell 2.0 may not have: %s" % ", ".join(unknown))
    return found.group(1), version.group(1)


def run(host: str, seed: str, text: str, folder: str, now: datetime.datetime, lab_dir: str | None = None) -> str:
    """Run apexone-collect.ps1 (`text`) on lab host `host` (state from `seed`) at `now`; return "written" or "kept"."""
    line, version = _check(text)
    rc, stdout, stderr = lab.execute(host, seed, payload.command(), (line + "\r\n").encode("ascii"), lab_dir)
    out = stdout.decode("utf-8")
    with lab_state.HostState(host, seed, lab_dir).open() as data:
        computer = str((data.get("os") or {}).get("hostname") or "")
    if not re.match(r"^[A-Za-z0-9-]{1,15}$", computer):
        raise CollectorRefused("seed %s has no NetBIOS computer name (os.hostname)" % seed)
    kind, body, dns = None, None, computer
    for marker, name in ((answer_reader.SHORT_MARKER, "short"), (answer_reader.RESULT_MARKER, "result"),
                         (answer_reader.ERROR_MARKER, "error")):
        for each in out.splitlines():
            if each.startswith(marker):
                kind, body = name, each[len(marker):]
                break
        if kind:
            break
    if kind is None:
        raise CollectorRefused("the probe wrote no answer (rc %s): %s" % (rc, stderr.decode("utf-8", "replace")))
    if kind == "short":
        dns = ""
    read_at = now.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    target = os.path.join(folder, computer + ".json")
    if os.path.exists(target):
        with open(target, encoding="ascii") as handle:
            earlier = re.search(r'"read_at":"([0-9TZ:-]{20})"', handle.read())
        if earlier and earlier.group(1) >= read_at:
            return "kept"
    written = ('{"format":"apexone.upgrade.collected","read_at":"' + read_at + '","host":"' + computer + '","dns_name":"'
               + dns + '","collection":"' + version + '","kind":"' + kind + '","answer":' + body + '}')
    json.loads(written)  # the writer's text is JSON
    temporary = os.path.join(folder, "%s.%d.tmp" % (computer, os.getpid()))
    with open(temporary, "w", encoding="ascii", newline="") as handle:
        handle.write(written + "\r\n")  # Set-Content ends the text with a line break
    os.replace(temporary, target)
    return "written"
