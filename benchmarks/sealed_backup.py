# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What sealing OfficeScanAuth.dat costs: the run's key pair, the answer's bytes, the controller's decryption.

    python benchmarks/sealed_backup.py [--sizes 2600 6000] [--keys 5]

The answer is what auth_backup.ps1's lab twin gives (the same scheme as the script: AES-256-CBC, the key
wrapped with RSA-OAEP to a 3072-bit key made for the run), beside what the file in clear would have been, and
the answer when the controller already keeps a copy with the same SHA-256 (only the hash travels).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

from ansible_collections.apexone.upgrade.plugins.module_utils import auth_backup  # noqa: E402
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _sealed  # noqa: E402
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins  # noqa: E402

PFX_PATH = "C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\AuthCertBackup\\OfficeScanAuth.dat"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2600, 6000], help="file sizes in bytes")
    parser.add_argument("--keys", type=int, default=5, help="key pairs to time")
    args = parser.parse_args(argv)
    timings = []
    for dummy in range(args.keys):
        began = time.perf_counter()
        key = _sealed.RunKey()
        timings.append(time.perf_counter() - began)
    print("key pair per run (RSA %d): median %.2f s over %d (%s)" % (
        _sealed.KEY_BITS, statistics.median(timings), len(timings), ", ".join("%.2f" % t for t in timings)))
    print("public key sent to the host: %d bytes" % len(key.public_xml))
    with tempfile.TemporaryDirectory() as lab_dir:
        os.environ["APEXONE_LAB_DIR"] = lab_dir
        host = state.load_seed("apexone-srv")
        for size in args.sizes:
            plain = os.urandom(size)
            host["files"][PFX_PATH]["content_b64"] = base64.b64encode(plain).decode("ascii")
            sealed = twins.TWINS["auth_backup"](host, auth_backup.plan(1 << 20, key.public_xml))
            began = time.perf_counter()
            assert key.open(sealed["sealed"]) == plain
            opened = time.perf_counter() - began
            known = twins.TWINS["auth_backup"](host, auth_backup.plan(1 << 20, key.public_xml,
                                                                      [hashlib.sha256(plain).hexdigest()]))
            clear = len(json.dumps({"content_b64": base64.b64encode(plain).decode("ascii")}))
            now = len(json.dumps({"sealed": sealed["sealed"], "sha256": sealed["sha256"]}))
            print("file %6d B: in clear %6d B of JSON, sealed %6d B (+%d), already kept %d B; opened in %.1f ms"
                  % (size, clear, now, now - clear, len(json.dumps({"sha256": known["sha256"]})), opened * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
