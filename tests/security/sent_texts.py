# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every exact text the collection sends a host, as the lab captures it through ansible-core's real winrm and psrp
plugins, and the list of their SHA-256 the release publishes (docs/sent-texts.sha256).

The lab keeps, in $APEXONE_LAB_CAPTURE, powershell.exe's command line (what WinRS starts for the winrm plugin)
and every script block PowerShell compiles (the bootstrap, the driver, common.ps1, the script), for every script
with every parameter set the actions send. A security team checks a 4104 ScriptBlockText or a 4688 command line
against the list: the script-block name (apexone.upgrade.<script>.ps1) is chosen by whoever compiles the block,
so only the text's digest says it is the release's.

Write the list again after a script changes:  make sent-texts
"""

from __future__ import annotations

import glob
import hashlib
import os
import sys
import tempfile

from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import connection_loader

from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan, rollout, selftest
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _remote
from ansible_collections.apexone.upgrade.tests.lab.endpoint import server
from ansible_collections.apexone.upgrade.tests.unit import helpers_action

TRANSPORTS = ("winrm", "psrp")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIST_FILE = os.path.join(ROOT, "docs", "sent-texts.sha256")
REGENERATE = "make sent-texts"


def calls(tmp_dir):
    """script name -> every parameter set the release sends: the actions' own (helpers_action.script_calls), the
    self-test's, the rollout's light read, and the probe's parts apexone_facts chooses that those leave out (an
    agent with the network part; a server without it, with and without post_upgrade's folders)."""
    found = helpers_action.script_calls(tmp_dir)
    for network in (False, True):
        for name, params, dummy in selftest.calls(network):
            found.setdefault(name, []).append(params)
    hosts = list(probe_plan.HOST_SUBSETS)
    found["probe"] += [rollout.poll_params(), probe_plan.probe_params(hosts + ["network"]),
                       probe_plan.probe_params(hosts + ["file_hashes"]),
                       probe_plan.probe_params(hosts + ["file_hashes", "folders"])]
    return found


def _connect(endpoint, transport, host):
    conn = connection_loader.get(transport, PlayContext())
    path = "wsman/%s?seed=%s" % (host, "apexone-srv")
    hostvars = {"ansible_host": "127.0.0.1", "ansible_port": endpoint.port, "ansible_user": "apexone-lab",
                "ansible_password": "Lab-Passw0rd-1", "_extras": {}}
    if transport == "winrm":
        hostvars.update(ansible_winrm_scheme="http", ansible_winrm_path=path, ansible_winrm_transport="ntlm")
    else:
        hostvars.update(ansible_psrp_protocol="http", ansible_psrp_path=path, ansible_psrp_auth="ntlm")
    conn.set_options(var_options=hostvars)
    return conn


def _read(folder):
    """{"command_lines": [...], "script_blocks": {"name (digest)": text}} of what the lab captured."""
    texts = {"command_lines": [], "script_blocks": {}}
    for path in sorted(glob.glob(os.path.join(folder, "*.txt"))):
        kind, name, digest = os.path.basename(path)[:-len(".txt")].split("--")
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        if kind == "command_line":
            texts["command_lines"].append(text)
        else:
            texts["script_blocks"]["%s (%s)" % (name, digest)] = text
    return texts


def capture(work_dir):
    """transport -> what it sent, for every script with every parameter set of calls()."""
    script_calls = calls(os.path.join(work_dir, "calls"))
    found = {}
    previous = os.environ.get("APEXONE_LAB_CAPTURE")
    try:
        for transport in TRANSPORTS:
            folder = os.path.join(work_dir, "capture-" + transport)
            os.environ["APEXONE_LAB_CAPTURE"] = folder
            with server.Endpoint(os.path.join(work_dir, "lab-" + transport)) as endpoint:
                for name, parameter_sets in sorted(script_calls.items()):
                    for index, params in enumerate(parameter_sets):
                        conn = _connect(endpoint, transport, "%s-%d" % (name, index))
                        try:
                            _remote.run_script(conn, name, params, read_only=True)
                        except _remote.RemoteScriptError:
                            pass  # a script may fail on the lab's server (no agent there): its texts were sent
                        finally:
                            conn.close()
            found[transport] = _read(folder)
    finally:
        if previous is None:
            os.environ.pop("APEXONE_LAB_CAPTURE", None)
        else:
            os.environ["APEXONE_LAB_CAPTURE"] = previous
    return found


def _label(kind, name):
    if kind == "command-line":
        return "command-line powershell.exe (winrm)"
    return "script-block %s" % ("(bootstrap, no path)" if name == "bootstrap" else "apexone.upgrade.%s.ps1" % name)


def entries(found):
    """[(sha256, label, characters, transports)] of every distinct text, sorted by label then digest."""
    by_text = {}
    for transport, texts in found.items():
        items = [("command-line", "powershell", text) for text in texts["command_lines"]]
        items += [("script-block", key.split(" (")[0], text) for key, text in texts["script_blocks"].items()]
        for kind, name, text in items:
            key = (kind, name, text)
            by_text.setdefault(key, set()).add(transport)
    rows = [(hashlib.sha256(text.encode("utf-8")).hexdigest(), _label(kind, name), len(text),
             ",".join(t for t in TRANSPORTS if t in transports))
            for (kind, name, text), transports in by_text.items()]
    return sorted(rows, key=lambda row: (row[1], row[2], row[0]))


def listing(found, version, core):
    """The text of docs/sent-texts.sha256."""
    lines = [
        "# SHA-256 of every exact text apexone.upgrade %s sends a Windows host, as PowerShell logs it:" % version,
        "# powershell.exe's command line over winrm (4688 / Sysmon 1 CommandLine) and every script block it compiles",
        "# (4104 ScriptBlockText), hashed over the text's UTF-8 bytes. A script-block name proves nothing (any script",
        "# can compile itself under it): check the digest. The probe is sent cut to the parts a task asks for, so it",
        "# has one text per set of parts the modules ask for. Captured by the lab through ansible-core %s's" % core,
        "# winrm and psrp plugins: the command line and the psrp bootstrap are those that version's plugins build.",
        "# Written by: %s" % REGENERATE,
        "# sha256  what  characters  transports",
    ]
    lines += ["%s  %s  %d  %s" % row for row in entries(found)]
    return "\n".join(lines) + "\n"


def galaxy_version():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("version:"):
                return line.split(":", 1)[1].strip()
    raise ValueError("galaxy.yml has no version")


def core_version():
    from ansible.release import __version__  # pylint: disable=import-outside-toplevel
    return ".".join(__version__.split(".")[:2])


def main():
    with tempfile.TemporaryDirectory(prefix="apexone-sent-texts-") as work:
        os.environ["APEXONE_LAB_DIR"] = work
        found = capture(work)
    with open(LIST_FILE, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(listing(found, galaxy_version(), core_version()))
    sys.stdout.write("%s: %d texts\n" % (os.path.relpath(LIST_FILE, ROOT), len(entries(found))))


if __name__ == "__main__":
    main()
