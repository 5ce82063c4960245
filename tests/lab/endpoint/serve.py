# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the lab's WS-Management endpoint for one lab folder, outside a test process.

    python tests/lab/endpoint/serve.py start --lab-dir DIR   # in the background; returns when it listens
    python tests/lab/endpoint/serve.py stop --lab-dir DIR
    python tests/lab/endpoint/serve.py run --lab-dir DIR     # in the foreground until SIGTERM / Ctrl-C

--keytab FILE: the hosts' HTTP / WSMAN service keys, so the endpoint offers and accepts Kerberos.

The port is written to DIR/endpoint.port (the lab inventories read it), the process id to
DIR/endpoint.pid. Used by scripts/preflight_lab.sh and molecule's create / destroy.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

# The files server.Endpoint writes (server.PORT_FILE, server.PID_FILE): named here so that start and
# stop need not import the endpoint (a second or two of imports on a busy machine).
PORT_FILE = "endpoint.port"
PID_FILE = "endpoint.pid"


def _run(lab_dir: str, latency: float, keytab: str | None = None) -> int:
    from ansible_collections.apexone.upgrade.tests.lab.endpoint import server  # pylint: disable=import-outside-toplevel
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())
    endpoint = server.Endpoint(lab_dir, latency=latency, keytab=keytab).start()
    pid_file = os.path.join(endpoint.lab_dir, PID_FILE)
    with open(pid_file, "w", encoding="ascii") as handle:
        handle.write(str(os.getpid()))
    try:
        stop.wait()
    finally:
        endpoint.stop()
        os.remove(pid_file)
    return 0


def _start(lab_dir: str, latency: float, keytab: str | None = None, wait: float = 20.0) -> int:
    port_file = os.path.join(lab_dir, PORT_FILE)
    if os.path.exists(port_file):
        os.remove(port_file)
    os.makedirs(lab_dir, exist_ok=True)
    with open(os.path.join(lab_dir, "endpoint.log"), "ab") as log:
        process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "run", "--lab-dir", lab_dir,
                                    "--latency", str(latency)] + (["--keytab", keytab] if keytab else []),
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if os.path.exists(port_file) and os.path.exists(os.path.join(lab_dir, PID_FILE)):
            with open(port_file, encoding="ascii") as handle:
                print("lab endpoint listening on 127.0.0.1:%s (pid %d)" % (handle.read(), process.pid))
            return 0
        if process.poll() is not None:
            break
        time.sleep(0.02)
    sys.stderr.write("the lab endpoint did not start; see %s\n" % os.path.join(lab_dir, "endpoint.log"))
    return 1


def _stop(lab_dir: str, _latency: float = 0.0, _keytab: str | None = None, wait: float = 10.0) -> int:
    pid_file = os.path.join(lab_dir, PID_FILE)
    if not os.path.exists(pid_file):
        return 0  # not running: nothing to stop
    with open(pid_file, encoding="ascii") as handle:
        pid = int(handle.read())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        os.remove(pid_file)
        return 0
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and os.path.exists(pid_file):
        time.sleep(0.02)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("start", "stop", "run"))
    parser.add_argument("--lab-dir", default=os.environ.get("APEXONE_LAB_DIR"),
                        help="the lab folder (default: $APEXONE_LAB_DIR)")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds each command runs on a host whose seed sets no faults.latency")
    parser.add_argument("--keytab", help="the hosts' service keys: the endpoint offers and accepts Kerberos")
    args = parser.parse_args(argv)
    if not args.lab_dir:
        parser.error("give --lab-dir or set APEXONE_LAB_DIR")
    lab_dir = os.path.abspath(args.lab_dir)
    return {"start": _start, "stop": _stop, "run": _run}[args.action](lab_dir, args.latency, args.keytab)


if __name__ == "__main__":
    sys.exit(main())
