# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The certificates of KA-0001268 delivered by one Group Policy object (KA-0012615 item 8).

Windows reads machine policy certificates from
``HKLM\\Software\\Policies\\Microsoft\\SystemCertificates\\<store>\\Certificates\\<SHA-1>``, value ``Blob``
(REG_BINARY): one serialized certificate store element. The Registry client-side extension writes there
what the GPO's ``Machine\\Registry.pol`` holds, and the ``Root`` and ``CA`` logical stores of the computer
include that "Group Policy" physical store, so every program that opens ``LocalMachine\\Root`` sees them.

A serialized element (the format crypt32 writes with CertSerializeCertificateStoreElement and reads
back with CertAddSerializedElementToStore; Wine's crypt32 serialize.c documents it) is a list of
properties, each a header of three little-endian DWORDs (property id, a DWORD that is always 1, the
length) and the bytes, ending with the element itself: property 32 (CERT_CERT_PROP_ID) holding the
certificate's DER encoding. We write the SHA-1 hash property (3) and then the certificate.

Pure functions: the controller decides here, for the Windows DC script and the Samba DC module alike,
which values to set and which to leave; both only read raw state and apply that decision.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import re
import struct

from ansible_collections.apexone.upgrade.plugins.module_utils import errors

POLICY_KEY = "Software\\Policies\\Microsoft\\SystemCertificates"
STORE_KEYS = {"Root": POLICY_KEY + "\\Root\\Certificates", "CA": POLICY_KEY + "\\CA\\Certificates"}
VALUE_NAME = "Blob"
HIVE = "HKLM"  # how the GroupPolicy module names the machine half of a GPO

# The error id Get-GPO -Name gives for a name no GPO has (GroupPolicy module); any other lookup error stops.
GPO_NOT_FOUND_ID = "GpoWithNameNotFound"

CERT_SHA1_HASH_PROP_ID = 3
CERT_CERT_PROP_ID = 32
_HEADER = struct.Struct("<III")
_ALWAYS_ONE = 1

# What Set-GPRegistryValue leaves in gPCMachineExtensionNames for a machine registry setting: the
# Registry client-side extension and the Administrative Templates tool. Without it Windows never
# processes the GPO's Registry.pol.
REGISTRY_EXTENSION = ("{35378EAC-683F-11D2-A89A-00C04FBBCFA2}", "{D02B1F72-3407-48AE-BA88-E8213C6761F1}")
_EXTENSION = re.compile(r"\[((?:\{[0-9A-Fa-f-]{36}\})+)\]")
_GUID = re.compile(r"\{[0-9A-Fa-f-]{36}\}")
_GPLINK = re.compile(r"\[LDAP://([^;\]]+);(\d+)\]", re.I)
_GPO_CN = re.compile(r"^cn=(\{[0-9A-Fa-f-]{36}\}),", re.I)
# Group Policy version numbers: user version in the high 16 bits, computer version in the low 16.
MACHINE_VERSION_MASK = 0xFFFF


class BlobError(ValueError):
    """Bytes that are not one serialized certificate store element."""


def serialize(der):
    """The Blob value for a certificate given as DER bytes: SHA-1 hash property, then the certificate."""
    if not isinstance(der, bytes) or not der:
        raise BlobError("a certificate's DER encoding is needed (non-empty bytes)")
    sha1 = hashlib.sha1(der).digest()  # nosec - SHA-1 is how Windows names and indexes certificates
    return (_HEADER.pack(CERT_SHA1_HASH_PROP_ID, _ALWAYS_ONE, len(sha1)) + sha1
            + _HEADER.pack(CERT_CERT_PROP_ID, _ALWAYS_ONE, len(der)) + der)


def parse(blob):
    """A Blob value -> {"properties": {id: bytes}, "der": bytes, "thumbprint": sha1 hex}. Raises BlobError."""
    if not isinstance(blob, bytes):
        raise BlobError("a Blob value is bytes, got %s" % type(blob).__name__)
    properties, offset = {}, 0
    while offset < len(blob):
        if len(blob) - offset < _HEADER.size:
            raise BlobError("cut inside a property header at byte %d" % offset)
        prop_id, one, size = _HEADER.unpack_from(blob, offset)
        offset += _HEADER.size
        if one != _ALWAYS_ONE:
            raise BlobError("property %d at byte %d: second header word is %d, not 1" % (prop_id, offset - 12, one))
        if size > len(blob) - offset:
            raise BlobError("property %d claims %d bytes, %d remain" % (prop_id, size, len(blob) - offset))
        data = blob[offset:offset + size]
        offset += size
        if prop_id == CERT_CERT_PROP_ID:
            if offset != len(blob):
                raise BlobError("%d bytes follow the certificate element" % (len(blob) - offset))
            thumbprint = hashlib.sha1(data).hexdigest()  # nosec - Windows' certificate name
            stored = properties.get(CERT_SHA1_HASH_PROP_ID)
            if stored is not None and stored.hex() != thumbprint:
                raise BlobError("the SHA-1 hash property says %s, the certificate's hash is %s" % (stored.hex(), thumbprint))
            return {"properties": properties, "der": data, "thumbprint": thumbprint}
        properties[prop_id] = data
    raise BlobError("no certificate element (property 32) in %d bytes" % len(blob))


def entry_key(store, thumbprint):
    """The registry key (under HKLM) of one policy certificate: the thumbprint upper-case, as Windows names it."""
    if store not in STORE_KEYS:
        raise errors.InputError("store must be Root or CA for a policy certificate, got %r" % (store,))
    return "%s\\%s" % (STORE_KEYS[store], thumbprint.upper())


def desired(matched):
    """What the GPO must carry for a checked bundle's `matched` entries (name -> file entry with der_b64).

    Each certificate is keyed by the thumbprint of the file's own bytes (an intermediate may have been
    matched by its subject CN), in the store the list names.
    """
    wanted = []
    for name in sorted(matched):
        cert = matched[name]
        der = base64.b64decode(cert["der_b64"])
        thumbprint = hashlib.sha1(der).hexdigest()  # nosec - Windows' certificate name
        wanted.append({"name": name, "store": cert["store"], "thumbprint": thumbprint,
                       "key": entry_key(cert["store"], thumbprint), "blob": serialize(der)})
    return wanted


def read_keys():
    """The keys whose subkeys the DC lists (one level): every policy certificate of both stores."""
    return [STORE_KEYS[store] for store in ("Root", "CA")]


def _strip_hive(key):
    text = key.replace("/", "\\").strip("\\")
    for prefix in ("HKEY_LOCAL_MACHINE\\", "HKLM\\"):
        if text.upper().startswith(prefix):
            return text[len(prefix):]
    return text


def _is_ours_parent(key):
    lowered = _strip_hive(key).lower()
    return any(lowered.startswith(parent.lower() + "\\") for parent in STORE_KEYS.values())


def plan(wanted, values):
    """Which values to set, which are right, and what else the GPO's certificate keys hold.

    `values`: what the DC read, a list of {"key", "value_name", "type", "data_b64"} (key under HKLM,
    with or without the hive prefix). A certificate is right when its key holds a Blob that decodes to
    the same certificate, whatever other properties Windows may have written beside it; it is never
    rewritten. A key of ours holding anything else (another certificate, unreadable bytes, another
    kind) is set again. Entries that are not ours are reported and left alone.
    """
    found = {}
    for value in values:
        key = _strip_hive(value["key"])
        found[(key.lower(), (value.get("value_name") or "").lower())] = value
    to_set, right, wrong = [], [], []
    ours = set()
    for item in wanted:
        ours.add(item["key"].lower())
        seen = found.get((item["key"].lower(), VALUE_NAME.lower()))
        if seen is None:
            to_set.append(dict(item, reason="absent"))
            continue
        problem = _problem(seen, item)
        if problem is None:
            right.append(item["name"])
        else:
            to_set.append(dict(item, reason=problem))
            wrong.append({"name": item["name"], "key": item["key"], "problem": problem})
    others = sorted(set("%s\\%s" % (_strip_hive(v["key"]), v.get("value_name") or "")
                        for v in values if _is_ours_parent(v["key"]) and _strip_hive(v["key"]).lower() not in ours))
    return {"set": to_set, "right": sorted(right), "wrong": wrong, "others": others}


def _problem(seen, item):
    if (seen.get("policy_state") or "Set").lower() != "set":
        return "policy state %s" % seen.get("policy_state")
    if (seen.get("type") or "").lower() != "binary":
        return "holds a %s value, not binary" % (seen.get("type") or "non-binary")
    try:
        decoded = parse(base64.b64decode(seen.get("data_b64") or ""))
    except (BlobError, ValueError) as exc:
        return "unreadable blob (%s)" % exc
    if decoded["thumbprint"] != item["thumbprint"]:
        return "holds certificate %s" % decoded["thumbprint"]
    return None


def with_registry_extension(current):
    """gPCMachineExtensionNames with the Registry extension added, sorted by GUID as Windows keeps
    them; None when it is already there (the value is then left as it is)."""
    groups = [_GUID.findall(match) for match in _EXTENSION.findall(current or "")]
    for group in groups:
        if group and group[0].upper() == REGISTRY_EXTENSION[0]:
            if REGISTRY_EXTENSION[1] in [g.upper() for g in group[1:]]:
                return None
            group.append(REGISTRY_EXTENSION[1])
            break
    else:
        groups.append(list(REGISTRY_EXTENSION))
    groups.sort(key=lambda g: g[0].upper())
    return "".join("[%s]" % ("".join([g[0]] + sorted(g[1:], key=str.upper))) for g in groups)


def next_version(version):
    """The GPO version after a change to its computer half (low 16 bits), the user half kept."""
    version = int(version or 0)
    machine = (version & MACHINE_VERSION_MASK) + 1
    if machine > MACHINE_VERSION_MASK:
        machine = 1
    return (version & ~MACHINE_VERSION_MASK) | machine


def linked_gpos(gplink):
    """The GPO ids ({GUID} upper-case) a container's gPLink attribute links, with their option flags
    (1: link disabled, 2: enforced)."""
    links = []
    for path, options in _GPLINK.findall(gplink or ""):
        found = _GPO_CN.match(path)
        if found:
            links.append({"id": found.group(1).upper(), "enabled": not int(options) & 1})
    return links


def link_needed(gpo_id, links):
    """Whether the GPO must be linked: no link to it at the target. A link that exists but is disabled is
    someone's decision: it is reported, never enabled here."""
    wanted = (gpo_id or "").upper().strip("{}")
    return not any(link["id"].upper().strip("{}") == wanted for link in links)


def disabled_link(gpo_id, links):
    wanted = (gpo_id or "").upper().strip("{}")
    return any(link["id"].upper().strip("{}") == wanted and not link["enabled"] for link in links)


def verify(wanted, values):
    """After the change: the names whose entry is not right, with why (empty when all are)."""
    after = plan(wanted, values)
    return [dict(name=item["name"], problem=item["reason"]) for item in after["set"]]


def diff(gpo_name, to_set, create, link_target):
    """The diff Ansible shows: the GPO, each value set, the link."""
    lines = []
    if create:
        lines.append("+ GPO %s\n" % gpo_name)
    for item in to_set:
        lines.append("+ %s\\%s\\%s (%s, %s)\n" % (HIVE, item["key"], VALUE_NAME, item["name"], item["reason"]))
    if link_target:
        lines.append("+ link to %s\n" % link_target)
    return {"before_header": gpo_name, "after_header": gpo_name, "before": "", "after": "".join(lines)}
