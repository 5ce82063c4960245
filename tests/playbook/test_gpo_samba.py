# -*- coding: utf-8 -*-
"""gpo_certificates.yml against the lab's real Samba domain controller, read back with Samba's own library.

The playbook reaches the DC as ops reach a Linux DC from the controller that runs on it: a local connection
(SSH is the same module over another connection), the DC's own Python with Samba's bindings. The GPO's
Machine\\Registry.pol is then read from sysvol by a separate Python program that uses only Samba's `preg`
parser (samba.ndr), and every Blob is decoded here, by hand, to the certificate file's bytes.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import struct
import subprocess

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates
from ansible_collections.apexone.upgrade.tests.directory import samba_dc
from ansible_collections.apexone.upgrade.tests.playbook import labrun
from ansible_collections.apexone.upgrade.tests.unit import helpers_bundle

PLAYBOOK = "playbooks/gpo_certificates.yml"
TASK = "Make or update the GPO that carries the certificates, and link it"
NAME = "apexone.upgrade signature certificates (KA-0001268)"
SYSTEM_PYTHON = "/usr/bin/python3"  # the DC's Python: Debian's python3-samba lives there
# Samba's preg parser on a Registry.pol file: key, value name, type, data (hex) of each entry, as JSON.
READ_POL = """
import json, sys
from samba.dcerpc import preg
from samba.ndr import ndr_unpack
pol = ndr_unpack(preg.file, open(sys.argv[1], 'rb').read())
print(json.dumps([[e.keyname, e.valuename, e.type, bytes(e.data).hex() if e.type == 3 else str(e.data)] for e in pol.entries]))
"""

pytestmark = pytest.mark.skipif(bool(samba_dc.missing_tools()), reason="Samba is not installed: bash scripts/bootstrap.sh as root")


@pytest.fixture(scope="module")
def lab_transport():
    """No WinRM here: the DC is reached over a local connection (overrides the winrm/psrp parametrisation)."""
    return "local"


def _roots():
    return [dict(thumbprint=spec["thumbprint"], store="Root", name=spec["name"])
            for spec in certificates.required_certificates() if spec["store"] == "Root"]


@pytest.fixture(scope="module")
def dc_runs(tmp_path_factory):
    path = tmp_path_factory.mktemp("gpo-samba")
    helpers_bundle.make_root_bundle(str(path / "bundle"), certificates.required_certificates())
    # One CA-store entry, to fill the intermediate key too: a real file (Debian's ISRG Root X1) declared as an
    # extra certificate of store CA, as a user extends the list (no real file of the article's intermediates here).
    helpers_bundle.make_bundle(str(path / "unused"))
    isrg = os.path.join(helpers_bundle.helpers.DEBIAN_CA_DIR, "ISRG_Root_X1.crt")
    with open(isrg, "rb") as source, open(str(path / "bundle" / "isrg.pem"), "wb") as target:
        target.write(source.read())
    extra = _roots() + [{"thumbprint": "cabd2a79a1076a31f21d253635cb039d4329a5e8", "store": "CA", "name": "ISRG Root X1"}]
    with samba_dc.SambaDC() as dc:
        inventory = path / "inventory.yml"
        inventory.write_text("all:\n  children:\n    apexone_gpo_dc:\n      hosts:\n        samba-dc:\n"
                             "          ansible_connection: local\n          ansible_python_interpreter: %s\n" % SYSTEM_PYTHON)
        extra_vars = {"apexone_certificate_bundle": str(path / "bundle"), "apexone_use_catalog": False,
                      "apexone_required_certificates": extra, "apexone_gpo_link_target": samba_dc.BASE_DN,
                      "apexone_samba_password": dc.password, "apexone_samba_smb_conf": dc.conf}
        runs = [labrun.run_playbook(PLAYBOOK, path / "lab", inventory=str(inventory), extra_vars=extra_vars, check=check,
                                    diff=True) for check in (True, False, False)]
        found = _read_back(dc)
        yield dc.password, runs, found, extra


def _samba_tool(dc, *args):
    proc = subprocess.run(["samba-tool", "gpo"] + list(args) + ["-H", "ldap://127.0.0.1", "-U", "Administrator",
                                                                "--configfile=" + dc.conf],
                          env=dict(os.environ, PASSWD=dc.password), capture_output=True, text=True, check=True, timeout=120)
    return proc.stdout


def _read_back(dc):
    """What Samba's own tools say: the GPO (listall), its links (getlink), its version, and Registry.pol (preg)."""
    listing = _samba_tool(dc, "listall")
    blocks = [b for b in listing.split("\n\n") if "display name : %s" % NAME in b]
    gpo_id = blocks[0].split("GPO          : ")[1].split("\n")[0].strip() if blocks else None
    found = {"listall": listing, "gpo": gpo_id, "blocks": len(blocks)}
    if gpo_id:
        found["show"] = _samba_tool(dc, "show", gpo_id)
        found["links"] = _samba_tool(dc, "getlink", samba_dc.BASE_DN)
        pol = glob.glob(os.path.join(dc.workdir, "state", "sysvol", "*", "Policies", gpo_id, "Machine", "Registry.pol"))
        found["entries"] = json.loads(subprocess.run([SYSTEM_PYTHON, "-c", READ_POL, pol[0]], capture_output=True,
                                                     text=True, check=True).stdout)
        found["extensions"] = subprocess.run(
            [samba_dc.LDBADD.replace("ldbadd", "ldbsearch"), "-H", os.path.join(dc.workdir, "private", "sam.ldb"),
             "-s", "base", "-b", "CN=%s,CN=Policies,CN=System,%s" % (gpo_id, samba_dc.BASE_DN), "gPCMachineExtensionNames"],
            capture_output=True, text=True, check=True, timeout=60).stdout.replace("\n ", "")  # LDIF folds long lines
        with open(glob.glob(os.path.join(os.path.dirname(os.path.dirname(pol[0])), "GPT.INI"))[0], encoding="utf-8") as ini:
            found["gpt_ini"] = ini.read()
    return found


def test_check_mode_then_one_change_then_nothing(dc_runs):
    dummy, (check, first, second), dummy2, dummy3 = dc_runs
    assert check.rc == 0 and first.rc == 0 and second.rc == 0, (check.stdout + first.stdout + second.stdout)[-4000:]
    would = check.result(TASK, "samba-dc")
    assert would["changed"] and would["created"] and len(would["set"]) == 14 and would["platform"] == "samba"
    done = first.result(TASK, "samba-dc")
    assert done["changed"] and done["created"] and done["linked"] and len(done["set"]) == 14
    again = second.result(TASK, "samba-dc")
    assert second.stats["samba-dc"]["changed"] == 0 and len(again["right"]) == 14 and again["set"] == []


def test_samba_reads_back_every_certificate_by_its_thumbprint(dc_runs):
    dummy, dummy2, found, extra = dc_runs
    assert found["blocks"] == 1 and found["gpo"]  # one GPO of that name: check mode made none, the rerun no second
    entries = dict(((key, name), (kind, data)) for key, name, kind, data in found["entries"])
    stores = {"Root": "Software\\Policies\\Microsoft\\SystemCertificates\\Root\\Certificates\\",
              "CA": "Software\\Policies\\Microsoft\\SystemCertificates\\CA\\Certificates\\"}
    assert len(entries) == len(extra) == 14
    for spec in extra:
        kind, data = entries[(stores[spec["store"]] + spec["thumbprint"].upper(), "Blob")]
        blob = bytes.fromhex(data)
        assert kind == 3  # REG_BINARY
        offset, props = 0, {}
        while offset < len(blob):  # the serialized element, read here without the collection's parser
            prop, one, size = struct.unpack_from("<III", blob, offset)
            assert one == 1
            props[prop] = blob[offset + 12:offset + 12 + size]
            offset += 12 + size
        assert sorted(props) == [3, 32] and offset == len(blob)
        assert hashlib.sha1(props[32]).hexdigest() == spec["thumbprint"] == props[3].hex()  # nosec


def test_gpo_is_linked_versioned_and_processed_by_the_registry_extension(dc_runs):
    dummy, dummy2, found, dummy3 = dc_runs
    assert found["gpo"].lower() in found["links"].lower()
    assert "version      : 1\n" in found["show"]  # one change of the computer half, not two: the rerun wrote nothing
    assert "Version=1" in found["gpt_ini"]
    assert ("gPCMachineExtensionNames: [{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F72-3407-48AE-BA88-E8213C6761F1}]"
            in found["extensions"])


def test_password_is_never_printed(dc_runs):
    password, runs, dummy, dummy2 = dc_runs
    for run in runs:
        assert password not in run.stdout and password not in run.stderr
