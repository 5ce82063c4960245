# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one of the collection's PowerShell scripts on a Windows host: one remote execution.

The command line carries only a short, constant bootstrap (-EncodedCommand); the script and
its parameters travel on stdin as base64 of gzip of UTF-8 text, so neither the command-line
length limit nor the console code page (932 on Japanese Windows) can touch them. The script's
result comes back the same way: one line of pipeline output, a marker and base64 of UTF-8 JSON
(stdout of powershell.exe over winrm; pipeline output of the runspace over psrp).

Internal to this collection: not a public API.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import typing as t

from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.text.converters import to_text
from ansible.utils.display import Display

display = Display()

RESULT_MARKER = "APEXONE-RESULT:"
ERROR_MARKER = "APEXONE-ERROR:"
SCRIPT_DIR = os.path.join(os.path.dirname(__file__), "scripts")
POWERSHELL = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand"

# The bootstrap: reads stdin, gunzips it, splits script from JSON parameters at the first NUL,
# splats the parameters, and writes the script's hashtable as one marked line of base64 JSON.
# Errors come back the same way, then `exit 1`.
#
# Kept short: it travels UTF-16LE base64 on every command line (the probe's whole payload is
# under 8 KB). M writes the marked line.
#
# Where the marked line goes (the rule both hosts share): to the OUTPUT PIPELINE, never to
# [Console]::Out.
# - In a PSRP runspace (wsmprovhost, no console) ansible's psrp plugin decodes this bootstrap and
#   runs it in-process; only pipeline output and host-UI writes come back, [Console]::Out is lost.
# - In powershell.exe -EncodedCommand (winrm plugin) pipeline output reaches stdout through
#   Out-Default. A redirected ConsoleHost writes a string object as one line; the reader still
#   joins a line wrapped at any width (see _marked), since the text is base64 with no spaces.
# - `exit 1` is the process exit code in powershell.exe, and in a runspace the engine calls the
#   host's SetShouldExit(1), which ansible's psrp plugin reports as rc.
# - The payload is gzip: System.IO.Compression.GZipStream is in System.dll of .NET 2.0 and later.
BOOTSTRAP = r"""
$ErrorActionPreference='Stop'
function M($k,$v){$k+[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject $v -Depth 10 -Compress)))}
try{
$z=New-Object IO.MemoryStream(,[Convert]::FromBase64String((@($input) -join '').Trim()))
$z=New-Object IO.Compression.GZipStream($z,[IO.Compression.CompressionMode]::Decompress)
$r=(New-Object IO.StreamReader($z,[Text.Encoding]::UTF8)).ReadToEnd()
$c=$r.IndexOf([char]0)
$a=@{}
foreach($p in (ConvertFrom-Json -InputObject $r.Substring($c+1)).PSObject.Properties){$a[$p.Name]=$p.Value}
$o=@(& ([ScriptBlock]::Create($r.Substring(0,$c))) @a)
if($o.Count -ne 1){throw "the script wrote $($o.Count) objects to the pipeline instead of one result"}
M 'APEXONE-RESULT:' $o[0]
}catch{
M 'APEXONE-ERROR:' @{message=$_.Exception.Message;type=$_.Exception.GetType().FullName;line=$_.InvocationInfo.ScriptLineNumber;stack=$_.ScriptStackTrace}
exit 1
}
""".strip()

_SCRIPT_CACHE: dict[str, str] = {}


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


def script_text(name: str) -> str:
    """The text of plugins/plugin_utils/scripts/<name>.ps1."""
    if name not in _SCRIPT_CACHE:
        path = os.path.join(SCRIPT_DIR, name + ".ps1")
        with open(path, encoding="utf-8-sig") as handle:
            _SCRIPT_CACHE[name] = handle.read()
    return _SCRIPT_CACHE[name]


def build_command() -> str:
    """The constant bootstrap as PowerShell -EncodedCommand, as the winrm and psrp plugins expect."""
    return "%s %s" % (POWERSHELL, base64.b64encode(BOOTSTRAP.encode("utf-16-le")).decode("ascii"))


def build_payload(script: str, params: dict) -> bytes:
    """stdin for the bootstrap: base64 of gzip of '<script>\\0<json params>' in UTF-8, then a newline.

    One line, so both hosts hand it to `$input` whole: powershell.exe enumerates stdin lines, the
    psrp plugin sends each line as one input object. mtime=0 keeps the bytes reproducible.
    """
    body = script + "\0" + json.dumps(params, ensure_ascii=False, separators=(",", ":"))
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
            return json.loads(base64.b64decode(text, validate=True).decode("utf-8"))
    return _ABSENT


_ABSENT = object()


def parse_output(name: str, rc: int | None, stdout: bytes | str, stderr: bytes | str) -> dict:
    """Turn one execution's rc / stdout / stderr into the script's result dict, or raise."""
    # Under code page 65001 powershell.exe may start stdout with a UTF-8 byte order mark.
    out = to_text(stdout, errors="surrogate_or_replace").lstrip("\ufeff")
    err = decode_stderr(stderr)
    try:
        error = _marked(out, ERROR_MARKER)
        result = _marked(out, RESULT_MARKER)
    except (ValueError, TypeError) as exc:
        raise RemoteScriptError("script %s returned a result line that is not base64 JSON (%s); the output may "
                                "have been cut: re-run with -vvv and check the connection" % (name, exc),
                                rc=rc, stdout=out, stderr=err, script=name)
    if error is not _ABSENT:
        raise RemoteScriptError("script %s failed on the host: %s" % (name, error.get("message")),
                                rc=rc, stdout=out, stderr=err, script=name, error=error)
    # A result line is written only after the script returned, so it stands even with rc 1: in a
    # runspace the psrp plugin reports rc 1 whenever the error stream holds a record.
    if result is _ABSENT:
        first_line = err.splitlines()[0] if err else "no error text"
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


def run_script(connection: t.Any, name: str, params: dict, read_only: bool,
               list_paths: t.Iterable[str] = ()) -> dict:
    """Run scripts/<name>.ps1 on the host with `params`; return its result dict.

    A read-only script is retried once when the connection drops; a script that changes the
    host is not, because a half-done change must be looked at, not repeated blindly.
    """
    require_windows(connection)
    command = build_command()
    payload = build_payload(script_text(name), params)
    attempts = 2 if read_only else 1
    for attempt in range(1, attempts + 1):
        display.vvv("apexone: running %s (%d bytes, attempt %d)" % (name, len(payload), attempt))
        try:
            rc, stdout, stderr = connection.exec_command(command, in_data=payload, sudoable=False)
        except AnsibleConnectionFailure as exc:
            if attempt < attempts:
                display.warning("apexone: connection dropped during read-only %s (%s); retrying once" % (name, exc))
                _reset(connection)
                continue
            # Raised as a connection failure so Ansible marks the host unreachable, as for any WinRM host.
            if read_only:
                raise AnsibleConnectionFailure("connection dropped twice while running read-only %s: %s. The host may "
                                               "be rebooting or WinRM overloaded; re-run later" % (name, exc))
            raise AnsibleConnectionFailure("connection dropped while %s was changing the host: %s. The change may be "
                                           "half done: re-run the play (every change is idempotent) and review the "
                                           "result" % (name, exc))
        result = parse_output(name, rc, stdout, stderr)
        return ensure_lists(result, list_paths)
    raise AssertionError("unreachable")  # pragma: no cover


def _reset(connection: t.Any) -> None:
    try:
        connection.reset()
    except Exception as exc:  # pylint: disable=broad-except
        display.vvv("apexone: connection reset failed (%s); the retry reconnects" % exc)
