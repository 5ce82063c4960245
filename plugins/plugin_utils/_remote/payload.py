# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What one remote execution sends: the command and its input, both plain text. Internal: not a public API.

- The command is bootstrap.ps1 (beside this file) without its comments and blank lines. It is handed to the
  connection plugin as it is: the winrm plugin wraps it in ``powershell.exe -EncodedCommand`` itself (every
  ansible-core from 2.16 to 2.21, once), the psrp plugin runs it in the runspace. Nothing here encodes it, so
  no version wraps it twice.
- The input is one line of ASCII JSON (non-ASCII as \\uXXXX): the script's name, the driver (driver.ps1), the
  common script (scripts/common.ps1), the script (scripts/<name>.ps1), each as the text PowerShell compiles,
  and the parameters as [name, value] pairs. No base64, no compression: what crosses the wire is what
  PowerShell's script block logging and anti-malware scanning see. One line: powershell.exe hands it to the
  bootstrap's ``$input`` whole, the psrp plugin sends it as one input object.
- Scripts travel without comments and indentation (minify.py: line breaks and every token kept, so a line
  number in an error is a line of the shipped file), and without the ``#region subset`` parts the run does
  not ask for (sections.py).
"""

from __future__ import annotations

import json
import os
import typing as t

from ansible.utils.display import Display

from . import minify, sections

display = Display()

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT_DIR = os.path.join(os.path.dirname(HERE), "scripts")
COMMON = "common"  # scripts/common.ps1: functions every script may call, sent with each one
PREFIX = "apexone.upgrade."  # each part is compiled as apexone.upgrade.<part>.ps1 (PowerShell 5.0 and later)

_TEXT: dict[str, str] = {}
_SENT: dict[tuple, str] = {}


def _read(path: str) -> str:
    if path not in _TEXT:
        with open(path, encoding="utf-8-sig") as handle:
            _TEXT[path] = handle.read()
    return _TEXT[path]


def script_text(name: str) -> str:
    """The text of scripts/<name>.ps1 as shipped."""
    return _read(os.path.join(SCRIPT_DIR, name + ".ps1"))


def own_text(name: str) -> str:
    """The text of this package's bootstrap.ps1 or driver.ps1 as shipped."""
    return _read(os.path.join(HERE, name + ".ps1"))


def _small(text: str, what: str) -> str:
    try:
        return minify.minify(text)
    except minify.MinifyError as exc:  # only a locally edited script: the tests minify every shipped one
        display.vvv("apexone: %s is sent as it is (%s)" % (what, exc))
        return text


def sent_text(name: str, keep: t.Iterable[str] | None = None) -> str:
    """What is sent of scripts/<name>.ps1: without comments and indentation, and with only the
    `#region subset` parts named in `keep` (None: all of them)."""
    key = (name, None if keep is None else frozenset(keep))
    if key not in _SENT:
        text = script_text(name)
        if keep is not None:
            text = sections.without(text, keep)
        _SENT[key] = _small(text, name + ".ps1")
    return _SENT[key]


def script_for(name: str, params: dict) -> str:
    """What is sent of scripts/<name>.ps1 for `params`: only the parts its `Subset` parameter asks for."""
    return sent_text(name, sections.kept(script_text(name), params))


def driver() -> str:
    """driver.ps1 as it is sent."""
    key = ("(driver)", None)
    if key not in _SENT:
        _SENT[key] = _small(own_text("driver"), "driver.ps1")
    return _SENT[key]


def command() -> str:
    """The command of every execution: bootstrap.ps1 without comments and blank lines (the lines the
    winrm plugin of ansible-core 2.16 to 2.20 would drop), its first line the version test."""
    key = ("(bootstrap)", None)
    if key not in _SENT:
        text = _small(own_text("bootstrap"), "bootstrap.ps1")
        _SENT[key] = "\n".join(line for line in text.splitlines() if line.strip())
    return _SENT[key]


def stdin(name: str, params: dict, script: str | None = None, common: str | None = None) -> str:
    """The input of one execution of scripts/<name>.ps1 with `params`: one line of ASCII JSON, CR LF.

    Text, not bytes: the psrp plugin hands the input of a command it runs as a script to the runspace as it is,
    one object per line (bytes would arrive as byte arrays); the winrm plugin encodes text itself.
    `script` / `common`: the texts to send instead of what is sent of the shipped files (tests)."""
    body = {
        "name": name,
        "driver": driver(),
        "common": sent_text(COMMON) if common is None else common,
        "script": script_for(name, params) if script is None else script,
        "params": [[key, value] for key, value in params.items()],
    }
    return json.dumps(body, ensure_ascii=True, separators=(",", ":")) + "\r\n"


def part_name(part: str) -> str:
    """The name PowerShell 5.0 and later give a compiled part in errors, logs and scanning."""
    return "%s%s.ps1" % (PREFIX, part)
