# -*- coding: utf-8 -*-
"""seed003 method 1 made safe: WinHTTP settings parsed, and what to do decided from parsed values."""

from __future__ import annotations

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import preflight, winhttp

DIRECT = winhttp.parse(None)
PROXY = winhttp.parse(winhttp.encode("proxy.corp.example:8080", "<local>", counter=9))
IE_STATIC = winhttp.parse(winhttp.encode("ie-proxy.corp.example:3128", "*.corp.example", version=0x46))
IE_PAC = winhttp.parse(winhttp.encode(None, None, auto_config_url="http://wpad/proxy.pac", version=0x46))
IE_AUTO = winhttp.parse(winhttp.encode(None, None, flags=winhttp.FLAG_DIRECT | winhttp.FLAG_AUTO_DETECT))


def test_parse_reads_proxy_bypass_and_pac_url():
    assert (PROXY["proxy"], PROXY["bypass"], PROXY["direct"]) == ("proxy.corp.example:8080", "<local>", False)
    assert IE_PAC["direct"] and IE_PAC["auto_config_url"] == "http://wpad/proxy.pac"
    assert IE_AUTO["direct"] and IE_AUTO["auto_detect"]
    assert DIRECT["direct"] and not DIRECT["present"]
    assert winhttp.parse("AAAA")["source"] == "unreadable"


def test_the_counter_does_not_make_two_settings_differ():
    one = winhttp.parse(winhttp.encode("p:1", "<local>", counter=1))
    two = winhttp.parse(winhttp.encode("p:1", "<local>", counter=2))
    assert winhttp.encode("p:1", "<local>", counter=1) != winhttp.encode("p:1", "<local>", counter=2)
    assert winhttp.decide(one, DIRECT, "acct", "p:1", "<local>")["action"] == "none"
    assert one == two


@pytest.mark.parametrize("user, reason", [(DIRECT, "no proxy"), (IE_PAC, "automatic configuration script"),
                                          (IE_AUTO, "only automatic detection")])
def test_no_import_when_the_account_has_no_static_proxy(user, reason):
    decision = winhttp.decide(DIRECT, user, "CORP\\ansible")
    assert decision["action"] == "none" and reason in decision["reason"] and "CORP\\ansible" in decision["reason"]


@pytest.mark.parametrize("user", [DIRECT, IE_PAC, IE_STATIC])
def test_a_configured_proxy_is_never_imported_over(user):
    decision = winhttp.decide(PROXY, user, "acct")
    assert decision["action"] == "none" and "kept" in decision["reason"]


# Windows writes flags 1 (direct) or 3 (direct | proxy); a tool or a hand edit can leave others beside a proxy text.
# Whatever the flags, a proxy text is a configured proxy: never read as direct, never imported over.
@pytest.mark.parametrize("flags", [0x0, winhttp.FLAG_DIRECT, winhttp.FLAG_PROXY, winhttp.FLAG_DIRECT | winhttp.FLAG_AUTO_URL,
                                   winhttp.FLAG_AUTO_DETECT, 0xF, 0x12, 0xFFFFFFFF])
def test_a_proxy_with_unusual_flags_is_not_direct(flags):
    setting = winhttp.parse(winhttp.encode("proxy.corp.example:8080", "<local>", flags=flags))
    assert setting["flags"] == flags and setting["proxy"] == "proxy.corp.example:8080"
    assert setting["direct"] is False
    assert preflight.parse_winhttp(winhttp.encode("proxy.corp.example:8080", "<local>", flags=flags))["direct"] is False
    decision = winhttp.decide(setting, IE_STATIC, "acct")
    assert decision["action"] == "none" and "kept" in decision["reason"]


@pytest.mark.parametrize("encoded", ["AAAA", "GAAAAAAAAAAD"])  # too short to hold flags and a proxy length
def test_a_winhttp_setting_that_cannot_be_read_is_never_imported_over(encoded):
    setting = winhttp.parse(encoded)
    assert setting["present"] and setting["source"] == "unreadable"
    decision = winhttp.decide(setting, IE_STATIC, "acct")
    assert decision["action"] == "none", decision
    assert "could not be read" in decision["reason"] and "netsh winhttp show proxy" in decision["reason"]


def test_import_only_when_direct_and_static():
    decision = winhttp.decide(DIRECT, IE_STATIC, "acct")
    assert decision["action"] == "import"
    assert decision["expected"] == {"proxy": "ie-proxy.corp.example:3128", "bypass": "*.corp.example"}


def test_explicit_proxy_is_set_unless_equal():
    assert winhttp.decide(PROXY, DIRECT, "a", "PROXY.corp.example:8080", "<local>")["action"] == "none"
    assert winhttp.decide(PROXY, DIRECT, "a", "proxy.corp.example:8080", "")["action"] == "set"
    assert winhttp.decide(DIRECT, DIRECT, "a", "other:1", None)["action"] == "set"


@pytest.mark.parametrize("proxy, bypass, message", [
    ("proxy corp:8080", None, "host:port"), ('"proxy:8080"', None, "host:port"), ("", None, "host:port"),
    ("proxy:8080", ["<local>", "a b"], "bypass-list"),
])
def test_explicit_values_netsh_would_mangle_are_refused(proxy, bypass, message):
    with pytest.raises(ValueError, match=message):
        winhttp.check_explicit(proxy, bypass)


def test_explicit_bypass_list_joined():
    assert winhttp.check_explicit("p:1", ["<local>", " *.corp.example "]) == ("p:1", "<local>;*.corp.example")


def test_verify_catches_a_proxy_lost_to_direct_access():
    decision = {"action": "import", "expected": {"proxy": "x:1", "bypass": None}}
    assert "lost its proxy" in winhttp.verify(decision, PROXY, DIRECT, 0)
    assert "exit code 1" in winhttp.verify(decision, DIRECT, DIRECT, 1)
    assert winhttp.verify(decision, DIRECT, winhttp.parse(winhttp.encode("x:1")), 0) is None
    assert "reads back" in winhttp.verify(decision, DIRECT, DIRECT, 0)


def test_script_params_name_what_the_script_declares():
    assert winhttp.script_params("read") == {"SettingsPath": winhttp.WINHTTP_KEY["path"],
                                             "UserSettingsPath": winhttp.USER_KEY["path"], "Action": "read"}
    assert winhttp.script_params("set", "p:1", "<local>")["ProxyExceptions"] == "<local>"
