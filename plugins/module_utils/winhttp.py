# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KA-0001268 method 1: give WinHTTP a proxy, safely. Reading the settings and deciding what to do.

`netsh winhttp import proxy source=ie` copies the Internet Explorer proxy of the account that runs
it. The account Ansible connects as usually has none, or only a PAC file / auto-detection, which
netsh cannot import: it then writes *direct access* over a WinHTTP proxy that was already set. So
the decision is made here, from parsed values (the raw bytes hold a counter that changes on every
write): import only when the account has a static proxy and WinHTTP is direct today; set an explicit
proxy when one is given; never replace a configured proxy with direct access.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import re
import struct

from ansible_collections.apexone.upgrade.plugins.module_utils import errors

# Flags of WinHttpSettings / DefaultConnectionSettings (the INTERNET_PER_CONN_FLAGS values).
FLAG_DIRECT, FLAG_PROXY, FLAG_AUTO_URL, FLAG_AUTO_DETECT = 0x1, 0x2, 0x4, 0x8
WINHTTP_KEY = {"view": "Registry64",
               "path": "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections",
               "value": "WinHttpSettings"}
USER_KEY = {"path": "Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections",
            "value": "DefaultConnectionSettings"}
# What netsh accepts in proxy-server= and bypass-list= without quoting: no spaces, no quotes.
_PROXY = re.compile(r"^[A-Za-z0-9._\-:;=\[\]]+$")
_BYPASS = re.compile(r"^[A-Za-z0-9._\-:;*<>\[\]]+$")


def parse(encoded):
    """WinHttpSettings or DefaultConnectionSettings (base64 of the binary value) -> plain fields.

    Layout: DWORD version, DWORD counter, DWORD flags, DWORD proxy length, proxy (ASCII), DWORD
    bypass length, bypass; IE's value then adds DWORD length + the auto-config (PAC) URL. No value at
    all means direct access. `direct` is True only when no proxy text is set (a proxy string with
    odd flags still counts as a configured proxy: it is never overwritten).
    """
    empty = {"present": False, "proxy": None, "bypass": None, "auto_config_url": None, "auto_detect": False,
             "flags": None, "direct": True, "source": "not set"}
    if not encoded:
        return empty
    try:
        data = base64.b64decode(encoded)
    except (TypeError, ValueError):
        return dict(empty, present=True, source="unreadable")
    if len(data) < 16:
        return dict(empty, present=True, source="unreadable")
    flags = struct.unpack_from("<I", data, 8)[0]
    fields, offset = [], 12
    for dummy in range(3):
        if len(data) < offset + 4:
            fields.append("")
            continue
        length = struct.unpack_from("<I", data, offset)[0]
        fields.append(data[offset + 4:offset + 4 + length].decode("ascii", "replace"))
        offset += 4 + length
    proxy, bypass, url = fields
    return {"present": True, "proxy": proxy or None, "bypass": bypass or None, "auto_config_url": url or None,
            "auto_detect": bool(flags & FLAG_AUTO_DETECT), "flags": flags, "direct": not proxy, "source": "registry"}


def encode(proxy=None, bypass=None, flags=None, counter=0, auto_config_url=None, version=0x18):
    """The binary value Windows keeps for these settings (base64), as parse() reads it."""
    if flags is None:
        flags = FLAG_DIRECT | (FLAG_PROXY if proxy else 0) | (FLAG_AUTO_URL if auto_config_url else 0)
    data = struct.pack("<III", version, counter, flags)
    for text in (proxy or "", bypass or "") + ((auto_config_url,) if auto_config_url else ()):
        raw = text.encode("ascii")
        data += struct.pack("<I", len(raw)) + raw
    return base64.b64encode(data).decode("ascii")


def script_params(action, proxy=None, bypass=None):
    """Parameters for winhttp_import.ps1: `action` read, import or set."""
    params = {"SettingsPath": WINHTTP_KEY["path"], "UserSettingsPath": USER_KEY["path"], "Action": action}
    if action == "set":
        params.update(Proxy=proxy, ProxyExceptions=bypass or "")
    return params


def describe(setting):
    if setting["direct"]:
        return "direct access (no proxy)"
    return "proxy %s, bypass %s" % (setting["proxy"], setting["bypass"] or "(none)")


def _same(a, b):
    return (a or "").strip().lower() == (b or "").strip().lower()


def check_explicit(proxy, bypass):
    """Refuse what netsh would mangle; returns (proxy, bypass) as they will be set."""
    proxy = (proxy or "").strip()
    if isinstance(bypass, (list, tuple)):
        bypass = ";".join(str(b).strip() for b in bypass if str(b).strip())
    bypass = (bypass or "").strip()
    if not _PROXY.match(proxy):
        raise errors.InputError("proxy %r is not a netsh proxy-server value: write host:port (for example "
                                "proxy.corp.example:8080), without spaces, quotes or http://" % (proxy,))
    if bypass and not _BYPASS.match(bypass):
        raise errors.InputError("bypass %r is not a netsh bypass-list value: names separated by ';' (for example "
                                "<local>;*.corp.example), without spaces or quotes" % (bypass,))
    return proxy, bypass


def decide(winhttp_now, user_setting, account, proxy=None, bypass=None):
    """What to do: {"action": none|import|set, "reason", "expected"} from the parsed settings.

    `proxy` given: set it (with `bypass`) unless WinHTTP already has exactly that. Otherwise
    import from the connecting account's IE settings only when WinHTTP is direct (a value that cannot be
    read is not) and the account has a static proxy.
    """
    if proxy:
        if _same(winhttp_now["proxy"], proxy) and _same(winhttp_now["bypass"], bypass):
            return {"action": "none", "reason": "WinHTTP already uses %s" % describe(winhttp_now), "expected": None}
        return {"action": "set", "reason": "set the proxy given", "expected": {"proxy": proxy, "bypass": bypass or None}}
    if winhttp_now.get("source") == "unreadable":
        # A value is there but is not the layout read here: it may hold a proxy. An import could replace it.
        return {"action": "none", "expected": None,
                "reason": "WinHTTP's setting could not be read (not the layout Windows writes): kept; look at it with "
                          "'netsh winhttp show proxy', then give the proxy explicitly with proxy= (and bypass=)"}
    if not winhttp_now["direct"]:
        return {"action": "none", "expected": None,
                "reason": "WinHTTP already has a proxy (%s): kept; a proxy is never replaced by an import"
                          % describe(winhttp_now)}
    if user_setting["direct"]:
        kind = ("only an automatic configuration script (%s)" % user_setting["auto_config_url"]
                if user_setting["auto_config_url"] else
                "only automatic detection" if user_setting["auto_detect"] else "no proxy")
        return {"action": "none", "expected": None,
                "reason": "the account %s has %s in its Internet Explorer settings, which netsh cannot import (it "
                          "would write direct access): give the proxy explicitly with proxy= (and bypass=)"
                          % (account or "Ansible connects as", kind)}
    return {"action": "import", "reason": "WinHTTP is direct and the account %s has a static IE proxy" % account,
            "expected": {"proxy": user_setting["proxy"], "bypass": user_setting["bypass"]}}


def verify(decision, before, after, exit_code):
    """After netsh: None when WinHTTP holds what was expected, else what went wrong."""
    if exit_code not in (0, None):
        return "netsh ended with exit code %s" % exit_code
    if not before["direct"] and after["direct"]:
        return ("WinHTTP lost its proxy (%s): restore it with 'netsh winhttp set proxy %s'"
                % (describe(before), before["proxy"]))
    expected = decision["expected"] or {}
    if not (_same(after["proxy"], expected.get("proxy")) and _same(after["bypass"], expected.get("bypass"))):
        return "WinHTTP reads back %s, expected proxy %s" % (describe(after), expected.get("proxy"))
    return None
