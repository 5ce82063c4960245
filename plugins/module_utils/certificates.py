# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which certificates a host needs (KA-0001268) and how its stores measure up.

Pure functions over the catalog and the store listing the probe returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, errors

STORES = (catalog.ROOT, catalog.INTERMEDIATE)
MATCH_MODES = ("thumbprint", "thumbprint_or_cn")

# Characters Windows' certificate dialog and copy-paste bring along: spaces, colons, and the
# invisible left-to-right mark (U+200E) the MMC "Thumbprint" field starts with.
_THUMBPRINT_NOISE = re.compile(u"[\\s:\u200e\u200f\ufeff-]")
_SHA1_HEX = re.compile("^[0-9a-f]{40}$")


class CertificateSpecError(errors.InputError):
    """A `required` entry the user gave is malformed; the message says how to fix it."""


def normalise_thumbprint(value):
    """'4E B6:D5…' -> '4eb6d5…'. Raises CertificateSpecError unless 40 hex digits remain."""
    text = _THUMBPRINT_NOISE.sub("", u"%s" % (value,)).lower()
    if not _SHA1_HEX.match(text):
        raise CertificateSpecError(
            "thumbprint %r is not a SHA-1 thumbprint: give 40 hexadecimal digits "
            "(spaces, colons and case do not matter)" % (value,))
    return text


def subject_cn(distinguished_name):
    """The CN of a .NET-style subject ('CN=Foo, O="Bar, Inc", C=US'), or '' when it has none."""
    text = distinguished_name or ""
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
            continue
        if char in ",+" and not quoted:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    for part in parts:
        key, sep, value = part.strip().partition("=")
        if sep and key.strip().upper() == "CN":
            return value.strip()
    return ""


def normalise_spec(entry):
    """Validate one certificate entry (the catalog's or a user's `required_certificates`) and complete it."""
    if not isinstance(entry, dict):
        raise CertificateSpecError("each required certificate must be a dictionary, got %r" % (entry,))
    unknown = set(entry) - set(["name", "thumbprint", "subject_cn", "store", "since_build", "file", "match", "source",
                                "expired_on"])
    if unknown:
        raise CertificateSpecError("required certificate %r has unknown keys %s; allowed: name, thumbprint, "
                                   "subject_cn, store, since_build, file, match, source, expired_on"
                                   % (entry.get("name"), ", ".join(sorted(unknown))))
    store = entry.get("store")
    if store not in STORES:
        raise CertificateSpecError("required certificate %r: store must be 'Root' (trusted root CAs) or 'CA' "
                                   "(intermediate CAs), got %r" % (entry.get("name"), store))
    thumbprint = entry.get("thumbprint")
    if thumbprint:
        thumbprint = normalise_thumbprint(thumbprint)
    cn = (entry.get("subject_cn") or "").strip()
    if not thumbprint and not cn:
        raise CertificateSpecError("required certificate %r needs a thumbprint or a subject_cn to be recognised"
                                   % (entry.get("name"),))
    # A root is known by its thumbprint; an intermediate (or an entry without thumbprint) also by its subject CN.
    match = entry.get("match") or ("thumbprint" if thumbprint and store == catalog.ROOT else "thumbprint_or_cn")
    if match not in MATCH_MODES:
        raise CertificateSpecError("required certificate %r: match must be one of %s"
                                   % (entry.get("name"), ", ".join(MATCH_MODES)))
    since = entry.get("since_build")
    if since is not None:
        try:
            since = int(since)
        except (TypeError, ValueError):
            raise CertificateSpecError("required certificate %r: since_build must be a build number"
                                       % (entry.get("name"),))
    expired_on = entry.get("expired_on")
    if expired_on is not None:
        try:
            expired_on = datetime.datetime.strptime(str(expired_on), "%Y-%m-%d").strftime("%Y-%m-%d")
        except ValueError:
            raise CertificateSpecError("required certificate %r: expired_on must be a date (YYYY-MM-DD), got %r"
                                       % (entry.get("name"), expired_on))
    return {
        "name": entry.get("name") or cn or thumbprint,
        "expired_on": expired_on,
        "thumbprint": thumbprint,
        "subject_cn": cn,
        "store": store,
        "since_build": since,
        "file": entry.get("file") or ("%s.crt" % thumbprint if thumbprint else None),
        "match": match,
        "source": entry.get("source") or "user",
    }


def required_certificates(build=None, extra=None, use_catalog=True):
    """The certificates a host needs for Apex One `build` (None: every entry of the list).

    `extra` entries override catalog entries of the same thumbprint or name and add the others.
    """
    entries = [normalise_spec(item) for item in catalog.data(catalog.CERTIFICATES_FILE)] if use_catalog else []
    for raw in extra or ():
        spec = normalise_spec(raw)
        for index, known in enumerate(entries):
            if (spec["thumbprint"] and spec["thumbprint"] == known["thumbprint"]) or spec["name"] == known["name"]:
                entries[index] = spec
                break
        else:
            entries.append(spec)
    if build is None:
        return entries
    build = int(build)
    return [item for item in entries if item["since_build"] is None or build >= item["since_build"]]


def _parse_time(value):
    """ISO-8601 from the probe ('2031-11-10T00:00:00Z') -> aware UTC datetime, or None."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        parsed = datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    return parsed.replace(tzinfo=datetime.timezone.utc)


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def _find(entries, spec):
    """The store entry that satisfies spec, and how it was matched."""
    if spec["thumbprint"]:
        for entry in entries:
            if (entry.get("thumbprint") or "").lower() == spec["thumbprint"]:
                return entry, "thumbprint"
    if spec["match"] == "thumbprint_or_cn" and spec["subject_cn"]:
        wanted = spec["subject_cn"].lower()
        for entry in entries:
            if subject_cn(entry.get("subject")).lower() == wanted:
                return entry, "subject_cn"
    return None, None


def evaluate(stores, required, now=None):
    """Compare the host's stores with the required list.

    `stores`: {"Root": [entry], "CA": [entry]}, entry = thumbprint, subject, issuer,
    not_before, not_after as the probe returns them. Returns present / missing / expired /
    wrong_store lists, `ready` and a one-line summary. Expired certificates still count as
    present (old files were signed while they were valid) but are listed so a human sees them.
    """
    now = now or utc_now()
    present, missing, expired, wrong_store = [], [], [], []
    for spec in required:
        found, how = _find(stores.get(spec["store"]) or [], spec)
        if found is not None:
            item = _describe(spec, found, how, spec["store"])
            present.append(item)
            not_after = _parse_time(found.get("not_after"))
            if not_after is not None and not_after < now:
                expired.append(item)
            continue
        elsewhere = None
        for store in STORES:
            if store != spec["store"]:
                candidate, how = _find(stores.get(store) or [], spec)
                if candidate is not None:
                    elsewhere = _describe(spec, candidate, how, store)
                    break
        if elsewhere is not None:
            wrong_store.append(elsewhere)
        else:
            missing.append({"name": spec["name"], "thumbprint": spec["thumbprint"], "store": spec["store"],
                            "file": spec["file"], "source": spec["source"], "expired_on": spec["expired_on"]})
    ready = not missing and not wrong_store
    return {
        "ready": ready,
        "required_count": len(required),
        "present": present,
        "missing": missing,
        "expired": expired,
        "wrong_store": wrong_store,
        "summary": _summary(len(required), present, missing, expired, wrong_store),
    }


def _describe(spec, entry, how, store):
    return {
        "name": spec["name"],
        "thumbprint": (entry.get("thumbprint") or "").lower(),
        "expected_thumbprint": spec["thumbprint"],
        "store": store,
        "expected_store": spec["store"],
        "matched_by": how,
        "subject": entry.get("subject"),
        "not_after": entry.get("not_after"),
        "source": spec["source"],
        "expired_on": spec["expired_on"],
        "file": spec["file"],
    }


def _summary(total, present, missing, expired, wrong_store):
    text = "%d of %d required certificates present" % (len(present), total)
    if missing:
        text += "; missing: " + ", ".join("%s (%s)" % (m["name"], m["store"]) for m in missing)
    if wrong_store:
        text += "; in the wrong store: " + ", ".join(
            "%s (in %s, belongs in %s)" % (w["name"], w["store"], w["expected_store"]) for w in wrong_store)
    if expired:
        text += "; expired but counted: " + ", ".join(e["name"] for e in expired)
    by_cn = [p["name"] for p in present if p["matched_by"] == "subject_cn"]
    if by_cn:
        text += "; matched by subject name, not thumbprint: " + ", ".join(by_cn)
    return text


def judge(evaluation, update):
    """What is not ready, as Windows works: what blocks the upgrade, and what Windows adds by itself.

    `evaluation`: evaluate()'s result; `update`: root_update.judge()'s. A root (store Root) that is missing,
    or sits only in another store, is added by Windows on first use where automatic root update can work
    (`windows_adds`, with `elsewhere` naming the store a copy sits in); else it blocks, as every missing
    intermediate does (Windows adds roots from its root programme, not intermediates). Returns
    {blocking: {missing, wrong_store}, windows_adds, root_update}.
    """
    can = bool(update and update["available"])
    blocking_missing, blocking_wrong, adds = [], [], []
    for item in evaluation["missing"]:
        (adds if can and item["store"] == catalog.ROOT else blocking_missing).append(dict(item, elsewhere=None))
    for item in evaluation["wrong_store"]:
        if can and item["expected_store"] == catalog.ROOT:
            adds.append({"name": item["name"], "thumbprint": item["expected_thumbprint"], "store": catalog.ROOT,
                         "file": item["file"], "source": item["source"], "expired_on": item["expired_on"],
                         "elsewhere": item["store"]})
        else:
            blocking_wrong.append(item)
    return {"blocking": {"missing": blocking_missing, "wrong_store": blocking_wrong}, "windows_adds": adds,
            "root_update": update}


def install_plan(chosen, check_mode):
    """Parameters for certificates_install.ps1: the chosen bundle entries, and the stores to read back."""
    return {
        "Certificates": [{"store": c["store"], "thumbprint": c["thumbprint"], "der_b64": c["der_b64"]} for c in chosen],
        "Stores": list(STORES),
        "CheckMode": bool(check_mode),
    }


def install_outcome(names, chosen, answer):
    """certificates_install.ps1's per-certificate statuses -> added / present / failed by name.

    A certificate the script did not report on is failed: nothing is assumed.
    """
    by_thumbprint = dict((str(r.get("thumbprint", "")).lower(), r) for r in answer.get("results") or [])
    outcome = {"added": [], "present": [], "failed": [], "status": {}}
    for name, cert in zip(names, chosen):
        reported = by_thumbprint.get(cert["thumbprint"].lower())
        status = (reported or {}).get("status")
        outcome["status"][name] = status or "not reported"
        if status in ("added", "absent"):
            outcome["added"].append(name)
        elif status == "present":
            outcome["present"].append(name)
        else:
            outcome["failed"].append({"name": name, "error": (reported or {}).get("error") or
                                      "the host did not report on this certificate"})
    return outcome
