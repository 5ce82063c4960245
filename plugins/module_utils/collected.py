# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Answers the standalone collector (apexone-collect.ps1) wrote into a folder: which may be used, for which host.

Each file is ``<COMPUTERNAME>.json``: the collector's envelope (format, read_at, host, dns_name, collection, kind)
around the probe's answer (kind result), the driver's error (kind error) or the bootstrap's short answer (kind
short). A file is used for an inventory host only when it reads as that envelope, names the host its file is named
for, matches exactly one inventory host, was written by this collection version and is young enough; every other
file is refused by name, with why (REFUSALS). Pure functions over plain data; the judging itself is
host_judgement's, the same as for a probed host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import re

from ansible_collections.apexone.upgrade.plugins.module_utils import fleet_record

FORMAT = "apexone.upgrade.collected"
KINDS = ("result", "error", "short")
SHORT_FIELDS = 6  # the bootstrap's short answer: ps_version, language_mode, version, build, product_type, service_pack
MAX_BYTES = 1024 * 1024  # an answer is about 11 KB; a bigger file is no collector's answer
SUFFIX = ".json"
_COMPUTER = re.compile(r"^[A-Za-z0-9-]{1,15}$")
_DNS = re.compile(r"^[A-Za-z0-9.-]{0,253}$")

# Why a file is refused (refusal()'s `why`).
MALFORMED, NAME, FOREIGN, AMBIGUOUS, TOO_OLD, OTHER_VERSION, FUTURE, DUPLICATE = (
    "malformed", "name", "foreign", "ambiguous", "too_old", "other_version", "future", "duplicate")
REFUSALS = (MALFORMED, NAME, FOREIGN, AMBIGUOUS, TOO_OLD, OTHER_VERSION, FUTURE, DUPLICATE)
FUTURE_SLACK = datetime.timedelta(minutes=10)  # a host clock this far ahead of the controller's is not believed


class Refused(Exception):
    def __init__(self, why, text):
        super(Refused, self).__init__(text)
        self.why = why
        self.text = text


def envelope(filename, data):
    """The file's envelope as a dict, checked against the collector's contract; raises Refused (MALFORMED, NAME)."""
    if len(data) > MAX_BYTES:
        raise Refused(MALFORMED, "more than %d bytes, larger than any answer" % MAX_BYTES)
    try:
        doc = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(MALFORMED, "not the collector's JSON (%s): cut or changed on the way?" % exc)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise Refused(MALFORMED, "not an answer of apexone-collect.ps1 (format is not %s)" % FORMAT)
    for key in ("read_at", "host", "dns_name", "collection", "kind"):
        if not isinstance(doc.get(key), str):
            raise Refused(MALFORMED, "%s is missing or not text" % key)
    if fleet_record.parse_time(doc["read_at"]) is None:
        raise Refused(MALFORMED, "read_at %r is not a UTC time" % doc["read_at"])
    if not _COMPUTER.match(doc["host"]) or not _DNS.match(doc["dns_name"]):
        raise Refused(MALFORMED, "host %r / dns_name %r are not computer names" % (doc["host"], doc["dns_name"]))
    if doc["kind"] not in KINDS:
        raise Refused(MALFORMED, "kind %r is none of %s" % (doc["kind"], ", ".join(KINDS)))
    body = doc.get("answer")
    if doc["kind"] in ("result", "error") and not isinstance(body, dict):
        raise Refused(MALFORMED, "the answer of kind %s is not an object" % doc["kind"])
    if doc["kind"] == "result" and not isinstance(body.get("subsets"), (list, str)):
        raise Refused(MALFORMED, "the probe's answer has no subsets")
    if doc["kind"] == "short" and not (isinstance(body, list) and len(body) == SHORT_FIELDS
                                       and all(isinstance(v, str) for v in body)):
        raise Refused(MALFORMED, "the short answer is not %d texts" % SHORT_FIELDS)
    if filename[:-len(SUFFIX)].upper() != doc["host"].upper():
        raise Refused(NAME, "the file is named for another host than the %s it holds" % doc["host"])
    return doc


def _short(name):
    return name.split(".", 1)[0].upper()


def host_index(hosts):
    """Name -> inventory hosts, for matching(): each host's full name and its first label (upper case), and the
    first label cut to 15 characters (the NetBIOS name Windows derives from a longer host name)."""
    index = {}
    for host in hosts:
        for key in set([host.upper(), _short(host), _short(host)[:15]]):
            index.setdefault(key, []).append(host)
    return index


def matching(doc, index):
    """The inventory host a file's envelope names (its DNS host name first, else its computer name); raises Refused
    (FOREIGN: no inventory host, AMBIGUOUS: several)."""
    for key in [doc["dns_name"].upper(), _short(doc["dns_name"])] if doc["dns_name"] else []:
        found = sorted(set(index.get(key) or []))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise Refused(AMBIGUOUS, "%s could be any of %s: name the hosts by their full names" % (key, ", ".join(found)))
    found = sorted(set(index.get(doc["host"].upper()) or []))
    if len(found) == 1:
        return found[0]
    if found:
        raise Refused(AMBIGUOUS, "%s could be any of %s: name the hosts by their full names" % (doc["host"], ", ".join(found)))
    raise Refused(FOREIGN, "host name %s, computer name %s" % (doc["dns_name"] or "-", doc["host"]))


def judged_at(doc, now, max_age_hours, collection):
    """The envelope's read time when the report may use it; raises Refused (OTHER_VERSION, TOO_OLD, FUTURE)."""
    read_at = fleet_record.parse_time(doc["read_at"])
    if doc["collection"] != collection:
        raise Refused(OTHER_VERSION, "written by apexone.upgrade %s, this report is %s: make the script again with "
                                     "apexone.upgrade.collector and let the hosts run it" % (doc["collection"], collection))
    if max_age_hours and now - read_at > datetime.timedelta(hours=max_age_hours):
        raise Refused(TOO_OLD, "read at %s, more than %d h ago" % (doc["read_at"], max_age_hours))
    if read_at - now > FUTURE_SLACK:
        raise Refused(FUTURE, "read at %s, later than now: the host's clock is wrong" % doc["read_at"])
    return read_at


def age_hours(read_at, now):
    """A record's age in hours, one decimal."""
    return round((now - read_at).total_seconds() / 3600.0, 1)


def newer(probed, collected):
    """Which of two usable records (fleet_record) of one host the report uses: a reading beats a failed attempt
    (an agent WinRM does not reach gets an error record at every probe), else the one read later, the probe's when
    both were read at the same second. Returns "probe" or "collected"."""
    probe_failed, collect_failed = probed.get("error") is not None, collected.get("error") is not None
    if probe_failed != collect_failed:
        return "probe" if collect_failed else "collected"
    return "collected" if collected["read_at"] > probed["read_at"] else "probe"
