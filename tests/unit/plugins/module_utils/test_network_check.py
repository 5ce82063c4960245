# -*- coding: utf-8 -*-
"""seed000 item 5: raw reachability answers -> named outcomes; behind a proxy, not tested."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import network_check, winhttp

DIRECT = winhttp.parse(None)
PROXIED = winhttp.parse(winhttp.encode("proxy.corp.example:8080"))


def _entry(**kw):
    return dict({"host": "h", "port": 443, "dns": "ok", "tcp": "ok", "via": "direct"}, **kw)


@pytest.mark.parametrize("code, name, outcome", [
    (10061, "ConnectionRefused", "refused"), (10065, "HostUnreachable", "unreachable"),
    (10051, "NetworkUnreachable", "unreachable"), (10060, "TimedOut", "timeout"),
    (10047, "AddressFamilyNotSupported", "unreachable"), (None, "ConnectionRefused", "refused"),
    (99999, "Whatever", "failed"),
])
def test_socket_error_codes_are_named(code, name, outcome):
    entry = _entry(tcp="error", error={"code": code, "name": name, "message": "m"})
    assert network_check.outcome(entry)[0] == outcome


def test_dns_and_timeouts():
    assert network_check.outcome(_entry(dns="failed", tcp="not tried", error={"code": 11001, "name": "HostNotFound"}))[0] \
        == "dns_failed"
    assert network_check.outcome(_entry(dns="timeout", tcp="not tried"))[0] == "dns_timeout"
    assert network_check.outcome(_entry(tcp="timeout"))[0] == "timeout"
    assert network_check.outcome(_entry())[0] == "ok"


@pytest.mark.parametrize("status, outcome", [
    ("HTTP/1.1 200 Connection established", "ok"), ("HTTP/1.0 200 OK", "ok"),
    ("HTTP/1.1 407 Proxy Authentication Required", "proxy_auth"), ("HTTP/1.1 403 Forbidden", "proxy_denied"),
    ("HTTP/1.1 502 Bad Gateway", "unreachable"), ("HTTP/1.1 504 Gateway Timeout", "timeout"), ("SSH-2.0", "failed"),
])
def test_proxy_status_lines(status, outcome):
    assert network_check.outcome(_entry(via="proxy", dns="proxy", proxy_status=status))[0] == outcome


def test_proxy_itself_unreachable():
    entry = _entry(via="proxy", dns="proxy", tcp="error", error={"code": 11001, "name": "HostNotFound"})
    assert network_check.outcome(entry)[0] == "proxy_unreachable"


def test_direct_failure_behind_a_proxy_is_not_tested_but_a_success_counts():
    found = network_check.interpret([_entry(tcp="timeout"), _entry(host="ok-host")], PROXIED)
    assert [f["outcome"] for f in found] == ["not_tested_proxy", "ok"]
    assert "proxy.corp.example:8080" in found[0]["detail"]
    assert network_check.interpret([_entry(tcp="timeout")], DIRECT)[0]["outcome"] == "timeout"
