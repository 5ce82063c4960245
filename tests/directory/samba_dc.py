# -*- coding: utf-8 -*-
"""A real Active Directory for the tests: Samba as a domain controller on 127.0.0.1.

Provisioned into a temporary folder with `samba-tool domain provision`, computer objects loaded with
`ldbadd` (the directory's own tool, through Samba's modules, so each object gets its SID and
category as a join would give it), then `samba -i -M single` started bound to the loopback
interface only. The collection reads it through the real `microsoft.ad.ldap` inventory plugin.
It is also the realm's KDC on 127.0.0.1:88: given `kerberos_hosts`, it holds the WinRM service's
account and SPNs and the controller's user, and exports the service's keytab (kerberos.py).

LDAP has no ephemeral port here: Samba listens on 389. A file lock lets one test session at a time
own the directory; another waits for it.
"""

from __future__ import annotations

import base64
import fcntl
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import time

from . import kerberos

REALM = "LAB.EXAMPLE"
DOMAIN = "LAB"
BASE_DN = "DC=lab,DC=example"
HOST = "127.0.0.1"
PORT = 389
LOCK = os.path.join(tempfile.gettempdir(), "apexone-upgrade-samba-dc.lock")
# One fixed folder (whoever holds the lock owns it), so a provisioned domain can be kept as a tarball and
# unpacked to the same paths next time instead of provisioned again (~7 s idle, a minute on a busy machine).
WORKDIR = os.path.join(tempfile.gettempdir(), "apexone-upgrade-samba-dc")
PIDFILE = WORKDIR + ".pid"
CACHE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__)))), "build")
SAMBA = shutil.which("samba") or "/usr/sbin/samba"
SAMBA_TOOL = shutil.which("samba-tool") or "/usr/bin/samba-tool"
LDBADD = shutil.which("ldbadd") or "/usr/bin/ldbadd"
LOOPBACK_ONLY = ('--option=interfaces = lo', '--option=bind interfaces only = yes')
# The file share the collection's store is tested against (\\127.0.0.1\apexone$), served by the DC's own smbd.
SHARE = "apexone$"
SMB_PORT = 445


class DirectoryError(RuntimeError):
    pass


def missing_tools():
    """The Debian packages still needed (scripts/bootstrap.sh installs them as root)."""
    need = []
    for path, package in ((SAMBA, "samba"), (SAMBA_TOOL, "samba-ad-dc"), (LDBADD, "ldb-tools")):
        if not os.path.exists(path):
            need.append(package)
    return need


def admin_password():
    # Meets the default complexity rule; new for every session so a test can search output for it.
    return "Adm-" + secrets.token_urlsafe(12) + "-9x"


def _b64(value):
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def computer_ldif(computers, container="CN=Computers"):
    """LDIF for computer objects: dicts with name and the operatingSystem* / dNSHostName values."""
    blocks = []
    for computer in computers:
        name = computer["name"]
        lines = ["dn: CN=%s,%s,%s" % (name, container, BASE_DN), "objectClass: computer",
                 "sAMAccountName: %s$" % name, "userAccountControl: 4096"]
        for attribute in ("dNSHostName", "operatingSystem", "operatingSystemVersion", "operatingSystemServicePack"):
            if computer.get(attribute):
                lines.append("%s:: %s" % (attribute, _b64(computer[attribute])))  # base64: "Vista™" is not ASCII
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _port_open(host, port):
    try:
        with socket.create_connection((host, port), 0.2):
            return True
    except OSError:
        return False


class SambaDC:
    """One provisioned, running domain controller; use as a context manager."""

    def __init__(self, computers=(), cache=True, kerberos_hosts=()):
        """`kerberos_hosts`: lab host names whose `<name>.lab.example` gets an HTTP SPN (self.realm then holds the
        keytab, the controller's krb5.conf and account)."""
        self.computers = list(computers)
        self.kerberos_hosts = list(kerberos_hosts)
        self.realm = None
        self.password = None
        self.workdir = WORKDIR
        self.cache = cache
        self.process = None
        self.timings = {}
        self._lock = None

    # -- life cycle ---------------------------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        need = missing_tools()
        if need:
            raise DirectoryError("Samba is not installed (missing Debian packages: %s). Run `bash scripts/bootstrap.sh` "
                                 "as root, or apt-get install samba samba-ad-dc winbind ldb-tools." % " ".join(need))
        self._lock = open(LOCK, "w")
        waited = time.monotonic()
        fcntl.flock(self._lock, fcntl.LOCK_EX)  # one directory on 127.0.0.1:389 at a time
        self.timings["waited_for_lock_s"] = round(time.monotonic() - waited, 2)
        if _port_open(HOST, PORT):
            self._stop_leftover()
        if _port_open(HOST, PORT):
            self._release()
            raise DirectoryError("something else already listens on %s:%d; stop it (a Samba left over from an "
                                 "interrupted run: `ss -ltnp | grep :389`)" % (HOST, PORT))
        began = time.monotonic()
        shutil.rmtree(self.workdir, ignore_errors=True)
        tarball = self._tarball()
        if tarball and os.path.isfile(tarball):
            with tarfile.open(tarball) as archive:
                archive.extractall(self.workdir, filter="tar")
            with open(os.path.join(self.workdir, "adminpass"), encoding="ascii") as handle:
                self.password = handle.read().strip()
            self.timings["provisioned_from"] = "cache"
        else:
            self.password = admin_password()
            self._run([SAMBA_TOOL, "domain", "provision", "--server-role=dc", "--dns-backend=NONE", "--realm=" + REALM,
                       "--domain=" + DOMAIN, "--adminpass=" + self.password, "--targetdir=" + self.workdir]
                      + list(LOOPBACK_ONLY), "provision the domain")
            with open(os.path.join(self.workdir, "adminpass"), "w", encoding="ascii") as handle:
                handle.write(self.password)
            self.timings["provisioned_from"] = "samba-tool domain provision"
            if tarball:
                os.makedirs(os.path.dirname(tarball), exist_ok=True)
                with tarfile.open(tarball + ".part", "w:gz") as archive:
                    archive.add(self.workdir, arcname=".")
                os.replace(tarball + ".part", tarball)
        self.timings["provision_s"] = round(time.monotonic() - began, 2)
        if self.computers:
            loaded = time.monotonic()
            self.add_computers(self.computers)
            self.timings["load_computers_s"] = round(time.monotonic() - loaded, 2)
        self._add_share()
        if self.kerberos_hosts:
            keyed = time.monotonic()
            self.realm = self._kerberos_realm(self.kerberos_hosts)
            self.timings["kerberos_s"] = round(time.monotonic() - keyed, 2)
        started = time.monotonic()
        log = open(os.path.join(self.workdir, "samba.log"), "wb")
        self.process = subprocess.Popen([SAMBA, "-s", self.conf, "-i", "-M", "single", "--debuglevel=1"],
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        with open(PIDFILE, "w", encoding="ascii") as handle:
            handle.write(str(self.process.pid))
        deadline = time.monotonic() + 120
        while not _port_open(HOST, PORT):
            if self.process.poll() is not None:
                raise DirectoryError("samba exited with %s before listening; see %s" % (
                    self.process.returncode, os.path.join(self.workdir, "samba.log")))
            if time.monotonic() > deadline:
                self.stop()
                raise DirectoryError("samba did not listen on %s:%d within 120 s" % (HOST, PORT))
            time.sleep(0.1)
        self.timings["listen_s"] = round(time.monotonic() - started, 2)
        self.timings["total_s"] = round(time.monotonic() - began, 2)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: samba and the helpers it forked
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None
        if self._lock is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        self._release()

    def _stop_leftover(self):
        """A directory this harness started in a session that was killed (its fixture never ran its end)."""
        try:
            with open(PIDFILE, encoding="ascii") as handle:
                pid = int(handle.read().strip())
            # samba renames its processes ("samba: root process"): the pid we wrote and the program's path tell
            ours = os.path.basename(os.readlink("/proc/%d/exe" % pid)) == "samba"
        except (OSError, ValueError):
            return
        if ours:
            os.killpg(pid, signal.SIGTERM)
            for dummy in range(100):
                if not _port_open(HOST, PORT):
                    break
                time.sleep(0.1)

    def _release(self):
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    # -- content ------------------------------------------------------------------------------------
    def _tarball(self):
        """build/samba-dc-<samba version>.tar.gz: a provisioned, empty domain (never with computer objects)."""
        if not self.cache:
            return None
        version = subprocess.run([SAMBA, "--version"], capture_output=True, text=True, check=False).stdout.strip()
        return os.path.join(CACHE_DIR, "samba-dc-%s.tar.gz" % (version.split()[-1] if version else "unknown"))

    def _add_share(self):
        """The share SHARE, a folder of the DC's work folder (the provisioned domain is cached without it)."""
        os.makedirs(self.share_folder, exist_ok=True)
        with open(self.conf, "a", encoding="utf-8") as handle:
            handle.write("\n[%s]\n\tpath = %s\n\tread only = no\n" % (SHARE, self.share_folder))

    def wait_for_share(self, timeout=60):
        """Wait until the DC's smbd accepts an SMB logon: port 389 answers before winbindd is ready, and a logon
        set up before that fails with STATUS_INTERNAL_ERROR. Returns the seconds waited."""
        import smbclient  # pylint: disable=import-outside-toplevel

        began = time.monotonic()
        while True:
            cache = {}
            try:
                smbclient.register_session(HOST, username="%s\\Administrator" % DOMAIN, password=self.password,
                                           auth_protocol="ntlm", connection_cache=cache)
                smbclient.reset_connection_cache(fail_on_error=False, connection_cache=cache)
                return round(time.monotonic() - began, 2)
            except Exception as exc:  # pylint: disable=broad-except
                if time.monotonic() - began > timeout:
                    raise DirectoryError("the DC's file share did not accept a logon within %d s: %s" % (timeout, exc))
                time.sleep(0.5)

    @property
    def share_folder(self):
        return os.path.join(self.workdir, "share")

    @property
    def conf(self):
        return os.path.join(self.workdir, "etc", "smb.conf")

    def add_computers(self, computers):
        """Load computer objects in bulk (one ldbadd for all of them)."""
        path = os.path.join(self.workdir, "computers-%d.ldif" % time.monotonic_ns())
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(computer_ldif(computers))
        self._run([LDBADD, "-H", os.path.join(self.workdir, "private", "sam.ldb"), "--configfile=" + self.conf, path],
                  "add %d computer object(s)" % len(computers))

    def _kerberos_realm(self, names):
        """The service account, its SPNs and the controller's user (one ldbadd), the service's keytab
        (samba-tool domain exportkeytab) and the controller's krb5.conf, all in the DC's folder."""
        path = os.path.join(self.workdir, "kerberos-accounts.ldif")
        with open(path, "w", encoding="ascii") as handle:
            handle.write(kerberos.accounts_ldif(BASE_DN, names))
        self._run([LDBADD, "-H", os.path.join(self.workdir, "private", "sam.ldb"), "--configfile=" + self.conf, path],
                  "add the Kerberos accounts")
        os.remove(path)  # it held the account passwords
        keytab = os.path.join(self.workdir, "winrm-http.keytab")
        self._run([SAMBA_TOOL, "domain", "exportkeytab", keytab, "--principal=" + kerberos.SERVICE_ACCOUNT,
                   "--configfile=" + self.conf], "export the WinRM service's keytab")
        return kerberos.Realm(keytab=keytab, krb5_conf=kerberos.write_krb5_conf(os.path.join(self.workdir, "krb5.conf")),
                              principal="%s@%s" % (kerberos.USER, REALM), password=kerberos.PASSWORD,
                              fqdns=tuple(kerberos.fqdn(name) for name in names))

    def inventory(self, path, password=None, **extra):
        """Write a microsoft.ad.ldap inventory source (the file name must end in microsoft.ad.ldap.yml)."""
        lines = [
            "plugin: microsoft.ad.ldap",
            "server: %s" % HOST,
            "port: %d" % PORT,
            "auth_protocol: ntlm",
            "username: '%s\\Administrator'" % DOMAIN,
            "password: '%s'" % (self.password if password is None else password),
            "filter: '(operatingSystem=Windows*)'",
            "attributes:",
            "  operatingSystem:",
            "  operatingSystemVersion:",
            "  operatingSystemServicePack:",
            "  dNSHostName:",
            "groups:",
            "  apexone_directory: true",
        ]
        for key, value in extra.items():
            lines.append("%s: %s" % (key, value))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        return path

    def _run(self, command, what):
        proc = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
        if proc.returncode != 0:
            shown = [part if "adminpass" not in part else "--adminpass=***" for part in command]
            raise DirectoryError("could not %s (rc %d): %s\n%s" % (what, proc.returncode, " ".join(shown),
                                                                   (proc.stdout + proc.stderr)[-2000:]))
        return proc
