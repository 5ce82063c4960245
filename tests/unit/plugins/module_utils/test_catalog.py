# -*- coding: utf-8 -*-
"""The catalog against its sources: the article's own text and real CA certificate files."""

from __future__ import annotations

import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, certificates
from ansible_collections.apexone.upgrade.tests.unit import helpers

ROOT_FILE = re.compile(r"「([0-9a-f]{40})\.crt」")
LISTED_FILE = re.compile(r"ファイル名\s*:\s*([0-9a-f]{40})\.crt")
INTERMEDIATE_FILE = re.compile(r"「([A-Za-z0-9 ()\-]+?)(?:\.crt| \(任意の名称\))」")


CATALOG = certificates.required_certificates()  # the catalog's entries, completed as user entries are


def _by_store(store):
    return [c for c in CATALOG if c["store"] == store]


def test_roots_are_exactly_the_articles_root_files():
    text = helpers.excerpt("certificates_method2.txt")
    root_section = text.split("[信頼されたルート証明機関]")[1].split("[中間証明機関]")[0]
    from_store_step = set(ROOT_FILE.findall(root_section))
    from_download_step = set(LISTED_FILE.findall(text))
    assert len(from_store_step) == 13
    assert from_store_step == from_download_step
    assert set(c["thumbprint"] for c in _by_store(catalog.ROOT)) == from_store_step


def test_intermediates_are_the_articles_intermediate_files():
    text = helpers.excerpt("certificates_method2.txt")
    section = text.split("[中間証明機関]")[1]
    names = INTERMEDIATE_FILE.findall(section)
    assert len(names) == 5
    catalog_files = [c["file"] for c in _by_store(catalog.INTERMEDIATE)]
    for name in names:
        assert any(f.startswith(name) for f in catalog_files), name


def test_every_entry_names_its_source_and_can_be_recognised():
    for cert in CATALOG:
        assert cert["source"].startswith(catalog.CERT_ARTICLE)
        assert cert["thumbprint"] or cert["subject_cn"]
        assert cert["match"] in ("thumbprint", "thumbprint_or_cn")
        if cert["thumbprint"]:
            assert re.match("^[0-9a-f]{40}$", cert["thumbprint"])


def _fingerprints(pem_bytes):
    found = {}
    for block in re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", pem_bytes, re.S):
        cert = x509.load_pem_x509_certificate(block)
        found[cert.fingerprint(hashes.SHA1()).hex()] = cert
    return found


@pytest.fixture(scope="module")
def debian_roots():
    files = helpers.debian_ca_files()
    assert files, "Debian's ca-certificates is not installed: scripts/bootstrap.sh installs it"
    found = {}
    for path in files:
        with open(path, "rb") as handle:
            found.update(_fingerprints(handle.read()))
    return found


# These runbook roots still ship in Debian's bundle; their real SHA-1 must be the
# article's file name and their real subject CN the catalog's matching name.
IN_DEBIAN = ("DigiCert High Assurance EV Root CA", "DigiCert Assured ID Root CA", "USERTrust RSA Certification Authority",
             "DigiCert Trusted Root G4", "GlobalSign")


@pytest.mark.parametrize("name", IN_DEBIAN)
def test_catalog_root_matches_the_real_debian_certificate(name, debian_roots):
    entry = next(c for c in CATALOG if c["name"] == name)
    real = debian_roots.get(entry["thumbprint"])
    assert real is not None, "%s (%s) not in Debian's bundle" % (name, entry["thumbprint"])
    cn = real.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert cn == entry["subject_cn"]


def test_unsupported_os_rules_cover_the_articles_list():
    text = helpers.excerpt("upgrade_items_2_3_9.txt")
    listed = re.findall(r"^- (Windows .+)$", text, re.M)
    assert listed == ["Windows XP", "Windows Vista", "Windows 7 SP1なし", "Windows 8", "Windows Server 2008"]
    names = [rule["name"] for rule in catalog.UNSUPPORTED_OS]
    for item in listed:
        assert item.replace("SP1なし", "without SP1") in names


def test_sql_password_characters_are_the_articles():
    text = helpers.excerpt("upgrade_items_2_3_9.txt")
    parts = text.split("使用しないでください。")
    chars = set((parts[1].splitlines()[1] + parts[2].splitlines()[1]).replace(" ", ""))
    assert chars == set(catalog.SQL_PASSWORD_FORBIDDEN)


def test_sha2_updates_are_the_articles():
    text = helpers.excerpt("upgrade_items_2_3_9.txt")
    rows = re.findall(r"^(Windows .+?) (KB\d+) / (KB\d+)$", text, re.M)
    assert len(rows) == 3
    by_name = dict((rule["name"], rule["any_of"]) for rule in catalog.SHA2_UPDATES)
    for name, first, second in rows:
        assert by_name[name] == (first, second)


def test_auth_backup_is_looked_for_beside_pccsrv_then_in_the_default_folders():
    from ansible_collections.apexone.upgrade.plugins.module_utils import auth_backup
    plan = auth_backup.plan(1024)
    assert plan["Relative"] == "..\\AuthCertBackup\\OfficeScanAuth.dat"
    assert plan["DefaultPaths"][0] == "C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\AuthCertBackup\\OfficeScanAuth.dat"
    assert "C:\\Program Files\\Trend Micro\\OfficeScan\\AuthCertBackup\\OfficeScanAuth.dat" in plan["DefaultPaths"]
    assert auth_backup.export_limit("12.0") == 5684 and auth_backup.export_limit("14.0") == 8378
