# -*- coding: utf-8 -*-
"""The directory's computer objects: every OS of seed 000 item 2, Server 2003, and supported ones.

Values as Windows writes them into AD (operatingSystem in English, "™"/"®" included), with both forms
of operatingSystemVersion real directories hold: "6.1 (7601)" and "6.1.7601". `expected` is the
name the preflight must give (None = supported); it is what the tests compare with.
"""

from __future__ import annotations

COMPUTERS = [
    # name, operatingSystem, operatingSystemVersion, operatingSystemServicePack, expected
    ("AD-XP", "Windows XP Professional", "5.1 (2600)", "Service Pack 3", "Windows XP"),
    ("AD-XP64", "Windows XP Professional x64 Edition", "5.2 (3790)", "Service Pack 2", "Windows XP x64"),
    ("AD-VISTA", "Windows Vista\u2122 Business", "6.0 (6002)", "Service Pack 2", "Windows Vista"),
    ("AD-WIN7RTM", "Windows 7 Professional", "6.1 (7600)", None, "Windows 7 without SP1"),
    ("AD-WIN7RTM-DOT", "Windows 7 Enterprise", "6.1.7600", None, "Windows 7 without SP1"),
    ("AD-WIN7SP1", "Windows 7 Professional", "6.1 (7601)", "Service Pack 1", None),
    ("AD-WIN7SP1-DOT", "Windows 7 Enterprise", "6.1.7601", "Service Pack 1", None),
    ("AD-WIN8", "Windows 8 Pro", "6.2 (9200)", None, "Windows 8"),
    ("AD-WIN81", "Windows 8.1 Pro", "6.3 (9600)", None, None),
    ("AD-WIN10", "Windows 10 Enterprise", "10.0 (19045)", None, None),
    ("AD-SRV2003", "Windows Server 2003", "5.2 (3790)", "Service Pack 2", "Windows Server 2003"),
    ("AD-SRV2008", "Windows Server\u00ae 2008 Standard", "6.0 (6001)", "Service Pack 1", "Windows Server 2008"),
    ("AD-SRV2008SP2", "Windows Server\u00ae 2008 Enterprise", "6.0.6002", "Service Pack 2", "Windows Server 2008"),
    ("AD-SRV2008R2", "Windows Server 2008 R2 Standard", "6.1 (7601)", "Service Pack 1", None),
    ("AD-SRV2012R2", "Windows Server 2012 R2 Standard", "6.3 (9600)", None, None),
    ("AD-SRV2016", "Windows Server 2016 Standard", "10.0 (14393)", None, None),
    ("AD-SRV2019", "Windows Server 2019 Datacenter", "10.0 (17763)", None, None),
    ("AD-SRV2022", "Windows Server 2022 Standard", "10.0 (20348)", None, None),
    # Lab hosts that WinRM also reaches: the preflight cross-checks the two sources.
    ("AGENT-WIN7-RTM", "Windows 7 Enterprise", "6.1 (7600)", None, "Windows 7 without SP1"),
    ("AGENT-2008R2", "Windows Server\u00ae 2008 Standard", "6.0 (6002)", "Service Pack 2", "Windows Server 2008"),
]

EXPECTED = dict((name, expected) for name, dummy_os, dummy_v, dummy_sp, expected in COMPUTERS)


def as_objects(domain="lab.example"):
    return [{"name": name, "operatingSystem": os_name, "operatingSystemVersion": version,
             "operatingSystemServicePack": service_pack, "dNSHostName": "%s.%s" % (name.lower(), domain)}
            for name, os_name, version, service_pack, dummy in COMPUTERS]
