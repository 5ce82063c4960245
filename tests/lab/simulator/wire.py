# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's side of the runner's wire protocol, read from what arrives, not from the runner.

A command is `PowerShell <options> -EncodedCommand <UTF-16LE base64 bootstrap>`; stdin is base64
of gzip of UTF-8 '<driver>\\0<common script>\\0<script>\\0<json parameters>' (earlier bootstraps: no
driver, no common script). The answer is one line of pipeline output: a marker and base64 of gzip of
UTF-8 JSON, as the driver's M writes it (earlier bootstraps: base64 of UTF-8 JSON).
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
BOOTSTRAP_SHA256 = "2d052b40986e24d63211318c73ea338d5d0754a34a9eac6cd2efb0bef26aa284"
# The driver the current bootstrap dot-sources from the payload's first part, pinned the same way.
DRIVER_SHA256 = "271e9e4b7f3e32669673a7236728267e637bb3be3f6deb4d63c697cb5afff5d3"


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
    '<driver>\\0<common>\\0<script>\\0<json>'. It splits at every NUL (String.Split) and dot-sources part 0,
    the driver, which reads parts 1, 2 and 3. A driver other than the pinned one, or a payload of another
    shape, is refused here (PowerShell would run a wrong part or fail on a missing one)."""
    parts = _gunzip(items).split("\0")
    if len(parts) != 4:
        raise WireError("the payload has %d NUL-separated parts instead of 4 (driver, common script, script, JSON "
                        "parameters)" % len(parts))
    if bootstrap_digest(parts[0]) != DRIVER_SHA256:
        raise WireError("the payload's driver is not the one the lab emulates (sha256 %s); review "
                        "tests/lab/simulator/wire.py against the runner's DRIVER and pin its digest"
                        % bootstrap_digest(parts[0]))
    return Decoded(parts[2], json.loads(parts[3]), parts[1])


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


def encode_line(marker: str, value, answer: str = "json") -> bytes:
    """A marked line as a bootstrap writes it: base64 of the UTF-8 JSON, or of its gzip (answer="gzip")."""
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if answer == "gzip":
        data = gzip.compress(data, mtime=0)
    return (marker + base64.b64encode(data).decode("ascii") + "\r\n").encode("ascii")


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
    # what the marked line's base64 holds: "json" (UTF-8 JSON) or "gzip" (gzip of it)
    answer: str = "json"
    # True when the payload is decoded outside any try block: a payload that does not decode stops the
    # bootstrap with PowerShell's own error record (stderr, exit code 1), no marked line
    decodes_outside_try: bool = False


UNGUARDED_PRELUDE_SHA256 = "0147e9065ad2a6f9a05794e802594c441f388b7c1e1cf3ecf8bc0b663e368309"
FIRST_BOOTSTRAP_SHA256 = "cd6b578f41ed2d2ec0341c5dd383dd6b1434055915104ba01152afa3bf62085f"
GZIP_BOOTSTRAP_SHA256 = "4a4cbeb70fd8e7c1c2d59302efcb844868c049cff202fa4ccc2702781bbc0730"
GUARDED_PRELUDE_SHA256 = "1d22aa488ddddc2f6ab699c3db36bb3667d807612f8757c64b9e6e04857dd55b"
BOOTSTRAPS = {
    # behind the prelude (on PowerShell 2.0 or outside FullLanguage it writes the hand-built short line, as
    # pipeline output, and exits 0) it decodes the payload '<driver>\0<common>\0<script>\0<json>' outside any
    # try and dot-sources the driver (DRIVER_SHA256), which dot-sources the common script in that scope, runs
    # the script in a child scope with the parameters splatted and writes the marked line as base64 of gzip
    BOOTSTRAP_SHA256: BootstrapRule(BOOTSTRAP_SHA256, decode_input, "pipeline", prelude=True, wmi_guard=True,
                                    answer="gzip", decodes_outside_try=True),
    # the same before the driver and the common script: it read '<script>\0<json>' itself, in its try block,
    # and wrote base64 of the JSON
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
