# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Apex Central / Control Manager Automation API: the request token and the agent list answer.

A server registered to Apex Central can be asked for its agents there:
GET /WebApp/API/AgentResource/ProductAgents. Each request carries `Authorization: Bearer <JWT>`,
a JWT signed (HS256) with the API key, whose claims are `appid`, `iat`, `version` ("V1") and
`checksum`: base64 of SHA-256 over `METHOD|path and query, lower-cased|canonical headers|body`.
No library computes that checksum, and the token is one HMAC: stdlib hmac/hashlib, no JWT package.

The answer has no OS: the preflight joins it with Active Directory by host name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import hmac
import json

from ansible_collections.apexone.upgrade.plugins.module_utils import errors

PRODUCT_AGENTS = "/WebApp/API/AgentResource/ProductAgents"
OFFICESCAN_PRODUCT = "SLF_PRODUCT_OFFICESCAN_CE"


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def checksum(method, path_and_query, canonical_headers="", body=""):
    text = "|".join((method.upper(), path_and_query.lower(), canonical_headers, body))
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def token(application_id, api_key, method, path_and_query, issued_at, canonical_headers="", body=""):
    """The bearer token for one request (HS256)."""
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {"appid": application_id, "iat": issued_at, "version": "V1",
              "checksum": checksum(method, path_and_query, canonical_headers, body)}
    signing_input = "%s.%s" % (_b64url(json.dumps(header, separators=(",", ":")).encode("utf-8")),
                               _b64url(json.dumps(claims, separators=(",", ":")).encode("utf-8")))
    signature = hmac.new(api_key.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + _b64url(signature)


def agents_from_answer(answer, managing_server_id=None, product=OFFICESCAN_PRODUCT):
    """ProductAgents' answer -> agent rows like the export's (no OS: Apex Central does not give one)."""
    if not isinstance(answer, dict) or "result_code" not in answer:
        raise errors.InputError("Apex Central's answer has no result_code: is the URL the Apex Central server's?")
    if answer["result_code"] != 1:
        raise errors.InputError("Apex Central answered result_code %s: %s" % (
            answer["result_code"], answer.get("result_description") or "no description"))
    rows = []
    for entry in answer.get("result_content") or []:
        if product and entry.get("product") not in (None, product):
            continue
        if managing_server_id and str(entry.get("managing_server_id") or "").lower() != managing_server_id.lower():
            continue
        addresses = entry.get("ip_address_list") or []
        if isinstance(addresses, str):
            addresses = [a.strip() for a in addresses.split(",") if a.strip()]
        if not entry.get("host_name"):
            continue
        rows.append({"host": entry["host_name"], "ip": addresses[0] if addresses else None, "os": None,
                     "agent_version": None, "domain": entry.get("ad_domain") or None, "source": "apex_central",
                     "managing_server_id": entry.get("managing_server_id"), "entity_id": entry.get("entity_id")})
    return rows
