# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a failed connection or execution means: which step failed, whether the script may have run, whether it
may be tried again. Internal: not a public API.

Read from exception types and the texts ansible-core's winrm / psrp plugins and their libraries (pywinrm,
pypsrp, pyspnego, requests) write; the few facts only a private detail tells come from adapter.py.

Kinds:
- authenticate: the host (or the KDC) refused the credentials, or Kerberos could not be used. Never tried
  again: each attempt with a wrong password counts towards the account's lockout.
- unreachable: nothing answered (TCP, name resolution, TLS).
- not_opened: the host answered but opened no shell / runspace pool.
- launch_blocked: the host refused to start powershell.exe (application control, anti-malware). Never again.
- provider_died: the PowerShell host process of a PSRP session ended while the script ran (anti-malware or
  EDR may have stopped it). Never again.
- ended_before_input: winrm's Send failed and the command had already ended without an answer (killed at its
  start). Never again.
- drop: the connection failed at a WS-Man step; `started` says whether the script may have run.
"""

from __future__ import annotations

import re
import typing as t

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_text

from . import adapter

SEND_FAILED = "winrm send_input failed"

# The host never accepted a connection: nothing there answered.
UNREACHABLE_WORDS = ("newconnectionerror", "connection refused", "connecttimeout", "connect timeout",
                     "name or service not known", "failed to resolve", "no route to host", "temporary failure in name",
                     "the connection attempt timed out", "failed to connect to the host via psrp",
                     "nodename nor servname", "network is unreachable", "certificate verify failed",
                     "sslerror", "ssl: ", "wrong version number")
# Authentication refused or impossible (texts of the winrm plugin, pywinrm, the psrp plugin, pypsrp, pyspnego,
# kinit and MIT Kerberos / GSSAPI, as tests/lab/kerberos_failures.py records them).
AUTH_WORDS = ("credentials were rejected", "failed to authenticate", "authenticationerror", "kerberos auth failure",
              "kerberos:", "gssapi", "gsserror", "spnegoerror", "krb5error", "kinit", "preauthentication failed",
              "password incorrect", "not found in kerberos database", "clock skew", "kerberos library is not installed",
              "requests_kerberos", "no kerberos credentials", "cannot find kdc", "cannot contact any kdc",
              "clients credentials have been revoked", "did not respond with ntlm challenge", "invalidcredentialserror",
              "http 401", "code 401", "unauthorized", "ntlm is disabled", "no supported authentication")
# Of those, the ones where the credentials themselves were refused: each counts towards the account's lockout (a
# KDC out of reach, a missing library or an unknown service principal does not).
REJECTED_WORDS = ("credentials were rejected", "password incorrect", "preauthentication failed",
                  "clients credentials have been revoked", "failed to authenticate the user", "authenticationerror",
                  "invalidcredentialserror", "code 401", "http 401", "unauthorized")
_UNKNOWN_CLIENT = re.compile(r"client '[^']*' not found in kerberos database", re.IGNORECASE)
# The host refused to start the program: "This program is blocked by group policy" (ERROR_ACCESS_DISABLED_BY_POLICY,
# 1260, AppLocker / software restriction), "... contains a virus or potentially unwanted software" (ERROR_VIRUS_INFECTED,
# 225), and their Japanese forms.
LAUNCH_WORDS = ("blocked by group policy", "code: 1260", "code 1260", "contains a virus", "potentially unwanted software",
                "code: 225", "code 225", "グループ ポリシーによってブロック", "ウイルスまたは望ましくない可能性のあるソフトウェア")
# The PSRP host process (wsmprovhost.exe) ended under the session.
PROVIDER_WORDS = ("wsman provider host process did not return a proper response",)


class Failure(t.NamedTuple):
    kind: str
    step: str
    text: str
    started: bool = False
    rc: int | None = None
    rejected: bool = False  # authenticate: the credentials themselves were refused (the account's lockout counts it)


def rejected(text: str) -> bool:
    """Whether an authentication failure is the credentials refused (a wrong password, an unknown or locked account),
    not a Kerberos set-up that fails before any password is tried."""
    return _has(text, REJECTED_WORDS) or bool(_UNKNOWN_CLIENT.search(text))


def _text(exc: BaseException) -> str:
    parts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append("%s: %s" % (type(exc).__name__, to_text(exc)))
        exc = exc.__cause__ or exc.__context__
    return " | ".join(parts)


def _transport_types() -> tuple:
    """Exception types the plugins and their libraries raise for network, WS-Man and authentication failures."""
    found: list[type] = [AnsibleConnectionFailure]
    for module, names in (("requests.exceptions", ("RequestException",)),
                          ("winrm.exceptions", ("WinRMError",)),
                          ("pypsrp.exceptions", ("WinRMError", "AuthenticationError")),
                          ("spnego.exceptions", ("SpnegoError",))):
        try:
            imported = __import__(module, fromlist=list(names))
        except ImportError:
            continue
        found.extend(getattr(imported, name) for name in names if hasattr(imported, name))
    return tuple(found)


def is_transport(exc: BaseException) -> bool:
    if isinstance(exc, _transport_types()) or adapter.raised_in_transport(exc):
        return True
    return isinstance(exc, AnsibleError) and ("connection attempt timed out" in to_text(exc)
                                              or to_text(exc).startswith(SEND_FAILED))


def _has(text: str, words: t.Iterable[str]) -> bool:
    lowered = text.lower()
    return any(word.lower() in lowered for word in words)


def at_connect(exc: BaseException, psrp: bool) -> Failure | None:
    """A failure of the connection's _connect(): authentication, the host unreachable, or no shell / runspace
    opened. None when `exc` is not a transport failure (a missing library, a wrong option: shown as it is)."""
    if not is_transport(exc) and not _has(_text(exc), AUTH_WORDS):
        return None
    text = _text(exc)
    opened = "create runspace" if psrp else "create shell"
    steps = adapter.steps(exc)
    # A 401 once the shell or pool was created (opening the pool takes a Receive) is a lost session, not a
    # refused password: the credentials were accepted a moment before.
    later = bool(steps) and steps[0] in ("command", "send", "receive", "signal")
    if _has(text, AUTH_WORDS) and not _has(text, UNREACHABLE_WORDS) and not later:
        return Failure("authenticate", "authenticate", "%s: %s" % (type(exc).__name__, to_text(exc)),
                       rejected=rejected(text))
    if _has(text, LAUNCH_WORDS):
        return Failure("launch_blocked", opened, to_text(exc))
    if _has(text, UNREACHABLE_WORDS):
        return Failure("unreachable", "connect", to_text(exc))
    return Failure("not_opened", opened, to_text(exc))


def at_run(exc: BaseException, psrp: bool) -> Failure | None:
    """A failure of exec_command() once the shell / runspace was open. None when `exc` is not one."""
    if not is_transport(exc):
        return None
    text = _text(exc)
    plain = to_text(exc)
    if isinstance(exc, AnsibleError) and plain.startswith(SEND_FAILED):
        rc = adapter.send_failed_rc(exc)
        if rc is not None and rc != -1:
            return Failure("ended_before_input", "send", plain, False, rc)
        # No answer within one Receive: the input never arrived (the bootstrap waits for its end and ran nothing),
        # or it did and the script is still running. The two look the same: a changing script may be half done.
        return Failure("drop", "send", plain, True, rc)
    steps = adapter.steps(exc)
    step = steps[0] if steps else "receive"
    if not psrp and adapter.send_failed(exc):  # the winrm plugin swallowed the Send's error, then a Receive failed
        return Failure("drop", "send", plain, True)
    if _has(text, PROVIDER_WORDS):
        return Failure("provider_died", step, plain, True)
    if step == "command" and _has(text, LAUNCH_WORDS):
        return Failure("launch_blocked", step, plain)
    if _has(text, AUTH_WORDS) and step in ("create shell", "create runspace"):
        return Failure("authenticate", "authenticate", plain)
    # The bootstrap waits for the end of its input before it runs anything: a Command that failed ran nothing.
    return Failure("drop", step, plain, step in ("send", "receive"))
