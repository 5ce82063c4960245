# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_gpo_certificates: one GPO that carries the runbook's certificates (KA-0012615 item 8).

The domain controller is read once (the GPO by name, its policy certificate values, the links at the
target); the decision is made here (gpo_certificates.plan); a second execution, only when something must
change and not in check mode, applies exactly that and reads back. A Windows DC is reached over WinRM /
PSRP with scripts/gpo_certificates.ps1 (the GroupPolicy module); a Samba DC over its own connection (SSH or
local) with the module apexone_gpo_samba, which uses Samba's own tools and libraries there.
"""

from __future__ import annotations

import base64

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates, errors
from ansible_collections.apexone.upgrade.plugins.module_utils import gpo_certificates as gpo
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _cert_bundle
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction

DEFAULT_NAME = "apexone.upgrade signature certificates (KA-0001268)"
SAMBA_MODULE = "apexone.upgrade.apexone_gpo_samba"
LIST_PATHS = ("values", "list_errors", "links", "set")


class ActionModule(ApexOneAction):
    ARGUMENT_SPEC = {
        "bundle": {"type": "path", "required": True},
        "name": {"type": "str", "default": DEFAULT_NAME},
        "link_target": {"type": "str"},
        "platform": {"type": "str", "default": "auto", "choices": ["auto", "windows", "samba"]},
        "server": {"type": "str"},
        "samba": {"type": "dict", "default": {}, "options": {
            "server": {"type": "str", "default": "127.0.0.1"},
            "username": {"type": "str", "default": "Administrator"},
            "password": {"type": "str", "no_log": True},
            "smb_conf": {"type": "path", "default": "/etc/samba/smb.conf"},
        }},
        "build": {"type": "int"},
        "required_certificates": {"type": "list", "elements": "dict", "default": []},
        "use_catalog": {"type": "bool", "default": True},
    }

    def act(self, args, task_vars):
        required = certificates.required_certificates(args["build"], args["required_certificates"], args["use_catalog"])
        bundle = _cert_bundle.read_bundle(args["bundle"], required)
        if bundle["missing"]:
            raise errors.InputError("the bundle %s lacks %s: collect them with 'CertUtil -syncWithWU' on an online host "
                                    "(KA-0001268, method 2) or from Trend Micro's article, then run again; the GPO is "
                                    "not touched" % (args["bundle"], ", ".join(m["name"] for m in bundle["missing"])))
        wanted = gpo.desired(bundle["matched"])
        platform = args["platform"]
        if platform == "auto":
            family = getattr(getattr(self._connection, "_shell", None), "SHELL_FAMILY", None)
            platform = "windows" if family == "powershell" else "samba"
        if platform == "samba" and not args["samba"].get("password"):
            raise errors.InputError("a Samba domain controller needs samba.password (the account in samba.username, "
                                    "keep it in a vault): Samba's tools authenticate to LDAP and SMB with it")
        reader = _WindowsDC(self, args) if platform == "windows" else _SambaDC(self, args, task_vars)

        before = reader.read()
        decided = gpo.plan(wanted, before["values"])
        create = before["gpo"] is None
        link = bool(args["link_target"]) and (create or gpo.link_needed(before["gpo"]["id"], before["links"]))
        change = create or bool(decided["set"]) or link
        result = {
            "changed": change, "platform": platform, "name": args["name"], "link_target": args["link_target"],
            "created": create, "linked": link, "set": [item["name"] for item in decided["set"]],
            "right": decided["right"], "replaced": decided["wrong"], "others": decided["others"],
            "gpo": before["gpo"], "list_errors": before["list_errors"],
        }
        if before.get("server"):
            result["server"] = before["server"]
        if self._task.diff and change:
            result["diff"] = gpo.diff(args["name"], decided["set"], create, args["link_target"] if link else None)
        if args["link_target"] and not create and gpo.disabled_link(before["gpo"]["id"], before["links"]):
            result.setdefault("warnings", []).append(
                "GPO %r is linked to %s but the link is disabled: hosts there do not get the certificates; enable it in "
                "the Group Policy Management console if that was not meant (this module never enables a link)"
                % (args["name"], args["link_target"]))
        if not change or self._task.check_mode:
            result["msg"] = self._summary(result, "would ")
            return result

        after = reader.write(before, decided["set"], create, link)
        result["gpo"] = after["gpo"]
        if after.get("write_error"):
            return _partial(result, after, decided["set"])
        problems = gpo.verify(wanted, after["values"])
        if args["link_target"] and gpo.link_needed(after["gpo"]["id"], after["links"]):
            problems.append({"name": "link", "problem": "no link to the GPO at %s after New-GPLink" % args["link_target"]})
        if problems:
            result.update(failed=True, msg="GPO %r does not hold what was set: %s" % (
                args["name"], "; ".join("%s: %s" % (p["name"], p["problem"]) for p in problems)))
            return result
        result["msg"] = self._summary(result, "")
        return result

    @staticmethod
    def _summary(result, would):
        parts = []
        if result["created"]:
            parts.append("%screate GPO %r" % (would, result["name"]))
        if result["set"]:
            parts.append("%sset %d certificate(s): %s" % (would, len(result["set"]), ", ".join(result["set"])))
        if result["linked"]:
            parts.append("%slink it to %s" % (would, result["link_target"]))
        if not parts:
            parts.append("GPO %r already carries every certificate" % result["name"])
        parts.append("%d already right" % len(result["right"]))
        if result["others"]:
            parts.append("%d other entr(ies) left as they are" % len(result["others"]))
        return "; ".join(parts)


def _partial(result, after, to_set):
    """The change stopped half-way (gpo_certificates.ps1's write_error): say what was done, what failed, what next."""
    done_keys = set(key.lower() for key in after.get("set") or [])
    done = [item["name"] for item in to_set if item["key"].lower() in done_keys]
    left = [item["name"] for item in to_set if item["key"].lower() not in done_keys]
    link_left = result["linked"] and not after.get("linked")
    result.update(failed=True, created=bool(after.get("created")), set=done, linked=bool(after.get("linked")))
    result["changed"] = result["created"] or bool(done) or result["linked"]
    did = (["created GPO %r" % result["name"]] if result["created"] else []) + (
        ["set %d certificate(s): %s" % (len(done), ", ".join(done))] if done else [])
    step, hint = "setting %s" % (left[0] if left else "the certificates"), ""
    if link_left and not left:
        step = "linking it to %s" % result["link_target"]
        hint = (" New-GPLink needs the right to link GPOs at %s (Group Policy Management console, that container's "
                "Delegation tab): grant it, or link the GPO there by hand." % result["link_target"])
    not_done = left + (["the link to %s" % result["link_target"]] if link_left else [])
    error = after["write_error"]
    result["msg"] = ("GPO %r on %s: %s; then %s failed: %s (%s).%s Not done: %s. Run again once that is fixed: the "
                     "next run reads the GPO and does only what is still missing."
                     % (result["name"], after.get("server") or "the domain controller", "; ".join(did) or "nothing changed",
                        step, error["message"], error["id"], hint, ", ".join(not_done)))
    return result


def _set_items(to_set):
    return [{"key": item["key"], "value_name": gpo.VALUE_NAME, "data_b64": base64.b64encode(item["blob"]).decode("ascii")}
            for item in to_set]


class _WindowsDC:
    """scripts/gpo_certificates.ps1 through the collection's runner."""

    def __init__(self, action, args):
        self.action = action
        self.params = {"Name": args["name"], "Keys": gpo.read_keys()}
        if args["server"]:
            self.params["Server"] = args["server"]
        if args["link_target"]:
            self.params["LinkTarget"] = args["link_target"]

    def read(self):
        return self._checked(self.action.run_script("gpo_certificates", dict(self.params), read_only=True,
                                                    list_paths=LIST_PATHS))

    def write(self, before, to_set, create, link):
        params = dict(self.params)
        if to_set:
            params["Set"] = _set_items(to_set)
        if create:
            params["Create"] = True
        if link:
            params["Link"] = True
        return self._checked(self.action.run_script("gpo_certificates", params, read_only=False, list_paths=LIST_PATHS))

    def _checked(self, answer):
        lookup = answer.get("lookup_error")
        if answer["gpo"] is None and lookup and not lookup["id"].startswith(gpo.GPO_NOT_FOUND_ID):
            raise errors.InputError("could not look GPO %r up on the domain controller: %s (%s)"
                                    % (self.params["Name"], lookup["message"], lookup["id"]))
        return answer


class _SambaDC:
    """The module apexone_gpo_samba on the Samba DC (its Python has Samba's bindings)."""

    def __init__(self, action, args, task_vars):
        self.action = action
        self.task_vars = task_vars
        self.base = dict(args["samba"], name=args["name"], keys=gpo.read_keys(), link_target=args["link_target"])

    def _run(self, extra):
        result = self.action._execute_module(module_name=SAMBA_MODULE, module_args=dict(self.base, **extra),
                                             task_vars=self.task_vars)
        if result.get("failed"):
            raise errors.InputError("Samba domain controller: %s" % result.get("msg", result))
        answer = {"gpo": result["gpo"], "values": result["values"], "list_errors": [],
                  "links": gpo.linked_gpos(result.get("gplink")) if self.base["link_target"] else None,
                  "version": result.get("version", 0), "extension_names": result.get("extension_names") or ""}
        return answer

    def read(self):
        return self._run({})

    def write(self, before, to_set, create, link):
        extra = {"create": create, "link": link}
        if to_set:
            extra["set"] = _set_items(to_set)
            extra["version"] = gpo.next_version(0 if create else before["version"])
            extra["extension_names"] = gpo.with_registry_extension("" if create else before["extension_names"])
        return self._run(extra)
