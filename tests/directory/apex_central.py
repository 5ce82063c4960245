# -*- coding: utf-8 -*-
"""A loopback stand-in for Apex Central's Automation API (127.0.0.1, ephemeral port).

It checks each request the way the API documents it, independently of the client's code:
- `Authorization: Bearer <header>.<claims>.<signature>`, HS256 over the first two parts with the API key;
- claims `appid` (the registered application), `version` "V1", `iat` within five minutes of now;
- `checksum` = base64(SHA-256("GET|<path and query, lower-cased>|<canonical headers>|<body>")) of THIS request;
  no API-specific headers are sent, so the canonical headers are empty.
Anything else is refused with 401 and result_code -1. It knows one route: GET ProductAgents, whose
filters `product` and `managing_server_id` it applies. What it does not know, it refuses (404).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
import urllib.parse

ROUTE = "/WebApp/API/AgentResource/ProductAgents"


def _unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ApexCentral:
    def __init__(self, application_id, api_key, agents):
        self.application_id, self.api_key, self.agents = application_id, api_key, agents
        self.log = []  # (path, status, why)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 (http.server's name)
                status, body = outer.answer(self.command, self.path, self.headers.get("Authorization", ""), b"")
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _refuse(self, path, why):
        self.log.append((path, 401, why))
        return 401, {"result_code": -1, "result_description": "Unauthorized"}

    def answer(self, method, raw_path, authorization, body):
        split = urllib.parse.urlsplit(raw_path)
        if method != "GET" or split.path != ROUTE:
            self.log.append((raw_path, 404, "unknown route"))
            return 404, {"result_code": -1, "result_description": "Not found"}
        if not authorization.startswith("Bearer "):
            return self._refuse(raw_path, "no bearer token")
        parts = authorization[len("Bearer "):].split(".")
        if len(parts) != 3:
            return self._refuse(raw_path, "not a JWT")
        try:
            header, claims = json.loads(_unb64url(parts[0])), json.loads(_unb64url(parts[1]))
            signature = _unb64url(parts[2])
        except ValueError:
            return self._refuse(raw_path, "undecodable token")
        if header.get("alg") != "HS256":
            return self._refuse(raw_path, "alg %r" % header.get("alg"))
        expected = hmac.new(self.api_key.encode("utf-8"), ("%s.%s" % (parts[0], parts[1])).encode("ascii"),
                            hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            return self._refuse(raw_path, "bad signature")
        if claims.get("appid") != self.application_id or claims.get("version") != "V1":
            return self._refuse(raw_path, "appid/version")
        if not isinstance(claims.get("iat"), (int, float)) or abs(time.time() - claims["iat"]) > 300:
            return self._refuse(raw_path, "iat")
        text = "GET|%s||%s" % (raw_path.lower(), body.decode("utf-8"))
        if claims.get("checksum") != base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii"):
            return self._refuse(raw_path, "checksum")
        query = dict(urllib.parse.parse_qsl(split.query))
        rows = [a for a in self.agents
                if all(str(a.get(k, "")).lower() == v.lower() for k, v in query.items()
                       if k in ("product", "managing_server_id", "host_name"))]
        self.log.append((raw_path, 200, "ok"))
        return 200, {"result_code": 1, "result_description": "OK", "result_content": rows}
