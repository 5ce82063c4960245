# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a folder of certificate files on the controller and map it to the required list.

Ops collect the files on an online host with ``CertUtil -syncWithWU`` (KA-0001268 method 2) and carry
them in; this says, before anything is installed, what the bundle holds and what it lacks.
Internal: not a public API.
"""

from __future__ import annotations

import base64
import datetime
import os
import re

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding
except ImportError as import_error:  # the controller's Python lacks it: say so when a bundle is read
    CRYPTOGRAPHY_ERROR: ImportError | None = import_error
else:
    CRYPTOGRAPHY_ERROR = None

from ansible_collections.apexone.upgrade.plugins.module_utils import errors

PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
THUMBPRINT_NAME = re.compile(r"^([0-9a-fA-F]{40})\.(crt|cer|der|pem)$")


class BundleError(errors.InputError):
    """The bundle folder cannot be used at all; the message says what to do."""


def _load(data: bytes) -> list:
    if b"-----BEGIN" in data:
        blocks = PEM_BLOCK.findall(data)
        if not blocks:
            raise ValueError("PEM text without a CERTIFICATE block")
        return [x509.load_pem_x509_certificate(block) for block in blocks]
    return [x509.load_der_x509_certificate(data)]


def _cn(cert) -> str:
    found = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(found[0].value) if found else ""


def read_bundle(folder: str, required: list, now: datetime.datetime | None = None) -> dict:
    """What `folder` holds against `required` (entries as certificates.required_certificates gives them)."""
    if CRYPTOGRAPHY_ERROR is not None:
        raise BundleError("reading certificate files needs the Python package 'cryptography' on the controller "
                          "(pip install cryptography, or requirements.txt of this collection): %s" % CRYPTOGRAPHY_ERROR)
    if not folder or not os.path.isdir(folder):
        raise BundleError("certificate bundle folder %r does not exist: collect the files with "
                          "'CertUtil -syncWithWU <folder>' on an online host (KA-0001268, method 2) and copy them "
                          "to the controller, then give that folder" % (folder,))
    now = now or datetime.datetime.now(datetime.timezone.utc)
    certs, unreadable = [], []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            unreadable.append({"file": name, "reason": "cannot be read (%s)" % (exc.strerror or exc)})
            continue
        if not data.strip():
            unreadable.append({"file": name, "reason": "empty file"})
            continue
        try:
            loaded = _load(data)
        except ValueError:
            unreadable.append({"file": name, "reason": "not a certificate: neither a PEM CERTIFICATE block nor DER "
                                                       "(copy the .crt file itself, as CertUtil -syncWithWU writes it)"})
            continue
        for cert in loaded:
            thumbprint = cert.fingerprint(hashes.SHA1()).hex()  # nosec - SHA-1 is how Windows names certificates
            named = THUMBPRINT_NAME.match(name)
            certs.append({
                "file": name, "thumbprint": thumbprint, "subject_cn": _cn(cert),
                "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "expired": cert.not_valid_after_utc < now,
                "name_mismatch": bool(named) and named.group(1).lower() != thumbprint,
                "der_b64": base64.b64encode(cert.public_bytes(Encoding.DER)).decode("ascii"),
            })
    by_thumbprint: dict = {}
    for cert in certs:
        by_thumbprint.setdefault(cert["thumbprint"], []).append(cert["file"])
    matched, missing, used = {}, [], set()
    for spec in required:
        hit = next((c for c in certs if spec["thumbprint"] and c["thumbprint"] == spec["thumbprint"]), None)
        if hit is None and spec["match"] == "thumbprint_or_cn" and spec["subject_cn"]:
            hit = next((c for c in certs if c["subject_cn"].lower() == spec["subject_cn"].lower()), None)
        if hit is None:
            missing.append({"name": spec["name"], "store": spec["store"], "file": spec["file"], "source": spec["source"]})
            continue
        used.add(hit["thumbprint"])
        matched[spec["name"]] = dict(hit, store=spec["store"],
                                     matched_by="thumbprint" if hit["thumbprint"] == spec["thumbprint"] else "subject_cn")
    return {
        "folder": folder,
        "matched": matched,
        "missing": missing,
        "unknown": [public(c) for c in certs if c["thumbprint"] not in used],
        "duplicates": [{"thumbprint": t, "files": files} for t, files in sorted(by_thumbprint.items()) if len(files) > 1],
        "expired": [{"name": n, "file": c["file"], "not_after": c["not_after"]} for n, c in sorted(matched.items()) if c["expired"]],
        "name_mismatch": [public(c) for c in certs if c["name_mismatch"]],
        "unreadable": unreadable,
        "complete": not missing,
    }


def public(cert: dict) -> dict:
    """A certificate entry without its bytes."""
    return dict((k, v) for k, v in cert.items() if k != "der_b64")


def public_view(bundle: dict) -> dict:
    """The bundle result without certificate bytes, for task results and logs."""
    view = dict(bundle)
    view["matched"] = dict((name, public(entry)) for name, entry in bundle["matched"].items())
    return view
