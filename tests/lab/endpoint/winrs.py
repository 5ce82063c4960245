# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The WinRS cmd shell (http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd), [MS-WSMV] 3.1.4.

What a shell does, as the lab models it:
- Create takes rsp:Shell (InputStreams / OutputStreams) and the options WINRS_CODEPAGE (the
  console code page of the shell's commands; Windows' default is the system's OEM code page, the
  seed's `os.oem_codepage`, 437 if absent) and WINRS_NOPROFILE.
- Command takes rsp:CommandLine (its CommandId if the client chose one; rsp:Command, rsp:Arguments
  joined by spaces) and the options
  WINRS_CONSOLEMODE_STDIN and WINRS_SKIP_CMD_SHELL. WinRS counts every command of a shell
  against MaxConcurrentOperationsPerUser until the shell is deleted (the seed's
  `winrm: {max_concurrent_operations_per_user: N}`, default 1500).
- The process runs when its stdin ends (Send with End="true"), or at once with console-mode
  stdin; it takes the host's latency (`faults: {latency: s}`) to end.
- Receive answers with everything the process wrote and its end (CommandState Done, ExitCode)
  as soon as it ended; before that it waits, at most the request's OperationTimeout, then
  answers the w:TimedOut fault clients poll through.
- Signal terminate ends and forgets the command; ctrl_c ends it with STATUS_CONTROL_C_EXIT.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid

from . import resources, soap

SIGNAL_CTRL_C = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/ctrl_c"
STATUS_CONTROL_C_EXIT = -1073741510  # 0xC000013A as a signed exit code


def _true(value: str | None) -> bool:
    return (value or "").strip().upper() == "TRUE"


class Command:
    def __init__(self, command_id: str, command_line: str, console_mode_stdin: bool, skip_cmd_shell: bool) -> None:
        self.command_id = command_id
        self.command_line = command_line
        self.console_mode_stdin = console_mode_stdin
        self.skip_cmd_shell = skip_cmd_shell
        self.stdin = bytearray()
        self.stdin_closed = False
        self.process = None   # hostmodel.Process once it ran
        self.ends_at = 0.0    # monotonic time its end becomes visible (the host's latency)
        self.delivered = False
        self.killed = False   # anti-malware ended the process as it started (antimalware RULE A2)
        self.changed = threading.Condition()


class Shell(resources.Shell):
    resource_uri = resources.WINRS_URI

    def __init__(self, host, codepage: int) -> None:
        self.host = host
        self.shell_id = str(uuid.uuid4()).upper()
        self.codepage = codepage
        self.commands: dict[str, Command] = {}
        self.operations = 0
        self.lock = threading.Lock()

    def _command(self, command_id: str | None) -> Command:
        with self.lock:
            found = self.commands.get(command_id or "")
        if found is None:
            raise self.host.fault("command_not_found", shell_id=self.shell_id, command_id=command_id)
        return found

    def command(self, request, body):
        line = request.body_child("rsp:CommandLine")
        if line is None or line.find(soap.q("rsp:Command")) is None:
            raise self.refused("Command without rsp:CommandLine/rsp:Command")
        words = [(line.find(soap.q("rsp:Command")).text or "").strip()]
        words += [(node.text or "").strip() for node in line.findall(soap.q("rsp:Arguments"))]
        limit = self.host.limits["max_concurrent_operations_per_user"]
        with self.lock:
            if self.operations >= limit:
                raise self.host.fault("quota_operations", limit=limit)
            self.operations += 1
            command = Command((line.get("CommandId") or str(uuid.uuid4())).upper(), " ".join(w for w in words if w),
                              _true(request.options.get("WINRS_CONSOLEMODE_STDIN")),
                              _true(request.options.get("WINRS_SKIP_CMD_SHELL")))
            self.commands[command.command_id] = command
        verdict = self.host.model.at_start(command.command_line)  # hostmodel RULE 9, antimalware RULE A2 / A4
        if verdict is not None and verdict[0] == "blocked":
            with self.lock:
                self.commands.pop(command.command_id, None)
                self.operations -= 1
            raise self.host.fault("launch_blocked")
        if verdict is not None:
            from .hostmodel import Process  # pylint: disable=import-outside-toplevel
            with command.changed:
                command.killed = True
                command.process = Process(verdict[1], b"", b"")
                command.ends_at = time.monotonic()
                command.changed.notify_all()
        elif command.console_mode_stdin:
            self._run(command)
        soap.sub(soap.sub(body, "rsp:CommandResponse"), "rsp:CommandId", command.command_id)

    def _run(self, command: Command) -> None:
        process = self.host.model.run_powershell_exe(command.command_line, bytes(command.stdin), self.codepage,
                                                     command.console_mode_stdin, command.skip_cmd_shell)
        with command.changed:
            command.process = process
            command.ends_at = time.monotonic() + self.host.latency
            command.changed.notify_all()

    def send(self, request, body):
        for stream in self.send_streams(request):
            if stream.get("Name") != "stdin":
                raise self.refused("Send to stream %r: a cmd shell has only stdin" % stream.get("Name"))
            command = self._command(stream.get("CommandId"))
            if command.killed:  # antimalware RULE A2: the process is gone, its stdin pipe with it
                raise self.host.fault("pipe_closing")
            if command.stdin_closed or command.console_mode_stdin:
                raise self.refused("Send after the command's stdin ended (or with console-mode stdin): Windows "
                                   "would fail the pipe write")
            command.stdin.extend(base64.b64decode(stream.text or ""))
            if (stream.get("End") or "").lower() == "true":
                command.stdin_closed = True
                self._run(command)
        soap.sub(body, "rsp:SendResponse")

    def receive(self, request, body):
        desired = self.desired_stream(request)
        command = self._command(desired.get("CommandId"))
        names = (desired.text or "stdout stderr").split()
        self.wait_until_visible(command.changed, lambda: None if command.process is None else command.ends_at,
                                request.operation_timeout)
        response = soap.sub(body, "rsp:ReceiveResponse")
        process = command.process
        for name in names:
            data = {"stdout": process.stdout, "stderr": process.stderr}.get(name)
            if data is None:
                raise self.refused("Receive of stream %r: a cmd shell has stdout and stderr" % name)
            if data and not command.delivered:
                soap.sub(response, "rsp:Stream", base64.b64encode(data).decode("ascii"), Name=name,
                         CommandId=command.command_id)
            soap.sub(response, "rsp:Stream", Name=name, CommandId=command.command_id, End="true")
        command.delivered = True
        state = soap.sub(response, "rsp:CommandState", CommandId=command.command_id, State=soap.STATE_DONE)
        soap.sub(state, "rsp:ExitCode", str(process.rc))

    def signal(self, request, body):
        command_id, kind = self.signal_code(request)
        command = self._command(command_id)
        if kind == soap.SIGNAL_TERMINATE:
            with self.lock:
                self.commands.pop(command.command_id, None)
        elif kind == SIGNAL_CTRL_C:
            from .hostmodel import Process  # pylint: disable=import-outside-toplevel
            with command.changed:
                if command.process is None:
                    command.process = Process(STATUS_CONTROL_C_EXIT, b"", b"")
                    command.ends_at = time.monotonic()
                    command.changed.notify_all()
        else:
            raise self.refused("signal code %r is not modelled" % kind)
        soap.sub(body, "rsp:SignalResponse")

    def close(self):
        with self.lock:
            self.commands.clear()


class Resource(resources.Resource):
    resource_uri = resources.WINRS_URI
    counter = "shell"
    kind = "a cmd shell"
    streams = ("stdin", "stdout stderr")

    def create(self, request, body):
        self.shell_request(request)
        codepage_text = request.options.get("WINRS_CODEPAGE") or str(self.host.oem_codepage)
        try:
            codepage = int(codepage_text)
        except ValueError:
            raise self.refused("WINRS_CODEPAGE %r is not a number" % codepage_text)
        return self.created(body, Shell(self.host, codepage))
