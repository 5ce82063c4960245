# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_cert_install: add the missing certificates from a checked bundle, and verify.

Why not ansible.windows.win_certificate_store: it takes one module run and one file copy per
certificate (up to 18 here), each a WinRM round trip. This sends the chosen certificates' bytes in
one execution that adds each one absent by thumbprint and reads the stores back.
"""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates, errors
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _cert_bundle, _paths
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction


class ActionModule(ApexOneAction):
    ARGUMENT_SPEC = {
        "bundle": {"type": "path", "required": True},
        "names": {"type": "list", "elements": "str"},
        "build": {"type": "int"},
        "required_certificates": {"type": "list", "elements": "dict", "default": []},
        "use_catalog": {"type": "bool", "default": True},
    }

    def act(self, args, task_vars):
        required = certificates.required_certificates(args["build"], args["required_certificates"], args["use_catalog"])
        args["bundle"] = _paths.input_path(args["bundle"], task_vars, "the certificate bundle")  # relative: the project's
        bundle = _cert_bundle.read_bundle(args["bundle"], required)
        known = dict((spec["name"], spec) for spec in required)
        names = args["names"] if args["names"] is not None else [spec["name"] for spec in required]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise errors.InputError("not on the required list: %s (names are the catalog's, as apexone_cert_facts reports "
                                    "them)" % ", ".join(unknown))
        absent = [n for n in names if n not in bundle["matched"]]
        if absent:
            raise errors.InputError("the bundle %s lacks %s: collect them with 'CertUtil -syncWithWU' on an online host "
                                    "(KA-0001268, method 2) or from Trend Micro's article, then run again"
                                    % (args["bundle"], ", ".join(absent)))
        if not names:
            return {"changed": False, "added": [], "msg": "nothing to install"}
        chosen = [bundle["matched"][n] for n in names]
        answer = self.run_script("certificates_install", certificates.install_plan(chosen, self._task.check_mode),
                                 read_only=False, list_paths=("results", "certificates.*"))
        outcome = certificates.install_outcome(names, chosen, answer)
        stores = answer["certificates"]
        if self._task.check_mode:  # judge readiness as it would be after the change
            for name, cert in zip(names, chosen):
                if name in outcome["added"]:
                    stores.setdefault(cert["store"], []).append(
                        {"thumbprint": cert["thumbprint"], "subject": "CN=" + cert["subject_cn"], "not_after": cert["not_after"]})
        facts = certificates.evaluate(stores, required)
        added_names = outcome["added"]
        verb = "would add" if self._task.check_mode else "added"
        result = {
            "changed": bool(added_names),
            "added": added_names,
            "already_present": outcome["present"],
            "failed_certificates": outcome["failed"],
            "certificates_status": outcome["status"],
            "ready": facts["ready"],
            "ansible_facts": {"apexone_certificates": facts},
            "msg": ("%s %s; %s" % (verb, ", ".join(added_names), facts["summary"])
                    if added_names else "nothing to add; " + facts["summary"]),
        }
        if outcome["failed"]:
            result["failed"] = True
            result["msg"] = "could not add %s; %s" % (
                "; ".join("%s (%s)" % (f["name"], f["error"]) for f in outcome["failed"]), result["msg"])
        if answer.get("errors"):
            result.setdefault("warnings", []).append("could not list store(s) %s after the change: %s" % (
                ", ".join(sorted(answer["errors"])), "; ".join(str(v) for v in answer["errors"].values())))
        if self._task.diff and added_names:
            result["diff"] = {"before": "", "after": "".join("+ %s (%s)\n" % (n, known[n]["store"]) for n in added_names),
                              "after_header": "LocalMachine certificate stores"}
        return result
