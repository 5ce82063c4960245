# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read what one execution answered (exit code, stdout, stderr) into the script's result, or say what
went wrong. Internal: not a public API.

The driver writes one marked line of ASCII JSON: ``APEXONE-RESULT:{...}`` or ``APEXONE-ERROR:{...}``. The
bootstrap's short form on old or restricted hosts is ``APEXONE-SHORT:["...", ...]``. stderr arrives as text:
both connection plugins turn PowerShell's CLIXML error records into text themselves.
"""

from __future__ import annotations

import json
import typing as t

from ansible.module_utils.common.text.converters import to_text

from . import messages
from .errors import Blocked, InputDamaged, RemoteScriptError, ShortAnswer

RESULT_MARKER = "APEXONE-RESULT:"
ERROR_MARKER = "APEXONE-ERROR:"
SHORT_MARKER = "APEXONE-SHORT:"
SHORT_FIELDS = ("ps_version", "language_mode", "version", "build", "product_type", "service_pack")

# An anti-malware (AMSI) block: PowerShell refuses to compile a script block the scanner calls malicious
# (ParseException, error id ScriptContainedMaliciousContent). The error id is never translated; the message
# is, so both languages' texts are known too.
AMSI_ERROR_ID = "ScriptContainedMaliciousContent"
AMSI_TEXTS = (
    "has been blocked by your antivirus software",
    "ウイルス対策ソフトウェアによりブロックされています",  # Windows PowerShell 5.1, ja-JP
)
# The bootstrap could not read its input (cut on the way, or empty): ConvertFrom-Json refused it. The cmdlet's
# name is in the error record whatever the host's language.
INPUT_WORDS = ("ConvertFrom-Json", "ConvertFromJsonCommand", "the input arrived without the driver")
# What the bootstrap throws when this host's PowerShell rejects a part's syntax (bootstrap.ps1, New-ApexOneBlock).
PARSE_WORDS = "does not parse on this host"


def decode_stderr(raw: bytes | str | None) -> str:
    """stderr as text: UTF-8 if it is, else the Japanese console's code page (932)."""
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        for codec in ("utf-8", "cp932"):
            try:
                return raw.decode(codec).strip()
            except UnicodeDecodeError:
                continue
        return raw.decode("utf-8", "replace").strip()
    return raw.strip()


def _absent() -> t.Any:
    return _ABSENT


_ABSENT = object()


def marked(stdout: str, marker: str) -> t.Any:
    """The JSON value of the line that starts with `marker`, or _ABSENT.

    A host that wraps output at its buffer width would split the line; the JSON holds no raw line break
    (the driver writes it compressed, control characters escaped), so the lines that follow are joined back
    until the text reads as JSON. ValueError when it never does (the output was cut)."""
    lines = stdout.splitlines()  # a wrapped line keeps its blanks: they may be inside a JSON string
    for index, line in enumerate(lines):
        if not line.strip().startswith(marker):
            continue
        text = line.lstrip()[len(marker):]
        for more in [None] + lines[index + 1:]:
            if more is not None:
                if not more.strip():
                    break
                text += more
            try:
                return json.loads(text)
            except ValueError:
                continue
        return json.loads(text)  # raises: the line never became whole
    return _absent()


def _short(name: str, out: str, rc: int | None, err: str) -> None:
    for line in out.splitlines():
        if line.strip().startswith(SHORT_MARKER):
            try:
                values = json.loads(line.strip()[len(SHORT_MARKER):])
            except ValueError:
                values = []
            # every field or none: a line cut short is not an answer to guess from
            answer = (dict(zip(SHORT_FIELDS, values))
                      if isinstance(values, list) and len(values) == len(SHORT_FIELDS) else {})
            raise ShortAnswer(name, answer, rc, out, err)


def amsi_block(*texts: t.Any) -> bool:
    """Whether any of `texts` (stderr, an error's id or message) is PowerShell refusing malicious content."""
    joined = " ".join(to_text(text) for text in texts if text)
    return AMSI_ERROR_ID in joined or any(words in joined for words in AMSI_TEXTS)


def parse(name: str, rc: int | None, stdout: bytes | str, stderr: bytes | str) -> dict:
    """Turn one execution's rc / stdout / stderr into the script's result dict, or raise."""
    # Under code page 65001 powershell.exe may start stdout with a UTF-8 byte order mark.
    out = to_text(stdout, errors="surrogate_or_replace").lstrip("\ufeff")
    err = decode_stderr(stderr)
    _short(name, out, rc, err)
    try:
        error = marked(out, ERROR_MARKER)
        result = marked(out, RESULT_MARKER)
    except ValueError as exc:
        raise RemoteScriptError(messages.cut_answer(name, exc), rc=rc, stdout=out, stderr=err, script=name)
    if error is not _ABSENT:
        error = error if isinstance(error, dict) else {"message": to_text(error)}
        if amsi_block(error.get("id"), error.get("message")):
            raise Blocked(messages.amsi(name, error.get("file") or ""), "amsi", rc=rc, stdout=out, stderr=err,
                          script=name, error=error)
        raise RemoteScriptError(messages.script_failed(name, error), rc=rc, stdout=out, stderr=err, script=name,
                                error=error)
    # A result line is written only after the script returned, so it stands even with rc 1: in a runspace the
    # psrp plugin reports rc 1 whenever the error stream holds a record.
    if result is _ABSENT:
        if amsi_block(err):
            raise Blocked(messages.amsi(name, ""), "amsi", rc=rc, stdout=out, stderr=err, script=name)
        if PARSE_WORDS in err:
            raise RemoteScriptError(messages.does_not_parse(name, err), rc=rc, stdout=out, stderr=err, script=name)
        if any(word in err for word in INPUT_WORDS):
            raise InputDamaged(messages.input_damaged(name, err), rc=rc, stdout=out, stderr=err, script=name)
        if not err.strip() and not out.strip():
            # PowerShell never ends without an answer or an error record of its own: something ended it.
            raise Blocked(messages.killed(name, rc), "killed", rc=rc, stdout=out, stderr=err, script=name)
        raise RemoteScriptError(messages.no_answer(name, rc, err), rc=rc, stdout=out, stderr=err, script=name)
    if not isinstance(result, dict):
        raise RemoteScriptError("script %s returned %s instead of a dictionary" % (name, type(result).__name__),
                                rc=rc, stdout=out, stderr=err, script=name)
    return result


def unanswered(params: dict, result: dict) -> list[str]:
    """The subsets `params` asked for that `result` neither answers nor names under errors: a script that
    takes `Subset` answers each one (a part left out that was asked for would show here)."""
    asked = params.get("Subset") if isinstance(params, dict) else None
    if not asked or "subsets" not in result:
        return []
    errors = result.get("errors") if isinstance(result.get("errors"), dict) else {}
    return [item for item in ([asked] if isinstance(asked, str) else asked) if item not in result and item not in errors]


def ensure_lists(result: dict, paths: t.Iterable[str]) -> dict:
    """Undo PowerShell 5.1's unwrapping: each dotted path (``*`` = every key) becomes a list.

    ConvertTo-Json turns a one-element array into the element and an empty one into null when a script
    forgets ``@()``; decisions must never see either."""
    for path in paths:
        _ensure(result, path.split("."))
    return result


def _ensure(node: t.Any, keys: list[str]) -> None:
    if not isinstance(node, dict):
        return
    head, rest = keys[0], keys[1:]
    for key in (list(node) if head == "*" else [head]):
        if key not in node:
            continue
        if rest:
            _ensure(node[key], rest)
        elif node[key] is None:
            node[key] = []
        elif not isinstance(node[key], list):
            node[key] = [node[key]]
