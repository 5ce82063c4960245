# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one of the collection's PowerShell scripts on a Windows host: one remote execution.

The command line carries only a short, constant bootstrap (-EncodedCommand); the common script
(scripts/common.ps1), the script and its parameters travel on stdin as base64 of gzip of UTF-8 text,
so neither the command-line length limit nor the console code page (932 on Japanese Windows) can
touch them. The script's
result comes back the same way: one line of pipeline output, a marker and base64 of gzip of UTF-8 JSON
(stdout of powershell.exe over winrm; pipeline output of the runspace over psrp).

Internal to this collection: not a public API.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import typing as t
import zlib

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.utils.display import Display

from ansible_collections.apexone.upgrade.plugins.module_utils import host_shell
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _minify, _sections

display = Display()

RESULT_MARKER = "APEXONE-RESULT:"
ERROR_MARKER = "APEXONE-ERROR:"
SHORT_MARKER = "APEXONE-SHORT:"  # the prelude's hand-built answer: plain JSON, not base64
SHORT_FIELDS = ("ps_version", "language_mode", "version", "build", "product_type", "service_pack")
SCRIPT_DIR = os.path.join(os.path.dirname(__file__), "scripts")
COMMON = "common"  # scripts/common.ps1: functions every script may call, sent with each one
POWERSHELL = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand"

# The bootstrap: reads stdin, gunzips it, splits it at NUL into four parts (the driver, the common
# script, the script, the JSON parameters) and dot-sources the driver: DRIVER below does the rest in
# the bootstrap's own scope. Only what must run before anything newer (the prelude) and the decoding
# travel on the command line: it is UTF-16LE base64 there, 2.7 bytes per character on every execution,
# while the driver travels compressed on stdin (about 0.5 byte per character). A payload that does not
# decode stops the bootstrap with PowerShell's own error record (stderr, exit code 1): only the driver
# writes marked lines.
#
# Where the marked line goes (the rule both hosts share): to the OUTPUT PIPELINE, never to
# [Console]::Out.
# - In a PSRP runspace (wsmprovhost, no console) ansible's psrp plugin decodes this bootstrap and
#   runs it in-process; only pipeline output and host-UI writes come back, [Console]::Out is lost.
# - In powershell.exe -EncodedCommand (winrm plugin) pipeline output reaches stdout through
#   Out-Default. A redirected ConsoleHost writes a string object as one line; the reader still
#   joins a line wrapped at any width (see _marked), since the text is base64 with no spaces.
# - `exit 1` is the process exit code in powershell.exe, and in a runspace the engine calls the
#   host's SetShouldExit(1), which ansible's psrp plugin reports as rc. It stays in the bootstrap
#   (top level): the driver only sets $__x.
# - The payload is gzip: System.IO.Compression.GZipStream is in System.dll of .NET 2.0 and later. It
#   is UTF-8 without a byte order mark: what StreamReader(Stream) reads when no encoding is named.
#
# Before anything newer (the prelude, lines 2-3): on PowerShell below 3.0 (no ConvertFrom-Json /
# ConvertTo-Json) or outside FullLanguage (Constrained Language Mode under AppLocker / WDAC: no .NET
# method call, no New-Object of a non-core type) it writes one hand-built JSON line instead, a JSON
# array of strings in SHORT_FIELDS order, with only what those hosts allow: $PSVersionTable, the
# language mode, Get-WmiObject (gwmi: PowerShell 2.0 has no CIM cmdlets), -join and string
# concatenation. No value can hold a quote (versions, numbers, a language mode's name). A WMI that fails
# (a broken repository, common on the old hosts this is for) is caught: the OS values are then empty and
# the PowerShell version and language mode still reach the controller (try/catch exists in 2.0 and is
# allowed in Constrained Language Mode). It reads its
# stdin to the end first (`$null=@($input)`): the winrm plugin sends stdin after starting the command,
# and a process that exited before the Send makes that Send fail. `exit 0`: the short answer is an
# answer, not an error. The controller classifies the host (host_shell.py). Its variables start with
# $__ so that no script reads them by accident (dynamic scoping).
_PRELUDE = (
    r"""$__v=$PSVersionTable.PSVersion;$__l="$($ExecutionContext.SessionState.LanguageMode)"
"""
    r"""if($__v.Major -lt 3 -or $__l -ne 'FullLanguage'){$null=@($input);"""
    r"""try{$__w=gwmi Win32_OperatingSystem}catch{$__w=$null};"""
    r"""'APEXONE-SHORT:["'+(($__v,$__l,$__w.Version,$__w.BuildNumber,$__w.ProductType,$__w.ServicePackMajorVersion)"""
    r""" -join '","')+'"]';exit 0}
"""
)
BOOTSTRAP = r"""$ErrorActionPreference='Stop'
""" + _PRELUDE + r"""$__z=New-Object IO.MemoryStream(,[Convert]::FromBase64String((@($input) -join '').Trim()))
$__z=New-Object IO.Compression.GZipStream($__z,[IO.Compression.CompressionMode]::Decompress)
$__r=(New-Object IO.StreamReader($__z)).ReadToEnd().Split([char]0)
. ([ScriptBlock]::Create($__r[0]))
if($__x){exit 1}
""".strip()

# The driver: the payload's first part, dot-sourced by the bootstrap (so its variables and M are the
# bootstrap's, and the script, a child scope, sees the common script's functions). It dot-sources the
# common script ($__r[1]), splats the JSON parameters ($__r[3]) onto the script ($__r[2]) and writes
# the script's one result, or the error it raised, as one marked line: the marker, then base64 of gzip
# of UTF-8 JSON (M; the controller reads gzip by its magic bytes, plain JSON as before). $__x says the
# script failed: the bootstrap exits 1. Every variable is set before it is read: a PSRP runspace keeps
# the global scope from one execution to the next.
DRIVER = r"""$__x=0
function M($k,$v){$__b=[Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject $v -Depth 10 -Compress))
$__m=New-Object IO.MemoryStream
$__g=New-Object IO.Compression.GZipStream($__m,[IO.Compression.CompressionMode]::Compress)
$__g.Write($__b,0,$__b.Length)
$__g.Close()
$k+[Convert]::ToBase64String($__m.ToArray())}
try{
. ([ScriptBlock]::Create($__r[1]))
$__a=@{}
foreach($__p in (ConvertFrom-Json -InputObject $__r[3]).PSObject.Properties){$__a[$__p.Name]=$__p.Value}
$__o=@(& ([ScriptBlock]::Create($__r[2])) @__a)
if($__o.Count -ne 1){throw "the script wrote $($__o.Count) objects to the pipeline instead of one result"}
M 'APEXONE-RESULT:' $__o[0]
}catch{
M 'APEXONE-ERROR:' @{message=$_.Exception.Message;type=$_.Exception.GetType().FullName;line=$_.InvocationInfo.ScriptLineNumber;stack=$_.ScriptStackTrace}
$__x=1
}"""

_SCRIPT_CACHE: dict[str, str] = {}
_SENT_CACHE: dict[tuple, str] = {}


class RemoteScriptError(Exception):
    """The script failed or its output could not be read; `msg` says what to do."""

    def __init__(self, msg: str, rc: int | None = None, stdout: str = "", stderr: str = "",
                 script: str = "", error: dict | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.script = script
        self.error = error or {}

    def to_result(self) -> dict:
        """The task result Ansible shows: failed, msg, rc, stderr, what the script raised."""
        result: dict[str, t.Any] = {"failed": True, "msg": self.msg, "rc": self.rc, "stderr": self.stderr,
                                    "script": self.script}
        if self.error:
            result["exception_remote"] = self.error
        return result


# What PowerShell's error names when the bootstrap cannot decode its stdin (a Send cut short, a proxy that
# changed it): the method calls of the bootstrap's decoding lines. Method names are not translated, so
# this holds on a Japanese host too.
_DECODE_WORDS = ("FromBase64String", "ReadToEnd", "GZipStream")


class InputDamaged(RemoteScriptError):
    """The bootstrap could not decode its stdin: nothing ran on the host."""


class ShortAnswer(RemoteScriptError):
    """The host answered with the bootstrap's short form (PowerShell 2.0, Constrained Language Mode):
    no script ran. `answer` holds what it said; `decided` the controller's reading of it."""

    def __init__(self, name: str, answer: dict, rc: int | None, stdout: str, stderr: str) -> None:
        try:
            decided = host_shell.classify(answer)
            msg = "script %s did not run: %s" % (name, host_shell.summary(decided))
        except ValueError as exc:
            decided = None
            msg = "script %s did not run, and the host's short answer cannot be read: %s" % (name, exc)
        super().__init__(msg, rc=rc, stdout=stdout, stderr=stderr, script=name)
        self.answer = answer
        self.decided = decided

    def to_result(self) -> dict:
        result = super().to_result()
        result["host_shell"] = self.answer
        return result


def script_text(name: str) -> str:
    """The text of plugins/plugin_utils/scripts/<name>.ps1."""
    if name not in _SCRIPT_CACHE:
        path = os.path.join(SCRIPT_DIR, name + ".ps1")
        with open(path, encoding="utf-8-sig") as handle:
            _SCRIPT_CACHE[name] = handle.read()
    return _SCRIPT_CACHE[name]


def sent_text(name: str, keep: t.Iterable[str] | None = None) -> str:
    """What is sent of scripts/<name>.ps1: its text without comments and indentation (_minify), or
    the text as it is when the minifier cannot read it with certainty. `keep`: the `#region subset`
    parts to send (_sections); None sends them all."""
    key = (name, None if keep is None else frozenset(keep))
    if key not in _SENT_CACHE:
        text = script_text(name)
        if keep is not None:
            text = _sections.without(text, keep)
        try:
            _SENT_CACHE[key] = _minify.minify(text)
        except _minify.MinifyError as exc:  # only a locally edited script: test_minify covers the shipped ones
            display.vvv("apexone: %s.ps1 is sent as it is (%s)" % (name, exc))
            _SENT_CACHE[key] = text
    return _SENT_CACHE[key]


def script_for(name: str, params: dict) -> str:
    """What run_script sends of scripts/<name>.ps1 for `params`: only the `#region subset` parts the
    `Subset` parameter asks for (an agent's probe leaves out the network tests, about 1 KB compressed)."""
    return sent_text(name, _sections.kept(script_text(name), params))


def unanswered(params: dict, result: dict) -> list[str]:
    """The subsets `params` asked for that `result` neither answers nor names under errors: a script
    that takes `Subset` answers each one (a part left out that was asked for would show here)."""
    asked = params.get("Subset") if isinstance(params, dict) else None
    if not asked or "subsets" not in result:
        return []
    errors = result.get("errors") if isinstance(result.get("errors"), dict) else {}
    return [name for name in ([asked] if isinstance(asked, str) else asked) if name not in result and name not in errors]


def build_command() -> str:
    """The constant bootstrap as PowerShell -EncodedCommand, as the winrm and psrp plugins expect."""
    return "%s %s" % (POWERSHELL, base64.b64encode(BOOTSTRAP.encode("utf-16-le")).decode("ascii"))


def build_payload(script: str, params: dict, common: str | None = None) -> bytes:
    """stdin for the bootstrap: base64 of gzip of '<driver>\\0<common>\\0<script>\\0<json params>' in
    UTF-8, then a newline. `common` defaults to what is sent of scripts/common.ps1.

    One line, so both hosts hand it to `$input` whole: powershell.exe enumerates stdin lines, the
    psrp plugin sends each line as one input object. mtime=0 keeps the bytes reproducible. JSON
    writes a NUL as \\u0000, so only the two separators are NULs.
    """
    common = sent_text(COMMON) if common is None else common
    if "\0" in script or "\0" in common:
        raise RuntimeError("a script holds a NUL character, which separates the payload's parts")
    body = DRIVER + "\0" + common + "\0" + script + "\0" + json.dumps(params, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(gzip.compress(body.encode("utf-8"), compresslevel=9, mtime=0)) + b"\r\n"


def decode_stderr(raw: bytes | str | None) -> str:
    """stderr as text: UTF-8 if it is, else the Japanese console code page, CLIXML unwrapped."""
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        if raw.startswith(b"#< CLIXML"):
            try:
                from ansible.plugins.shell.powershell import _parse_clixml
                raw = _parse_clixml(raw)
            except Exception:  # pylint: disable=broad-except
                pass  # keep the raw text: better something than nothing
        for codec in ("utf-8", "cp932"):
            try:
                return raw.decode(codec).strip()
            except UnicodeDecodeError:
                continue
        return raw.decode("utf-8", "replace").strip()
    return raw.strip()


_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def _marked(stdout: str, marker: str) -> t.Any:
    """The value of the line that starts with `marker`, or _ABSENT.

    A host that wraps output at its buffer width splits the line; the text after the marker is
    base64 (no spaces), so lines made only of base64 characters that follow it are joined back.
    """
    lines = [line.strip() for line in stdout.splitlines()]
    for index, line in enumerate(lines):
        if line.startswith(marker):
            text = line[len(marker):]
            for more in lines[index + 1:]:
                if not more or not set(more) <= _BASE64 or text.endswith("="):
                    break
                text += more
            raw = base64.b64decode(text, validate=True)
            if raw[:2] == b"\x1f\x8b":  # gzip (the driver's M); JSON text never starts with these bytes
                raw = gzip.decompress(raw)
            return json.loads(raw.decode("utf-8"))
    return _ABSENT


_ABSENT = object()


def parse_output(name: str, rc: int | None, stdout: bytes | str, stderr: bytes | str) -> dict:
    """Turn one execution's rc / stdout / stderr into the script's result dict, or raise."""
    # Under code page 65001 powershell.exe may start stdout with a UTF-8 byte order mark.
    out = to_text(stdout, errors="surrogate_or_replace").lstrip("\ufeff")
    err = decode_stderr(stderr)
    for line in out.splitlines():
        if line.strip().startswith(SHORT_MARKER):
            try:
                values = json.loads(line.strip()[len(SHORT_MARKER):])
            except ValueError:
                values = []
            # every field or none: a line cut short is not an answer to guess from
            answer = dict(zip(SHORT_FIELDS, values)) if isinstance(values, list) and len(values) == len(SHORT_FIELDS) else {}
            raise ShortAnswer(name, answer, rc, out, err)
    try:
        error = _marked(out, ERROR_MARKER)
        result = _marked(out, RESULT_MARKER)
    except (ValueError, TypeError, OSError, EOFError, zlib.error) as exc:
        raise RemoteScriptError("script %s returned a result line that is not base64 JSON (%s); the output may "
                                "have been cut: re-run with -vvv and check the connection" % (name, exc),
                                rc=rc, stdout=out, stderr=err, script=name)
    if error is not _ABSENT:
        # `line` alone cannot tell the driver, common.ps1 and the script apart (three script blocks without
        # a file); the first line of the stack names the function, e.g. "at Read-CertificateStore, ...: line 5"
        where = str(error.get("stack") or "").strip().splitlines()
        at = " (%s)" % where[0].strip() if where else ""
        raise RemoteScriptError("script %s failed on the host: %s%s" % (name, error.get("message"), at),
                                rc=rc, stdout=out, stderr=err, script=name, error=error)
    # A result line is written only after the script returned, so it stands even with rc 1: in a
    # runspace the psrp plugin reports rc 1 whenever the error stream holds a record.
    if result is _ABSENT:
        first_line = err.splitlines()[0] if err else "no error text"
        if any(word in err for word in _DECODE_WORDS):
            raise InputDamaged(
                "script %s did not start: its input arrived cut or damaged on the host (%s). Nothing ran; re-run"
                % (name, first_line), rc=rc, stdout=out, stderr=err, script=name)
        raise RemoteScriptError(
            "script %s did not complete (rc=%s): %s. Check that the account can run PowerShell 5.1 as an "
            "administrator on the host; stderr is shown below" % (name, rc, first_line),
            rc=rc, stdout=out, stderr=err, script=name)
    if not isinstance(result, dict):
        raise RemoteScriptError("script %s returned %s instead of a dictionary" % (name, type(result).__name__),
                                rc=rc, stdout=out, stderr=err, script=name)
    return result


def ensure_lists(result: dict, paths: t.Iterable[str]) -> dict:
    """Undo PowerShell 5.1's unwrapping: each dotted path (``*`` = every key) becomes a list.

    ConvertTo-Json turns a one-element array into the element and an empty one into null when
    a script forgets ``@()``; decisions must never see either.
    """
    for path in paths:
        _ensure(result, path.split("."))
    return result


def _ensure(node: t.Any, keys: list[str]) -> None:
    if not isinstance(node, dict):
        return
    head, rest = keys[0], keys[1:]
    names = list(node) if head == "*" else [head]
    for name in names:
        if name not in node:
            continue
        if rest:
            _ensure(node[name], rest)
        elif node[name] is None:
            node[name] = []
        elif not isinstance(node[name], list):
            node[name] = [node[name]]


def require_windows(connection: t.Any) -> None:
    family = getattr(getattr(connection, "_shell", None), "SHELL_FAMILY", None)
    if family != "powershell":
        raise RemoteScriptError(
            "this module runs on Windows hosts over WinRM or PSRP, but the connection's shell is %r: set "
            "ansible_connection to winrm or psrp (and ansible_shell_type to powershell) for this host, or "
            "remove it from the apexone_server / apexone_agents groups" % (family,))


# Where a dropped execution failed, read from the frames the exception passed through (the
# plugins' and their libraries' function names; first match from the innermost frame wins).
_STEP_OF_FRAME = {
    # ansible-core winrm plugin / pywinrm
    "_winrm_connect": "create shell", "open_shell": "create shell",
    "_winrm_run_command": "command", "run_command": "command",
    "_winrm_write_stdin": "send", "_winrm_send_input": "send",
    "_winrm_get_raw_command_output": "receive", "_winrm_get_command_output": "receive",
    "cleanup_command": "receive",
    # ansible-core psrp plugin / pypsrp
    "exchange_keys": "create runspace", "open": "create runspace",
    "_invoke": "command", "begin_invoke": "send", "command": "command",
    "poll_invoke": "receive", "end_invoke": "receive", "_receive": "receive",
    "stop": "signal",
}
# A failure that means the host never accepted us (a new TCP connection or the NTLM handshake).
_CONNECT_WORDS = ("credentials were rejected", "failed to authenticate", "newconnectionerror", "connection refused",
                  "connecttimeout", "connect timeout", "name or service not known", "failed to resolve",
                  "no route to host", "the connection attempt timed out", "access denied",
                  "did not respond with ntlm challenge")


_RUNSPACE_OPENED = 2  # pypsrp.complex_objects.RunspacePoolState.OPENED


class Drop(t.NamedTuple):
    """A transport failure: the step it happened at, whether the host ever answered, and whether
    the script may have started (a command existed)."""
    step: str
    text: str
    answered: bool
    started: bool = False


def _frames(exc: BaseException) -> list[tuple[str, str]]:
    """(function name, file) of every frame `exc` and the exceptions it came from passed through."""
    frames: list[tuple[str, str]] = []
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        trace = exc.__traceback__
        chain = []
        while trace is not None:
            chain.append((trace.tb_frame.f_code.co_name, trace.tb_frame.f_code.co_filename))
            trace = trace.tb_next
        frames = chain + frames
        exc = exc.__cause__ or exc.__context__
    return frames


# An exception raised inside the HTTP / WS-Man libraries is a transport failure whatever its type
# (pywinrm raises KeyError('content-type') for an answer that is not sealed, for one).
_TRANSPORT_PACKAGES = ("/winrm/", "/pypsrp/", "/requests/", "/urllib3/", "/spnego/", "/requests_ntlm/",
                       "/http/client.py", "/socket.py", "/ssl.py")


def _transport_errors() -> tuple:
    """Exception types the winrm / psrp plugins let escape for a network or WS-Man failure."""
    found: list[type] = [AnsibleConnectionFailure]
    for module, names in (("requests.exceptions", ("RequestException",)),
                          ("winrm.exceptions", ("WinRMError",)),
                          ("pypsrp.exceptions", ("WinRMError",))):
        try:
            imported = __import__(module, fromlist=list(names))
        except ImportError:
            continue
        found.extend(getattr(imported, name) for name in names)
    return tuple(found)


def classify(exc: BaseException, connection: t.Any) -> Drop | None:
    """The step a transport failure happened at, or None if `exc` is not one.

    connect: no answer from the host at all (TCP, the NTLM handshake, credentials refused);
    create shell / create runspace: the host answered but opened no shell or runspace pool;
    command, send, receive: the shell existed and the WS-Man step named failed.
    """
    text = to_text(exc)
    if isinstance(exc, AnsibleError) and text.startswith("winrm send_input failed"):
        return Drop("send", text, True, True)  # the winrm plugin swallowed the Send error, then found no JSON
    frames = _frames(exc)
    inside = frames and any(part in frames[-1][1].replace("\\", "/") for part in _TRANSPORT_PACKAGES)
    if not inside and not isinstance(exc, _transport_errors()) and not (
            isinstance(exc, AnsibleError) and "connection attempt timed out" in text):
        return None
    lowered = (text + " " + repr(exc.__cause__ or exc.__context__ or "")).lower()
    if _handshake(exc):
        return Drop("connect", text, False)
    if _send_failed_before(exc):
        return Drop("send", text, True, True)
    psrp = getattr(connection, "transport", "") == "psrp"
    steps = [_STEP_OF_FRAME[name] for name, dummy in reversed(frames) if name in _STEP_OF_FRAME]
    if psrp and "create runspace" in steps:  # a Receive / Send while opening the pool: nothing started
        return Drop(steps[0] if steps[0] == "create runspace" else "%s (opening the runspace)" % steps[0],
                    text, True)
    if not steps or steps[0] == "create shell":
        # The winrm plugin flattens its connect errors to text (raised from _winrm_connect): the
        # NTLM handshake (a blank POST) cannot be told from the Create after it, except by words.
        if any(word in lowered for word in _CONNECT_WORDS):
            return Drop("connect", text, False)
        return Drop("create runspace" if psrp else "create shell", text, True)
    return Drop(steps[0], text, True, steps[0] in ("command", "send", "receive"))


def _send_failed_before(exc: BaseException) -> bool:
    """winrm: the plugin swallows a failed Send and tries one Receive; when that fails too, the
    Send was the step that failed (its _winrm_exec frame says so in `stdin_push_failed`)."""
    trace = exc.__traceback__
    while trace is not None:
        frame = trace.tb_frame
        if frame.f_code.co_name == "_winrm_exec" and frame.f_locals.get("stdin_push_failed") is True:
            return True
        trace = trace.tb_next
    return False


def _handshake(exc: BaseException | None) -> bool:
    """Whether the request that failed was the blank POST that sets up the NTLM context: the
    prepared request in the libraries' innermost send frame (pypsrp _send_request, pywinrm
    _send_message_request), or the one a requests exception carries."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        trace, request = exc.__traceback__, None
        while trace is not None:
            if trace.tb_frame.f_code.co_name in ("_send_request", "_send_message_request"):
                request = trace.tb_frame.f_locals.get("request") or trace.tb_frame.f_locals.get("prepared_request")
            trace = trace.tb_next
        request = request if request is not None else getattr(exc, "request", None)
        if request is not None and hasattr(request, "body"):
            return not request.body
        exc = exc.__cause__ or exc.__context__
    return False


def run_script(connection: t.Any, name: str, params: dict, read_only: bool,
               list_paths: t.Iterable[str] = ()) -> dict:
    """Run scripts/<name>.ps1 on the host with `params`; return its result dict.

    A read-only script is retried once when the connection drops; a script that changes the
    host is not, because a half-done change must be looked at, not repeated blindly.
    """
    require_windows(connection)
    command = build_command()
    payload = build_payload(script_for(name, params), params)
    attempts = 2 if read_only else 1
    drops: list[Drop] = []
    for attempt in range(1, attempts + 1):
        display.vvv("apexone: running %s (%d bytes, attempt %d)" % (name, len(payload), attempt))
        try:
            rc, stdout, stderr = connection.exec_command(command, in_data=payload, sudoable=False)
        except Exception as exc:  # pylint: disable=broad-except
            drop = classify(exc, connection)
            if drop is None:
                raise
            if drop.step == "send" and RESULT_MARKER in drop.text:
                # winrm: the Send timed out but the script ran; its result line is in the error's stdout
                _close(connection)
                return _checked(name, params, parse_output(name, None, drop.text.split("stdout:", 1)[-1], b""), list_paths)
            drops.append(drop)
            _close(connection)  # never leave the shell / runspace behind; the retry opens a new one
            if attempt < attempts:
                display.warning("apexone: %s: the connection failed at step %s while running read-only %s (%s); "
                                "retrying once" % (_host(connection), drop.step, name, _short(drop.text)))
                continue
            raise AnsibleConnectionFailure(_unreachable_message(connection, name, read_only, drops))
        try:
            result = parse_output(name, rc, stdout, stderr)
        except InputDamaged as exc:
            if attempt < attempts:  # nothing ran: a read-only script is sent once more
                display.warning("apexone: %s: %s; retrying once" % (_host(connection), exc.msg))
                continue
            raise
        return _checked(name, params, result, list_paths)
    raise AssertionError("unreachable")  # pragma: no cover


def _checked(name: str, params: dict, result: dict, list_paths: t.Iterable[str]) -> dict:
    missing = unanswered(params, result)
    if missing:
        raise RemoteScriptError("script %s answered neither a result nor an error for the subsets asked of it: %s. The "
                                "script that ran does not match what the controller asked for (a locally edited "
                                "script, or a fault in this collection): re-run with -vvv and report it"
                                % (name, ", ".join(missing)), script=name)
    return ensure_lists(result, list_paths)


def _short(text: str) -> str:
    return " ".join(text.split())[:300]


def _host(connection: t.Any) -> str:
    try:
        return str(connection.get_option("remote_addr"))
    except Exception:  # pylint: disable=broad-except
        return "the host"


def _unreachable_message(connection: t.Any, name: str, read_only: bool, drops: list[Drop]) -> str:
    """What Ansible shows for the unreachable host: the step, what it means, what to do."""
    last = drops[-1]
    transport = getattr(connection, "transport", "winrm")
    where = "%s over %s (step: %s)" % (_host(connection), transport, last.step)
    if not any(d.answered for d in drops):
        return ("%s: no WinRM session could be set up (TCP connection or NTLM handshake): %s. %s never started. "
                "Check that the host is up, that WinRM listens on the port and path set for it, and the "
                "credentials; then re-run" % (where, _short(last.text), name))
    if not last.started and last.step not in ("connect", "create shell", "create runspace"):
        return ("%s: the connection failed before the script ran: %s. %s never started (nothing was changed): "
                "re-run" % (where, _short(last.text), name))
    if not last.started:
        if transport != "psrp" and last.step == "create shell":
            where += " (or the NTLM handshake before it: the winrm plugin does not tell them apart)"
        return ("%s: WinRM opened no %s: %s. %s never started (nothing was changed). WinRM may be overloaded "
                "(MaxShellsPerUser / MaxConcurrentOperationsPerUser) or restarting: re-run later"
                % (where, "runspace" if transport == "psrp" else "shell", _short(last.text), name))
    if read_only:
        return ("%s: the connection failed twice while running read-only %s: %s. Nothing was changed; the host may "
                "be rebooting or WinRM overloaded: re-run later" % (where, name, _short(last.text)))
    return ("%s: the connection failed while %s was changing the host: %s. %s may be half done: re-run, every change "
            "is idempotent, and review the result" % (where, name, _short(last.text), name))


def _close(connection: t.Any) -> None:
    """Delete the shell / runspace pool of a failed execution, on a fresh authenticated connection.

    - The NTLM security context belongs to the TCP connection that dropped: the libraries would
      reuse it on a new socket and get 401, so their HTTP session is dropped first (pywinrm's
      Transport.close_session(); pypsrp's transport.session / encryption).
    - The plugins' close() deletes the shell (winrm) or closes the runspace pool (psrp); when the
      host does not answer, they keep the dead shell id, so it is forgotten here and the next
      execution opens a new one. (The winrm plugin's reset() would open a new shell without
      deleting the old one: not used.)
    """
    psrp = getattr(connection, "transport", "") == "psrp"
    try:
        if psrp:
            runspace = getattr(connection, "runspace", None)
            transport = getattr(getattr(runspace, "connection", None), "transport", None)
            if transport is not None:
                transport.session = None
                transport.encryption = None
            if runspace is not None and runspace.state != _RUNSPACE_OPENED:
                runspace.close()  # created but never opened: the plugin's close() would skip it
        else:
            transport = getattr(getattr(connection, "protocol", None), "transport", None)
            if transport is not None:
                transport.close_session()
        connection.close()
    except Exception as exc:  # pylint: disable=broad-except
        display.vvv("apexone: closing the failed %s failed too (%s); opening a new one"
                    % ("runspace" if psrp else "shell", _short(to_text(exc))))
        for attribute in (("runspace", "_last_pipeline") if psrp else ("protocol", "shell_id")):
            if hasattr(connection, attribute):
                setattr(connection, attribute, None)
        if hasattr(connection, "_connected"):
            connection._connected = False  # pylint: disable=protected-access
