# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the bytes of one remote execution go on the wire, request by request, per transport.

    python benchmarks/wire_breakdown.py [--transports winrm psrp] [--json FILE]

One execution each, through ansible-core's real `winrm` / `psrp` plugins (NTLM, message encryption)
against the lab's loopback endpoint, started here:
- floor: a command of one statement and an empty stdin line: what any execution pays (the lab refuses the
  command, so the answer is a short error record);
- probe: the preflight probe of an agent, every subset, as the preflight sends it: the runner's command (the
  bootstrap, plain text) and its input (one line of JSON: the driver, common.ps1, the probe, the parameters).
For each HTTP request: the WS-Man step (or the NTLM handshake), bytes to the host and from it (request
or status line, headers, body: what the endpoint counts), and the plain SOAP inside the encrypted body.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

# pylint: disable=wrong-import-position
from ansible.playbook.play_context import PlayContext  # noqa: E402
from ansible.plugins.loader import connection_loader  # noqa: E402

from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan  # noqa: E402
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload  # noqa: E402
from ansible_collections.apexone.upgrade.tests.lab.endpoint import server, soap  # noqa: E402

USER, PASSWORD = "apexone-lab", "Lab-Passw0rd-1"
RECORDS: list[dict] = []
_LOCAL = threading.local()


def _instrument() -> None:
    """Label each request the endpoint counts with its step and the plain sizes inside."""
    handler = server._Handler  # pylint: disable=protected-access
    parse, authenticate, sealed, count = soap.parse, handler._authenticate, handler._reply, handler._count

    def parse_labelled(plain):
        request = parse(plain)
        _LOCAL.step, _LOCAL.plain_in = request.step, len(plain)
        return request

    def authenticate_labelled(self, host, body):
        _LOCAL.step, _LOCAL.plain_in = "ntlm", 0
        return authenticate(self, host, body)

    def sealed_labelled(self, status, plain):
        _LOCAL.plain_out = len(plain)
        return sealed(self, status, plain)

    def count_labelled(self, size_out):
        if self.uncounted is not None:
            RECORDS.append({"step": getattr(_LOCAL, "step", "other"), "to_host": self.uncounted[1], "from_host": size_out,
                            "plain_to_host": getattr(_LOCAL, "plain_in", 0),
                            "plain_from_host": getattr(_LOCAL, "plain_out", 0)})
            _LOCAL.step, _LOCAL.plain_in, _LOCAL.plain_out = "other", 0, 0
        return count(self, size_out)

    soap.parse = parse_labelled
    handler._authenticate, handler._reply, handler._count = authenticate_labelled, sealed_labelled, count_labelled


def connect(endpoint, transport: str, host: str):
    conn = connection_loader.get(transport, PlayContext())
    path = "wsman/%s?seed=agent-win10-64" % host
    hostvars = {"ansible_host": "127.0.0.1", "ansible_port": endpoint.port, "ansible_user": USER,
                "ansible_password": PASSWORD}
    if transport == "winrm":
        hostvars.update(ansible_winrm_scheme="http", ansible_winrm_path=path, ansible_winrm_transport="ntlm")
    else:
        hostvars.update(ansible_psrp_protocol="http", ansible_psrp_path=path, ansible_psrp_auth="ntlm")
    hostvars["_extras"] = {}
    conn.set_options(var_options=hostvars)
    return conn


def cases() -> dict[str, tuple[str, str]]:
    """Each case's command and input, handed to the plugin as text (each plugin starts a command as it starts the
    runner's: winrm wraps it in powershell.exe -EncodedCommand, psrp runs it in the runspace)."""
    params = probe_plan.probe_params(list(probe_plan.HOST_SUBSETS))
    return {
        "floor": ("$null", "\r\n"),
        "probe": (payload.command(), payload.stdin("probe", params)),
    }


def measure(endpoint, transport: str) -> dict:
    found = {}
    for name, (command, stdin) in cases().items():
        conn = connect(endpoint, transport, "%s-%s" % (name, transport))
        RECORDS.clear()
        rc, stdout, stderr = conn.exec_command(command, in_data=stdin, sudoable=False)
        conn.close()
        steps = collections.OrderedDict()
        for record in RECORDS:
            row = steps.setdefault(record["step"], {"requests": 0, "to_host": 0, "from_host": 0,
                                                    "plain_to_host": 0, "plain_from_host": 0})
            row["requests"] += 1
            for key in ("to_host", "from_host", "plain_to_host", "plain_from_host"):
                row[key] += record[key]
        found[name] = {"rc": rc, "command_chars": len(command), "stdin_bytes": len(stdin),
                       "stdout_bytes": len(stdout), "steps": steps,
                       "to_host": sum(r["to_host"] for r in RECORDS), "from_host": sum(r["from_host"] for r in RECORDS),
                       "requests": len(RECORDS)}
    return found


def show(transport: str, found: dict) -> None:
    print("\n%s: bytes on the wire per step (requests, to host / from host; plain SOAP inside in brackets)" % transport)
    names = list(found)
    print("%-10s" % "step" + "".join("%34s" % n for n in names))
    steps = []
    for name in names:
        steps += [s for s in found[name]["steps"] if s not in steps]
    for step in steps:
        cells = []
        for name in names:
            row = found[name]["steps"].get(step)
            text = "-"
            if row:
                text = "%d: %d [%d] / %d [%d]" % (row["requests"], row["to_host"], row["plain_to_host"], row["from_host"],
                                                  row["plain_from_host"])
            cells.append("%34s" % text)
        print("%-10s" % step + "".join(cells))
    print("%-10s" % "total" + "".join("%34s" % ("%d: %d / %d" % (found[n]["requests"], found[n]["to_host"],
                                                                 found[n]["from_host"])) for n in names))
    print("%-10s" % "inside" + "".join("%34s" % ("cmd %d, stdin %d, stdout %d" % (
        found[n]["command_chars"], found[n]["stdin_bytes"], found[n]["stdout_bytes"])) for n in names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--transports", nargs="+", default=["winrm", "psrp"], choices=["winrm", "psrp"])
    parser.add_argument("--json", help="write the numbers to this file as well")
    args = parser.parse_args()
    _instrument()
    results = {}
    with server.Endpoint(tempfile.mkdtemp(prefix="apexone-wire-")) as endpoint:
        for transport in args.transports:
            results[transport] = measure(endpoint, transport)
            show(transport, results[transport])
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
