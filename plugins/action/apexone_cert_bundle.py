# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_cert_bundle: check a folder of certificate files on the controller."""

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _cert_bundle


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
    ARGUMENT_SPEC = {
        "path": {"type": "path", "required": True},
        "build": {"type": "int"},
        "required": {"type": "list", "elements": "dict", "default": []},
        "use_catalog": {"type": "bool", "default": True},
        "fail_on_missing": {"type": "bool", "default": False},
    }

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        try:
            required = certificates.required_certificates(args["build"], args["required"], args["use_catalog"])
            bundle = _cert_bundle.public_view(_cert_bundle.read_bundle(args["path"], required))
        except ValueError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        parts = ["%d of %d required certificates in the bundle" % (len(bundle["matched"]), len(required))]
        for key, label in (("missing", "missing"), ("unknown", "not on the list"), ("duplicates", "duplicated"),
                           ("expired", "expired"), ("name_mismatch", "file name is not its thumbprint"),
                           ("unreadable", "unreadable")):
            if bundle[key]:
                names = [e.get("name") or e.get("file") or e.get("thumbprint") for e in bundle[key]]
                parts.append("%s: %s" % (label, ", ".join(str(n) for n in names)))
        result.update(changed=False, bundle=bundle, complete=bundle["complete"], msg="; ".join(parts))
        if args["fail_on_missing"] and not bundle["complete"]:
            result.update(failed=True)
        return result
