# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A written model of Windows PowerShell 5.1 as a WinRS command meets it, limited to what the
collection's bootstrap relies on. Each rule is stated where it is applied (RULE n). What the model
does not know, it refuses loudly (a lab message on stderr, rc 1); it never guesses.

RULE 1  WinRS runs a command through cmd.exe (`cmd.exe /c <command> <arguments>`) unless the
        client sets WINRS_SKIP_CMD_SHELL; cmd.exe refuses a command line longer than 8,191
        characters ("The command line is too long.", exit code 1).
RULE 2  The program is powershell.exe (`PowerShell`, `powershell.exe`, case-insensitive). The model
        knows these options, by full name, case-insensitive: -NoProfile, -NonInteractive, -NoLogo,
        -ExecutionPolicy <policy>, -InputFormat Text, -OutputFormat Text, -EncodedCommand <base64 of
        UTF-16LE>. Anything else (other programs, -Command, -File, abbreviations, quoting) is
        refused: the model does not know what Windows would do with it.
RULE 3  With -EncodedCommand and stdin redirected (WINRS_CONSOLEMODE_STDIN=FALSE), powershell.exe
        reads stdin to its end as text in the console's input code page (the shell's
        WINRS_CODEPAGE) and enumerates it line by line, terminators removed, into `$input`. With
        console-mode stdin nothing is redirected and `$input` is empty.
RULE 4  The decoded command must be the collection's bootstrap, recognised by the rule in
        simulator/wire.py (the one place that pins it); the twins answer the script it carries.
        Any other command is refused.
RULE 5  What the bootstrap writes, with [Console]::Out or as pipeline output (powershell.exe sends
        pipeline output through Out-Default: a string is written whole, then CR LF), reaches
        stdout encoded in the console's output code page (the shell's WINRS_CODEPAGE). Under 65001 some hosts put the UTF-8
        preamble (EF BB BF) before the first byte; the seed says so per host:
        `console: {utf8_bom: true}`.
RULE 6  An error record PowerShell itself writes (not the bootstrap's own error line) reaches
        stderr as CLIXML: `#< CLIXML` then <Objs> with <S S="Error"> strings, CR/LF escaped as
        _x000D__x000A_. The lab writes its refusals of the decoded command this way.
RULE 7  The exit code is the bootstrap's `exit N`, 0 when it ends normally, 1 after an error
        record of RULE 6.
RULE 8  A decoded command that is itself one powershell.exe command line (what ansible-core 2.16 to 2.18's
        winrm plugin sends when it is handed a command it encoded already: it encodes every command once more)
        runs that inner powershell.exe as a native command: it inherits the outer one's redirected stdin (the
        outer script never reads it), its stdout passes through as the outer pipeline's strings, every line of
        its stderr becomes a NativeCommandError record the outer one writes as CLIXML around the inner CLIXML,
        and the outer exit code is 0 when the inner one is 0, else 1 ($? of the last native command). No
        cmd.exe stands in between: the inner line meets only CreateProcess's limit (32,767). Two powershell.exe
        processes are counted.
RULE 9  Every powershell.exe started is counted (`processes`); anti-malware may stop it before it runs
        (simulator/antimalware.py RULE A2, A4: at_start()).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from xml.sax.saxutils import escape

from ..simulator import antimalware, lab
from ..simulator import state as lab_state

CMD_LINE_LIMIT = 8191  # RULE 1
CREATE_PROCESS_LIMIT = 32767  # RULE 8
PROGRAMS = ("powershell", "powershell.exe")  # RULE 2
SWITCHES = ("-noprofile", "-noninteractive", "-nologo")
VALUED = {"-executionpolicy": None, "-inputformat": ("text",), "-outputformat": ("text",), "-encodedcommand": None}
CODEPAGES = {65001: "utf-8", 437: "cp437", 850: "cp850", 932: "cp932", 1252: "cp1252"}  # RULE 3 / 5


@dataclasses.dataclass
class Process:
    """What a command left: exit code, stdout and stderr bytes as WinRS streams them."""
    rc: int
    stdout: bytes
    stderr: bytes


def clixml_error(message: str) -> bytes:
    """RULE 6: an error record as powershell.exe serialises it on a redirected stderr (RULE 8: a native
    command's stderr lines, NativeCommandError, carry the inner CLIXML as their text)."""
    lines = message.replace("\r\n", "\n").split("\n")
    text = "".join(escape(line) + "_x000D__x000A_" for line in lines)
    return ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
            '<S S="Error">%s</S></Objs>' % text).encode("utf-8")


class PowerShellHost:
    """The model, for one lab host (`host`: a server.Host)."""

    def __init__(self, host) -> None:
        self.host = host

    def _refuse(self, message: str, clixml: bool = True) -> Process:
        self.host.note_refusal(message)
        text = "lab: %s" % message
        return Process(1, b"", clixml_error(text) if clixml else (text + "\r\n").encode("utf-8"))

    def _seed(self) -> dict:
        with lab_state.HostState(self.host.name, self.host.seed, self.host.lab_dir).open() as data:
            return dict(data)

    def at_start(self, command_line: str) -> tuple[str, int | None] | None:
        """RULE 9 / antimalware RULE A2, A4, when WinRS creates the process: ("blocked", None) when the host
        refuses to start it, ("killed", exit code) when anti-malware ends it as it starts, None when it runs."""
        seed = self._seed()
        if antimalware.blocks_launch(seed):
            return ("blocked", None)
        lab.capture("command_line", "powershell", command_line)
        with lab.counts(self.host.name, self.host.lab_dir) as data:
            data["processes"] += 1
        code = antimalware.killed_at_start(seed, command_line)
        return ("killed", code) if code is not None else None

    def run_powershell_exe(self, command_line: str, stdin: bytes | None, codepage: int,
                           console_mode_stdin: bool, skip_cmd_shell: bool = False) -> Process:
        """One WinRS command, from its command line to its exit code."""
        if not skip_cmd_shell and len(command_line) > CMD_LINE_LIMIT:  # RULE 1
            return Process(1, b"", b"The command line is too long.\r\n")
        encoded = self._encoded_command(command_line)
        if isinstance(encoded, Process):
            return encoded
        try:
            bootstrap = base64.b64decode(encoded, validate=True).decode("utf-16-le")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return self._refuse("the value of -EncodedCommand is not base64 of UTF-16LE text; powershell.exe "
                                "would not run it", clixml=False)
        codec = CODEPAGES.get(codepage)  # RULE 3
        if codec is None:
            return self._refuse("the shell's code page %s is not one the model knows (%s)"
                                % (codepage, ", ".join(str(c) for c in CODEPAGES)))
        inner = bootstrap.strip()
        if "\n" not in inner and inner.split(" ", 1)[0].lower().rsplit("\\", 1)[-1] in PROGRAMS:
            return self._nested(inner, stdin, codepage, console_mode_stdin)
        if console_mode_stdin or stdin is None:
            items: list[str] = []
        else:
            try:
                items = stdin.decode(codec).splitlines()
            except UnicodeDecodeError as exc:
                return self._refuse("stdin is not text in code page %s: %s" % (codepage, exc))
        outcome = lab.run_bootstrap(self.host.name, self.host.seed, bootstrap, items,
                                    payload_bytes=len(command_line) + len(stdin or b""), lab_dir=self.host.lab_dir)
        if outcome.refusal_record:  # RULE 4 / 6 / 7
            self.host.note_refusal(outcome.refusal_record)
            return Process(1, outcome.console.encode(codec), clixml_error("lab: " + outcome.refusal_record))
        if outcome.error_record:  # RULE 6: an error record PowerShell itself writes (an old host, oldhosts.py)
            return Process(outcome.rc, outcome.console.encode(codec), clixml_error(outcome.error_record))
        stdout = outcome.console.encode(codec)  # RULE 5
        if stdout and codepage == 65001 and self.host.utf8_bom:
            stdout = b"\xef\xbb\xbf" + stdout
        return Process(outcome.rc, stdout, b"")

    def _nested(self, inner: str, stdin: bytes | None, codepage: int, console_mode_stdin: bool) -> Process:
        """RULE 8: the outer powershell.exe runs the inner one as a native command."""
        if len(inner) > CREATE_PROCESS_LIMIT:
            return Process(1, b"", clixml_error("Program 'powershell.exe' failed to run: The filename or extension "
                                                "is too long"))
        verdict = self.at_start(inner)
        if verdict is not None:
            return Process(1, b"", clixml_error("Program 'powershell.exe' failed to run: %s"
                                                % ("This program is blocked by group policy." if verdict[0] == "blocked"
                                                   else "the process was ended")))
        ran = self.run_powershell_exe(inner, stdin, codepage, console_mode_stdin, skip_cmd_shell=True)
        stderr = b""
        if ran.stderr:
            text = ran.stderr.decode("utf-8", "replace")
            stderr = clixml_error(text)
        return Process(0 if ran.rc == 0 else 1, ran.stdout, stderr)

    def _encoded_command(self, command_line: str):
        """RULE 2: the base64 text after -EncodedCommand, or a refusal."""
        if '"' in command_line or "'" in command_line:
            return self._refuse("the command line %r has quotes; the model does not apply cmd.exe / "
                                "CommandLineToArgvW quoting rules" % command_line[:80], clixml=False)
        words = command_line.split()
        if not words or words[0].lower().rsplit("\\", 1)[-1] not in PROGRAMS:
            return self._refuse("the lab runs only powershell.exe with the collection's bootstrap; it got %r. "
                                "Stock Windows modules are not emulated: use the collection's modules in lab plays"
                                % command_line[:80], clixml=False)
        encoded = None
        position = 1
        while position < len(words):
            word = words[position].lower()
            if word in SWITCHES:
                position += 1
                continue
            if word in VALUED and position + 1 < len(words):
                value = words[position + 1]
                allowed = VALUED[word]
                if allowed is not None and value.lower() not in allowed:
                    return self._refuse("powershell.exe %s %s is not modelled (known: %s)"
                                        % (words[position], value, ", ".join(allowed)), clixml=False)
                if word == "-encodedcommand":
                    encoded = value
                position += 2
                continue
            return self._refuse("powershell.exe option %r is not modelled; the model knows %s"
                                % (words[position], ", ".join(list(SWITCHES) + list(VALUED))), clixml=False)
        if encoded is None:
            return self._refuse("powershell.exe without -EncodedCommand is not modelled", clixml=False)
        return encoded
