# -*- coding: utf-8 -*-
"""KA-0001268: which certificates a host needs and how its stores measure up."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates
from ansible_collections.apexone.upgrade.tests.unit import helpers

NOW = datetime.datetime(2026, 11, 22, tzinfo=datetime.timezone.utc)
G4_CA1 = "DigiCert Trusted G4 Code Signing RSA4096 SHA384 2021 CA1"


@pytest.mark.parametrize("raw", [
    "0563b8630d62d75abbc8ab1e4bdfb5a899b24d43",
    "0563B8630D62D75ABBC8AB1E4BDFB5A899B24D43",
    "05 63 b8 63 0d 62 d7 5a bb c8 ab 1e 4b df b5 a8 99 b2 4d 43",
    "05:63:B8:63:0D:62:D7:5A:BB:C8:AB:1E:4B:DF:B5:A8:99:B2:4D:43",
    u"\u200e0563b8630d62d75abbc8ab1e4bdfb5a899b24d43",  # as copied from the MMC dialog
    " 0563b8630d62d75abbc8ab1e4bdfb5a899b24d43\n",
])
def test_thumbprint_normalised(raw):
    assert certificates.normalise_thumbprint(raw) == "0563b8630d62d75abbc8ab1e4bdfb5a899b24d43"


@pytest.mark.parametrize("raw", ["0563b863", "zz63b8630d62d75abbc8ab1e4bdfb5a899b24d43", "", None])
def test_bad_thumbprint_says_what_is_expected(raw):
    with pytest.raises(certificates.CertificateSpecError, match="40 hexadecimal digits"):
        certificates.normalise_thumbprint(raw)


@pytest.mark.parametrize("subject, cn", [
    ("CN=DigiCert Assured ID Root CA, OU=www.digicert.com, O=DigiCert Inc, C=US", "DigiCert Assured ID Root CA"),
    ('OU=GlobalSign Root CA - R3, O=GlobalSign, CN=GlobalSign', "GlobalSign"),
    ('CN="Example, Inc. Code Signing", O="Example, Inc.", C=JP', "Example, Inc. Code Signing"),
    ("O=No Common Name Ltd, C=JP", ""),
    ("", ""),
])
def test_subject_cn(subject, cn):
    assert certificates.subject_cn(subject) == cn


def _names(entries):
    return set(e["name"] for e in entries)


def test_every_certificate_required_without_a_build():
    assert len(certificates.required_certificates()) == 18


def test_build_drops_certificates_added_for_later_builds():
    at_9000 = _names(certificates.required_certificates(build=9000))
    assert G4_CA1 not in at_9000 and "thawte Primary Root CA" not in at_9000 and "GlobalSign" not in at_9000
    at_9675 = _names(certificates.required_certificates(build=9675))
    assert G4_CA1 in at_9675 and "GlobalSign" not in at_9675
    assert len(certificates.required_certificates(build=12011)) == 18


def test_user_entry_overrides_by_thumbprint_and_extends():
    extra = [
        {"name": "GlobalSign Root R3", "store": "Root", "thumbprint": "D6 9B 56 11 48 F0 1C 77 C5 45 78 C1 09 26 DF 5B 85 69 76 AD",
         "since_build": None},
        {"name": "Future CA", "store": "CA", "subject_cn": "Future Code Signing CA"},
    ]
    required = certificates.required_certificates(extra=extra)
    assert len(required) == 19
    assert "GlobalSign Root R3" in _names(required) and "GlobalSign" not in _names(required)
    future = next(r for r in required if r["name"] == "Future CA")
    assert future["match"] == "thumbprint_or_cn" and future["source"] == "user"


def test_user_list_alone():
    required = certificates.required_certificates(extra=[{"store": "Root", "thumbprint": "00" * 20}],
                                                  use_catalog=False)
    assert [r["thumbprint"] for r in required] == ["00" * 20]


@pytest.mark.parametrize("entry, message", [
    ("not a dict", "must be a dictionary"),
    ({"name": "x", "thumbprint": "00" * 20}, "store must be 'Root'"),
    ({"name": "x", "store": "My", "thumbprint": "00" * 20}, "store must be 'Root'"),
    ({"name": "x", "store": "Root"}, "needs a thumbprint or a subject_cn"),
    ({"name": "x", "store": "Root", "thumbprint": "abc"}, "40 hexadecimal digits"),
    ({"name": "x", "store": "Root", "thumbprint": "00" * 20, "colour": "red"}, "unknown keys colour"),
    ({"name": "x", "store": "Root", "thumbprint": "00" * 20, "since_build": "soon"}, "since_build must be"),
    ({"name": "x", "store": "Root", "thumbprint": "00" * 20, "match": "fuzzy"}, "match must be one of"),
])
def test_malformed_user_entry(entry, message):
    with pytest.raises(certificates.CertificateSpecError, match=message):
        certificates.required_certificates(extra=[entry])


def _dotnet_name(name):
    short = {"commonName": "CN", "organizationName": "O", "organizationalUnitName": "OU", "countryName": "C"}
    parts = []
    for rdn in reversed(name.rdns):
        for attr in rdn:
            value = attr.value if "," not in attr.value else '"%s"' % attr.value
            parts.append("%s=%s" % (short.get(attr.oid._name, attr.oid.dotted_string), value))
    return ", ".join(parts)


def _store_entry(cert):
    return {
        "thumbprint": cert.fingerprint(hashes.SHA1()).hex().upper(),
        "subject": _dotnet_name(cert.subject),
        "issuer": _dotnet_name(cert.issuer),
        "not_before": cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


@pytest.fixture(scope="module")
def real_root_store():
    """A Root store made of every real certificate Debian ships, as the probe would list it."""
    entries = []
    for path in helpers.debian_ca_files():
        with open(path, "rb") as handle:
            entries.append(_store_entry(x509.load_pem_x509_certificate(handle.read())))
    return entries


def test_real_store_finds_the_runbook_roots_debian_ships(real_root_store):
    required = [c for c in certificates.required_certificates() if c["store"] == "Root"]
    result = certificates.evaluate({"Root": real_root_store, "CA": []}, required, now=NOW)
    assert _names(result["present"]) == {
        "DigiCert High Assurance EV Root CA", "DigiCert Assured ID Root CA", "USERTrust RSA Certification Authority",
        "DigiCert Trusted Root G4", "GlobalSign"}
    assert all(p["matched_by"] == "thumbprint" for p in result["present"])
    assert len(result["missing"]) == 8
    assert not result["ready"]
    assert "5 of 13 required certificates present" in result["summary"]


def _entry(name, store_thumbprint=None, subject=None, not_after="2036-01-01T00:00:00Z"):
    spec = next(c for c in certificates.required_certificates() if c["name"] == name)
    return {"thumbprint": (store_thumbprint or spec["thumbprint"] or "11" * 20).upper(),
            "subject": subject or "CN=%s, O=Example" % spec["subject_cn"], "issuer": "CN=Root",
            "not_before": "2010-01-01T00:00:00Z", "not_after": not_after}


def _full_stores():
    return {
        "Root": [_entry(c["name"]) for c in certificates.required_certificates() if c["store"] == "Root"],
        "CA": [_entry(c["name"]) for c in certificates.required_certificates() if c["store"] == "CA"],
    }


def test_all_present_is_ready():
    result = certificates.evaluate(_full_stores(), certificates.required_certificates(), now=NOW)
    assert result["ready"] and not result["missing"] and not result["wrong_store"]
    # DigiCertEVCodeSigningCA.crt has no known thumbprint: it can only be matched by name, and says so
    by_cn = [p["name"] for p in result["present"] if p["matched_by"] == "subject_cn"]
    assert by_cn == ["DigiCert EV Code Signing CA"]
    assert "matched by subject name" in result["summary"]


def test_missing_wrong_store_and_expired():
    stores = _full_stores()
    stores["Root"] = [e for e in stores["Root"] if "thawte Primary" not in e["subject"]]
    moved = [e for e in stores["CA"] if G4_CA1 in e["subject"]]
    stores["CA"] = [e for e in stores["CA"] if G4_CA1 not in e["subject"]]
    stores["Root"].extend(moved)
    stores["CA"] = [e if "High Assurance Code Signing CA-1" not in e["subject"] else
                    dict(e, not_after="2026-02-10T12:00:00Z") for e in stores["CA"]]
    result = certificates.evaluate(stores, certificates.required_certificates(), now=NOW)
    assert [m["name"] for m in result["missing"]] == ["thawte Primary Root CA"]
    assert result["missing"][0]["file"] == "91c6d6ee3e8ac86384e548c299295c756c817b81.crt"
    assert [(w["name"], w["store"], w["expected_store"]) for w in result["wrong_store"]] == [(G4_CA1, "Root", "CA")]
    assert [e["name"] for e in result["expired"]] == ["DigiCert High Assurance Code Signing CA-1"]
    assert "DigiCert High Assurance Code Signing CA-1" in _names(result["present"])  # expired still counts
    assert not result["ready"]


def test_thumbprint_only_entry_is_not_matched_by_name():
    # Roots carry the article's thumbprint: a look-alike with the same name but another key is not it.
    stores = _full_stores()
    stores["Root"] = [e if "DigiCert Assured ID Root CA" not in e["subject"] else
                      dict(e, thumbprint="AB" * 20) for e in stores["Root"]]
    result = certificates.evaluate(stores, certificates.required_certificates(), now=NOW)
    assert [m["name"] for m in result["missing"]] == ["DigiCert Assured ID Root CA"]


@pytest.mark.parametrize("given, expected", [
    ({"store": "Root", "thumbprint": "AB" * 20, "subject_cn": "Example Root"},
     {"name": "Example Root", "file": "ab" * 20 + ".crt", "match": "thumbprint", "since_build": None, "source": "user"}),
    ({"store": "CA", "thumbprint": "ab:" * 19 + "ab", "subject_cn": "Example CA"},
     {"name": "Example CA", "file": "ab" * 20 + ".crt", "match": "thumbprint_or_cn"}),
    ({"store": "CA", "subject_cn": "Example CA", "file": "ExampleCA.crt", "since_build": "9675"},
     {"name": "Example CA", "thumbprint": None, "file": "ExampleCA.crt", "match": "thumbprint_or_cn", "since_build": 9675}),
])
def test_a_minimal_entry_is_completed(given, expected):
    spec = certificates.normalise_spec(given)
    assert dict((key, spec[key]) for key in expected) == expected


def test_the_catalog_goes_through_the_same_completion():
    completed = certificates.required_certificates()
    assert [c["name"] for c in completed if c["store"] == "Root"][0] == "VeriSign Class 3 Public Primary Certification Authority - G5"
    assert set(c["match"] for c in completed if c["store"] == "Root") == {"thumbprint"}
    assert set(c["match"] for c in completed if c["store"] == "CA") == {"thumbprint_or_cn"}


@pytest.mark.parametrize("name, home, elsewhere", [
    ("DigiCert Assured ID Root CA", "Root", "CA"),  # issue 22: a root in the intermediate store was counted ready
    (G4_CA1, "CA", "Root"),
])
def test_one_certificate_in_the_other_store_alone_is_not_ready(name, home, elsewhere):
    stores = _full_stores()
    moved = [e for e in stores[home] if "CN=%s," % name in e["subject"]]
    assert len(moved) == 1
    stores[home] = [e for e in stores[home] if e not in moved]
    stores[elsewhere] = stores[elsewhere] + moved
    result = certificates.evaluate(stores, certificates.required_certificates(), now=NOW)
    assert not result["ready"] and result["missing"] == []
    assert [(w["name"], w["store"], w["expected_store"]) for w in result["wrong_store"]] == [(name, elsewhere, home)]
    assert name not in _names(result["present"])
    assert "in the wrong store: %s (in %s, belongs in %s)" % (name, elsewhere, home) in result["summary"]
