# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated Windows host: what one remote execution does, and what it costs.

For each execution: count it (and its bytes), decode the bootstrap and the stdin payload,
check the common script sent with it (RULE C1), parse the script with tree-sitter-pwsh, refuse
it as PowerShell would when it does not parse or its parameters do not bind, stop it where it calls
a command the host lacks (RULE P1, RULE C2), then run the script's Python twin on the host's state.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import itertools
import json
import os
import re

from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import minify as _minify
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import sections as _sections

from . import antimalware, oldhosts, pwsh, twins, wire
from . import state as lab_state

COLLECTION_ROOT = os.path.dirname(os.path.dirname(lab_state.LAB_ROOT))
SCRIPT_DIR = os.path.join(COLLECTION_ROOT, "plugins", "plugin_utils", "scripts")

_KNOWN: dict[str, str] | None = None
COMMON = "common"  # scripts/common.ps1: sent with every script, dot-sourced by the bootstrap (wire.Decoded.common)


def script_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def known_scripts() -> dict[str, str]:
    """sha256 of a script text -> name, for every .ps1 the collection ships (common.ps1 as "common"):
    the file as it is, and the file minified as the runner sends it, with and without each of its
    `#region subset` parts (_sections; which ones a text lacks: left_out()). The minified text is known
    only when tree-sitter-pwsh reads it as the same tokens as the file with the same parts left out
    (comments and blanks aside): a minifier that changed a string, a here-string or a token would make
    the lab refuse the script it sends."""
    global _KNOWN  # pylint: disable=global-statement
    if _KNOWN is None:
        known: dict[str, str] = {}
        _LEFT_OUT.clear()
        for entry in sorted(os.listdir(SCRIPT_DIR)):
            if entry.endswith(".ps1"):
                with open(os.path.join(SCRIPT_DIR, entry), encoding="utf-8-sig") as handle:
                    whole = handle.read()
                parts = sorted(_sections.names(whole))
                for count in range(len(parts) + 1):
                    for kept in itertools.combinations(parts, count):
                        text = _sections.without(whole, kept)
                        left_out = frozenset(parts) - frozenset(kept)
                        for variant in _variants(text):
                            known[script_digest(variant)] = entry[:-4]
                            _LEFT_OUT[script_digest(variant)] = left_out
        _KNOWN = known
    return _KNOWN


_LEFT_OUT: dict[str, frozenset] = {}


def left_out(script: str) -> frozenset:
    """The `#region subset` parts a known script text was sent without (RULE S1)."""
    known_scripts()
    return _LEFT_OUT.get(script_digest(script), frozenset())


def _variants(text: str) -> list[str]:
    """The text, and its minified form when tree-sitter-pwsh reads the same tokens in both."""
    try:
        small = _minify.minify(text)
    except _minify.MinifyError:
        return [text]  # the runner sends this one as it is
    return [text, small] if pwsh.tokens(small) == pwsh.tokens(text) else [text]


COUNTERS = {
    # remote executions, and their payload: command line + stdin sent, console output received; powershell.exe
    # processes started for them (WinRS: one per execution, two when a command arrives wrapped twice)
    "executions": 0, "processes": 0, "bytes_sent": 0, "bytes_received": 0, "scripts": {}, "refused": [],
    # the wire, counted by the endpoint: HTTP requests, bytes each way (request / status line,
    # headers and body), TCP connections, WinRS shells and PSRP runspaces opened and still open
    "http_requests": 0, "wire_bytes_to_host": 0, "wire_bytes_from_host": 0, "connections": 0,
    "shells_opened": 0, "shells_open": 0, "runspaces_opened": 0, "runspaces_open": 0,
    "faults_injected": [],
    # logons as the host's Security log records them (4624 / 4625), by package (NTLM, Kerberos)
    "logons": {}, "logon_failures": {},
}


def _empty() -> dict:
    return json.loads(json.dumps(COUNTERS))


@contextlib.contextmanager
def counts(host: str, base: str | None = None):
    """The host's counters, locked; what the block leaves in them is saved."""
    folder = os.path.join(base or lab_state.lab_dir(), "counts")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, host + ".json")
    with open(path + ".lock", "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = _empty()
            if os.path.exists(path):
                with open(path, encoding="utf-8") as handle:
                    data.update(json.load(handle))
            try:
                yield data
            finally:
                tmp = path + ".tmp"
                with open(tmp, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, sort_keys=True)
                os.replace(tmp, path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def read_counts(host: str, base: str | None = None) -> dict:
    path = os.path.join(base or lab_state.lab_dir(), "counts", host + ".json")
    data = _empty()
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            data.update(json.load(handle))
    return data


@dataclasses.dataclass
class Outcome:
    """One execution of the bootstrap: its exit code, what it wrote to the output pipeline, a refusal the host
    itself reports as an error record (the command or its input is not what the lab knows), and an error record
    PowerShell itself writes (stderr, e.g. an old host's, or a part anti-malware refused outside a try)."""
    rc: int
    console: str
    refusal_record: str | None = None
    error_record: str | None = None


def _error_line(message: str, kind: str = "Lab.Refused", error_id: str | None = None, part: str = "") -> str:
    """As the driver's catch block reports a terminating error: the marked error line (exit code 1)."""
    value = {"message": message, "type": kind, "id": error_id or kind, "file": part, "line": 0, "stack": ""}
    return wire.encode_line("APEXONE-ERROR:", value).decode("ascii")


def capture(kind: str, name: str, text: str) -> None:
    """Keep a text the host received (a command line, a compiled script block) in $APEXONE_LAB_CAPTURE, one file
    per distinct text: what a defender's logging would see (the detection-pattern tests read them)."""
    folder = os.environ.get("APEXONE_LAB_CAPTURE")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "%s--%s--%s.txt" % (kind, name, script_digest(text)[:16]))
    if not os.path.exists(path):
        tmp = "%s.%d.tmp" % (path, os.getpid())
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)


def run_bootstrap(host: str, seed: str, command: str, input_items: list[str], payload_bytes: int,
                  lab_dir: str | None = None, compiled: str | None = None) -> Outcome:
    """One remote execution against `host` (state seeded from `seed`): the command PowerShell runs (the
    bootstrap) and its `$input` items, as the endpoint's host model hands them over. `compiled`: the script
    block PowerShell compiles for the command, where it is more than the command (the psrp plugin's suffix)."""
    host_state = lab_state.HostState(host, seed, lab_dir)
    capture("script_block", "bootstrap", command if compiled is None else compiled)
    with counts(host, lab_dir) as data:
        data["executions"] += 1
        data["bytes_sent"] += payload_bytes
        outcome, name, refusal = _run(host_state, command, input_items)
        data["bytes_received"] += len(outcome.console.encode("utf-8"))
        data["scripts"][name] = data["scripts"].get(name, 0) + 1
        if refusal:
            data["refused"].append({"script": name, "reason": refusal})
    return outcome


def execute(host: str, seed: str, cmd: str, in_data: bytes | None,
            lab_dir: str | None = None) -> tuple[int, bytes, bytes]:
    """The twins without the endpoint (their unit tests): `cmd` is the runner's command, as the psrp plugin
    runs it."""
    items = (in_data or b"").decode("ascii", "replace").splitlines()
    outcome = run_bootstrap(host, seed, cmd, items, len(cmd) + len(in_data or b""), lab_dir)
    return (outcome.rc, outcome.console.encode("utf-8"),
            (outcome.refusal_record or outcome.error_record or "").encode("utf-8"))


def _unknown_common(decoded: "wire.Decoded") -> str | None:
    """RULE C1: the common script the driver dot-sources must be the shipped common.ps1, as it is or minified,
    and parse; the lab refuses any other."""
    if known_scripts().get(script_digest(decoded.common)) != COMMON:
        return "the common script is not the collection's common.ps1 (sha256 %s)" % script_digest(decoded.common)
    checked = pwsh.check(decoded.common)
    if not checked.ok:
        return "the common script does not parse as Windows PowerShell 5.1: %s" % "; ".join(checked.errors)
    return None


def _missing_common_function(decoded: "wire.Decoded", seed: dict) -> str | None:
    """RULE C2: a command the script calls that is neither a cmdlet (oldhosts.CORE_COMMANDS, NEWER_COMMANDS and
    MODULE_COMMANDS) nor a function the script or the common script sent with it defines is not there: the call
    stops with CommandNotFoundException, as RULE P1 words it."""
    defined = pwsh.functions(decoded.script) | pwsh.functions(decoded.common)
    cmdlets = oldhosts.CORE_COMMANDS | {name.lower() for name in oldhosts.NEWER_COMMANDS} | oldhosts.MODULE_COMMANDS
    lacking = pwsh.commands(decoded.script) - defined - cmdlets
    found = [(match.start(), match.group(0)) for command in lacking
             for match in [re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(command), decoded.script, re.IGNORECASE)]
             if match]
    # the first in the text (which call runs first depends on the parameters; either way the script stops)
    return oldhosts.NOT_RECOGNIZED[oldhosts.language(seed)] % min(found)[1] if found else None


def _part(name: str) -> str:
    return "apexone.upgrade.%s.ps1" % name


def _run(host_state, command: str, input_items: list[str]) -> tuple[Outcome, str, str | None]:
    checked_bootstrap = pwsh.check(command)
    rule = wire.recognise(command)
    if not checked_bootstrap.ok or rule is None:
        reason = ("the command is not the bootstrap the lab emulates (sha256 %s of its normalized text); review "
                  "tests/lab/simulator/wire.py against plugins/plugin_utils/_remote/bootstrap.ps1 and pin it. %s"
                  % (wire.digest(wire.normalized(command)), "; ".join(checked_bootstrap.errors)))
        return Outcome(1, "", reason), "(bootstrap)", reason
    with host_state.open() as data:  # which PowerShell the host has (oldhosts.py, RULE P1-P5)
        try:
            antimalware.of(data)
            old = oldhosts.needs_short_answer(data)
            short = oldhosts.short_line(data) if old else None
        except (oldhosts.ModelRefusal, antimalware.SpecError) as exc:
            return Outcome(1, "", str(exc)), "(bootstrap)", str(exc)
        seed_data = json.loads(json.dumps(data))
    if short is not None:  # RULE P3
        return Outcome(0, short), "(short answer)", None
    if antimalware.amsi_refuses(seed_data, command):  # RULE A1, the command itself: nothing of it runs
        return Outcome(1, "", error_record=antimalware.amsi_error(seed_data, "line")), "(bootstrap)", None
    try:
        decoded = wire.decode_input(input_items)
    except wire.WireError as exc:  # PowerShell's own error record: stderr, exit code 1
        return Outcome(1, "", error_record=str(exc)), "(undecodable)", str(exc)
    if wire.digest(decoded.driver) != rule.driver_sha256:
        reason = ("the input's driver is not the one the lab emulates (sha256 %s); review tests/lab/simulator/wire.py "
                  "against plugins/plugin_utils/_remote/driver.ps1 and pin it" % wire.digest(decoded.driver))
        return Outcome(1, "", reason), "(driver)", reason
    capture("script_block", "driver", decoded.driver)
    if antimalware.amsi_refuses(seed_data, decoded.driver):  # RULE A1, dot-sourced outside any try
        return Outcome(1, "", error_record=antimalware.amsi_error(seed_data, _part("driver"))), "(driver)", None

    script, params = decoded.script, decoded.params
    name = known_scripts().get(script_digest(script), "(unknown script)")
    if name == COMMON:
        name = "(unknown script)"  # the common script is no script of its own: no twin runs it
    if name != "(unknown script)" and name != decoded.name:
        reason = "the input names script %s, but its text is %s.ps1" % (decoded.name, name)
        return Outcome(1, _error_line(reason)), name, reason
    unknown = _unknown_common(decoded)
    if unknown:
        return Outcome(1, _error_line(unknown)), name, unknown
    capture("script_block", COMMON, decoded.common)
    if antimalware.amsi_refuses(seed_data, decoded.common):  # RULE A1, inside the driver's try
        return Outcome(1, _amsi_line(seed_data, COMMON)), name, None
    checked = pwsh.check(script)
    if not checked.ok:
        reason = "script %s does not parse as Windows PowerShell 5.1: %s" % (name, "; ".join(checked.errors))
        return Outcome(1, _error_line(reason)), name, reason
    capture("script_block", decoded.name, script)
    if antimalware.amsi_refuses(seed_data, script):
        return Outcome(1, _amsi_line(seed_data, decoded.name)), name, None
    problems = pwsh.check_arguments(checked, params)
    if problems:
        reason = "script %s: %s" % (name, "; ".join(problems))
        return Outcome(1, _error_line(reason)), name, reason
    if name not in twins.TWINS:
        reason = "the lab has no twin for script %s: add one in tests/lab/simulator/twins.py" % name
        return Outcome(1, _error_line(reason)), name, reason
    with host_state.open() as data:
        missing = (oldhosts.missing_command(decoded.common + "\n" + script, data)
                   or _missing_common_function(decoded, data))  # RULE P1: the script stops; the driver's catch reports it
        if missing:
            return (Outcome(1, _error_line(missing, "System.Management.Automation.CommandNotFoundException",
                                           "CommandNotFoundException", _part(decoded.name))), name, None)
        try:
            result = twins.TWINS[name](data, params)
        except twins.ScriptFailure as exc:
            return Outcome(1, _error_line(str(exc), "Lab.ScriptFailure", part=_part(decoded.name))), name, None
    # RULE S1: a `#region subset` part the runner left out is not in the script that ran: its subset's
    # block never runs, so the answer has neither that subset nor an error for it (the script lists it
    # under `subsets` all the same: that list is its Subset parameter).
    for part in left_out(script):
        if isinstance(result, dict):
            result.pop(part, None)
            if isinstance(result.get("errors"), dict):
                result["errors"].pop(part, None)
    return Outcome(0, wire.encode_line("APEXONE-RESULT:", result).decode("ascii")), name, None


def _amsi_line(seed: dict, part: str) -> str:
    """RULE A1 inside the driver's try: the catch writes the refusal as the marked error line."""
    language = "ja" if str((seed.get("os") or {}).get("ui_language", "")).lower().startswith("ja") else "en"
    return _error_line(antimalware.AMSI_MESSAGE[language], "System.Management.Automation.ParseException",
                       antimalware.AMSI_ERROR_ID, _part(part))
