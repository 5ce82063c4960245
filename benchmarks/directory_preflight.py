# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the preflight with N computers in a real directory (Samba AD DC on 127.0.0.1).

    python benchmarks/directory_preflight.py [--hosts 1000]

Starts the test directory (tests/directory/samba_dc.py), loads N computer objects in bulk with one
ldbadd (a mix of the seed's unsupported OS and supported ones, both operatingSystemVersion forms),
then times: the directory's start, the bulk load, `ansible-inventory --list` through the real
microsoft.ad.ldap plugin, and the whole preflight.yml (lab inventory + the directory, report written),
and checks that every computer was classified. Prints JSON.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "collections"))

# pylint: disable=wrong-import-position
from ansible_collections.apexone.upgrade.tests.directory import samba_dc  # noqa: E402
from ansible_collections.apexone.upgrade.tests.lab.endpoint import server as lab_endpoint  # noqa: E402

MIX = [  # operatingSystem, operatingSystemVersion, operatingSystemServicePack, blocks
    ("Windows XP Professional", "5.1 (2600)", "Service Pack 3", True),
    ("Windows 7 Professional", "6.1 (7600)", None, True),
    ("Windows 7 Enterprise", "6.1.7601", "Service Pack 1", False),
    ("Windows 10 Enterprise", "10.0 (19045)", None, False),
    ("Windows 10 Pro", "10.0.19045", None, False),
    ("Windows Server 2008 R2 Standard", "6.1 (7601)", "Service Pack 1", False),
    ("Windows Server 2016 Standard", "10.0 (14393)", None, False),
    ("Windows 11 Enterprise", "10.0 (22631)", None, False),
]


def computers(count):
    return [{"name": "BENCH-%05d" % i, "operatingSystem": MIX[i % len(MIX)][0],
             "operatingSystemVersion": MIX[i % len(MIX)][1], "operatingSystemServicePack": MIX[i % len(MIX)][2],
             "dNSHostName": "bench-%05d.lab.example" % i} for i in range(count)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=1000)
    args = parser.parse_args()
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "tests", "lab", "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"), ANSIBLE_NOCOLOR="1")
    out = {"hosts": args.hosts}
    with tempfile.TemporaryDirectory() as tmp:
        dc = samba_dc.SambaDC()
        began = time.monotonic()
        dc.start()
        out["directory_start_s"] = round(time.monotonic() - began, 2)
        out["directory_timings"] = dict(dc.timings)
        try:
            began = time.monotonic()
            dc.add_computers(computers(args.hosts))  # bulk, while the directory runs
            out["bulk_load_s"] = round(time.monotonic() - began, 2)
            source = dc.inventory(os.path.join(tmp, "ad.microsoft.ad.ldap.yml"))
            began = time.monotonic()
            proc = subprocess.run([os.path.join(bin_dir, "ansible-inventory"), "-i", source, "--list"], env=env,
                                  capture_output=True, text=True, check=True)
            out["ansible_inventory_s"] = round(time.monotonic() - began, 2)
            out["inventory_hosts"] = len(json.loads(proc.stdout)["_meta"]["hostvars"])
            reports = os.path.join(tmp, "reports")
            began = time.monotonic()
            playbook = os.path.join(ROOT, "playbooks", "preflight.yml")
            lab_dir = os.path.join(tmp, "lab")
            # the lab's hosts answer on the loopback WS-Management endpoint, which serves lab_dir
            with lab_endpoint.Endpoint(lab_dir):
                proc = subprocess.run([os.path.join(bin_dir, "ansible-playbook"), playbook,
                                       "-i", os.path.join(ROOT, "tests", "lab", "inventory.yml"), "-i", source,
                                       "-e", json.dumps({"apexone_report_dir": reports, "apexone_fail_on_blockers": False,
                                                         "apexone_backup_dir": os.path.join(tmp, "backups")})],
                                      env=dict(env, APEXONE_LAB_DIR=lab_dir), capture_output=True, text=True, check=False)
            out["preflight_s"] = round(time.monotonic() - began, 2)
            out["preflight_rc"] = proc.returncode
            written = glob.glob(os.path.join(reports, "*.json"))
            if not written:
                sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-2000:])
                raise SystemExit("the preflight wrote no report (rc=%d): its output is above" % proc.returncode)
            with open(written[0], encoding="utf-8") as handle:
                model = json.load(handle)
            cov = model["coverage"]
            out["classified_from_ad"] = cov["counts"]["ad"]
            out["unsupported_from_ad"] = sum(1 for a in cov["agents"] if a["os_source"] == "ad" and a["unsupported"])
            out["expected_unsupported"] = sum(1 for i in range(args.hosts) if MIX[i % len(MIX)][3])
        finally:
            dc.stop()
    print(json.dumps(out, indent=1))
    return 0 if out["unsupported_from_ad"] == out["expected_unsupported"] else 1


if __name__ == "__main__":
    sys.exit(main())
