# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_central_agents: the server's agents as Apex Central knows them (Automation API)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse

from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.urls import open_url

from ansible_collections.apexone.upgrade.plugins.module_utils import apex_central, errors
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction


class ActionModule(ApexOneAction):
    _requires_connection = False  # talks to Apex Central from the controller only
    _supports_diff = False
    ARGUMENT_SPEC = {
        "url": {"type": "str", "required": True},
        "application_id": {"type": "str", "required": True},
        "api_key": {"type": "str", "required": True, "no_log": True},
        "managing_server_id": {"type": "str"},
        "product": {"type": "str", "default": apex_central.OFFICESCAN_PRODUCT},
        "validate_certs": {"type": "bool", "default": True},
        "ca_path": {"type": "path"},
        "timeout": {"type": "int", "default": 30},
    }

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        secret = (self._task.args or {}).get("api_key")
        # The key never leaves this action: not in the result, not in an error message, at any verbosity.
        return remove_values(result, set([str(secret)])) if secret else result

    def act(self, args, task_vars):
        base = urllib.parse.urlsplit(args["url"])
        if base.scheme not in ("https", "http") or not base.netloc:
            raise errors.InputError("url must be the Apex Central server's address, e.g. https://apexcentral.corp.example")
        query = [("product", args["product"])] if args["product"] else []
        if args["managing_server_id"]:
            query.append(("managing_server_id", args["managing_server_id"]))
        path = base.path.rstrip("/") + apex_central.PRODUCT_AGENTS
        path_and_query = path + ("?" + urllib.parse.urlencode(query) if query else "")
        bearer = apex_central.token(args["application_id"], args["api_key"], "GET", path_and_query, time.time())
        address = "%s://%s%s" % (base.scheme, base.netloc, path_and_query)
        try:
            response = open_url(address, method="GET", headers={"Authorization": "Bearer " + bearer,
                                                                "Content-Type": "application/json;charset=utf-8"},
                                validate_certs=args["validate_certs"], ca_path=args["ca_path"],
                                timeout=args["timeout"], follow_redirects="none")
            body = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise errors.InputError("Apex Central refused the request (HTTP %d): check application_id and api_key "
                                        "(Administration > Settings > Automation API Access Settings) and that the "
                                        "controller's clock is right (the token carries the time)" % exc.code)
            raise errors.InputError("Apex Central answered HTTP %d for %s" % (exc.code, path))
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise errors.InputError("cannot reach Apex Central at %s://%s: %s" % (base.scheme, base.netloc, reason))
        try:
            answer = json.loads(body.decode("utf-8"))
        except ValueError:
            raise errors.InputError("Apex Central's answer is not JSON: is %s the Apex Central server?" % base.netloc)
        agents = apex_central.agents_from_answer(answer, args["managing_server_id"], args["product"])
        return {"changed": False, "agents": agents, "count": len(agents),
                "msg": "%d agent(s) from Apex Central %s" % (len(agents), base.netloc)}
