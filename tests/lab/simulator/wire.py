# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's side of the runner's wire protocol, read from what arrives, not from the runner.

A command is `PowerShell <options> -EncodedCommand <UTF-16LE base64 bootstrap>`; stdin is base64
of gzip of UTF-8 '<common script>\\0<script>\\0<json parameters>' (earlier bootstraps: no common
script). The answer is one line of pipeline output: a
marker and base64 of UTF-8 JSON, as the bootstrap's Out-Marked writes it.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import json
import typing as t
import zlib

POWERSHELL_PREFIX = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand "

# The bootstrap the lab emulates, pinned: a change to the runner's bootstrap must be reviewed
# against this emulation (and this hash updated) or the lab refuses it.
BOOTSTRAP_SHA256 = "dd271d9712d30fd3ecc38d99c6f861776fa0c67d2a9c96242397276b17fc2f17"


class WireError(Exception):
    pass


def decode_command(cmd: str) -> str:
    if not cmd.startswith(POWERSHELL_PREFIX):
        raise WireError("the lab runs only the collection's scripts through its bootstrap; it got the command %r. "
                        "Stock Windows modules are not emulated: use the collection's modules in lab plays"
                        % cmd[:80])
    try:
        return base64.b64decode(cmd[len(POWERSHELL_PREFIX):]).decode("utf-16-le")
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError("the -EncodedCommand is not UTF-16LE base64: %s" % exc)


def bootstrap_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Decoded(t.NamedTuple):
    """What a bootstrap reads from its input: the script, its parameters, and the common script it
    dot-sources first (None: a bootstrap that has none)."""
    script: str
    params: dict
    common: str | None = None


def decode_stdin(in_data: bytes | None) -> Decoded:
    if not in_data:
        raise WireError("no stdin: the bootstrap reads the script and its parameters from stdin")
    return decode_input(in_data.decode("ascii", "replace").splitlines())


def _joined(items: list[str]) -> str:
    """`(@($input) -join '').Trim()`: the bootstrap's view of its input items."""
    joined = "".join(items).strip()
    if not joined:
        raise WireError("no stdin: the bootstrap reads the script and its parameters from stdin")
    return joined


def _gunzip(items: list[str]) -> str:
    """`$input` items joined, base64-decoded and gunzipped (GZipStream) to UTF-8 text."""
    try:
        packed = base64.b64decode(_joined(items), validate=True)
    except ValueError as exc:
        raise WireError("Exception calling \"FromBase64String\": stdin is not base64: %s" % exc)
    try:  # GZipStream refuses anything but one gzip member (RFC 1952)
        raw = gzip.decompress(packed).decode("utf-8")
    except (OSError, EOFError, zlib.error) as exc:
        raise WireError("Exception calling \"ReadToEnd\": the payload is not gzip (GZipStream): %s" % exc)
    except UnicodeDecodeError as exc:
        raise WireError("the payload is not UTF-8 text: %s" % exc)
    return raw


def decode_input(items: list[str]) -> Decoded:
    """The current bootstrap: its `$input` items joined are base64 of gzip of UTF-8
    '<common>\\0<script>\\0<json>'. It splits at every NUL (String.Split) and reads parts 0, 1 and 2: a
    payload of another shape is refused here (PowerShell would run a wrong part or fail on a missing one)."""
    parts = _gunzip(items).split("\0")
    if len(parts) != 3:
        raise WireError("the payload has %d NUL-separated parts instead of 3 (common script, script, JSON "
                        "parameters)" % len(parts))
    return Decoded(parts[1], json.loads(parts[2]), parts[0])


def decode_input_gzip(items: list[str]) -> Decoded:
    """The gzip bootstrap before the common script: '<script>\\0<json>'."""
    return _split(_gunzip(items))


def decode_input_plain(items: list[str]) -> Decoded:
    """The first bootstrap (no gzip): its `$input` items joined are base64 of UTF-8 '<script>\\0<json>'."""
    try:
        raw = base64.b64decode(_joined(items)).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError("stdin is not base64 of UTF-8 text: %s" % exc)
    return _split(raw)


def _split(raw: str) -> Decoded:
    script, sep, params = raw.partition("\0")
    if not sep:
        raise WireError("stdin has no NUL between the script and its JSON parameters")
    return Decoded(script, json.loads(params))


def encode_line(marker: str, value) -> bytes:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (marker + base64.b64encode(text.encode("utf-8")).decode("ascii") + "\r\n").encode("ascii")


@dataclasses.dataclass(frozen=True)
class BootstrapRule:
    """How one version of the runner's bootstrap reads its input and writes its answer.

    The one place the lab pins the bootstrap: the endpoint's host model (WinRS) and runspace
    (PSRP) look the decoded command up here. A new bootstrap gets a new entry (or replaces this
    one) after its text was reviewed against what the entry says it does.
    """
    sha256: str
    # `$input` items (WinRS: stdin lines; PSRP: input objects) -> Decoded (script, parameters, common script)
    decode: object
    # where the answer line goes: "console" ([Console]::Out, lost in a PSRP runspace) or "pipeline"
    writes: str
    # True when it checks $PSVersionTable and the language mode before anything newer and answers short
    # on PowerShell 2.0 / Constrained Language Mode (oldhosts.py RULE P3); False: RULE P4 applies
    prelude: bool = False
    # True when the prelude reads Win32_OperatingSystem inside try/catch (a failing WMI leaves the OS values
    # empty); False: under $ErrorActionPreference='Stop' the failing gwmi stops the prelude (RULE P3)
    wmi_guard: bool = False


UNGUARDED_PRELUDE_SHA256 = "0147e9065ad2a6f9a05794e802594c441f388b7c1e1cf3ecf8bc0b663e368309"
FIRST_BOOTSTRAP_SHA256 = "cd6b578f41ed2d2ec0341c5dd383dd6b1434055915104ba01152afa3bf62085f"
GZIP_BOOTSTRAP_SHA256 = "4a4cbeb70fd8e7c1c2d59302efcb844868c049cff202fa4ccc2702781bbc0730"
GUARDED_PRELUDE_SHA256 = "1d22aa488ddddc2f6ab699c3db36bb3667d807612f8757c64b9e6e04857dd55b"
BOOTSTRAPS = {
    # behind the prelude (on PowerShell 2.0 or outside FullLanguage it writes the hand-built short line, as
    # pipeline output, and exits 0): the payload is '<common>\0<script>\0<json>'; it dot-sources the common
    # script in its own scope, then runs the script in a child scope with the parameters splatted
    BOOTSTRAP_SHA256: BootstrapRule(BOOTSTRAP_SHA256, decode_input, "pipeline", prelude=True, wmi_guard=True),
    # the same before the common script: '<script>\0<json>'
    GUARDED_PRELUDE_SHA256: BootstrapRule(GUARDED_PRELUDE_SHA256, decode_input_gzip, "pipeline", prelude=True,
                                          wmi_guard=True),
    # the first prelude: gwmi outside try/catch
    UNGUARDED_PRELUDE_SHA256: BootstrapRule(UNGUARDED_PRELUDE_SHA256, decode_input_gzip, "pipeline", prelude=True),
    # gzip payload; the marked line is pipeline output (stdout through Out-Default in powershell.exe,
    # PIPELINE_OUTPUT in a runspace)
    GZIP_BOOTSTRAP_SHA256: BootstrapRule(GZIP_BOOTSTRAP_SHA256, decode_input_gzip, "pipeline"),
    # the first bootstrap: plain payload; the line went to [Console]::Out (lost in a PSRP runspace)
    FIRST_BOOTSTRAP_SHA256: BootstrapRule(FIRST_BOOTSTRAP_SHA256, decode_input_plain, "console"),
}


def recognise(bootstrap: str) -> BootstrapRule | None:
    """The rule for this decoded bootstrap text, or None when the lab does not know it."""
    return BOOTSTRAPS.get(bootstrap_digest(bootstrap))
