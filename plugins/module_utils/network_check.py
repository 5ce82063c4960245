# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KA-0012615 item 5: what the server's reachability answer means.

The probe reports raw results (DNS, TCP, the Winsock error code, or a proxy's CONNECT status line);
the words are decided here. A direct test that fails while WinHTTP uses a proxy proves nothing:
it becomes "not tested: proxy in use".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

OK, NOT_TESTED = "ok", "not_tested_proxy"
# Winsock error codes (SocketException.ErrorCode) -> outcome.
SOCKET_ERRORS = {
    10061: "refused",        # WSAECONNREFUSED: nothing listens, or a firewall answers with a reset
    10060: "timeout",        # WSAETIMEDOUT
    10065: "unreachable",    # WSAEHOSTUNREACH
    10051: "unreachable",    # WSAENETUNREACH
    10047: "unreachable",    # WSAEAFNOSUPPORT: an IPv6-only answer on a host without IPv6
    10013: "blocked",        # WSAEACCES: a local firewall or policy refused the socket
    11001: "dns_failed",     # WSAHOST_NOT_FOUND
    11004: "dns_failed",     # WSANO_DATA: the name exists, no address
    11002: "dns_timeout",    # WSATRY_AGAIN
}
SOCKET_NAMES = {"ConnectionRefused": "refused", "TimedOut": "timeout", "HostUnreachable": "unreachable",
                "NetworkUnreachable": "unreachable", "AddressFamilyNotSupported": "unreachable",
                "AccessDenied": "blocked", "HostNotFound": "dns_failed", "NoData": "dns_failed",
                "TryAgain": "dns_timeout"}
_STATUS = re.compile(r"^HTTP/\d\.\d\s+(\d{3})")


def _socket_outcome(error):
    error = error or {}
    if error.get("code") in SOCKET_ERRORS:
        return SOCKET_ERRORS[error["code"]]
    return SOCKET_NAMES.get(error.get("name"), "failed")


def outcome(entry):
    """One raw probe entry -> (outcome, detail)."""
    error = entry.get("error") or {}
    detail = error.get("name") or ""
    if error.get("code"):
        detail = "%s (%s)" % (detail, error["code"])
    if entry.get("via") == "proxy":
        if entry.get("tcp") == "timeout":
            return "proxy_unreachable", "the proxy did not answer in time"
        if entry.get("tcp") != "ok":
            return "proxy_unreachable", "the proxy: %s" % (detail or entry.get("tcp"))
        status = entry.get("proxy_status") or ""
        match = _STATUS.match(status)
        if not match:
            return "failed", "the proxy answered %r" % status[:80]
        code = int(match.group(1))
        if code == 200:
            return OK, status
        if code == 407:
            return "proxy_auth", status
        if code == 504:  # the proxy's own connection timed out
            return "timeout", status
        if code in (502, 503):  # the proxy could not connect (refused, unreachable, no such name)
            return "unreachable", status
        return "proxy_denied", status  # 403 and the rest: the proxy's policy refuses the destination
    if entry.get("dns") == "timeout":
        return "dns_timeout", ""
    if entry.get("dns") == "failed":
        return _socket_outcome(error) if error.get("code") in (11001, 11002, 11004) else "dns_failed", detail
    if entry.get("tcp") == "ok":
        return OK, ""
    if entry.get("tcp") == "timeout":
        return "timeout", ""
    return _socket_outcome(error), detail


def interpret(entries, winhttp):
    """The probe's network answer -> [{host, port, dns, tcp, outcome, detail, via}].

    `winhttp`: the parsed WinHTTP setting of the same host. `tcp` carries the outcome too, for
    readers of the older form.
    """
    found = []
    proxied = not (winhttp or {}).get("direct", True)
    for entry in entries or []:
        result, detail = outcome(entry)
        if result != OK and entry.get("via", "direct") == "direct" and proxied:
            result, detail = NOT_TESTED, "WinHTTP uses %s: not tested directly; give network_proxy" % winhttp["proxy"]
        found.append({"host": entry.get("host"), "port": entry.get("port"), "dns": entry.get("dns"), "tcp": result,
                      "outcome": result, "detail": detail, "via": entry.get("via", "direct")})
    return found
