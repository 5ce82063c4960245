# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WS-Management envelopes as the lab endpoint reads and writes them ([MS-WSMV], SOAP 1.2).

`Request` is one parsed request envelope; `response()` builds an answer that relates to it;
`WSManFault` is a fault as Windows sends it (HTTP 500, SOAP Fault with a WSManFault detail and,
where Windows adds one, an MSFT_WmiError with the same code), and `FAULTS` the ones the lab
knows, with the codes and texts Windows uses.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
import xml.etree.ElementTree as ET

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "e": "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError",
    "cim": "http://schemas.dmtf.org/wbem/wscim/1/common",
    "xml": "http://www.w3.org/XML/1998/namespace",
}
for _prefix, _uri in NS.items():
    if _prefix != "xml":
        ET.register_namespace(_prefix, _uri)

ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_COMMAND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
ACTION_SEND = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
ACTION_RECEIVE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
ACTION_SIGNAL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"
ACTION_FAULT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
SIGNAL_TERMINATE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate"
STATE_DONE = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"

# The lab's name for each WS-Man step (used by fault injection and counters).
STEP_OF_ACTION = {ACTION_CREATE: "create", ACTION_COMMAND: "command", ACTION_SEND: "send",
                  ACTION_RECEIVE: "receive", ACTION_SIGNAL: "signal", ACTION_DELETE: "delete"}


def q(name: str) -> str:
    """'rsp:Stream' -> '{http://...shell}Stream' (ElementTree's qualified name)."""
    prefix, _colon, local = name.partition(":")
    return "{%s}%s" % (NS[prefix], local)


def sub(parent: ET.Element, name: str, text: str | None = None, **attrib: str) -> ET.Element:
    """A child element `name` ('prefix:Local') with plain (unqualified) attributes."""
    element = ET.SubElement(parent, q(name), attrib)
    if text is not None:
        element.text = text
    return element


class EnvelopeError(Exception):
    """The body is not a WS-Management envelope the lab can read."""


@dataclasses.dataclass
class Request:
    """One WS-Management request envelope, parsed."""
    action: str
    resource_uri: str
    message_id: str
    selectors: dict[str, str]
    options: dict[str, str]
    operation_timeout: float  # seconds, from w:OperationTimeout (xs:duration), default 60 as Windows
    locale: str
    body: ET.Element  # s:Body
    root: ET.Element

    @property
    def step(self) -> str:
        return STEP_OF_ACTION.get(self.action, "other")

    def body_child(self, name: str) -> ET.Element | None:
        return self.body.find(q(name))


_DURATION = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")


def parse_duration(text: str | None, default: float) -> float:
    if not text:
        return default
    match = _DURATION.match(text.strip())
    if not match:
        raise EnvelopeError("w:OperationTimeout %r is not an xs:duration the lab reads (PTnS)" % text)
    hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def parse(data: bytes) -> Request:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise EnvelopeError("the request body is not XML: %s" % exc)
    if root.tag != q("s:Envelope"):
        raise EnvelopeError("the request body is not a SOAP 1.2 envelope (root %s)" % root.tag)
    header = root.find(q("s:Header"))
    body = root.find(q("s:Body"))
    if header is None or body is None:
        raise EnvelopeError("the envelope has no s:Header or no s:Body")

    def text(name: str) -> str:
        node = header.find(q(name))
        return (node.text or "").strip() if node is not None else ""

    selectors = {node.get("Name", ""): (node.text or "").strip()
                 for node in header.findall("%s/%s" % (q("w:SelectorSet"), q("w:Selector")))}
    options = {node.get("Name", ""): (node.text or "").strip()
               for node in header.findall("%s/%s" % (q("w:OptionSet"), q("w:Option")))}
    locale = header.find(q("w:Locale"))
    return Request(action=text("a:Action"), resource_uri=text("w:ResourceURI"), message_id=text("a:MessageID"),
                   selectors=selectors, options=options,
                   operation_timeout=parse_duration(text("w:OperationTimeout"), 60.0),
                   locale=locale.get(q("xml:lang"), "en-US") if locale is not None else "en-US",
                   body=body, root=root)


def response(request: Request | None, action: str) -> tuple[ET.Element, ET.Element]:
    """A new answer envelope to `request`: (envelope, body)."""
    envelope = ET.Element(q("s:Envelope"))
    header = sub(envelope, "s:Header")
    sub(header, "a:Action", action)
    sub(header, "a:MessageID", "uuid:%s" % str(uuid.uuid4()).upper())
    sub(header, "a:To", ANONYMOUS)
    if request is not None and request.message_id:
        sub(header, "a:RelatesTo", request.message_id)
    return envelope, sub(envelope, "s:Body")


def serialize(envelope: ET.Element) -> bytes:
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=False)


# --- faults -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FaultKind:
    subcode: str      # w:... SOAP subcode
    code: int         # the WSManFault Code (a Windows error number)
    text: str         # the message, str.format()-ed with the fault's arguments
    soap_code: str = "s:Receiver"
    wmi_error: bool = False  # Windows adds an MSFT_WmiError detail (ansible reads error_Code from it)


# The faults the lab sends, as Windows words them (codes from wsmerror.h).
FAULTS = {
    # A Receive that found no output within w:OperationTimeout; clients poll again.
    "operation_timeout": FaultKind("w:TimedOut", 2150858793,
                                   "The WS-Management service cannot complete the operation within the time specified "
                                   "in OperationTimeout."),
    # An id (ShellId / CommandId) the service does not hold.
    "shell_not_found": FaultKind("w:InvalidSelectors", 2150858843,
                                 "The request for the Windows Remote Shell with ShellId {shell_id} failed because the "
                                 "shell was not found on the server. Possible causes are: the specified ShellId is "
                                 "incorrect or the shell no longer exists on the server. Provide the correct ShellId "
                                 "or create a new shell and retry the operation.", soap_code="s:Sender"),
    "command_not_found": FaultKind("w:InvalidSelectors", 2150858843,
                                   "The request for the Windows Remote Shell with ShellId {shell_id} failed because "
                                   "the command with CommandId {command_id} was not found.", soap_code="s:Sender"),
    "resource_uri_not_found": FaultKind("w:DestinationUnreachable", 2150858811,
                                        "The WS-Management service cannot process the request. The resource URI "
                                        "({resource_uri}) was not found in the WS-Management catalog.",
                                        soap_code="s:Sender"),
    "action_not_supported": FaultKind("a:ActionNotSupported", 2150858801,
                                      "The action {action} is not supported by the service for {resource_uri}.",
                                      soap_code="s:Sender"),
    # MaxShellsPerUser (winrm/config/winrs, default 30) exceeded, on Create.
    "quota_shells": FaultKind("w:QuotaLimit", 2150859173,
                              "The WS-Management service cannot process the request. This user is allowed a maximum "
                              "number of {limit} concurrent shells, which has been exceeded. Close existing shells or "
                              "raise the quota for this user. ", wmi_error=True),
    # MaxConcurrentOperationsPerUser (winrm/config/service, default 1500) exceeded. WinRS counts every
    # Command of a shell until the shell is deleted, so a long-lived shell meets it on Command.
    "quota_operations": FaultKind("w:QuotaLimit", 2150859174,
                                  "The WS-Management service cannot process the request. This user is allowed a "
                                  "maximum number of {limit} concurrent operations, which has been exceeded. Close "
                                  "existing operations for this user, or raise the quota for this user. ",
                                  wmi_error=True),
    # A service-side failure with no better code (ERROR_INTERNAL_ERROR).
    "internal_error": FaultKind("w:InternalError", 1359, "An internal error occurred. {detail}", wmi_error=True),
    # Anti-malware on the host (simulator/antimalware.py). A Send to the stdin of a process that was killed as it
    # started (ERROR_NO_DATA); a process creation an application control policy refused
    # (ERROR_ACCESS_DISABLED_BY_POLICY); the PSRP provider host ended under a pipeline (Windows' text; the code
    # is not one the lab could read from a public source: ERROR_INTERNAL_ERROR stands in).
    "pipe_closing": FaultKind("w:InternalError", 232, "The pipe is being closed. ", wmi_error=True),
    "launch_blocked": FaultKind("w:InternalError", 1260, "This program is blocked by group policy. For more "
                                "information, contact your system administrator. ", wmi_error=True),
    "provider_died": FaultKind("w:InternalError", 1359, "The WSMan provider host process did not return a proper "
                               "response.  A provider in the host process may have behaved improperly. ",
                               wmi_error=True),
    # The lab's own refusals: a request outside what the model knows. Loud, never a guess.
    "lab_refused": FaultKind("w:InvalidParameter", 2150858882,
                             "The lab endpoint refuses this request: {detail}", soap_code="s:Sender"),
}


class WSManFault(Exception):
    """Raised anywhere below the server: answered as HTTP 500 with the fault envelope."""

    def __init__(self, kind: str, machine: str = "localhost", **args: object) -> None:
        self.kind = FAULTS[kind]
        self.name = kind
        self.message = self.kind.text.format(**args)
        self.machine = machine
        super().__init__("%s (%d): %s" % (kind, self.kind.code, self.message))

    def envelope(self, request: Request | None) -> bytes:
        envelope, body = response(request, ACTION_FAULT)
        fault = sub(body, "s:Fault")
        code = sub(fault, "s:Code")
        sub(code, "s:Value", self.kind.soap_code)
        sub(sub(code, "s:Subcode"), "s:Value", self.kind.subcode)
        reason = sub(fault, "s:Reason")
        text = sub(reason, "s:Text", self.message)
        text.set(q("xml:lang"), "en-US")
        detail = sub(fault, "s:Detail")
        wsman = sub(detail, "f:WSManFault", Code=str(self.kind.code), Machine=self.machine)
        sub(wsman, "f:Message", self.message)
        if self.kind.wmi_error:
            wmi = sub(detail, "e:MSFT_WmiError")
            sub(wmi, "e:error_Code", str(self.kind.code))
            sub(wmi, "e:Message", self.message)
        return serialize(envelope)


def resource_created(body: ET.Element, address: str, resource_uri: str, shell_id: str) -> None:
    """x:ResourceCreated for a new shell, as Windows answers Create."""
    created = sub(body, "x:ResourceCreated")
    sub(created, "a:Address", address)
    reference = sub(created, "a:ReferenceParameters")
    sub(reference, "w:ResourceURI", resource_uri)
    sub(sub(reference, "w:SelectorSet"), "w:Selector", shell_id, Name="ShellId")
