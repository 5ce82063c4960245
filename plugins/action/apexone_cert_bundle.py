# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_cert_bundle: check a folder of certificate files on the controller."""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _cert_bundle, _paths
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction


class ActionModule(ApexOneAction):
    _requires_connection = False  # reads files on the controller only
    _supports_diff = False
    ARGUMENT_SPEC = {
        "path": {"type": "path", "required": True},
        "build": {"type": "int"},
        "required_certificates": {"type": "list", "elements": "dict", "default": []},
        "use_catalog": {"type": "bool", "default": True},
        "fail_on_missing": {"type": "bool", "default": False},
    }

    def act(self, args, task_vars):
        required = certificates.required_certificates(args["build"], args["required_certificates"], args["use_catalog"])
        args["path"] = _paths.input_path(args["path"], task_vars, "the certificate bundle")  # relative: the project's
        bundle = _cert_bundle.public_view(_cert_bundle.read_bundle(args["path"], required))
        parts = ["%d of %d required certificates in the bundle" % (len(bundle["matched"]), len(required))]
        for key, label in (("missing", "missing"), ("unknown", "not on the list"), ("duplicates", "duplicated"),
                           ("expired", "expired"), ("name_mismatch", "file name is not its thumbprint"),
                           ("unreadable", "unreadable")):
            if bundle[key]:
                names = [e.get("name") or e.get("file") or e.get("thumbprint") for e in bundle[key]]
                if key == "unreadable":
                    names = ["%s (%s)" % (e["file"], e["reason"]) for e in bundle[key]]
                parts.append("%s: %s" % (label, ", ".join(str(n) for n in names)))
        result = {"changed": False, "bundle": bundle, "complete": bundle["complete"], "msg": "; ".join(parts)}
        if args["fail_on_missing"] and not bundle["complete"]:
            result["failed"] = True
        return result
