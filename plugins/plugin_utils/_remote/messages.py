# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a failed remote execution says to the user: each message in one place, each saying what to do.
Internal: not a public API."""

from __future__ import annotations

import typing as t

SECURITY_PAGE = "the README's 'For the security team' section"
SENT_TEXTS = "docs/sent-texts.sha256 in the collection"


def short(text: str, width: int = 300) -> str:
    return " ".join(str(text).split())[:width]


def cut_answer(name: str, exc: Exception) -> str:
    return ("script %s returned a result line that is not whole JSON (%s); the output may have been cut: re-run "
            "with -vvv and check the connection" % (name, exc))


def script_failed(name: str, error: dict) -> str:
    # The first line of the stack names the part and the function, e.g. "at Read-CertificateStore,
    # apexone.upgrade.common.ps1: line 5".
    where = str(error.get("stack") or "").strip().splitlines()
    at = " (%s)" % where[0].strip() if where else ""
    return "script %s failed on the host: %s%s" % (name, error.get("message"), at)


def input_damaged(name: str, err: str) -> str:
    return ("script %s did not start: its input arrived cut or damaged on the host (%s). Nothing ran; re-run"
            % (name, err.splitlines()[0] if err else "no error text"))


def does_not_parse(name: str, err: str) -> str:
    line = next((text for text in err.splitlines() if "does not parse on this host" in text), err)
    return ("script %s did not start: the host's Windows PowerShell rejected the collection's text (%s). Nothing ran. "
            "Check the host's PowerShell version (5.1 is supported) and that the collection is installed unmodified"
            % (name, line.strip()))


def no_answer(name: str, rc: t.Any, err: str) -> str:
    return ("script %s did not complete (rc=%s): %s. Check that the account can run Windows PowerShell 5.1 as an "
            "administrator on the host; stderr is shown below" % (name, rc, err.splitlines()[0] if err else "no error text"))


def amsi(name: str, part: str) -> str:
    which = " (%s)" % part if part else ""
    return ("script %s was blocked by anti-malware on this host%s: its script scanning (AMSI) refused to run it. "
            "Nothing ran and it is not retried. See the Apex One / Defender log on the host for the detection, and "
            "have the security team check the blocked text against the release's SHA-256 list (%s). A script's name "
            "proves nothing (any script can take it): never exclude by name or path; scope an exception to the "
            "service account, the controller's addresses and the WinRM process tree, as %s describes"
            % (name, which, SENT_TEXTS, SECURITY_PAGE))


def killed(name: str, rc: t.Any) -> str:
    return ("script %s was ended on the host before it answered (exit code %s, no output, no error): anti-malware "
            "or an endpoint protection product (behaviour monitoring, EDR) may have stopped powershell.exe. It is not "
            "retried. See the Apex One / EDR log on the host, and %s; if nothing was blocked there, re-run"
            % (name, rc, SECURITY_PAGE))


def ended_before_input(name: str, where: str) -> str:
    return ("%s: script %s ended on the host before it had read its input (the winrm plugin's Send failed, then the "
            "command had ended without an answer): anti-malware or an endpoint protection product may have stopped "
            "powershell.exe when it started. It is not retried. See the Apex One / EDR log on the host and %s; if "
            "nothing was blocked there, re-run" % (where, name, SECURITY_PAGE))


def launch_blocked(name: str, where: str, text: str) -> str:
    return ("%s: the host refused to start PowerShell for script %s (%s): an application control policy "
            "(AppLocker, WDAC) or anti-malware blocks the program for this account. Nothing ran and it is not "
            "retried. See %s" % (where, name, short(text), SECURITY_PAGE))


def provider_died(name: str, where: str, text: str) -> str:
    return ("%s: the PowerShell host process on the host (wsmprovhost.exe) ended while script %s ran (%s): "
            "anti-malware or an endpoint protection product may have stopped it. It is not retried: a read-only "
            "script that was stopped once would be stopped again. See the Apex One / EDR log on the host and %s"
            % (where, name, short(text), SECURITY_PAGE))


def authenticate(where: str, protocol: str, text: str, user: str) -> str:
    return ("%s: %s authentication failed for %s: %s. Nothing ran, and it is not retried: each attempt with a wrong "
            "password counts towards the account's lockout. %s"
            % (where, protocol, user or "the account", short(text), _auth_hint(protocol, text)))


def _auth_hint(protocol: str, text: str) -> str:
    """What to do, from what the plugin or the Kerberos library said (tests/lab/kerberos_failures.py)."""
    lowered = text.lower()
    kerberos = "kerberos" in protocol.lower() or "kerberos" in lowered or "krb5" in lowered
    if "skew" in lowered:
        return ("The host's clock and the domain's differ by more than Kerberos allows (5 minutes by default): fix "
                "the host's time (w32tm /resync; a domain member takes it from the domain hierarchy)")
    if "library is not installed" in lowered or "no module named" in lowered or "requires the python" in lowered:
        return ("The controller lacks the Kerberos libraries: install the collection's requirements "
                "(requirements.txt) and the system's Kerberos packages (see the README's Kerberos section)")
    if "cannot contact any kdc" in lowered or "cannot find kdc" in lowered:
        return ("The controller cannot reach a KDC of the realm: check krb5.conf (the realm's kdc lines, or "
                "dns_lookup_kdc) and that TCP/UDP 88 to the domain controllers is open. No password was tried")
    if "server not found in kerberos database" in lowered:
        return ("The domain knows no service principal for the name the inventory connects to (HTTP/<name> for "
                "winrm, WSMAN/<name> for psrp): use the host's fully qualified name (ansible_host), as registered "
                "in the domain. No password was tried")
    if "not found in kerberos database" in lowered:
        return "The domain has no such account: write the user as user@REALM, the realm in capitals"
    if "revoked" in lowered:
        return "The account is locked out or disabled in the domain: ask the domain's administrators"
    if kerberos and "credentials were rejected by the server" in lowered:
        return ("Check the password before the account locks; with Kerberos, a host whose clock is more than 5 "
                "minutes off the domain's reads the same to the winrm plugin")
    return "Check the user name and the password (or the Kerberos ticket) before the account locks"


def credentials_stopped(where: str, user: str, rejected: int, hosts: t.Iterable[str]) -> str:
    named = ", ".join(sorted(hosts)[:5])
    return ("%s: not contacted: the credentials of %s were rejected by %d host(s) in this run (%s). The collection "
            "stops using them so that the account does not lock: check the password, then re-run"
            % (where, user or "the account", rejected, named))


def unreachable(where: str, name: str, text: str) -> str:
    return ("%s: no WinRM session could be set up: %s. %s never started. Check that the host is up and that WinRM "
            "listens on the port and path set for it; then re-run" % (where, short(text), name))


def not_opened(where: str, kind: str, text: str, name: str) -> str:
    return ("%s: WinRM opened no %s: %s. %s never started (nothing was changed). WinRM may be overloaded "
            "(MaxShellsPerUser / MaxConcurrentOperationsPerUser) or restarting: re-run later"
            % (where, kind, short(text), name))


def not_started(where: str, text: str, name: str) -> str:
    return ("%s: the connection failed before the script ran: %s. %s never started (nothing was changed): re-run"
            % (where, short(text), name))


def failed_twice(where: str, name: str, text: str) -> str:
    return ("%s: the connection failed twice while running read-only %s: %s. Nothing was changed; the host may be "
            "rebooting or WinRM overloaded: re-run later" % (where, name, short(text)))


def half_done(where: str, name: str, text: str) -> str:
    return ("%s: the connection failed while %s was changing the host: %s. %s may be half done: re-run, every "
            "change is idempotent, and review the result" % (where, name, short(text), name))


def unanswered(name: str, missing: t.Iterable[str]) -> str:
    return ("script %s answered neither a result nor an error for the subsets asked of it: %s. The script that ran "
            "does not match what the controller asked for (a locally edited script, or a fault in this collection): "
            "re-run with -vvv and report it" % (name, ", ".join(missing)))


def not_windows(family: t.Any) -> str:
    return ("this module runs on Windows hosts over WinRM or PSRP, but the connection's shell is %r: set "
            "ansible_connection to winrm or psrp for this host, or remove it from the apexone_server / "
            "apexone_agents groups" % (family,))
