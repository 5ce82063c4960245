# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's WS-Management endpoint: HTTP/1.1 or HTTPS on 127.0.0.1, NTLM or Kerberos.

Each lab host is its own endpoint under one port: ``/wsman/<inventory name>?seed=<state seed>``
(the inventories template ``ansible_winrm_path`` / ``ansible_psrp_path`` from
``inventory_hostname`` and ``apexone_lab_state``). One ``Endpoint`` serves one lab folder
(APEXONE_LAB_DIR): host state, counters (``counts/<host>.json``) and ``endpoint.port`` live there.

Authentication is what a Windows host's WinRM service does (auth.py states each rule): a request
without credentials gets ``401 WWW-Authenticate: Negotiate`` (and ``Kerberos`` when the endpoint
is given the keytab of the hosts' HTTP service principal: a domain member); the NTLM or Kerberos
handshake runs on the TCP connection (pyspnego is the acceptor, the NTLM account in ``ntlm_users``
beside this file); after it, over HTTP, every message is sealed with that connection's session
keys in a ``multipart/encrypted`` body ([MS-WSMV] 2.2.9.1), both ways, faults included, and plain
SOAP is refused (AllowUnencrypted is false on Windows by default). Over HTTPS (``tls=``, a
certificate from a test CA: tls.py) plain SOAP is what the client sends, and channel bindings a
client sends are checked against the listener's certificate. The keytab is read through
KRB5_KTNAME, which the endpoint sets while it runs.
"""

from __future__ import annotations

import base64
import os
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import spnego

from ..simulator import lab
from ..simulator import state as lab_state
from . import auth, faults, hostmodel, resources, soap, tls

HERE = os.path.dirname(os.path.abspath(__file__))
USER_FILE = os.path.join(HERE, "ntlm_users")
USER = "apexone-lab"
PORT_FILE = "endpoint.port"
PID_FILE = "endpoint.pid"
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
            winrm = data.get("winrm") or {}
            self.limits = dict(LIMITS, **dict((k, v) for k, v in winrm.items() if k not in auth.SEED_KEYS))
            try:
                self.policy = auth.Policy.from_seed(winrm, domain_member=endpoint.keytab is not None)
            except ValueError as exc:
                raise faults.FaultSpecError(str(exc)) from exc
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

    def logon(self, package: str, ok: bool) -> None:
        """A logon as the host's Security log records it (4624 succeeded / 4625 failed), by package."""
        key = "logons" if ok else "logon_failures"
        with lab.counts(self.name, self.lab_dir) as data:
            data[key][package] = data[key].get(package, 0) + 1

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

    def __init__(self, lab_dir: str, bind: str = "127.0.0.1", port: int = 0, latency: float = 0.0,
                 keytab: str | None = None, pki: tls.PKI | None = None) -> None:
        """`latency`: seconds each command runs on a host whose seed sets none (the benchmark's slow fleet).
        `keytab`: the hosts' HTTP service keys (Kerberos is offered and accepted); `pki`: serve HTTPS."""
        self.lab_dir = os.path.abspath(lab_dir)
        self.latency = latency
        self.keytab = os.path.abspath(keytab) if keytab else None
        self.pki = pki
        self.tls_context = tls.server_context(pki) if pki else None
        self.channel_binding = None
        if pki:
            with open(pki.cert_file, encoding="ascii") as handle:
                self.channel_binding = tls.channel_binding(ssl.PEM_cert_to_DER_cert(handle.read()))
        self._saved_ktname: str | None = None
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
        return "%s://%s:%d" % ("https" if self.pki else "http", self.bind, self.port)

    def start(self) -> "Endpoint":
        began = time.monotonic()
        os.environ["NTLM_USER_FILE"] = USER_FILE  # read by pyspnego's NTLM acceptor
        if self.keytab:
            if not os.path.isfile(self.keytab):
                raise FileNotFoundError("the keytab %s does not exist" % self.keytab)
            self._saved_ktname = os.environ.get("KRB5_KTNAME")
            os.environ["KRB5_KTNAME"] = "FILE:" + self.keytab  # read by MIT GSSAPI's acceptor
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
        if self.keytab:
            if self._saved_ktname is None:
                os.environ.pop("KRB5_KTNAME", None)
            else:
                os.environ["KRB5_KTNAME"] = self._saved_ktname

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

    def handle_error(self, request, client_address) -> None:
        """A TLS handshake the client gave up (it does not trust the certificate) is its own business;
        anything else is a defect of the lab, printed."""
        if not isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""

    def setup(self) -> None:
        tls_context = self.server.endpoint.tls_context  # type: ignore[attr-defined]
        if tls_context is not None:  # the TLS handshake runs in this connection's thread, not the listener's
            self.request.settimeout(30)
            self.request = tls_context.wrap_socket(self.request, server_side=True)
            self.request.settimeout(None)
        super().setup()
        self.logon: auth.Logon | None = None  # the security context of this TCP connection
        self.sealed = False  # whether the request being answered came sealed (answer alike)
        self.final_token: tuple = ()  # the handshake's last token, sent with the answer that follows it
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
        if self.logon is None or not self.logon.complete:
            return self._authenticate(host, body)
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/encrypted"):
            if not body:
                return self._answer(200)
            if self.endpoint.pki is None:  # AUTH 4
                refusal = soap.WSManFault("lab_refused", machine=host.machine,
                                          detail="an unencrypted message over HTTP (AllowUnencrypted is false): use "
                                          "ansible_winrm_message_encryption auto or always, or HTTPS")
                return self._answer(500, refusal.envelope(None),
                                    (("Content-Type", "application/soap+xml;charset=UTF-8"),))
            self.sealed = False  # AUTH 5: plain SOAP inside TLS
            plain = body
        else:
            try:
                plain = self.logon.unwrap(content_type, body)
            except auth.BadMessage as exc:
                return self._answer(400, str(exc).encode("utf-8"), close=True)
            except spnego.exceptions.SpnegoError:
                # Sealed with another connection's keys (pywinrm resends a sealed body after re-authenticating
                # on a new connection): Windows answers 400 Bad Request, which ansible's winrm plugin expects.
                return self._answer(400, b"", close=True)
            self.sealed = True
        try:
            request = soap.parse(plain)
        except soap.EnvelopeError as exc:
            return self._reply(500, soap.WSManFault("lab_refused", machine=host.machine,
                                                    detail=str(exc)).envelope(None))
        injected = host.take_fault(request.step)
        if injected:
            answered = self._inject(host, injected, request)
            if answered is not None:
                return answered
        status, answer = self.endpoint.dispatch(host, request)
        return self._reply(status, answer)

    def _reply(self, status: int, plain: bytes) -> int:
        """Answer a WS-Man message: sealed if it came sealed, else plain SOAP (over HTTPS only)."""
        if not self.sealed:
            return self._answer(status, plain, self.final_token + (
                ("Content-Type", "application/soap+xml;charset=UTF-8"),))
        body, content_type = self.logon.wrap(plain)
        return self._answer(status, body, self.final_token + (("Content-Type", content_type),))

    def _inject(self, host: Host, kind: str, request: soap.Request | None) -> int | None:
        """Apply an injected fault; the bytes answered, or None to serve the request after all."""
        if kind == "timeout":
            self._hold()
            return 0
        if kind == "reset":
            self._reset()
            return 0
        if kind == "http_401":  # (at connect, _authenticate refuses the handshake's last leg instead)
            self.logon = None
            return self._answer(401, b"", close=True)
        if request is None:  # before the handshake there is no session to seal a WS-Man fault with
            return self._answer(500, b"", close=True)
        if kind == "http_500":
            return self._reply(500, host.fault("internal_error", detail="(fault injected by the lab)")
                               .envelope(request))
        if kind == "quota_shells":
            return self._reply(500, host.fault("quota_shells", limit=host.limits["max_shells_per_user"])
                               .envelope(request))
        if kind == "quota_operations":
            return self._reply(500, host.fault(
                "quota_operations", limit=host.limits["max_concurrent_operations_per_user"]).envelope(request))
        raise AssertionError(kind)

    def _authenticate(self, host: Host, body: bytes) -> int:
        header = self.headers.get("Authorization", "")
        scheme, _space, token = header.partition(" ")
        if self.logon is None and not self.handshake_started:
            # "connect": the first request of a connection that is not authenticated yet
            self.handshake_started = True
            injected = host.take_fault("connect")
            if injected == "http_401":  # the handshake runs; its last leg is refused, as bad credentials are
                self.refuse_credentials = True
            elif injected:
                return self._inject(host, injected, None)
        offer = host.policy.offer()
        if not scheme or not token.strip():
            return self._answer(401, b"", offer)
        if self.logon is None:
            self.logon = auth.Logon(host.policy, self.endpoint.channel_binding)
        try:
            out = self.logon.step(scheme, base64.b64decode(token.strip(), validate=True))
        except auth.Refused as exc:
            host.note_refusal("%s: %s" % (exc.package or scheme, exc.reason))
            if exc.package:
                host.logon(exc.package, ok=False)
            if exc.token:  # the acceptor's error token (a KRB-ERROR), as Windows sends it
                return self._answer(401, b"", (("WWW-Authenticate", "%s %s" % (
                    scheme, base64.b64encode(exc.token).decode())),))
            return self._answer(401, b"", offer)
        except ValueError:
            self.logon.reset()
            return self._answer(401, b"", offer)
        challenge = (("WWW-Authenticate", "%s %s" % (self.logon.header_scheme, base64.b64encode(out).decode())),) \
            if out else ()
        if self.logon.complete and self.refuse_credentials:
            host.logon(self.logon.package, ok=False)
            self.logon.reset()
            self.refuse_credentials = False
            return self._answer(401, b"", offer)
        if not self.logon.complete:
            return self._answer(401, b"", challenge)
        host.logon(self.logon.package, ok=True)
        if body:  # the message that carried the last leg: its answer carries the last token
            self.final_token = challenge
            try:
                return self._serve(host, body)
            finally:
                self.final_token = ()
        return self._answer(200, b"", challenge)
