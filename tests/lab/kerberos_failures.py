# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Provoke each Kerberos failure the real `winrm` and `psrp` plugins meet; say what each one raises.

Each case opens one connection through ansible-core's real connection plugin (its `_connect`, where
the plugin authenticates: the winrm plugin runs `kinit` and opens a shell, the psrp plugin opens a
runspace) against the lab's endpoint and the lab's Samba KDC, in a process of its own whose
environment makes the failure happen below the plugin, never in it:

    wrong_password       the controller's account with another password (the KDC refuses pre-authentication)
    unknown_user         an account the domain does not have
    clock_skew           the Windows host's clock 10 minutes ahead of the domain's: the endpoint runs in a process
                         of its own under libfaketime (a controller whose own clock is off is no failure: MIT
                         Kerberos keeps the KDC's time offset in its ticket cache and corrects its authenticators)
    kdc_unreachable      krb5.conf names a KDC port where nothing listens
    spn_unknown          a host name that resolves but has no HTTP / WSMAN SPN in the domain
    no_kerberos_library  pykerberos, gssapi and krb5 cannot be imported (as on a controller without them)

`observe(case, transport, ...)` returns {"case", "transport", "type", "text"}: the exception's class
(module-qualified) and its text, or type None when the connection was made. With `runner=True` the collection's
runner makes the connection (`_remote.run_script` of the probe) instead: the text is what the task would show,
and "connects" how many times the runner asked the plugin to connect.

    python -m ansible_collections.apexone.upgrade.tests.lab.kerberos_failures once TRANSPORT HOST PORT USER PSRP_AUTH [runner]
        (password on stdin; prints the JSON line; run by observe in the case's environment)
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time

from ansible_collections.apexone.upgrade.tests.directory import kerberos

CASES = ("wrong_password", "unknown_user", "clock_skew", "kdc_unreachable", "spn_unknown", "no_kerberos_library")
SKEW = "+10m"  # beyond Kerberos' 5 minutes
FAKETIME_LIBRARY = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"  # Debian: faketime
SPN_UNKNOWN_HOST = "spn-missing"  # resolves to 127.0.0.1 (kerberos.hosts_entries), no SPN in the domain
# What "not installed" looks like to an import: the modules the plugins' Kerberos support needs.
BLOCKED_MODULES = ("kerberos", "gssapi", "krb5")
COLLECTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))), "build",
                           "collections")  # where the working tree is ansible_collections/apexone/upgrade


def connect_once(transport: str, host: str, port: int, user: str, password: str, psrp_auth: str = "kerberos",
                 runner: bool = False) -> dict:
    """One connection through the real plugin, set up as a Kerberos inventory sets it; what it raised (`runner`:
    through the collection's runner, which also counts the plugin's _connect calls)."""
    from ansible.playbook.play_context import PlayContext  # pylint: disable=import-outside-toplevel
    from ansible.plugins.loader import connection_loader  # pylint: disable=import-outside-toplevel
    conn = connection_loader.get(transport, PlayContext())
    path = "wsman/%s?seed=agent-win10-64" % host.split(".")[0]
    hostvars = {"ansible_host": host, "ansible_port": port, "ansible_user": user, "ansible_password": password}
    if transport == "winrm":
        extras = {"ansible_winrm_operation_timeout_sec": 5, "ansible_winrm_read_timeout_sec": 8}
        hostvars.update(extras, ansible_winrm_scheme="http", ansible_winrm_path=path,
                        ansible_winrm_transport="kerberos", ansible_winrm_kinit_env_vars=["KRB5_CONFIG"])
        hostvars["_extras"] = extras
    else:
        hostvars.update(ansible_psrp_protocol="http", ansible_psrp_path=path, ansible_psrp_auth=psrp_auth,
                        ansible_psrp_connection_timeout=8, ansible_psrp_read_timeout=8,
                        ansible_psrp_operation_timeout=5, ansible_psrp_reconnection_retries=0)
        hostvars["_extras"] = {}
    conn.set_options(var_options=hostvars)
    connects = []
    if runner:
        plugin_connect = conn._connect  # pylint: disable=protected-access

        def counted():
            connects.append(1)
            return plugin_connect()
        conn._connect = counted  # pylint: disable=protected-access
    try:
        if runner:
            from ansible_collections.apexone.upgrade.plugins.plugin_utils import _remote  # pylint: disable=import-outside-toplevel
            _remote.run_script(conn, "probe", {"Subset": ["os"]}, read_only=True)
        else:
            conn._connect()  # pylint: disable=protected-access
    except Exception as exc:  # pylint: disable=broad-except
        return {"type": "%s.%s" % (type(exc).__module__, type(exc).__name__), "text": str(exc),
                "connects": len(connects)}
    finally:
        try:
            conn.close()
        except Exception:  # pylint: disable=broad-except
            pass
    return {"type": None, "text": ""}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _blockers(folder: str) -> str:
    """A folder that, first on PYTHONPATH, makes each Kerberos module fail to import as a missing one does."""
    path = os.path.join(folder, "no-kerberos")
    os.makedirs(path, exist_ok=True)
    for name in BLOCKED_MODULES:
        with open(os.path.join(path, name + ".py"), "w", encoding="ascii") as handle:
            handle.write("raise ModuleNotFoundError(\"No module named '%s'\", name='%s')\n" % (name, name))
    return path


@contextlib.contextmanager
def _skewed_endpoint(workdir: str, realm):
    """An endpoint in a process of its own whose clock runs SKEW ahead (the host's): yields its port."""
    if not os.path.exists(FAKETIME_LIBRARY):
        raise FileNotFoundError("%s is missing: apt-get install faketime" % FAKETIME_LIBRARY)
    lab_dir = os.path.join(workdir, "skewed-host")
    os.makedirs(lab_dir, exist_ok=True)
    serve = os.path.join(os.path.dirname(os.path.abspath(__file__)), "endpoint", "serve.py")
    env = dict(os.environ, LD_PRELOAD=FAKETIME_LIBRARY, FAKETIME=SKEW, DONT_FAKE_MONOTONIC="1")
    with open(os.path.join(lab_dir, "endpoint.log"), "wb") as log:
        process = subprocess.Popen([sys.executable, serve, "run", "--lab-dir", lab_dir, "--keytab", realm.keytab],
                                   env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        port_file = os.path.join(lab_dir, "endpoint.port")
        deadline = time.monotonic() + 60
        while not os.path.exists(port_file):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the skewed endpoint did not start; see %s/endpoint.log" % lab_dir)
            time.sleep(0.05)
        with open(port_file, encoding="ascii") as handle:
            yield int(handle.read())
    finally:
        process.terminate()
        process.wait(30)


def observe(case: str | None, transport: str, realm, port: int, workdir: str, host: str = "agent-win10-64",
            psrp_auth: str = "kerberos", runner: bool = False) -> dict:
    """Provoke `case` over `transport` against the endpoint on `port` (the realm of samba_dc.SambaDC); case
    None: no failure. `psrp_auth="negotiate"`: what psrp's negotiate does instead (it may fall back to NTLM)."""
    if case is not None and case not in CASES:
        raise ValueError("case %r: kerberos_failures provokes %s" % (case, ", ".join(CASES)))
    env = dict(os.environ, KRB5_CONFIG=realm.krb5_conf, PYTHONPATH=COLLECTIONS)
    env.pop("KRB5CCNAME", None)
    user, password, target = realm.principal, realm.password, kerberos.fqdn(host)
    if case == "wrong_password":
        password = "Not-The-Passw0rd-1"
    elif case == "unknown_user":
        user = "nobody-here@" + kerberos.REALM
    elif case == "kdc_unreachable":
        env["KRB5_CONFIG"] = kerberos.write_krb5_conf(os.path.join(workdir, "krb5-no-kdc.conf"),
                                                      kdc="127.0.0.1:%d" % _closed_port())
    elif case == "spn_unknown":
        target = kerberos.fqdn(SPN_UNKNOWN_HOST)
    elif case == "no_kerberos_library":
        env["PYTHONPATH"] = _blockers(workdir) + os.pathsep + COLLECTIONS
    with _skewed_endpoint(workdir, realm) if case == "clock_skew" else contextlib.nullcontext(port) as port:
        command = [sys.executable, "-m", __name__, "once", transport, target, str(port), user, psrp_auth]
        command += ["runner"] if runner else []
        proc = subprocess.run(command, input=password, capture_output=True, text=True, env=env, timeout=120,
                              check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError("the %s case over %s did not report (rc %d):\n%s"
                           % (case, transport, proc.returncode, proc.stderr[-3000:]))
    return dict(json.loads(lines[-1]), case=case, transport=transport)


def main(argv) -> int:
    if len(argv) not in (6, 7) or argv[0] != "once" or argv[6:] not in ([], ["runner"]):
        sys.stderr.write(__doc__)
        return 2
    transport, host, port, user, psrp_auth = argv[1:6]
    print(json.dumps(connect_once(transport, host, int(port), user, sys.stdin.read(), psrp_auth=psrp_auth,
                                  runner=argv[6:] == ["runner"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
