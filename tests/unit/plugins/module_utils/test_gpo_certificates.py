# -*- coding: utf-8 -*-
"""The policy certificate Blob (a serialized certificate store element) and the GPO plan, on real certificates."""

from __future__ import annotations

import base64
import hashlib
import os
import struct

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from ansible_collections.apexone.upgrade.plugins.module_utils import errors
from ansible_collections.apexone.upgrade.plugins.module_utils import gpo_certificates as gpo
from ansible_collections.apexone.upgrade.tests.unit import helpers

GLOBALSIGN = os.path.join(helpers.DEBIAN_CA_DIR, "GlobalSign_Root_CA_-_R3.crt")
USERTRUST = os.path.join(helpers.DEBIAN_CA_DIR, "USERTrust_RSA_Certification_Authority.crt")
ISRG = os.path.join(helpers.DEBIAN_CA_DIR, "ISRG_Root_X1.crt")


def _der(path):
    with open(path, "rb") as handle:
        return x509.load_pem_x509_certificate(handle.read()).public_bytes(Encoding.DER)


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def test_blob_byte_for_byte_for_a_real_certificate():
    der = _der(GLOBALSIGN)
    blob = gpo.serialize(der)
    # written out by hand: property 3 (CERT_SHA1_HASH_PROP_ID), 1, 20 bytes, the hash; property 32
    # (CERT_CERT_PROP_ID), 1, the DER length, the DER bytes; little-endian DWORDs, nothing after.
    sha1 = bytes.fromhex("d69b561148f01c77c54578c10926df5b856976ad")  # KA-0001268's name for GlobalSign Root R3
    expected = (b"\x03\x00\x00\x00" b"\x01\x00\x00\x00" b"\x14\x00\x00\x00" + sha1
                + b"\x20\x00\x00\x00" b"\x01\x00\x00\x00" + len(der).to_bytes(4, "little") + der)
    assert blob == expected
    assert blob[40:44] == b"\x63\x03\x00\x00" and blob[44:48] == b"\x30\x82\x03\x5f"  # 867 = 0x363 bytes of DER (a SEQUENCE of 0x35f)


def test_blob_decodes_back_to_the_certificate_file():
    der = _der(USERTRUST)
    decoded = gpo.parse(gpo.serialize(der))
    assert decoded["der"] == der
    assert decoded["thumbprint"] == x509.load_der_x509_certificate(der).fingerprint(hashes.SHA1()).hex()
    assert decoded["properties"] == {3: hashlib.sha1(der).digest()}


def test_blob_with_more_properties_windows_writes_is_read():
    der = _der(ISRG)
    md5 = hashlib.md5(der).digest()  # nosec - CERT_MD5_HASH_PROP_ID (4), as Windows may write it
    blob = struct.pack("<III", 4, 1, 16) + md5 + struct.pack("<III", 20, 1, 3) + b"abc" + gpo.serialize(der)[32:]
    decoded = gpo.parse(blob)
    assert decoded["der"] == der and set(decoded["properties"]) == {4, 20}


@pytest.mark.parametrize("blob, words", [
    (b"", "no certificate element"),
    (b"\x03\x00\x00\x00\x01\x00", "cut inside a property header"),
    (struct.pack("<III", 32, 2, 1) + b"x", "not 1"),
    (struct.pack("<III", 32, 1, 500) + b"x", "claims 500 bytes"),
    (struct.pack("<III", 32, 1, 1) + b"xy", "follow the certificate"),
    (struct.pack("<III", 3, 1, 20) + b"\x00" * 20 + struct.pack("<III", 32, 1, 1) + b"x", "SHA-1 hash property says"),
])
def test_what_is_not_a_blob_is_refused(blob, words):
    with pytest.raises(gpo.BlobError, match=words):
        gpo.parse(blob)


def test_keys_are_the_machine_policy_stores_with_the_thumbprint_upper_case():
    assert gpo.entry_key("Root", "d69b561148f01c77c54578c10926df5b856976ad") == (
        "Software\\Policies\\Microsoft\\SystemCertificates\\Root\\Certificates\\D69B561148F01C77C54578C10926DF5B856976AD")
    assert gpo.entry_key("CA", "ab" * 20).startswith("Software\\Policies\\Microsoft\\SystemCertificates\\CA\\Certificates\\")
    with pytest.raises(errors.InputError):
        gpo.entry_key("My", "ab" * 20)


def _wanted():
    matched = {"GlobalSign": {"store": "Root", "der_b64": _b64(_der(GLOBALSIGN))},
               "USERTrust RSA Certification Authority": {"store": "Root", "der_b64": _b64(_der(USERTRUST))}}
    return gpo.desired(matched)


def _value(key, data, kind="Binary", state="Set"):
    entry = {"key": "HKEY_LOCAL_MACHINE\\" + key, "value_name": "Blob", "type": kind, "policy_state": state}
    entry.update({"data_b64": _b64(data)} if kind == "Binary" else {"text": str(data)})
    return entry


def test_plan_sets_only_what_is_not_right_and_leaves_the_rest():
    wanted = _wanted()
    globalsign, usertrust = wanted
    foreign = gpo.entry_key("Root", "cabd2a79a1076a31f21d253635cb039d4329a5e8")
    windows_written = struct.pack("<III", 4, 1, 16) + b"\x00" * 16 + gpo.serialize(_der(GLOBALSIGN))[32:]
    decided = gpo.plan(wanted, [
        _value(globalsign["key"], windows_written),  # same certificate, other properties: right
        _value(usertrust["key"], gpo.serialize(_der(ISRG))),  # our key, another certificate: wrong
        _value(foreign, gpo.serialize(_der(ISRG))),  # not ours: left alone
        {"key": "HKLM\\Software\\Policies\\Microsoft\\Windows\\Other", "value_name": "X", "type": "DWord",
         "policy_state": "Set", "text": "1"},  # outside the certificate keys: not even listed
    ])
    assert decided["right"] == ["GlobalSign"]
    assert [item["name"] for item in decided["set"]] == ["USERTrust RSA Certification Authority"]
    assert decided["wrong"][0]["problem"] == "holds certificate cabd2a79a1076a31f21d253635cb039d4329a5e8"
    assert decided["others"] == [foreign + "\\Blob"]


@pytest.mark.parametrize("seen, problem", [
    (None, "absent"),
    ({"kind": "String", "data": "x"}, "holds a String value, not binary"),
    ({"kind": "Binary", "data": b"\x01\x02"}, "unreadable blob"),
    ({"kind": "Binary", "data": "GOOD", "state": "Delete"}, "policy state Delete"),
])
def test_plan_sets_an_entry_that_is_absent_or_not_right(seen, problem):
    wanted = _wanted()[:1]
    values = []
    if seen is not None:
        data = gpo.serialize(_der(GLOBALSIGN)) if seen["data"] == "GOOD" else seen["data"]
        values.append(_value(wanted[0]["key"], data, seen["kind"], seen.get("state", "Set")))
    decided = gpo.plan(wanted, values)
    assert decided["set"] and decided["set"][0]["reason"].startswith(problem)
    assert gpo.verify(wanted, values)[0]["problem"].startswith(problem)


def test_right_values_verify():
    wanted = _wanted()
    values = [_value(item["key"], item["blob"]) for item in wanted]
    assert gpo.plan(wanted, values)["set"] == [] and gpo.verify(wanted, values) == []


@pytest.mark.parametrize("current, expected", [
    ("", "[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F72-3407-48AE-BA88-E8213C6761F1}]"),
    ("[{827D319E-6EAC-11D2-A4EA-00C04F79F83A}{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}]",
     "[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F72-3407-48AE-BA88-E8213C6761F1}]"
     "[{827D319E-6EAC-11D2-A4EA-00C04F79F83A}{803E14A0-B4FB-11D0-A0D0-00A0C90F574B}]"),
    ("[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{0F6B957E-509E-11D1-A7CC-0000F87571E3}]",
     "[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{0F6B957E-509E-11D1-A7CC-0000F87571E3}"
     "{D02B1F72-3407-48AE-BA88-E8213C6761F1}]"),
    ("[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F72-3407-48AE-BA88-E8213C6761F1}]", None),
])
def test_registry_extension_added_once_and_in_order(current, expected):
    assert gpo.with_registry_extension(current) == expected


@pytest.mark.parametrize("version, expected", [(0, 1), (5, 6), (0x00030007, 0x00030008), (0x0002FFFF, 0x00020001)])
def test_next_version_raises_the_computer_half_only(version, expected):
    assert gpo.next_version(version) == expected


def test_links_read_from_gplink():
    gplink = ("[LDAP://cn={31B2F340-016D-11D2-945F-00C04FB984F9},cn=policies,cn=system,DC=lab,DC=example;0]"
              "[LDAP://CN={0C1F7E2A-5B3D-4C8E-9F10-2A6B7C8D9E01},CN=Policies,CN=System,DC=lab,DC=example;1]")
    links = gpo.linked_gpos(gplink)
    assert links == [{"id": "{31B2F340-016D-11D2-945F-00C04FB984F9}", "enabled": True},
                     {"id": "{0C1F7E2A-5B3D-4C8E-9F10-2A6B7C8D9E01}", "enabled": False}]
    assert not gpo.link_needed("31b2f340-016d-11d2-945f-00c04fb984f9", links)  # GroupPolicy module: no braces
    assert gpo.link_needed("{11111111-2222-3333-4444-555555555555}", links)
    assert gpo.disabled_link("0c1f7e2a-5b3d-4c8e-9f10-2a6b7c8d9e01", links)
    assert gpo.linked_gpos("") == []
