# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_report: the fleet report, written on the controller from every host's facts."""

from __future__ import annotations

import datetime

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, checks, coverage, errors, preflight, report
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _report_files
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import backups as backups_store


class ActionModule(ApexOneAction):
    _requires_connection = False  # reads hostvars and writes on the controller only
    _supports_diff = False
    ARGUMENT_SPEC = {
        "servers": {"type": "list", "elements": "str"},
        "agents": {"type": "list", "elements": "str"},
        "lang": {"type": "str", "default": catalog.DEFAULT_LANG, "choices": list(checks.LANGUAGES)},
        "report_dir": {"type": "path", "required": True},
        "backup_dir": {"type": "str"},
        "name": {"type": "str", "default": "preflight"},
        "activation_code_var": {"type": "str", "default": "apexone_activation_code"},
        "sql_password_var": {"type": "str", "default": "apexone_sql_password"},
        "server_agents": {"type": "list", "elements": "dict"},
        "directory_group": {"type": "str", "default": "apexone_directory"},
        "directory_vars": {"type": "dict", "default": {}},
        "directory_required": {"type": "bool", "default": False},
        "export_os_names": {"type": "list", "elements": "dict"},
        "probe_var": {"type": "str", "default": "preflight_probe"},
    }

    def act(self, args, task_vars):
        groups = task_vars.get("groups") or {}
        servers = args["servers"] if args["servers"] is not None else list(groups.get("apexone_server") or [])
        agents = args["agents"] if args["agents"] is not None else list(groups.get("apexone_agents") or [])
        targets = [(h, "server") for h in servers] + [(h, "agent") for h in agents if h not in servers]
        hostvars = task_vars.get("hostvars") or {}
        facts, findings, unread = {}, {}, {}
        for host, dummy_role in targets:
            values = hostvars.get(host) or {}
            facts[host] = values.get("apexone_host")
            findings[host] = values.get("apexone_findings") or []
            probe = values.get(args["probe_var"]) or {}
            if facts[host] is None and probe.get("msg"):
                unread[host] = str(probe["msg"])
        # Each server's kept certificate, read back through the store (a folder or a share) and checked against its SHA-256.
        backups = dict((server, backups_store.verify(args["backup_dir"], server) if args["backup_dir"] else None)
                       for server in servers)
        directory_hosts = list(groups.get(args["directory_group"]) or [])
        if args["directory_required"] and not directory_hosts:
            raise errors.InputError(
                "no computer came from Active Directory: the inventory group %s is empty. The microsoft.ad.ldap "
                "inventory source failed or found nothing: look above for 'Failed to parse' (INVALID_CREDENTIALS = "
                "wrong bind password), check with `ansible-inventory -i <your>.microsoft.ad.ldap.yml --graph`, or set "
                "ANSIBLE_INVENTORY_UNPARSED_FAILED=true to stop at once" % args["directory_group"])
        directory = [coverage.directory_record(name, hostvars.get(name) or {}, args["directory_vars"])
                     for name in directory_hosts if name not in servers]
        probed = {}
        for name in agents:
            values = hostvars.get(name) or {}
            probed[name] = {"facts": facts.get(name), "names": [values.get("ansible_host")]}
        cov = coverage.evaluate([a for a in agents if a not in servers], probed, directory,
                                server_agents=args["server_agents"], export_os_names=args["export_os_names"])
        # The secrets are read from variables, never passed as task arguments, so no log can show them.
        fleet = preflight.fleet_findings(facts, servers, agents,
                                         activation_code=self._secret(task_vars, args["activation_code_var"]),
                                         sql_password=self._secret(task_vars, args["sql_password_var"]),
                                         controller_backups=backups)
        fleet += preflight.coverage_findings(cov)
        now = datetime.datetime.now(datetime.timezone.utc)
        model = report.build(targets, facts, findings, fleet, args["lang"], now.strftime("%Y-%m-%d %H:%M:%S UTC"),
                             meta={"region": task_vars.get("apexone_region", catalog.DEFAULT_REGION)}, errors=unread,
                             coverage=cov)
        stem = _report_files.free_stem(args["report_dir"], args["name"], now)  # a folder or a share
        paths = _report_files.write(model, args["report_dir"], stem)
        blockers = [{"check": c["check"], "title": c["title"], "hosts": [h["host"] for h in c["hosts"]]}
                    for c in model["checks"] if c["severity"] == preflight.BLOCKER]
        # "warnings" is Ansible's own result key: the checks that warn are warning_checks.
        warned = [{"check": c["check"], "title": c["title"], "hosts": [h["host"] for h in c["hosts"]]}
                  for c in model["checks"] if c["severity"] == preflight.WARNING]
        return {"changed": False, "html": paths["html"], "json": paths["json"], "summary": model["summary"],
                "blockers": blockers, "warning_checks": warned, "msg": "report written: %s" % paths["html"]}

    def _secret(self, task_vars, name):
        if name not in task_vars or task_vars[name] in (None, ""):
            return None
        return str(self._templar.template(task_vars[name]))
