# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's WS-Management endpoint: HTTP/1.1 on 127.0.0.1, NTLM with message encryption.

Each lab host is its own endpoint under one port: ``/wsman/<inventory name>?seed=<state seed>``
(the inventories template ``ansible_winrm_path`` / ``ansible_psrp_path`` from
``inventory_hostname`` and ``apexone_lab_state``). One ``Endpoint`` serves one lab folder
(APEXONE_LAB_DIR): host state, counters (``counts/<host>.json``) and ``endpoint.port`` live there.

Authentication is what Windows does with ``ansible_winrm_transport: ntlm`` over HTTP: a request
without credentials gets ``401 WWW-Authenticate: Negotiate``; the NTLM handshake runs on the TCP
connection (pyspnego is the acceptor, the account in ``ntlm_users`` beside this file); after it,
every message is sealed with that connection's NTLM session keys in a ``multipart/encrypted``
body ([MS-WSMV] 2.2.9.1.1), both ways, faults included. Plain SOAP is refused (AllowUnencrypted
is false on Windows by default).
"""

from __future__ import annotations

import base64
import os
import socket
import struct
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import spnego

from ..simulator import lab
from ..simulator import state as lab_state
from . import faults, hostmodel, resources, soap

HERE = os.path.dirname(os.path.abspath(__file__))
USER_FILE = os.path.join(HERE, "ntlm_users")
USER = "apexone-lab"
PORT_FILE = "endpoint.port"
PID_FILE = "endpoint.pid"
PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
BOUNDARY = b"--Encrypted Boundary"
CONTENT_TYPE = 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % PROTOCOL
LIMITS = {"max_shells_per_user": 30, "max_concurrent_operations_per_user": 1500}  # Windows' defaults
HOLD_LIMIT = 300.0  # a "timeout" fault holds a connection at most this long


class HTTPFailure(Exception):
    """Answer with this HTTP status and a short text (not a WS-Man fault)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


class Host:
    """One lab host as its endpoint sees it: shells, faults, model, counters."""

    def __init__(self, endpoint: "Endpoint", name: str, seed: str) -> None:
        self.endpoint = endpoint
        self.name = name
        self.seed = seed
        self.lab_dir = endpoint.lab_dir
        self.user = USER
        self.address = "%s/wsman/%s" % (endpoint.url, name)
        self.lock = threading.Lock()
        self.shells: dict[str, tuple[resources.Shell, str]] = {}
        with lab_state.HostState(name, seed, self.lab_dir).open() as data:
            self.faults = data.get("faults") or {}
            faults.validate(self.faults)
            os_info = data.get("os") or {}
            self.machine = os_info.get("hostname") or name
            self.oem_codepage = int(os_info.get("oem_codepage") or 437)
            self.utf8_bom = bool((data.get("console") or {}).get("utf8_bom"))
            self.limits = dict(LIMITS, **(data.get("winrm") or {}))
        self.latency = float(self.faults.get("latency", endpoint.latency) or 0)
        self.model = hostmodel.PowerShellHost(self)

    def fault(self, kind: str, **args) -> soap.WSManFault:
        return soap.WSManFault(kind, machine=self.machine, **args)

    def count(self, **deltas) -> None:
        with lab.counts(self.name, self.lab_dir) as data:
            for key, value in deltas.items():
                if isinstance(value, list):
                    data[key].extend(value)
                else:
                    data[key] += value

    def note_refusal(self, message: str) -> None:
        with lab.counts(self.name, self.lab_dir) as data:
            data["refused"].append({"script": "(host model)", "reason": message})

    def take_fault(self, step: str) -> str | None:
        if not faults.pending(self.faults, step):
            return None
        with self.lock:
            kind = faults.take(self.faults, step)
            if kind and not self.faults.get("unreachable"):
                with lab_state.HostState(self.name, self.seed, self.lab_dir).open() as data:
                    data["faults"] = self.faults
        if kind:
            self.count(faults_injected=[{"step": step, "fault": kind}])
        return kind


class Endpoint:
    """The loopback WS-Management service for one lab folder; `start()` serves it from a thread."""

    def __init__(self, lab_dir: str, bind: str = "127.0.0.1", port: int = 0, latency: float = 0.0) -> None:
        """`latency`: seconds each command runs on a host whose seed sets none (the benchmark's slow fleet)."""
        self.lab_dir = os.path.abspath(lab_dir)
        self.latency = latency
        self.bind = bind
        self.port = port
        self.hosts: dict[str, Host] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.started_in = 0.0

    @property
    def url(self) -> str:
        return "http://%s:%d" % (self.bind, self.port)

    def start(self) -> "Endpoint":
        began = time.monotonic()
        os.environ["NTLM_USER_FILE"] = USER_FILE  # read by pyspnego's NTLM acceptor
        os.makedirs(self.lab_dir, exist_ok=True)
        self._server = _Server((self.bind, self.port), _Handler)
        self._server.endpoint = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="lab-endpoint", daemon=True)
        self._thread.start()
        tmp = os.path.join(self.lab_dir, PORT_FILE + ".tmp")
        with open(tmp, "w", encoding="ascii") as handle:
            handle.write(str(self.port))
        os.replace(tmp, os.path.join(self.lab_dir, PORT_FILE))
        self.started_in = time.monotonic() - began
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self.lock:
            for host in self.hosts.values():
                for shell, _counter in list(host.shells.values()):
                    shell.close()
        try:
            os.remove(os.path.join(self.lab_dir, PORT_FILE))
        except FileNotFoundError:
            pass

    def __enter__(self) -> "Endpoint":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def host(self, name: str, seed: str) -> Host:
        with self.lock:
            found = self.hosts.get(name)
            if found is None:
                found = self.hosts[name] = Host(self, name, seed)
            elif found.seed != seed:
                raise HTTPFailure(400, "lab host %s was first seeded from %s, now %s: one lab folder holds one "
                                  "state per host name" % (name, found.seed, seed))
            return found

    # --- one WS-Man request, decrypted --------------------------------------------------------

    def dispatch(self, host: Host, request: soap.Request) -> tuple[int, bytes]:
        envelope, body = soap.response(request, request.action + "Response")
        try:
            if request.action == soap.ACTION_CREATE:
                self._create(host, request, body)
            elif request.action == soap.ACTION_DELETE:
                shell, counter = self._shell(host, request)
                shell.close()
                with host.lock:
                    host.shells.pop(shell.shell_id, None)
                host.count(**{counter + "s_open": -1})
            elif request.action in (soap.ACTION_COMMAND, soap.ACTION_SEND, soap.ACTION_RECEIVE, soap.ACTION_SIGNAL):
                shell, _counter = self._shell(host, request)
                getattr(shell, request.step)(request, body)
            else:
                raise host.fault("action_not_supported", action=request.action, resource_uri=request.resource_uri)
        except soap.WSManFault as fault:
            return 500, fault.envelope(request)
        except Exception as exc:  # pylint: disable=broad-except
            # a defect of the lab itself: loud, as a fault the client shows, and kept in the counters
            message = "the lab endpoint failed on %s: %s: %s" % (request.step, type(exc).__name__, exc)
            host.note_refusal(message)
            return 500, host.fault("internal_error", detail=message).envelope(request)
        return 200, soap.serialize(envelope)

    def _create(self, host: Host, request: soap.Request, body) -> None:
        cls = resources.resource_class(request.resource_uri)
        if cls is None:
            raise host.fault("resource_uri_not_found", resource_uri=request.resource_uri)
        limit = host.limits["max_shells_per_user"]
        with host.lock:
            if len(host.shells) >= limit:
                raise host.fault("quota_shells", limit=limit)
        shell = cls(host).create(request, body)
        shell.resource_uri = request.resource_uri
        with host.lock:
            host.shells[shell.shell_id] = (shell, cls.counter)
        host.count(**{cls.counter + "s_opened": 1, cls.counter + "s_open": 1})

    def _shell(self, host: Host, request: soap.Request):
        shell_id = request.selectors.get("ShellId", "")
        with host.lock:
            found = host.shells.get(shell_id)
        if found is None or found[0].resource_uri != request.resource_uri:
            raise host.fault("shell_not_found", shell_id=shell_id)
        return found


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    endpoint: Endpoint


def _parse_encrypted(body: bytes) -> list[tuple[int, bytes, bytes]]:
    """[(original length, signature, sealed data)] from a multipart/encrypted body (NTLM)."""
    parts = []
    position = 0
    head = BOUNDARY + b"\r\n"
    while body.startswith(head, position):
        end_headers = body.find(head, position + len(head))
        if end_headers < 0:
            break
        headers = body[position + len(head):end_headers].decode("latin-1")
        if PROTOCOL not in headers or "Length=" not in headers:
            raise HTTPFailure(400, "encrypted part without %s / OriginalContent Length" % PROTOCOL)
        length = int(headers.split("Length=")[1].split()[0].strip(";"))
        position = end_headers + len(head)
        octet = b"\tContent-Type: application/octet-stream\r\n"
        if not body.startswith(octet, position):
            raise HTTPFailure(400, "encrypted part without application/octet-stream")
        position += len(octet)
        (signature_length,) = struct.unpack("<i", body[position:position + 4])
        position += 4
        signature = body[position:position + signature_length]
        position += signature_length
        sealed = body[position:position + length]  # NTLM seals with RC4: as long as the plain text
        position += length
        parts.append((length, signature, sealed))
    if not parts or not body[position:].startswith(BOUNDARY + b"--"):
        raise HTTPFailure(400, "not a multipart/encrypted body the endpoint reads (no closing boundary)")
    return parts


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.context = None   # the NTLM context of this TCP connection
        self.scheme = "Negotiate"
        self.host_name = None
        self.counted_connection = False
        self.refuse_credentials = False
        self.handshake_started = False
        self.uncounted = None  # (host, bytes in, first request of the connection) until counted

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        return

    @property
    def endpoint(self) -> Endpoint:
        return self.server.endpoint  # type: ignore[attr-defined]

    # --- raw HTTP with byte counts -------------------------------------------------------------

    def _request_size(self, body: bytes) -> int:
        return (len(self.raw_requestline) + sum(len(k) + len(v) + 4 for k, v in self.headers.items()) + 2
                + len(body))

    def _answer(self, status: int, body: bytes = b"", headers: tuple = (), close: bool = False) -> int:
        lines = ["HTTP/1.1 %d %s" % (status, self.responses.get(status, ("",))[0]),
                 "Server: " + self.server_version, "Date: " + self.date_time_string()]
        lines += ["%s: %s" % header for header in headers]
        if body and not any(name.lower() == "content-type" for name, _value in headers):
            lines.append("Content-Type: text/plain;charset=UTF-8")  # the lab's own words to a harness error
        lines.append("Content-Length: %d" % len(body))
        if close:
            lines.append("Connection: close")
            self.close_connection = True
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        self._count(len(raw))  # before the client can see the answer (and read the counters)
        self.wfile.write(raw)
        self.wfile.flush()
        return len(raw)

    def _reset(self) -> None:
        """Answer with a TCP reset: SO_LINGER 0, then close every reference to the socket."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        for stream in (self.rfile, self.wfile):
            try:
                stream.close()
            except OSError:
                pass
        self.connection.close()

    def _hold(self) -> None:
        """No answer until the client gives up (closes the connection) or the endpoint stops."""
        self.close_connection = True
        self.connection.settimeout(0.5)
        deadline = time.monotonic() + HOLD_LIMIT
        while time.monotonic() < deadline and not self.endpoint.stopping.is_set():
            try:
                if not self.connection.recv(65536):
                    break
            except socket.timeout:
                continue
            except OSError:
                break

    def handle(self) -> None:
        try:
            super().handle()
        except (OSError, ValueError):  # the connection was reset or held on purpose, or the client left
            self.close_connection = True

    def finish(self) -> None:
        try:
            super().finish()
        except (OSError, ValueError):
            pass

    def do_GET(self) -> None:  # pylint: disable=invalid-name
        self._answer(405, b"", (("Allow", "POST"),))

    def do_POST(self) -> None:  # pylint: disable=invalid-name
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        size_in = self._request_size(body)
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        seed = urllib.parse.parse_qs(url.query).get("seed", [""])[0]
        if len(parts) != 2 or parts[0].lower() != "wsman" or not parts[1] or not seed:
            self._answer(404, b"lab endpoint: use /wsman/<inventory name>?seed=<state seed>", close=True)
            return
        try:
            host = self.endpoint.host(parts[1], seed)
        except (HTTPFailure, lab_state.LabError, faults.FaultSpecError) as exc:
            status = exc.status if isinstance(exc, HTTPFailure) else 500
            self._answer(status, ("lab endpoint: %s" % exc).encode("utf-8"), close=True)
            return
        if self.host_name not in (None, host.name):
            self._answer(400, b"lab endpoint: one connection talks to one host", close=True)
            return
        self.host_name = host.name
        first = not self.counted_connection
        self.counted_connection = True
        self.uncounted = (host, size_in, first)
        try:
            self._serve(host, body)
        finally:
            self._count(0)  # no answer (reset, held, or an error): the request still counts

    def _count(self, size_out: int) -> None:
        if self.uncounted is None:
            return
        host, size_in, first = self.uncounted
        self.uncounted = None
        host.count(http_requests=1, wire_bytes_to_host=size_in, wire_bytes_from_host=size_out,
                   connections=1 if first else 0)

    def _serve(self, host: Host, body: bytes) -> int:
        if self.context is None or not self.context.complete:
            return self._authenticate(host, body)
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/encrypted") or PROTOCOL not in content_type:
            if not body:
                return self._answer(200)
            refusal = soap.WSManFault("lab_refused", machine=host.machine,
                                      detail="an unencrypted message over HTTP (AllowUnencrypted is false): use "
                                      "ansible_winrm_message_encryption auto or always")
            return self._answer(500, refusal.envelope(None), (("Content-Type", "application/soap+xml;charset=UTF-8"),))
        try:
            plain = b"".join(self.context.unwrap_winrm(signature, sealed)
                             for _length, signature, sealed in _parse_encrypted(body))
        except HTTPFailure as exc:
            return self._answer(exc.status, exc.text.encode("utf-8"), close=True)
        except spnego.exceptions.SpnegoError:
            # Sealed with another connection's keys (pywinrm resends a sealed body after re-authenticating
            # on a new connection): Windows answers 400 Bad Request, which ansible's winrm plugin expects.
            return self._answer(400, b"", close=True)
        try:
            request = soap.parse(plain)
        except soap.EnvelopeError as exc:
            return self._sealed(500, soap.WSManFault("lab_refused", machine=host.machine,
                                                     detail=str(exc)).envelope(None))
        injected = host.take_fault(request.step)
        if injected:
            answered = self._inject(host, injected, request)
            if answered is not None:
                return answered
        status, answer = self.endpoint.dispatch(host, request)
        return self._sealed(status, answer)

    def _sealed(self, status: int, plain: bytes) -> int:
        wrapped = self.context.wrap_winrm(plain)
        body = (BOUNDARY + b"\r\n\tContent-Type: " + PROTOCOL.encode() + b"\r\n"
                b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(plain)).encode()
                + b"\r\n" + BOUNDARY + b"\r\n\tContent-Type: application/octet-stream\r\n"
                + struct.pack("<i", len(wrapped.header)) + wrapped.header + wrapped.data + BOUNDARY + b"--\r\n")
        return self._answer(status, body, (("Content-Type", CONTENT_TYPE),))

    def _inject(self, host: Host, kind: str, request: soap.Request | None) -> int | None:
        """Apply an injected fault; the bytes answered, or None to serve the request after all."""
        if kind == "timeout":
            self._hold()
            return 0
        if kind == "reset":
            self._reset()
            return 0
        if kind == "http_401":  # (at connect, _authenticate refuses the handshake's last leg instead)
            self.context = None
            return self._answer(401, b"", close=True)
        if request is None:  # before the handshake there is no session to seal a WS-Man fault with
            return self._answer(500, b"", close=True)
        if kind == "http_500":
            return self._sealed(500, host.fault("internal_error", detail="(fault injected by the lab)")
                                .envelope(request))
        if kind == "quota_shells":
            return self._sealed(500, host.fault("quota_shells", limit=host.limits["max_shells_per_user"])
                                .envelope(request))
        if kind == "quota_operations":
            return self._sealed(500, host.fault(
                "quota_operations", limit=host.limits["max_concurrent_operations_per_user"]).envelope(request))
        raise AssertionError(kind)

    def _authenticate(self, host: Host, body: bytes) -> int:
        header = self.headers.get("Authorization", "")
        scheme, _space, token = header.partition(" ")
        if self.context is None and not self.handshake_started:
            # "connect": the first request of a connection that is not authenticated yet
            self.handshake_started = True
            injected = host.take_fault("connect")
            if injected == "http_401":  # the handshake runs; its last leg is refused, as bad credentials are
                self.refuse_credentials = True
            elif injected:
                return self._inject(host, injected, None)
        if scheme.lower() not in ("negotiate", "ntlm") or not token.strip():
            return self._answer(401, b"", (("WWW-Authenticate", "Negotiate"),))
        if self.context is None:
            self.context = spnego.server(protocol="negotiate" if scheme.lower() == "negotiate" else "ntlm")
            self.scheme = scheme
        try:
            out = self.context.step(base64.b64decode(token.strip()))
        except (spnego.exceptions.SpnegoError, ValueError) as exc:
            self.context = None
            host.note_refusal("NTLM: %s" % exc)
            return self._answer(401, b"", (("WWW-Authenticate", "Negotiate"),))
        challenge = (("WWW-Authenticate", "%s %s" % (self.scheme, base64.b64encode(out).decode())),) if out else ()
        if self.context.complete and self.refuse_credentials:
            self.context = None
            self.refuse_credentials = False
            return self._answer(401, b"", (("WWW-Authenticate", "Negotiate"),))
        if not self.context.complete:
            return self._answer(401, b"", challenge)
        if body:  # the message that carried the last leg
            return self._serve(host, body)
        return self._answer(200, b"", challenge)
