# -*- coding: utf-8 -*-
"""The lab realm's Kerberos: accounts, the WinRM service's keytab and the controller's krb5.conf.

The lab's Samba domain controller (samba_dc.py) is the KDC for LAB.EXAMPLE on 127.0.0.1:88. What a
Windows domain gives a WinRM host, the lab gives its loopback endpoint:

- a service account, ``svc-lab-winrm``, holding the SPNs ``HTTP/<fqdn>`` (what pywinrm, so the
  ``winrm`` plugin, asks a ticket for) and ``WSMAN/<fqdn>`` (pypsrp's default service, so the
  ``psrp`` plugin's; the WinRM service of a domain-joined Windows host registers it on the computer
  account) of every lab host name the Kerberos tests connect to (the endpoint serves them all, as a
  cluster name's account would), with AES keys only (msDS-SupportedEncryptionTypes 0x18: RC4 is
  what a hardened domain turns off);
- its keytab, exported with Samba's own ``samba-tool domain exportkeytab`` (the acceptor matches a
  ticket for any of the SPNs to the account's keys, as MIT's acceptor does for an alias);
- the controller's account ``apexone-lab@LAB.EXAMPLE`` (the password of the lab's NTLM account);
- a ``krb5.conf`` for the controller (KRB5_CONFIG): the realm's KDC at 127.0.0.1, no DNS lookups of
  realm or KDC, ``rdns = false`` and no canonicalisation, so the SPN is ``HTTP/<the name Ansible
  connects to>``, exactly.

The host names: every lab host ``<name>`` is ``<name>.lab.example``; `hosts_entries` makes them
resolve to 127.0.0.1 through /etc/hosts (the test run is root, as it must be for the KDC's port).
"""

from __future__ import annotations

import base64
import dataclasses
import secrets

REALM = "LAB.EXAMPLE"
DNS_DOMAIN = "lab.example"
SERVICE_ACCOUNT = "svc-lab-winrm"
USER = "apexone-lab"
PASSWORD = "Lab-Passw0rd-1"  # the lab endpoint's NTLM account (tests/lab/endpoint/ntlm_users), same person
SERVICES = ("HTTP", "WSMAN")  # pywinrm's SPN service; pypsrp's (ansible_psrp_negotiate_service)
AES_ONLY = 0x18  # msDS-SupportedEncryptionTypes: AES128 | AES256
HOSTS_FILE = "/etc/hosts"
HOSTS_MARK = "# apexone.upgrade lab (Kerberos tests): lab host names on the loopback endpoint"


@dataclasses.dataclass
class Realm:
    """What the controller and the endpoint need, once the DC holds the accounts."""
    keytab: str          # the endpoint's (KRB5_KTNAME)
    krb5_conf: str       # the controller's (KRB5_CONFIG)
    principal: str       # the controller's account, user@REALM
    password: str
    fqdns: tuple         # the names with an HTTP SPN

    def env(self) -> dict:
        """The controller's environment: the lab realm's krb5.conf (the winrm plugin's kinit gets it through
        ansible_winrm_kinit_env_vars)."""
        return {"KRB5_CONFIG": self.krb5_conf}


def fqdn(name: str) -> str:
    return "%s.%s" % (name, DNS_DOMAIN)


def _password_value(password: str) -> str:
    """unicodePwd as LDIF wants it: the quoted password in UTF-16LE, base64."""
    return base64.b64encode(('"%s"' % password).encode("utf-16-le")).decode("ascii")


def accounts_ldif(base_dn: str, names, password: str = PASSWORD) -> str:
    """The controller's user and the WinRM service account with an HTTP SPN per lab host name."""
    spns = "".join("servicePrincipalName: %s/%s\n" % (service, fqdn(name)) for name in names for service in SERVICES)
    service_password = "Svc-" + secrets.token_urlsafe(24) + "-9x"  # nobody logs on with it; only its keys are used
    return (
        "dn: CN=%(user)s,CN=Users,%(base)s\nobjectClass: user\nsAMAccountName: %(user)s\n"
        "userPrincipalName: %(user)s@%(domain)s\nuserAccountControl: 66048\nunicodePwd:: %(pw)s\n\n"
        "dn: CN=%(svc)s,CN=Users,%(base)s\nobjectClass: user\nsAMAccountName: %(svc)s\n"
        "userAccountControl: 66048\nmsDS-SupportedEncryptionTypes: %(aes)d\n%(spns)sunicodePwd:: %(svc_pw)s\n"
        % dict(user=USER, base=base_dn, domain=DNS_DOMAIN, pw=_password_value(password), svc=SERVICE_ACCOUNT,
               aes=AES_ONLY, spns=spns, svc_pw=_password_value(service_password)))


def krb5_conf(kdc: str = "127.0.0.1") -> str:
    """The controller's krb5.conf for the lab realm (`kdc` may name another port: KDC unreachable)."""
    return (
        "[libdefaults]\n"
        "    default_realm = %(realm)s\n"
        "    dns_lookup_realm = false\n"
        "    dns_lookup_kdc = false\n"
        "    rdns = false\n"
        "    dns_canonicalize_hostname = false\n"
        "[realms]\n"
        "    %(realm)s = {\n"
        "        kdc = %(kdc)s\n"
        "    }\n"
        "[domain_realm]\n"
        "    .%(domain)s = %(realm)s\n"
        "    %(domain)s = %(realm)s\n"
        % dict(realm=REALM, domain=DNS_DOMAIN, kdc=kdc))


def write_krb5_conf(path: str, kdc: str = "127.0.0.1") -> str:
    with open(path, "w", encoding="ascii") as handle:
        handle.write(krb5_conf(kdc))
    return path


def hosts_entries(names, path: str = HOSTS_FILE) -> list:
    """Make each `<name>.lab.example` resolve to 127.0.0.1: the lines /etc/hosts lacked, appended under a
    marked comment. Never removed (another checkout's tests may use them at the same time); they name
    only the reserved example domain."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    present = set()
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and fields[0] == "127.0.0.1":
            present.update(fields[1:])
    missing = [fqdn(name) for name in names if fqdn(name) not in present]
    if missing:
        newline = "" if text.endswith("\n") or not text else "\n"
        block = "%s%s\n%s" % (newline, HOSTS_MARK, "".join("127.0.0.1 %s\n" % name for name in missing))
        with open(path, "a", encoding="utf-8") as handle:  # one write: the file may be read meanwhile
            handle.write(block)
    return missing
