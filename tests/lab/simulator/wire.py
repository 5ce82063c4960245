# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's side of the runner's wire protocol, read from what arrives, not from the runner.

The command is the runner's bootstrap as plain PowerShell (winrm: decoded from the -EncodedCommand the
plugin built; psrp: the script the plugin runs in the runspace). Its input is one line of ASCII JSON:
{"name", "driver", "common", "script", "params": [[name, value], ...]}. The answer is one line of pipeline
output: a marker and ASCII JSON, as the driver writes it.

The bootstrap is recognised by the digest of its text with each line stripped and blank lines left out (what
ansible-core 2.16-2.20's winrm plugin does to a script it encodes; 2.21's and the psrp plugin leave the text as
it is), and pinned: a change to the runner's bootstrap or driver must be reviewed against the rules below and
the digests updated, or the lab refuses it.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import typing as t

# The bootstrap the lab emulates (plugins/plugin_utils/_remote/bootstrap.ps1 as sent, normalized), pinned.
BOOTSTRAP_SHA256 = "bdd9de1741f314f056d992aa748110ee9617ed12bc681d6a59c69fc0e4ceb80b"
# The driver it compiles from its input's "driver" (plugins/plugin_utils/_remote/driver.ps1 as sent), pinned.
DRIVER_SHA256 = "518ffeeac39c8a7470691bf014597223d0222e0304217cfeff8d32e15d6a730b"
PSRP_SUFFIX = "\nexit $LASTEXITCODE"  # what the psrp plugin appends to a command it runs as a script
# How ansible-core's winrm plugin starts a command it is given as text (2.16-2.20: _encode_script with the
# lines stripped; 2.21: get_pwsh_encoded_cmdline, lower-case "powershell").
POWERSHELL = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand"


class WireError(Exception):
    pass


def normalized(text: str) -> str:
    """The text as ansible-core 2.16-2.20's winrm plugin encodes it: lines stripped, blank ones dropped."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def winrm_command_line(command: str) -> str:
    """The command line ansible-core 2.16-2.20's winrm plugin sends WinRS for a command given as text."""
    return "%s %s" % (POWERSHELL, base64.b64encode(normalized(command).encode("utf-16-le")).decode("ascii"))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Decoded(t.NamedTuple):
    """What the bootstrap reads from its input: the script's name, the three parts and the parameters."""
    name: str
    driver: str
    common: str
    script: str
    params: dict


def decode_input(items: list[str]) -> Decoded:
    """`ConvertFrom-Json -InputObject (@($input) -join '')`: the input items joined into one JSON object.

    What PowerShell would refuse, the lab refuses with PowerShell's words: an empty input (the parameter
    binder), text that is not JSON, an object without the five fields (the driver would call
    New-ApexOneBlock with $null), parameters that are not [name, value] pairs."""
    joined = "".join(items)
    if not joined.strip():
        raise WireError("ConvertFrom-Json : Cannot bind argument to parameter 'InputObject' because it is an empty "
                        "string. (FullyQualifiedErrorId : ParameterArgumentValidationErrorEmptyStringNotAllowed,"
                        "Microsoft.PowerShell.Commands.ConvertFromJsonCommand)")
    try:
        body = json.loads(joined)
    except ValueError as exc:
        raise WireError("ConvertFrom-Json : Invalid JSON primitive (%s). (FullyQualifiedErrorId : "
                        "System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand)" % exc)
    if isinstance(body, dict) and not body.get("driver"):
        raise WireError("apexone.upgrade: the input arrived without the driver")
    if not isinstance(body, dict) or not all(isinstance(body.get(key), str) for key in ("name", "driver", "common",
                                                                                        "script")):
        raise WireError("the input is not the runner's object (name, driver, common, script as text)")
    pairs = body.get("params")
    if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str)
                                              for p in pairs):
        raise WireError("the input's params are not [name, value] pairs")
    return Decoded(body["name"], body["driver"], body["common"], body["script"], dict((k, v) for k, v in pairs))


def ascii_json(value: t.Any) -> str:
    """As the driver's Write-ApexOneAnswer writes it: compressed JSON, anything outside ' '..'~' as \\uXXXX."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def encode_line(marker: str, value: t.Any) -> bytes:
    return (marker + ascii_json(value) + "\r\n").encode("ascii")


@dataclasses.dataclass(frozen=True)
class BootstrapRule:
    """How the runner's bootstrap behaves, as the host models apply it.

    - It checks $PSVersionTable and the language mode before anything newer and answers short on PowerShell
      below 3.0 or outside FullLanguage, reading Win32_OperatingSystem inside try/catch (oldhosts.py RULE P3).
    - It reads its input with ConvertFrom-Json outside any try: input that does not read stops it with
      PowerShell's own error record (stderr, exit code 1), no marked line.
    - It turns progress records off, so a module's first load writes nothing on stderr.
    - It stops with its own error record when the input has no driver ("the input arrived without the driver").
    - It compiles the driver (apexone.upgrade.driver.ps1) and dot-sources it outside any try: a driver that does
      not compile (or that anti-malware refuses) stops it the same way. A part whose syntax this PowerShell
      rejects is thrown as "apexone.upgrade.<part>.ps1 does not parse on this host, line N: <parser message>"
      (inside the driver's try for common.ps1 and the script, so it arrives as the marked error line).
    - The driver compiles common.ps1 and the script inside its try and writes the marked line (ASCII JSON) as
      pipeline output; it sets $__x on failure, and the bootstrap ends with `exit $__x` (0 or 1) on every path.
    """
    sha256: str
    driver_sha256: str


def bootstrap_rule() -> BootstrapRule:
    return BootstrapRule(BOOTSTRAP_SHA256, DRIVER_SHA256)


def recognise(command: str) -> BootstrapRule | None:
    """The rule for this command (normalized), or None when the lab does not know it."""
    return bootstrap_rule() if digest(normalized(command)) == BOOTSTRAP_SHA256 else None
