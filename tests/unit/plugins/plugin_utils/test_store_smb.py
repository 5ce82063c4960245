# -*- coding: utf-8 -*-
"""The store on a real SMB share: the lab's Samba domain controller serves \\\\127.0.0.1\\apexone$
(tests/directory/samba_dc.py), and the store reaches it through smbprotocol with NTLM, signed and
encrypted (SMB 3), as it would reach \\\\fileserver\\apexone$ from an execution environment."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import time
import uuid

import pytest

from ansible_collections.apexone.upgrade.plugins.plugin_utils import _store
from ansible_collections.apexone.upgrade.tests.directory import samba_dc


@pytest.fixture(scope="module")
def share(directory):
    directory.wait_for_share()
    return directory


def _ntlm(dc, **more):
    environ = {"APEXONE_STORE_USERNAME": "%s\\Administrator" % samba_dc.DOMAIN, "APEXONE_STORE_PASSWORD": dc.password,
               "APEXONE_STORE_AUTH": "ntlm"}
    environ.update(more)
    return environ


def _folder():
    return "\\\\%s\\%s\\test-%s" % (samba_dc.HOST, samba_dc.SHARE, uuid.uuid4().hex[:8])


def test_write_read_never_overwrite_and_replace_on_the_share(share):
    folder = _folder()
    store = _store.open_store(folder, _ntlm(share))
    try:
        assert store.kind == "smb" and store.location == folder
        assert store.read("apexone-srv/OfficeScanAuth.dat") is None
        where = store.write_new("apexone-srv/OfficeScanAuth.dat", b"\x30\x82pfx")
        assert where == folder + "\\apexone-srv\\OfficeScanAuth.dat"
        with pytest.raises(_store.StoreExists, match="never overwritten"):
            store.write_new("apexone-srv/OfficeScanAuth.dat", b"other")
        assert store.read("apexone-srv/OfficeScanAuth.dat") == b"\x30\x82pfx"
        store.replace("rollout-state.json", b"1")
        store.replace("rollout-state.json", b"22")
        assert store.read("rollout-state.json") == b"22"
        assert store.names() == ["apexone-srv", "rollout-state.json"]  # no temporary file is left behind
        # What the server wrote is on its disk: the share is the DC's folder.
        on_disk = os.path.join(share.share_folder, folder.rsplit("\\", 1)[1], "apexone-srv", "OfficeScanAuth.dat")
        with open(on_disk, "rb") as handle:
            assert handle.read() == b"\x30\x82pfx"
        assert store._session.encrypt_data  # pylint: disable=protected-access  # SMB 3 encryption, not just signing
    finally:
        store.close()


def _hold_share_lock(folder, environ, ready, seconds):
    """Another controller (its own SMB connection) holding the lock."""
    store = _store.open_store(folder, environ)
    with store.lock("rollout-state.json.lock", timeout=10):
        ready.set()
        time.sleep(seconds)


def test_the_share_lock_waits_for_another_controller_and_goes_with_its_session(share):
    folder = _folder()
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_share_lock, args=(folder, _ntlm(share), ready, 120))
    holder.start()
    store = _store.open_store(folder, _ntlm(share))
    try:
        assert ready.wait(60)
        began = time.monotonic()
        with pytest.raises(_store.LockTimeout, match="still locked by another run"):
            with store.lock("rollout-state.json.lock", timeout=1.5):
                pass
        assert time.monotonic() - began >= 1.4
        os.kill(holder.pid, signal.SIGKILL)  # killed: its TCP connection drops, the server closes its handle
        holder.join(10)
        with store.lock("rollout-state.json.lock", timeout=30):
            pass
    finally:
        store.close()
        if holder.is_alive():
            holder.kill()


def test_a_wrong_password_is_said_plainly_and_never_shown(share):
    store = _store.open_store(_folder(), _ntlm(share, APEXONE_STORE_PASSWORD="Wrong-Secret-123"))
    with pytest.raises(_store.StoreError) as refused:
        store.read("rollout-state.json")
    assert "refused the credentials" in str(refused.value) and "Wrong-Secret-123" not in str(refused.value)


def test_a_share_that_does_not_exist_is_named(share):
    store = _store.open_store("\\\\%s\\no-such-share\\x" % samba_dc.HOST, _ntlm(share))
    try:
        for call in (lambda: store.write_new("a.json", b"{}"), lambda: store.read("rollout-state.json")):
            with pytest.raises(_store.StoreError, match="has no share named no-such-share"):
                call()  # a typo in the share is never "no state yet"
    finally:
        store.close()


def _kerberos_missing():
    """Why the SMB-over-Kerberos test cannot run here yet, or None: it needs a Kerberos library for pyspnego
    (gssapi), kinit, and the lab realm's krb5.conf and host names (tests/directory/kerberos.py)."""
    try:
        import gssapi  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
    except ImportError:
        return "no Kerberos library for pyspnego on this controller (python-gssapi)"
    if not shutil.which("kinit"):
        return "no kinit on this controller (krb5-user)"
    try:
        from ansible_collections.apexone.upgrade.tests.directory import kerberos  # noqa: F401  pylint: disable=unused-import
    except ImportError:
        return "the lab realm's krb5.conf and host names (tests/directory/kerberos.py) are not in this checkout"
    return None


def test_the_store_over_kerberos(share, tmp_path, monkeypatch):
    missing = _kerberos_missing()
    if missing:
        pytest.skip("SMB with Kerberos: %s; the test runs as soon as they are" % missing)
    from ansible_collections.apexone.upgrade.tests.directory import kerberos  # pylint: disable=import-outside-toplevel
    # The DC's own name, as its computer account's cifs/ (HOST/) principal names it, reached on 127.0.0.1.
    with open(share.conf, encoding="utf-8") as handle:
        netbios = re.search(r"(?im)^\s*netbios name\s*=\s*(\S+)", handle.read()).group(1).lower()
    kerberos.hosts_entries([netbios])
    monkeypatch.setenv("KRB5_CONFIG", kerberos.write_krb5_conf(str(tmp_path / "krb5.conf")))
    monkeypatch.setenv("KRB5CCNAME", "FILE:%s" % (tmp_path / "ccache"))
    subprocess.run(["kinit", "Administrator@%s" % kerberos.REALM], input=share.password + "\n", text=True, check=True,
                   capture_output=True, timeout=60)
    store = _store.open_store("\\\\%s\\%s\\krb-%s" % (kerberos.fqdn(netbios), samba_dc.SHARE, uuid.uuid4().hex[:8]),
                              {"APEXONE_STORE_AUTH": "kerberos"})
    try:
        store.write_new("kerberos.txt", b"ticket")
        assert store.read("kerberos.txt") == b"ticket"
    finally:
        store.close()
