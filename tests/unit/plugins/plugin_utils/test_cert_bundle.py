# -*- coding: utf-8 -*-
"""The controller-side bundle check on real certificate files (Debian's ca-certificates)."""

from __future__ import annotations

import datetime
import os
import shutil

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _cert_bundle
from ansible_collections.apexone.upgrade.tests.unit import helpers, helpers_bundle

REQUIRED = certificates.required_certificates()


def test_real_files_map_to_the_article_by_thumbprint(tmp_path):
    bundle = _cert_bundle.read_bundle(helpers_bundle.make_bundle(str(tmp_path)), REQUIRED)
    assert sorted(bundle["matched"]) == sorted([
        "DigiCert Assured ID Root CA", "USERTrust RSA Certification Authority", "GlobalSign",
        "DigiCert High Assurance EV Root CA", "DigiCert Trusted Root G4"])
    for name, entry in bundle["matched"].items():
        assert entry["file"] == entry["thumbprint"] + ".crt" and entry["matched_by"] == "thumbprint", name
        assert entry["store"] == "Root"
    assert len(bundle["missing"]) == 13 and not bundle["complete"]
    assert "Microsoft Identity Verification Root Certificate Authority 2020" in [m["name"] for m in bundle["missing"]]
    assert bundle["unknown"] == bundle["duplicates"] == bundle["unreadable"] == bundle["name_mismatch"] == []


def test_pem_files_read_the_same(tmp_path):
    bundle = _cert_bundle.read_bundle(helpers_bundle.make_bundle(str(tmp_path), der=False), REQUIRED)
    assert len(bundle["matched"]) == 5


def test_problems_are_each_reported(tmp_path):
    folder = helpers_bundle.make_bundle(str(tmp_path / "b"))
    shutil.copy(os.path.join(folder, "0563b8630d62d75abbc8ab1e4bdfb5a899b24d43.crt"), os.path.join(folder, "copy.cer"))
    shutil.copy(os.path.join(helpers.DEBIAN_CA_DIR, "ISRG_Root_X1.crt"), os.path.join(folder, "isrg.pem"))
    shutil.copy(os.path.join(helpers.DEBIAN_CA_DIR, "ISRG_Root_X1.crt"),
                os.path.join(folder, "91c6d6ee3e8ac86384e548c299295c756c817b81.crt"))  # says thawte, is not
    (tmp_path / "b" / "readme.txt").write_text("certificates from the online PC\n")
    (tmp_path / "b" / "broken.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    bundle = _cert_bundle.read_bundle(folder, REQUIRED)
    assert [sorted(d["files"]) for d in bundle["duplicates"]] == [  # sorted by thumbprint; the second is ISRG twice
        ["0563b8630d62d75abbc8ab1e4bdfb5a899b24d43.crt", "copy.cer"],
        ["91c6d6ee3e8ac86384e548c299295c756c817b81.crt", "isrg.pem"]]
    assert sorted(u["file"] for u in bundle["unknown"]) == ["91c6d6ee3e8ac86384e548c299295c756c817b81.crt", "isrg.pem"]
    assert [m["file"] for m in bundle["name_mismatch"]] == ["91c6d6ee3e8ac86384e548c299295c756c817b81.crt"]
    assert "thawte Primary Root CA" in [m["name"] for m in bundle["missing"]]
    assert sorted(u["file"] for u in bundle["unreadable"]) == ["broken.crt", "readme.txt"]
    assert all("not a certificate" in u["reason"] for u in bundle["unreadable"])
    assert "der_b64" not in repr(_cert_bundle.public_view(bundle))


def test_expired_certificates_are_listed(tmp_path):
    later = datetime.datetime(2040, 1, 1, tzinfo=datetime.timezone.utc)
    bundle = _cert_bundle.read_bundle(helpers_bundle.make_bundle(str(tmp_path)), REQUIRED, now=later)
    assert "DigiCert Assured ID Root CA" in [e["name"] for e in bundle["expired"]]  # valid until 2031


@pytest.mark.parametrize("folder", ["/nonexistent/cert-files", ""])
def test_missing_folder_says_how_to_make_one(folder):
    with pytest.raises(_cert_bundle.BundleError, match="CertUtil -syncWithWU"):
        _cert_bundle.read_bundle(folder, REQUIRED)


def test_unreadable_files_say_empty_or_not_a_certificate(tmp_path):
    (tmp_path / "empty.crt").write_bytes(b"")
    (tmp_path / "blank.crt").write_bytes(b"\r\n  \n")
    (tmp_path / "notes.crt").write_bytes(b"this is not a certificate")
    (tmp_path / "broken.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    bundle = _cert_bundle.read_bundle(str(tmp_path), [])
    reasons = dict((u["file"], u["reason"]) for u in bundle["unreadable"])
    assert reasons["empty.crt"] == reasons["blank.crt"] == "empty file"
    assert reasons["notes.crt"].startswith("not a certificate") and reasons["broken.crt"].startswith("not a certificate")
    assert not any("asn1" in r.lower() or "error" in r.lower() for r in reasons.values())
