# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the lab endpoint authenticates a TCP connection and seals its messages, as Windows' WinRM does.

pyspnego is the acceptor: NTLM against ``ntlm_users`` (NTLM_USER_FILE), Kerberos through MIT GSSAPI
with the keytab of the host's HTTP service principal (KRB5_KTNAME, exported from the lab's Samba
KDC: tests/directory/kerberos.py). The rules, each one what a Windows host does with its WinRM
service defaults (Auth: Negotiate and Kerberos on, Basic / CredSSP off; AllowUnencrypted false;
CbtHardeningLevel Relaxed):

AUTH 1  A request without credentials gets 401 with ``WWW-Authenticate: Negotiate`` and, on a
        domain member (the endpoint has a keytab), ``WWW-Authenticate: Kerberos`` as well. A host
        whose seed sets ``winrm: {negotiate: false}`` (winrm/config/service/auth Negotiate=false)
        offers and accepts only ``Kerberos``.
AUTH 2  ``Negotiate`` takes SPNEGO or a bare NTLM or Kerberos token (pywinrm's kerberos transport
        sends a bare Kerberos AP-REQ under Negotiate); ``Kerberos`` takes a bare Kerberos token
        only. Any other scheme, or a token the acceptor refuses (wrong password, a ticket for
        another key, clock skew beyond 5 minutes, bindings that do not match), is answered 401
        and counted as a failed logon. Where the Kerberos acceptor makes an error token (a
        KRB-ERROR such as KRB_AP_ERR_SKEW, with the host's time) the 401 carries it, in a SPNEGO
        reject when the client spoke SPNEGO; otherwise the 401 carries the offer of AUTH 1.
AUTH 3  NTLM denied: ``winrm: {ntlm: false}`` is "Network security: Restrict NTLM: Incoming NTLM
        traffic = Deny all accounts". The NTLM handshake (bare or inside Negotiate) runs and its
        last leg is refused with 401, as a rejected credential is: the host decides once it knows
        the account. Kerberos still works there.
AUTH 4  Over HTTP every message after the handshake is sealed with the connection's context in a
        ``multipart/encrypted`` body ([MS-WSMV] 2.2.9.1): protocol
        ``application/HTTP-SPNEGO-session-encrypted`` after Negotiate (NTLM or Kerberos inside),
        ``application/HTTP-Kerberos-session-encrypted`` after the Kerberos scheme. A part sealed
        under the other protocol string, or plain SOAP, is refused (AllowUnencrypted false).
AUTH 5  Over HTTPS plain SOAP is accepted (TLS protects it) and so is a sealed message.
AUTH 6  Channel binding over HTTPS (CbtHardeningLevel Relaxed): a token that carries bindings must
        carry tls-server-end-point of the listener's certificate, else 401; a token without
        bindings is accepted.
"""

from __future__ import annotations

import dataclasses
import struct

import spnego
import spnego.channel_bindings
import spnego.exceptions

BOUNDARY = b"--Encrypted Boundary"
SPNEGO_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
KERBEROS_PROTOCOL = "application/HTTP-Kerberos-session-encrypted"
PROTOCOL_OF_SCHEME = {"negotiate": SPNEGO_PROTOCOL, "kerberos": KERBEROS_PROTOCOL, "ntlm": SPNEGO_PROTOCOL}
# the package name Windows writes in its logon events (4624 / 4625) for what the acceptor negotiated
PACKAGE = {"ntlm": "NTLM", "kerberos": "Kerberos"}
SEED_KEYS = {"ntlm": bool, "negotiate": bool}


class Refused(Exception):
    """The handshake is refused: answer 401 (with `token`, the acceptor's error token, if any), count a
    failed logon (of `package`; None: no logon was attempted)."""

    def __init__(self, package: str | None, reason: str, token: bytes | None = None) -> None:
        super().__init__(reason)
        self.package = package
        self.reason = reason
        self.token = token


class BadMessage(Exception):
    """A body the endpoint cannot read as a sealed WS-Man message (HTTP 400)."""


@dataclasses.dataclass(frozen=True)
class Policy:
    """A host's WinRM authentication settings (its seed's ``winrm:`` keys ntlm / negotiate)."""
    ntlm: bool = True
    negotiate: bool = True
    domain_member: bool = False  # the endpoint has a keytab: Kerberos can be offered

    @classmethod
    def from_seed(cls, winrm: dict, domain_member: bool) -> "Policy":
        values = {}
        for key, kind in SEED_KEYS.items():
            if key in winrm:
                if not isinstance(winrm[key], kind):
                    raise ValueError("winrm.%s must be true or false, got %r" % (key, winrm[key]))
                values[key] = winrm[key]
        return cls(domain_member=domain_member, **values)

    def offer(self) -> tuple:
        """The WWW-Authenticate headers of a 401 (AUTH 1)."""
        schemes = (["Negotiate"] if self.negotiate else []) + (["Kerberos"] if self.domain_member else [])
        return tuple(("WWW-Authenticate", scheme) for scheme in schemes)

    def accepts(self, scheme: str) -> bool:
        if scheme == "kerberos":
            return self.domain_member
        return self.negotiate and scheme in ("negotiate", "ntlm")


def _ntlm_authenticate(token: bytes):
    """The NTLM AUTHENTICATE message in a bare or SPNEGO-wrapped token, or None (read with pyspnego's own
    message classes: the lab pins pyspnego)."""
    from spnego._ntlm_raw.messages import Authenticate, MessageType  # pylint: disable=import-outside-toplevel
    from spnego._spnego import NegTokenResp, unpack_token  # pylint: disable=import-outside-toplevel
    raw = token
    if not token.startswith(b"NTLMSSP\x00"):
        try:
            unpacked = unpack_token(token)
        except Exception:  # pylint: disable=broad-except
            return None
        raw = unpacked.response_token if isinstance(unpacked, NegTokenResp) else None
        if not raw or not raw.startswith(b"NTLMSSP\x00"):
            return None
    if len(raw) < 12 or struct.unpack("<I", raw[8:12])[0] != MessageType.authenticate:
        return None
    return Authenticate.unpack(raw)


def _ntlm_carries_bindings(message) -> bool:
    from spnego._ntlm_raw.messages import AvId, NTClientChallengeV2  # pylint: disable=import-outside-toplevel
    response = message.nt_challenge_response or b""
    if len(response) <= 24:
        return False  # NTLMv1: no AV pairs, no bindings
    value = NTClientChallengeV2.unpack(response[16:]).av_pairs.get(AvId.channel_bindings)
    return bool(value) and value != b"\x00" * 16


def _deferred_gss_error(context):
    """The acceptor's GSS error when python-gssapi kept it: on a failed accept that made an error token,
    python-gssapi returns the token and keeps the error (its __DEFER_STEP_ERRORS__), and pyspnego then
    fails reading the half-made context (AttributeError). None when that is not what happened."""
    inner = context
    for dummy in range(3):  # NegotiateProxy -> GSSAPIProxy -> gssapi.SecurityContext
        inner = getattr(inner, "_context", None)
        error = getattr(inner, "_last_err", None)
        if error is not None:
            return error
    return None


def _error_token(client_token: bytes, error_token: bytes | None) -> bytes | None:
    """The error token as the client expects it: bare after a bare Kerberos token, else in a SPNEGO reject."""
    from spnego._spnego import NegState, NegTokenInit, NegTokenResp, unpack_token  # pylint: disable=import-outside-toplevel
    if not error_token or not isinstance(unpack_token(client_token), (NegTokenInit, NegTokenResp)):
        return error_token
    return NegTokenResp(neg_state=NegState.reject, response_token=error_token).pack()


class Logon:
    """The security context of one TCP connection."""

    def __init__(self, policy: Policy, channel_binding: bytes | None = None) -> None:
        self.policy = policy
        self.scheme = None  # "negotiate" | "kerberos" | "ntlm", as the client wrote it (lower case)
        self.header_scheme = None  # as written, for the answer's WWW-Authenticate
        self.context = None
        self.bindings = (spnego.channel_bindings.GssChannelBindings(application_data=channel_binding)
                         if channel_binding else None)

    @property
    def complete(self) -> bool:
        return self.context is not None and self.context.complete

    @property
    def package(self) -> str:
        protocol = getattr(self.context, "negotiated_protocol", None) if self.context else None
        return PACKAGE.get(protocol or "", "Kerberos" if self.scheme == "kerberos" else "Negotiate")

    @property
    def protocol(self) -> str:
        return PROTOCOL_OF_SCHEME[self.scheme]

    def reset(self) -> None:
        self.context = None
        self.scheme = None

    def step(self, scheme_written: str, token: bytes) -> bytes | None:
        """One leg of the handshake; the token to answer with. Raises Refused (AUTH 2, 3, 6)."""
        scheme = scheme_written.lower()
        if self.context is None:
            if not self.policy.accepts(scheme):
                raise Refused(None, "the %s scheme is not offered by this host" % scheme_written)
            self.scheme, self.header_scheme = scheme, scheme_written
            protocol = {"negotiate": "negotiate", "kerberos": "kerberos", "ntlm": "ntlm"}[scheme]
            options = spnego.NegotiateOptions.use_negotiate if protocol == "negotiate" else spnego.NegotiateOptions.none
            try:
                self.context = spnego.server(protocol=protocol, options=options)
            except spnego.exceptions.SpnegoError as exc:
                self.reset()
                raise Refused(PACKAGE.get(protocol, protocol), "no acceptor for %s: %s" % (protocol, exc)) from exc
        elif scheme != self.scheme:
            self.reset()
            raise Refused(scheme_written, "the handshake changed scheme from %s to %s" % (self.scheme, scheme))
        ntlm_final = _ntlm_authenticate(token)
        if ntlm_final is not None and not self.policy.ntlm:
            self.reset()  # AUTH 3: refused once the account is known, as a rejected credential
            raise Refused("NTLM", "NTLM is denied on this host (Restrict NTLM: Incoming NTLM traffic = Deny all "
                          "accounts); account %s\\%s" % (ntlm_final.domain_name or "", ntlm_final.user_name or ""))
        bindings = self.bindings
        if bindings is not None and ntlm_final is not None and not _ntlm_carries_bindings(ntlm_final):
            bindings = None  # AUTH 6, Relaxed: an NTLM client that binds nothing is not held to bindings
        try:
            out = self.context.step(token, channel_bindings=bindings)
        except spnego.exceptions.SpnegoError as exc:
            package = self.package
            self.reset()
            raise Refused(package, "%s: %s" % (type(exc).__name__, exc)) from exc
        except AttributeError as exc:
            deferred = _deferred_gss_error(self.context)
            if deferred is None:
                raise
            package = self.package
            self.reset()
            raise Refused(package, "GSSError: %s" % deferred, _error_token(token, deferred.token)) from exc
        return out

    # --- messages (AUTH 4, 5) ------------------------------------------------------------------

    def unwrap(self, content_type: str, body: bytes) -> bytes:
        """The plain SOAP of a sealed body. Raises BadMessage (a part the endpoint cannot read) or
        spnego's own error (sealed with another context)."""
        if 'protocol="%s"' % self.protocol not in content_type:
            raise BadMessage("a body sealed as %s after the %s scheme (expected %s)"
                             % (content_type, self.header_scheme, self.protocol))
        return b"".join(self.context.unwrap_winrm(header, sealed) for header, sealed in parse(body, self.protocol))

    def wrap(self, plain: bytes) -> tuple[bytes, str]:
        """(body, Content-Type) of a sealed answer."""
        wrapped = self.context.wrap_winrm(plain)
        protocol = self.protocol.encode()
        body = (BOUNDARY + b"\r\n\tContent-Type: " + protocol + b"\r\n"
                b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(plain)).encode()
                + b"\r\n" + BOUNDARY + b"\r\n\tContent-Type: application/octet-stream\r\n"
                + struct.pack("<i", len(wrapped.header)) + wrapped.header + wrapped.data + BOUNDARY + b"--\r\n")
        return body, 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % self.protocol


def parse(body: bytes, protocol: str) -> list[tuple[bytes, bytes]]:
    """[(signature or GSS header, sealed data)] of a multipart/encrypted body. The sealed data is as long
    as the plain text (OriginalContent Length): NTLM seals with RC4, Kerberos AES wraps in place and
    puts its confounder and checksum in the header (60 bytes for AES, 16 for NTLM's signature)."""
    parts = []
    position = 0
    head = BOUNDARY + b"\r\n"
    while body.startswith(head, position):
        end_headers = body.find(head, position + len(head))
        if end_headers < 0:
            break
        headers = body[position + len(head):end_headers].decode("latin-1")
        if protocol not in headers or "Length=" not in headers:
            raise BadMessage("encrypted part without %s / OriginalContent Length" % protocol)
        length = int(headers.split("Length=")[1].split()[0].strip(";"))
        position = end_headers + len(head)
        octet = b"\tContent-Type: application/octet-stream\r\n"
        if not body.startswith(octet, position):
            raise BadMessage("encrypted part without application/octet-stream")
        position += len(octet)
        (header_length,) = struct.unpack("<i", body[position:position + 4])
        position += 4
        header = body[position:position + header_length]
        position += header_length
        sealed = body[position:position + length]
        position += length
        parts.append((header, sealed))
    if not parts or not body[position:].startswith(BOUNDARY + b"--"):
        raise BadMessage("not a multipart/encrypted body the endpoint reads (no closing boundary)")
    return parts
