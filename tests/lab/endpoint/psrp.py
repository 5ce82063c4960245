# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PSRP ([MS-PSRP]) behind http://schemas.microsoft.com/powershell/Microsoft.PowerShell, as
ansible-core's `psrp` plugin and pypsrp meet it on a Windows PowerShell 5.1 host.

Messages, fragments and objects are read and written with pypsrp's own classes
(`pypsrp.messages`, `pypsrp.serializer`, `pypsrp.complex_objects`, `pypsrp.powershell.Fragment`);
this module only says what a runspace pool does with them. The written model, limited to what
the psrp plugin and the collection's bootstrap use (what it does not know, it refuses with the
`lab_refused` fault, never guessing):

RULE P1  Create: rsp:Shell with InputStreams "stdin pr" and OutputStreams "stdout", and a
         creationXml of PSRP fragments holding SESSION_CAPABILITY then INIT_RUNSPACEPOOL, both
         for the runspace pool whose id is the ShellId the client chose. Nothing else opens a pool.
RULE P2  The first Receive on the pool (no CommandId) answers what Windows answers to open a
         pool: SESSION_CAPABILITY (protocol 2.3, PSVersion 2.0, serialization 1.1.0.1),
         APPLICATION_PRIVATE_DATA (the PSVersionTable of 5.1), RUNSPACEPOOL_STATE Opened. A
         later Receive on the pool has nothing to say: it waits OperationTimeout, then w:TimedOut.
RULE P3  Command: rsp:Arguments holds the first fragment(s) of CREATE_PIPELINE (more may follow
         by Send on stdin). The pipeline is one command that is a script (IsScript): the psrp plugin
         sends a command that is not an -EncodedCommand as `<command>\nexit $LASTEXITCODE`, and the
         decoded text of one that is. Cmdlets, parameters, arguments, several commands and nested
         pipelines are refused.
RULE P4  Input objects come by Send on stream stdin as PIPELINE_INPUT messages, each one object
         (only strings are modelled: the plugin sends each stdin line as one string), then
         END_OF_PIPELINE_INPUT. They become the script's `$input`. With NoInput the script runs
         at once with an empty `$input`.
RULE P5  The script runs in-process, in the runspace: no powershell.exe, no console, no cmd.exe
         line limit. What comes back is only what it writes to the output pipeline (one
         PIPELINE_OUTPUT string each) and host-UI writes. What it writes with [Console]::Out is
         LOST: there is no console in wsmprovhost.
RULE P6  `exit N` in the script: the engine calls the host's SetShouldExit(N), a PIPELINE_HOST_CALL
         (ci -100, mi 6 SetShouldExit, mp [N]) that needs no answer, before the pipeline state.
         The collection's bootstrap ends with `exit 0` or `exit 1` on every path, so the call comes every time.
RULE P7  The pipeline then ends Completed (PIPELINE_STATE 4). A script the model refuses ends
         Failed (PIPELINE_STATE 5) with the refusal as its ExceptionAsErrorRecord, as a
         terminating error escaping the script does. An error record PowerShell itself writes while
         the script goes on (the host model's `error_record`, CLIXML on powershell.exe's stderr)
         is an ERROR_RECORD message here, before the pipeline's state.
RULE P8  Receive on a pipeline hands out every message not yet sent, fragmented (object ids
         counted per pool, at most FRAGMENT_BYTES each), and CommandState Done with the final
         state. Before the script's end is visible (the host's latency) it waits at most
         OperationTimeout and answers w:TimedOut, which pypsrp polls through.
RULE P9  Signal powershell/signal/crtl_c stops a running pipeline (state Stopped) or, once it
         ended, is answered and ignored; signal/terminate forgets the pipeline.
RULE P10 The model makes no host call that expects an answer, so data on the pool's "pr" stream
         (host responses) is refused. Key exchange (PUBLIC_KEY) and other pool messages are refused.
RULE P11 Delete closes the pool and drops its pipelines.
RULE P12 The script's `exit N` ends it before anything after it: the plugin's `exit $LASTEXITCODE` runs only
         when the command itself ended without exit (the collection's bootstrap exits on every path).
         A terminating error that escapes the script (PowerShell's own error record, e.g. input
         ConvertFrom-Json refuses) ends the pipeline Failed with that record (RULE P7).
RULE P13 Anti-malware that stops the script in the provider host (simulator/antimalware.py RULE A3):
         the pipeline's Receive gets the provider_died fault and the pool is gone.
"""

from __future__ import annotations

import base64
import dataclasses
import struct
import threading
import time
import uuid
import xml.etree.ElementTree as ET

from pypsrp.complex_objects import (
    ErrorRecord, GenericComplexObject, HostMethodIdentifier, ObjectMeta, PSInvocationState, RunspacePoolState)
from pypsrp.exceptions import SerializationError
from pypsrp.messages import (
    ApplicationPrivateData, Destination, ErrorRecordMessage, Message, MessageType, PipelineHostCall, PipelineState,
    RunspacePoolStateMessage, SessionCapability)
from pypsrp.powershell import Fragment
from pypsrp.serializer import Serializer

from . import resources, soap
from ..simulator import antimalware, lab, wire
from ..simulator import state as lab_state

PROTOCOL_VERSION = "2.3"          # RULE P2: Windows PowerShell 5.1 (WinRM 3.0)
PS_VERSION = "2.0"
SERIALIZATION_VERSION = "1.1.0.1"
PS_VERSION_TABLE = {"PSVersion": "5.1.17763.1", "PSEdition": "Desktop", "CLRVersion": "4.0.30319.42000",
                    "BuildVersion": "10.0.17763.1", "WSManStackVersion": "3.0",
                    "PSRemotingProtocolVersion": PROTOCOL_VERSION, "SerializationVersion": SERIALIZATION_VERSION}
FRAGMENT_BYTES = 32768            # RULE P8: small enough that a large answer takes several fragments
# RULE P9: [MS-PSRP] spells the stop signal powershell/signal/crtl_c; pypsrp (and so the psrp plugin,
# which stops the last pipeline before each new one) sends powershell/signal/ctrl_c. Both stop.
SIGNALS_PS_CTRL_C = ("powershell/signal/crtl_c", "powershell/signal/ctrl_c")
SET_SHOULD_EXIT = 6               # RULE P6: HostMethodIdentifier SetShouldExit
VOID_CALL_ID = -100               # a host call with no answer expected


class Refused(Exception):
    """Something the model does not know: answered with the lab_refused fault."""


@dataclasses.dataclass
class Incoming:
    """One message from the client: [MS-PSRP] 2.2.1 header fields and the deserialized object."""
    destination: int
    message_type: int
    rpid: str
    pid: str
    data: object


# pypsrp's classes for these two hold a HostInfo it can only write, not read: read them as the
# generic object its serializer builds (properties by their wire names).
_GENERIC = (MessageType.INIT_RUNSPACEPOOL, MessageType.CREATE_PIPELINE)


def _props(obj) -> dict:
    return getattr(obj, "extended_properties", None) or {}


@dataclasses.dataclass
class Ran:
    """What a script did in the runspace (RULE P5 / P6 / P7)."""
    output: list            # strings written to the output pipeline
    exit_code: int | None   # N of `exit N`, None when the script ended normally
    failure: str | None = None  # a refusal: the pipeline fails with this as its error
    errors: list = dataclasses.field(default_factory=list)  # error records written on the way
    killed: bool = False  # RULE P13: the provider host ended under the pipeline


def _record(text: str, kind):
    """An ErrorRecord (or ERROR_RECORD message) whose ToString is `text`."""
    record = kind(fq_error="Lab.Refused", category=0, reason="Lab.Refused", invocation=False,
                  message="NotSpecified: (:) [], Lab.Refused", details_message=text)
    # pypsrp writes ErrorRecord only as a server does, which a client never needs: fields it leaves unset
    record.target_object = record.invocation_info = record.script_stacktrace = None
    record._to_string = text  # pylint: disable=protected-access  # the record's ToString
    return record


def _packed(message_type: int, rpid: str, pid: str | None, body: bytes) -> bytes:
    """[MS-PSRP] 2.2.1: destination, message type, RPID, PID (little-endian GUIDs), then the object.

    Written by hand only for PIPELINE_OUTPUT, whose body is the bare output object (pypsrp's
    Message packs it only client-side); every other message is packed by pypsrp's Message."""
    empty = uuid.UUID(int=0)
    return (struct.pack("<II", Destination.CLIENT, message_type) + uuid.UUID(rpid).bytes_le
            + (uuid.UUID(pid) if pid else empty).bytes_le + body)


class Pipeline:
    """One PowerShell pipeline (a WS-Man command of the pool)."""

    def __init__(self, pid: str) -> None:
        self.pid = pid
        self.create = None  # the CREATE_PIPELINE object
        self.script = ""
        self.items: list[str] = []
        self.input_done = False
        self.ran: Ran | None = None
        self.visible_at = 0.0
        self.pending: list[bytes] = []   # packed messages not yet received
        self.done = False                # the final PIPELINE_STATE was handed out
        self.state = PSInvocationState.NOT_STARTED
        self.changed = threading.Condition()


class RunspacePool:
    """The protocol side of one pool: bytes in (fragments), messages out. No WS-Man here."""

    def __init__(self, rpid: str, run) -> None:
        """`run(script, items) -> Ran` runs a script in this runspace (the host model)."""
        self.rpid = rpid.upper()
        self.run = run
        self.serializer = Serializer()
        self.buffers: dict[int, list[bytes]] = {}
        self.object_id = 0
        self.opening: list[bytes] = []
        self.state = RunspacePoolState.BEFORE_OPEN
        self.pipelines: dict[str, Pipeline] = {}
        self.lock = threading.Lock()

    # -- messages -----------------------------------------------------------------------------
    def _messages(self, data: bytes, pid: str | None = None) -> list[Incoming]:
        """Fragments ([MS-PSRP] 2.2.4) in, whole messages out; a message may span several calls."""
        whole = []
        try:
            while data:
                fragment, data = Fragment.unpack(data)
                parts = self.buffers.setdefault(fragment.object_id, [])
                if fragment.fragment_id != len(parts) or fragment.start != (fragment.fragment_id == 0):
                    raise Refused("fragment %d of object %d arrived out of order"
                                  % (fragment.fragment_id, fragment.object_id))
                parts.append(fragment.data)
                if fragment.end:
                    whole.append(b"".join(self.buffers.pop(fragment.object_id)))
        except struct.error as exc:
            raise Refused("PSRP fragments the model cannot read: %s" % exc)
        messages = []
        for raw in whole:
            try:
                destination, kind = struct.unpack("<II", raw[:8])
                rpid = str(uuid.UUID(bytes_le=raw[8:24])).upper()
                message_pid = str(uuid.UUID(bytes_le=raw[24:40])).upper()
                body = raw[43:] if raw[40:43] == b"\xef\xbb\xbf" else raw[40:]
                if kind == MessageType.END_OF_PIPELINE_INPUT:  # no body at all
                    if body:
                        raise Refused("END_OF_PIPELINE_INPUT with a body")
                    value = None
                elif kind in _GENERIC:
                    value = self.serializer.deserialize(body.decode("utf-8"),
                                                        ObjectMeta("ObjDynamic", object=GenericComplexObject))
                else:
                    value = Message.unpack(raw, self.serializer).data
            except (SerializationError, struct.error, ValueError, KeyError, ET.ParseError) as exc:
                raise Refused("a PSRP message the model cannot read: %s" % exc)
            if destination != Destination.SERVER:
                raise Refused("a PSRP message for destination %s arrived at the server" % destination)
            if rpid != self.rpid:
                raise Refused("a PSRP message for runspace pool %s arrived at pool %s" % (rpid, self.rpid))
            if pid is not None and message_pid != pid.upper():
                raise Refused("a PSRP message for pipeline %s arrived at pipeline %s" % (message_pid, pid))
            messages.append(Incoming(destination, kind, rpid, message_pid, value))
        return messages

    def _pack(self, data, pid: str | None = None) -> bytes:
        return Message(Destination.CLIENT, self.rpid, pid, data, self.serializer).pack()

    def fragments(self, packed: list[bytes]) -> bytes:
        """Each message as its own object id, cut into FRAGMENT_BYTES pieces (RULE P8)."""
        out = b""
        for message in packed:
            self.object_id += 1
            pieces = [message[i:i + FRAGMENT_BYTES] for i in range(0, len(message), FRAGMENT_BYTES)] or [b""]
            for index, piece in enumerate(pieces):
                out += Fragment(self.object_id, index, piece, start=index == 0, end=index == len(pieces) - 1).pack()
        return out

    # -- pool ---------------------------------------------------------------------------------
    def open(self, creation: bytes) -> None:
        """RULE P1 / P2."""
        messages = self._messages(creation)
        types = [m.message_type for m in messages]
        if types != [MessageType.SESSION_CAPABILITY, MessageType.INIT_RUNSPACEPOOL]:
            raise Refused("creationXml must hold SESSION_CAPABILITY then INIT_RUNSPACEPOOL, not message types %s"
                          % ", ".join("0x%08X" % t for t in types))
        capability = messages[0].data
        if not isinstance(capability, SessionCapability) or not str(capability.protocol_version or "").startswith("2."):
            raise Refused("SESSION_CAPABILITY with protocol version %r is not modelled"
                          % getattr(capability, "protocol_version", None))
        init = _props(messages[1].data)
        if (init.get("MinRunspaces"), init.get("MaxRunspaces")) != (1, 1):
            raise Refused("a runspace pool of %s..%s runspaces is not modelled (the psrp plugin opens 1..1)"
                          % (init.get("MinRunspaces"), init.get("MaxRunspaces")))
        self.opening = [
            self._pack(SessionCapability(PROTOCOL_VERSION, PS_VERSION, SERIALIZATION_VERSION)),
            self._pack(ApplicationPrivateData({"PSVersionTable": dict(PS_VERSION_TABLE)})),
            self._pack(RunspacePoolStateMessage(state=RunspacePoolState.OPENED)),
        ]
        self.state = RunspacePoolState.OPENED

    def receive_pool(self) -> bytes | None:
        """RULE P2: the opening answer once; then nothing (the caller times out)."""
        with self.lock:
            answer, self.opening = self.opening, []
        return self.fragments(answer) if answer else None

    def send_pool(self, stream: str, data: bytes) -> None:
        """RULE P10."""
        messages = self._messages(data)
        raise Refused("the model expects no %s on the pool's %r stream (it makes no host call that needs an "
                      "answer, and does not exchange keys)" % (
                          ", ".join("0x%08X" % m.message_type for m in messages) or "data", stream))

    # -- pipelines ----------------------------------------------------------------------------
    def command(self, pid: str, first: bytes) -> Pipeline:
        """RULE P3: a new pipeline from the first CREATE_PIPELINE fragment(s)."""
        if self.state != RunspacePoolState.OPENED:
            raise Refused("Command on a runspace pool that is not open")
        pipeline = Pipeline(pid.upper())
        with self.lock:
            if pipeline.pid in self.pipelines:
                raise Refused("a pipeline with id %s already exists in this pool" % pid)
            self.pipelines[pipeline.pid] = pipeline
        self._take(pipeline, first)
        return pipeline

    def _take(self, pipeline: Pipeline, data: bytes) -> None:
        for message in self._messages(data, pipeline.pid):
            kind = message.message_type
            if pipeline.create is None:
                if kind != MessageType.CREATE_PIPELINE:
                    raise Refused("a pipeline starts with CREATE_PIPELINE, not message type 0x%08X" % kind)
                self._created(pipeline, message.data)
            elif kind == MessageType.PIPELINE_INPUT and not pipeline.input_done:  # RULE P4
                value = message.data.data
                if not isinstance(value, str):
                    raise Refused("an input object of type %s: only strings are modelled" % type(value).__name__)
                pipeline.items.append(value)
            elif kind == MessageType.END_OF_PIPELINE_INPUT and not pipeline.input_done:
                pipeline.input_done = True
                self._start(pipeline)
            else:
                raise Refused("message type 0x%08X on pipeline %s is not modelled here" % (kind, pipeline.pid))

    def _created(self, pipeline: Pipeline, create) -> None:
        fields = _props(create)
        shell = _props(fields.get("PowerShell"))
        commands = shell.get("Cmds") or []
        if len(commands) != 1 or _props(shell.get("ExtraCmds")).get("Cmds"):
            raise Refused("a pipeline of %d commands is not modelled (the psrp plugin sends one script)" % len(commands))
        command = _props(commands[0])
        if not command.get("IsScript") or command.get("Args") or fields.get("IsNested") or shell.get("IsNested"):
            raise Refused("a pipeline that is not one script without arguments (%r, %d arguments, nested %s) "
                          "is not modelled" % (str(command.get("Cmd"))[:60], len(command.get("Args") or []),
                                               fields.get("IsNested")))
        pipeline.create = create
        pipeline.script = command.get("Cmd") or ""
        pipeline.state = PSInvocationState.RUNNING
        if fields.get("NoInput"):
            pipeline.input_done = True
            self._start(pipeline)

    def send(self, pid: str, stream: str, data: bytes) -> None:
        """RULE P3 / P4: more CREATE_PIPELINE fragments, input objects, end of input."""
        pipeline = self.pipeline(pid)
        if stream != "stdin":
            raise Refused("Send to a pipeline's %r stream is not modelled (input goes to stdin)" % stream)
        self._take(pipeline, data)

    def _start(self, pipeline: Pipeline) -> None:
        """RULE P5 / P6 / P7: run, then queue output, the host call, the final state."""
        ran = self.run(pipeline.script, list(pipeline.items))
        pid = pipeline.pid
        pending = [_packed(MessageType.PIPELINE_OUTPUT, self.rpid, pid,
                           ET.tostring(self.serializer.serialize(text), encoding="utf-8", method="xml"))
                   for text in ran.output]
        for text in ran.errors:  # RULE P7: non-terminating error records
            pending.append(self._pack(_record(text, ErrorRecordMessage), pid))
        if ran.exit_code is not None:
            call = PipelineHostCall(ci=VOID_CALL_ID, mi=HostMethodIdentifier(value=SET_SHOULD_EXIT),
                                    mp=[ran.exit_code])
            pending.append(self._pack(call, pid))
        if ran.failure is None:
            final = PipelineState(state=PSInvocationState.COMPLETED)
        else:
            final = PipelineState(state=PSInvocationState.FAILED, error_record=_record(ran.failure, ErrorRecord))
        pending.append(self._pack(final, pid))
        with pipeline.changed:
            pipeline.ran = ran
            pipeline.pending = pending
            pipeline.state = final.state
            pipeline.changed.notify_all()

    def pipeline(self, pid: str | None) -> Pipeline:
        with self.lock:
            found = self.pipelines.get((pid or "").upper())
        if found is None:
            raise KeyError(pid)
        return found

    def receive(self, pid: str) -> tuple[bytes, bool]:
        """RULE P8: (fragments of what is pending, whether the pipeline is done)."""
        pipeline = self.pipeline(pid)
        with pipeline.changed:
            pending, pipeline.pending = pipeline.pending, []
            if pipeline.ran is not None and not pipeline.pending:
                pipeline.done = True
        return self.fragments(pending), pipeline.done

    def signal(self, pid: str, code: str) -> None:
        """RULE P9."""
        pipeline = self.pipeline(pid)
        if code.lower() == soap.SIGNAL_TERMINATE:  # any case
            with self.lock:
                self.pipelines.pop(pipeline.pid, None)
        elif code in SIGNALS_PS_CTRL_C:
            with pipeline.changed:
                if pipeline.ran is None:
                    pipeline.ran = Ran([], None)
                    pipeline.state = PSInvocationState.STOPPED
                    pipeline.pending = [self._pack(PipelineState(state=PSInvocationState.STOPPED), pipeline.pid)]
                    pipeline.changed.notify_all()
        else:
            raise Refused("signal %r to a pipeline is not modelled" % code)

    def close(self) -> None:
        """RULE P11."""
        with self.lock:
            self.pipelines.clear()
            self.state = RunspacePoolState.CLOSED


# -- the WS-Man resource (the endpoint's hook, resources.py) -------------------------------------

def _b64(text: str | None, what: str) -> bytes:
    try:
        return base64.b64decode(text or "", validate=True)
    except ValueError as exc:
        raise Refused("%s is not base64: %s" % (what, exc))


class Shell(resources.Shell):
    """One runspace pool as a WS-Man shell."""

    resource_uri = resources.PSRP_URI
    refusal = "PSRP: "

    def __init__(self, host, pool: RunspacePool) -> None:
        self.host = host
        self.pool = pool
        self.shell_id = pool.rpid

    def _pipeline(self, command_id: str | None) -> Pipeline:
        try:
            return self.pool.pipeline(command_id)
        except KeyError:
            raise self.host.fault("command_not_found", shell_id=self.shell_id, command_id=command_id)

    def command(self, request, body):
        line = request.body_child("rsp:CommandLine")
        if line is None:
            raise self.refused("Command without rsp:CommandLine")
        command_id = line.get("CommandId") or str(uuid.uuid4()).upper()
        arguments = [node.text or "" for node in line.findall(soap.q("rsp:Arguments"))]
        if len(arguments) != 1 or (line.findtext(soap.q("rsp:Command")) or "").strip():
            raise self.refused("a PSRP Command carries one rsp:Arguments (CREATE_PIPELINE) and an empty rsp:Command")
        try:
            pipeline = self.pool.command(command_id, _b64(arguments[0], "rsp:Arguments"))
        except Refused as exc:
            raise self.refused(exc)
        pipeline.visible_at = time.monotonic() + self.host.latency
        soap.sub(soap.sub(body, "rsp:CommandResponse"), "rsp:CommandId", pipeline.pid)

    def send(self, request, body):
        for stream in self.send_streams(request):
            data = _b64(stream.text, "a Send stream")
            try:
                if stream.get("CommandId"):
                    pipeline = self._pipeline(stream.get("CommandId"))
                    self.pool.send(pipeline.pid, stream.get("Name") or "", data)
                    pipeline.visible_at = time.monotonic() + self.host.latency
                else:
                    self.pool.send_pool(stream.get("Name") or "", data)
            except Refused as exc:
                raise self.refused(exc)
        soap.sub(body, "rsp:SendResponse")

    def receive(self, request, body):
        desired = self.desired_stream(request)
        if (desired.text or "").split() != ["stdout"]:
            raise self.refused("a PSRP Receive asks for the stdout stream only")
        command_id = desired.get("CommandId")
        if not command_id:
            data = self.pool.receive_pool()
            if data is None:  # RULE P2: nothing more on the pool; wait as Windows does, then time out
                time.sleep(max(0.0, min(request.operation_timeout, 5.0)))
                raise self.host.fault("operation_timeout")
            self._answer(body, data, None, False)
            return
        pipeline = self._pipeline(command_id)
        # RULE P8: wait for the script's end to be visible
        self.wait_until_visible(pipeline.changed, lambda: None if pipeline.ran is None else pipeline.visible_at,
                                request.operation_timeout)
        if pipeline.ran is not None and pipeline.ran.killed:  # RULE P13
            self.pool.close()
            raise self.host.fault("provider_died")
        data, done = self.pool.receive(pipeline.pid)
        self._answer(body, data, pipeline.pid, done)

    @staticmethod
    def _answer(body: ET.Element, data: bytes, command_id: str | None, done: bool) -> None:
        response = soap.sub(body, "rsp:ReceiveResponse")
        attrib = {"Name": "stdout"}
        if command_id:
            attrib["CommandId"] = command_id
        if data:
            soap.sub(response, "rsp:Stream", base64.b64encode(data).decode("ascii"), **attrib)
        if command_id and done:
            soap.sub(response, "rsp:CommandState", CommandId=command_id, State=soap.STATE_DONE)

    def signal(self, request, body):
        command_id, code = self.signal_code(request)
        pipeline = self._pipeline(command_id)
        try:
            self.pool.signal(pipeline.pid, code)
        except Refused as exc:
            raise self.refused(exc)
        soap.sub(body, "rsp:SignalResponse")

    def close(self):
        self.pool.close()


class Resource(resources.Resource):
    """Microsoft.PowerShell: runspace pools (RULE P1)."""

    resource_uri = resources.PSRP_URI
    counter = "runspace"
    refusal = "PSRP: "
    kind = "a runspace pool"
    streams = ("stdin pr", "stdout")

    def _run(self, script: str, items: list) -> Ran:
        """RULE P5 / P6 / P7 / P12 / P13: the twins answer the script; the bootstrap's rule says where it writes."""
        host = self.host
        command = script[:-len(wire.PSRP_SUFFIX)] if script.endswith(wire.PSRP_SUFFIX) else script
        with lab_state.HostState(host.name, host.seed, host.lab_dir).open() as data:
            killed = antimalware.kills_runspace(data)
        outcome = lab.run_bootstrap(host.name, host.seed, command, list(items),
                                    payload_bytes=len(script.encode("utf-8")) + sum(len(i) for i in items),
                                    lab_dir=host.lab_dir, compiled=script)
        if killed:
            return Ran([], None, killed=True)
        if outcome.refusal_record:  # the runspace cannot run it: a terminating error record (RULE P7)
            host.note_refusal(outcome.refusal_record)
            return Ran([], None, "lab: " + outcome.refusal_record)
        output = outcome.console.splitlines()  # RULE P5: pipeline output, one string per line written
        if outcome.error_record:  # RULE P12: a terminating error escaped the script
            return Ran(output, None, outcome.error_record)
        return Ran(output, outcome.rc)  # RULE P6 / P12: the bootstrap's exit N

    def create(self, request, body):
        shell = self.shell_request(request)
        creation = shell.find("{http://schemas.microsoft.com/powershell}creationXml")
        rpid = shell.get("ShellId") or ""
        try:
            uuid.UUID(rpid)
            if creation is None:
                raise Refused("Create without creationXml opens no runspace pool")
            pool = RunspacePool(rpid, self._run)
            pool.open(_b64(creation.text, "creationXml"))
        except ValueError:
            raise self.refused("the ShellId %r is not the pool's GUID" % rpid)
        except Refused as exc:
            raise self.refused(exc)
        return self.created(body, Shell(self.host, pool))
