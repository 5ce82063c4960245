# -*- coding: utf-8 -*-
"""prerequisites.yml keeps OfficeScanAuth.dat while no byte of it crosses the host's PowerShell pipeline in clear
(KA-0012615 item 10; transcription and module logging keep whatever crosses it).

Every text the lab's host model hands to PowerShell (the bootstrap and its input) and every text PowerShell
writes back (the answer line, error records) is recorded, over the real winrm and psrp plugins, and searched for
the file: as bytes, in every base64 run found in the texts (decoded and un-gzipped, three levels down: an answer
line is base64 of gzip of JSON that itself holds base64), and as hex.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import os
import re

import pytest

from ansible_collections.apexone.upgrade.tests.lab.simulator import lab
from ansible_collections.apexone.upgrade.tests.playbook import lab_hosts, labrun

PFX_PATH = "C:\\Program Files (x86)\\Trend Micro\\OfficeScan\\AuthCertBackup\\OfficeScanAuth.dat"
BASE64_RUN = re.compile(rb"[A-Za-z0-9+/]{16,}={0,2}")
WINDOW = 12  # bytes of the file that must not appear together anywhere


def _blobs(data, depth=3):
    """`data` and what every base64 run in it decodes to (and un-gzips to), `depth` levels down."""
    found = [data]
    if data[:2] == b"\x1f\x8b":  # the bootstrap's gzip-compressed stdin and answers
        try:
            found.extend(_blobs(gzip.decompress(data), depth))
        except (OSError, EOFError):
            pass
    if depth:
        for match in BASE64_RUN.finditer(data):
            token = match.group(0)
            for start in range(4):  # a run may begin mid-quantum (after a quote, a colon)
                piece = token[start:]
                piece = piece[:len(piece) - len(piece) % 4]
                try:
                    found.extend(_blobs(base64.b64decode(piece, validate=True), depth - 1))
                except (binascii.Error, ValueError):
                    continue
    return found


@pytest.fixture(scope="module")
def kept(tmp_path_factory, lab_transport):
    path = tmp_path_factory.mktemp("sealed")
    plain = os.urandom(3001)

    def with_random_pfx(data):
        data["files"][PFX_PATH]["content_b64"] = base64.b64encode(plain).decode("ascii")

    lab_hosts.seed(path / "lab", "apexone-srv", with_random_pfx)
    texts = []
    real = lab.run_bootstrap

    def recording(host, seed, bootstrap, input_items, payload_bytes, lab_dir=None, **keywords):
        outcome = real(host, seed, bootstrap, input_items, payload_bytes, lab_dir, **keywords)
        texts.extend([bootstrap] + list(input_items)
                     + [outcome.console, outcome.refusal_record or "", outcome.error_record or ""])
        return outcome

    lab.run_bootstrap = recording
    try:
        run = labrun.run_playbook("playbooks/prerequisites.yml", path / "lab", limit="apexone-srv,localhost",
                                  extra_vars={"apexone_backup_dir": str(path / "backups")})
    finally:
        lab.run_bootstrap = real
    return path, plain, run, texts


def test_the_kept_copy_is_the_servers_file(kept):
    path, plain, run, texts = kept
    assert run.rc == 0, run.stdout[-3000:]
    assert (path / "backups" / "apexone-srv" / "OfficeScanAuth.dat").read_bytes() == plain
    result = run.result("Keep a copy of the server authentication certificate in the store (KA-0012615 item 10)",
                        "apexone-srv")
    assert result["sha256"] == hashlib.sha256(plain).hexdigest() and result["changed"]
    assert run.counts("apexone-srv")["scripts"]["auth_backup"] == 1


def test_no_byte_of_the_file_crosses_the_pipeline(kept):
    dummy, plain, run, texts = kept
    assert any("sealed" in blob.decode("latin-1") for text in texts for blob in _blobs(text.encode("utf-8"))), \
        "the recorder saw no sealed answer: it recorded the wrong thing"
    windows = set(plain[i:i + WINDOW] for i in range(len(plain) - WINDOW + 1))
    for text in texts:
        raw = text.encode("utf-8")
        assert plain.hex()[:2 * WINDOW] not in text and plain.hex().upper()[:2 * WINDOW] not in text
        for blob in _blobs(raw):
            for start in range(0, max(0, len(blob) - WINDOW + 1)):
                assert blob[start:start + WINDOW] not in windows, "bytes of OfficeScanAuth.dat crossed the pipeline"
    assert plain.hex() not in run.stdout + run.stderr and base64.b64encode(plain).decode() not in run.stdout


def test_the_search_finds_the_file_when_it_is_there(kept):
    dummy, plain, dummy2, dummy3 = kept
    leaked = '{"content_b64": "%s"}' % base64.b64encode(plain[5:40]).decode()
    line = "APEXONE-RESULT:" + base64.b64encode(leaked.encode()).decode()
    windows = set(plain[i:i + WINDOW] for i in range(len(plain) - WINDOW + 1))
    assert any(blob[s:s + WINDOW] in windows for blob in _blobs(line.encode()) for s in range(len(blob)))
