# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The interface a WS-Management shell resource implements, and where each resource URI lives.

A Windows host serves two shell resource URIs the collection's transports use:

* ``http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd``: WinRS, the ``winrm`` plugin
  and pywinrm (``winrs.py`` in this package);
* ``http://schemas.microsoft.com/powershell/Microsoft.PowerShell``: PSRP, the ``psrp`` plugin and
  pypsrp (the module named in ``PSRP_MODULE``, written against this interface).

Both are WS-Man "shells" ([MS-WSMV] 3.1.4): the same six operations, the same selectors. The
server (``server.py``) does everything below them: HTTP/1.1, NTLM, message encryption, envelope
parsing, the ``a:RelatesTo`` of the answer, fault injection at each step, HTTP counters,
MaxShellsPerUser, and the lookup of the shell named by the ``ShellId`` selector (an unknown id is
answered with the ``shell_not_found`` fault before the resource is called). A resource only says
what its shells do.

How the server calls a resource, per request (``request`` is a ``soap.Request``; ``body`` is the
answer's empty ``s:Body`` element, to be filled with ``soap.sub``):

``Resource.create(host, request, body) -> Shell``
    Create (``http://schemas.xmlsoap.org/ws/2004/09/transfer/Create``). ``request.body`` holds the
    ``rsp:Shell`` element; for PSRP its ``creationXml`` (base64 PSRP fragments: SESSION_CAPABILITY,
    INIT_RUNSPACEPOOL) is ``request.body.find(soap.q("rsp:Shell")).find("{...}creationXml")``.
    Read it with ``Resource.shell_request`` (the streams the resource's shells have) and answer
    with ``Resource.created`` (``x:ResourceCreated`` and the ``rsp:Shell`` answer, as Windows
    does). Return the new shell; the server registers it under ``shell.shell_id``.

``Shell.command(request, body) -> None``
    Command (``.../windows/shell/Command``). ``rsp:CommandLine`` holds ``rsp:Command`` and, for
    PSRP, ``rsp:Arguments`` (base64 fragments: CREATE_PIPELINE). The command id is the one the
    client chose (PSRP sends ``CommandId`` on ``rsp:CommandLine``) or a new upper-case UUID. Fill
    ``body`` with ``rsp:CommandResponse/rsp:CommandId``.

``Shell.send(request, body) -> None``
    Send: ``rsp:Send/rsp:Stream`` elements (``Name``, ``CommandId``, optional ``End="true"``,
    base64 text). WinRS: ``stdin`` chunks (ansible sends 200,000-byte chunks). PSRP: ``stdin`` or
    ``pr`` fragments to the pool (no CommandId) or a pipeline. Fill ``rsp:SendResponse``.

``Shell.receive(request, body) -> None``
    Receive: ``rsp:Receive/rsp:DesiredStream`` (``CommandId`` optional for PSRP's pool). Answer at
    once when output or a state change is ready; otherwise wait at most
    ``request.operation_timeout`` seconds and raise ``soap.WSManFault("operation_timeout")``, as
    Windows does (clients poll again). Fill ``rsp:ReceiveResponse`` with ``rsp:Stream`` elements
    (base64) and, when the command ended, ``rsp:CommandState`` (``State=".../CommandState/Done"``,
    ``rsp:ExitCode``). Never answer with nothing: an empty answer costs the client a request.

``Shell.signal(request, body) -> None``
    Signal: ``rsp:Signal`` (``CommandId``) with ``rsp:Code`` (``.../signal/terminate``,
    ``.../signal/ctrl_c``, or PSRP's ``powershell/signal/crtl_c``). Fill ``rsp:SignalResponse``.

``Shell.close() -> None``
    Delete (``http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete``) of the shell; the server
    answers with an empty body and unregisters the shell. Also called when the server stops.

What a resource may use of the host (``host``, a ``server.Host``):

* ``host.name`` (inventory name), ``host.seed``, ``host.lab_dir``, ``host.machine`` (for faults);
* ``host.model``: the written model of Windows PowerShell 5.1 (``hostmodel.PowerShellHost``):
  ``run_powershell_exe(command_line, stdin, codepage)`` for WinRS, and ``run_bootstrap(text,
  input_items, output="pipeline")`` for a runspace, which recognises the collection's bootstrap
  (``simulator/wire.py``, the one place its rule lives), counts the execution and answers from the
  twins;
* ``host.latency``: seconds a command takes on this host (the seed's ``faults: {latency: 1.0}``);
  a resource makes a command's end visible to Receive only after that long;
* ``host.fault(name, **args)``: a ``soap.WSManFault`` naming this machine, to raise.

Errors: raise ``soap.WSManFault`` for anything Windows answers with a fault, and ``self.refused(detail)``
(the ``lab_refused`` fault) for anything the model does not know: never guess.

What both resources' shells read the same way lives on the base classes below: the parts of a
Send, Receive and Signal request (``send_streams``, ``desired_stream``, ``signal_code``), the wait
of a Receive for a command's end to become visible (``wait_until_visible``), and the Create
request and answer (``Resource.shell_request``, ``Resource.created``).
"""

from __future__ import annotations

import abc
import importlib
import threading
import time
import xml.etree.ElementTree as ET
from typing import Callable

from . import soap

WINRS_URI = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
PSRP_URI = "http://schemas.microsoft.com/powershell/Microsoft.PowerShell"
# The PSRP resource lives in its own module of this package, exposing `Resource` (a subclass of
# `Resource` below). Until it exists, Create on PSRP_URI is answered as a host without the
# PowerShell endpoint registered: the resource URI is not in the WS-Management catalog.
PSRP_MODULE = "psrp"


class _OnHost:
    """A resource or shell of one host, which refuses what the model does not know."""

    host = None         # the server.Host
    refusal: str = ""   # words before each refusal's detail, e.g. "PSRP: "

    def refused(self, detail: object) -> soap.WSManFault:
        """The lab_refused fault for `detail`, to raise."""
        return self.host.fault("lab_refused", detail="%s%s" % (self.refusal, detail))


class Shell(_OnHost, abc.ABC):
    """One open shell (WinRS) or runspace pool (PSRP) on one host."""

    shell_id: str = ""
    resource_uri: str = ""

    # -- the parts of a request both kinds of shell read --------------------------------------
    def send_streams(self, request: soap.Request) -> list[ET.Element]:
        """The rsp:Send/rsp:Stream elements of a Send; refused when there are none."""
        streams = request.body.findall("%s/%s" % (soap.q("rsp:Send"), soap.q("rsp:Stream")))
        if not streams:
            raise self.refused("Send without rsp:Stream")
        return streams

    def desired_stream(self, request: soap.Request) -> ET.Element:
        """The rsp:Receive/rsp:DesiredStream element of a Receive; refused when absent."""
        desired = request.body.find("%s/%s" % (soap.q("rsp:Receive"), soap.q("rsp:DesiredStream")))
        if desired is None:
            raise self.refused("Receive without rsp:DesiredStream")
        return desired

    def signal_code(self, request: soap.Request) -> tuple[str | None, str]:
        """(CommandId, rsp:Code) of a Signal; refused without a code."""
        signal = request.body_child("rsp:Signal")
        code = signal.find(soap.q("rsp:Code")) if signal is not None else None
        if code is None:
            raise self.refused("Signal without rsp:Code")
        return signal.get("CommandId"), (code.text or "").strip()

    def wait_until_visible(self, changed: threading.Condition, visible_at: Callable[[], float | None],
                           timeout: float) -> None:
        """Wait until a command's end is visible, as a Receive does.

        `visible_at()` (called under `changed`) is the monotonic time the command's end becomes
        visible (its end plus the host's latency), None while it runs. Waits at most `timeout`
        seconds (the request's OperationTimeout), then raises w:TimedOut, which clients poll through."""
        deadline = time.monotonic() + timeout
        with changed:
            while True:
                at = visible_at()
                now = time.monotonic()
                if at is not None and now >= at:
                    return
                wait = min(deadline, deadline if at is None else at) - now
                if wait <= 0:
                    break
                changed.wait(wait)
        raise self.host.fault("operation_timeout")

    @abc.abstractmethod
    def command(self, request: soap.Request, body: ET.Element) -> None:
        """Start a command (WinRS) or pipeline (PSRP); fill rsp:CommandResponse."""

    @abc.abstractmethod
    def send(self, request: soap.Request, body: ET.Element) -> None:
        """Take input streams; fill rsp:SendResponse."""

    @abc.abstractmethod
    def receive(self, request: soap.Request, body: ET.Element) -> None:
        """Hand out what the command wrote, or its end; raise operation_timeout when nothing came."""

    @abc.abstractmethod
    def signal(self, request: soap.Request, body: ET.Element) -> None:
        """Terminate / ctrl_c a command; fill rsp:SignalResponse."""

    @abc.abstractmethod
    def close(self) -> None:
        """The shell is deleted: free what it holds."""


class Resource(_OnHost, abc.ABC):
    """One resource URI's shells on one host."""

    resource_uri: str = ""
    # counters: "shell" counts shells_opened / shells_open, "runspace" runspaces_opened / runspaces_open
    counter: str = "shell"
    kind: str = ""            # what a shell is called in a refusal: "a cmd shell"
    streams: tuple[str, str] = ("", "")  # its shells' rsp:InputStreams and rsp:OutputStreams

    def __init__(self, host) -> None:
        self.host = host

    @abc.abstractmethod
    def create(self, request: soap.Request, body: ET.Element) -> Shell:
        """Create a shell from rsp:Shell (and creationXml); fill the answer; return it."""

    def shell_request(self, request: soap.Request) -> ET.Element:
        """The rsp:Shell of a Create; refused unless it names this resource's streams (in any order)."""
        shell = request.body_child("rsp:Shell")
        if shell is None:
            raise self.refused("Create without rsp:Shell")
        streams_in = (shell.findtext(soap.q("rsp:InputStreams")) or "").split()
        streams_out = (shell.findtext(soap.q("rsp:OutputStreams")) or "").split()
        if (sorted(streams_in), sorted(streams_out)) != tuple(sorted(names.split()) for names in self.streams):
            raise self.refused("%s has input streams %s and output streams %s, not %r / %r" % (
                (self.kind,) + self.streams + (streams_in, streams_out)))
        return shell

    def created(self, body: ET.Element, shell: Shell) -> Shell:
        """Answer a Create with the new shell as Windows does (x:ResourceCreated, rsp:Shell); return it."""
        soap.resource_created(body, self.host.address, self.resource_uri, shell.shell_id)
        answer = soap.sub(body, "rsp:Shell")
        for name, text in (("ShellId", shell.shell_id), ("ResourceUri", self.resource_uri),
                           ("Owner", self.host.user), ("ClientIP", "127.0.0.1"), ("IdleTimeOut", "PT7200.000S"),
                           ("InputStreams", self.streams[0]), ("OutputStreams", self.streams[1])):
            soap.sub(answer, "rsp:" + name, text)
        return shell


def resource_class(resource_uri: str):
    """The Resource subclass serving `resource_uri`, or None if this host has no such endpoint."""
    if resource_uri == WINRS_URI:
        from . import winrs  # pylint: disable=import-outside-toplevel
        return winrs.Resource
    if resource_uri == PSRP_URI:
        try:
            module = importlib.import_module("%s.%s" % (__package__, PSRP_MODULE))
        except ModuleNotFoundError as exc:
            if exc.name != "%s.%s" % (__package__, PSRP_MODULE):
                raise
            return None
        return module.Resource
    return None
