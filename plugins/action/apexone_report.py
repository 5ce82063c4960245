# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for apexone_report: the fleet report, written on the controller from every host's probe record.

Hosts are read one at a time through hostvars and streamed: each host's row goes to a spool file, and
only counts, statuses, the host names of each finding and the few facts the fleet checks read stay
in memory. The files are written from the spool: the JSON one row per line, the HTML as one page
(blockers and counts first) and, past PAGE_SIZE hosts, the hosts table split into pages.
"""

from __future__ import annotations

import datetime
import json
import tempfile
from collections.abc import Mapping

from ansible.utils.display import Display

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.apexone.upgrade.plugins.module_utils import (
    catalog, certificates, checks, collected, coverage, errors, fleet_record, hotfix_block, preflight, report)
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _collected, _collection, _report_files
from ansible_collections.apexone.upgrade.plugins.plugin_utils._action import ApexOneAction
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import backups as backups_store

display = Display()

PAGE_SIZE = 1000  # hosts per page of the hosts table; a fleet up to this size gets one page with the table in it
PROGRESS = 10000  # a progress line every this many hosts
TEMPLATE = "preflight_report.html.j2"
HOSTS_TEMPLATE = "preflight_hosts.html.j2"  # a page of the hosts table


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
        "max_age_hours": {"type": "int", "default": fleet_record.DEFAULT_MAX_AGE_HOURS},
        "read_since": {"type": "str"},
        "collected_dir": {"type": "str"},
        "required_certificates": {"type": "list", "elements": "dict", "default": []},
        "build": {"type": "int"},
        "sha2_updates": {"type": "list", "elements": "raw", "default": []},
        "server_upgrade_date": {"type": "str"},
    }

    def act(self, args, task_vars):
        if args["max_age_hours"] < 0:
            raise errors.InputError("apexone_preflight_max_age_hours must be 0 (any age) or more, got %d"
                                    % args["max_age_hours"])
        since = None
        if args["read_since"]:
            since = fleet_record.parse_time(args["read_since"])
            if since is None:
                raise errors.InputError("read_since must be a UTC time written %s, got %r"
                                        % (fleet_record.TIME_FORMAT, args["read_since"]))
        groups = task_vars.get("groups") or {}
        servers = args["servers"] if args["servers"] is not None else list(groups.get("apexone_server") or [])
        agents = args["agents"] if args["agents"] is not None else list(groups.get("apexone_agents") or [])
        targets = [(h, "server") for h in servers] + [(h, "agent") for h in agents if h not in servers]
        hostvars = task_vars.get("hostvars") or {}
        directory_hosts = list(groups.get(args["directory_group"]) or [])
        if args["directory_required"] and not directory_hosts:
            raise errors.InputError(
                "no computer came from Active Directory: the inventory group %s is empty. The microsoft.ad.ldap "
                "inventory source failed or found nothing: look above for 'Failed to parse' (INVALID_CREDENTIALS = "
                "wrong bind password), check with `ansible-inventory -i <your>.microsoft.ad.ldap.yml --graph`, or set "
                "ANSIBLE_INVENTORY_UNPARSED_FAILED=true to stop at once" % args["directory_group"])
        now = datetime.datetime.now(datetime.timezone.utc)
        fleet = report.Fleet(args["lang"])
        fleet.slice = fleet_record.awx_slice(task_vars)
        folder = self._collected(args, [a for a in agents if a not in servers], hostvars, now)
        with tempfile.TemporaryFile("w+", encoding="utf-8", prefix="apexone-report-") as spool:
            read, probed, both = self._read_hosts(targets, servers, hostvars, fleet, spool, now, args["max_age_hours"],
                                                  since, folder)
            # Each server's kept certificate, read back through the store (a folder or a share) and checked against its
            # SHA-256.
            backups = dict((server, backups_store.verify(args["backup_dir"], server) if args["backup_dir"] else None)
                           for server in servers)
            directory = [coverage.directory_record(name, hostvars.get(name) or {}, args["directory_vars"])
                         for name in directory_hosts if name not in servers]
            cov = coverage.evaluate([a for a in agents if a not in servers], probed, directory,
                                    server_agents=args["server_agents"], export_os_names=args["export_os_names"])
            # The secrets are read from variables, never passed as task arguments, so no log can show them.
            found = preflight.fleet_findings(read, servers, agents,
                                             activation_code=self._secret(task_vars, args["activation_code_var"]),
                                             sql_password=self._secret(task_vars, args["sql_password_var"]),
                                             controller_backups=backups)
            refused = folder.refused if folder else []
            fleet.close(found + preflight.coverage_findings(cov) + preflight.collected_findings(refused), cov)
            fleet.set_sources(args["collected_dir"], self._collected_rows(folder, both), both, refused)
            header = fleet.header(now.strftime("%Y-%m-%d %H:%M:%S UTC"), coverage=cov, meta={
                "region": task_vars.get("apexone_region", catalog.DEFAULT_REGION), "collection": _collection.version()})
            paths = self._write(header, fleet, spool, args["report_dir"], _report_files.new_stem(
                args["report_dir"], args["name"], now))
        summary = header["summary"]
        sample = report.SAMPLE
        blockers = [self._named(c, sample) for c in header["checks"] if c["severity"] == preflight.BLOCKER]
        # "warnings" is Ansible's own result key: the checks that warn are warning_checks.
        warned = [self._named(c, sample) for c in header["checks"] if c["severity"] == preflight.WARNING]
        return {"changed": False, "html": paths["html"], "json": paths["json"], "pages": paths["pages"],
                "summary": summary, "blockers": blockers, "warning_checks": warned,
                "partial": fleet_record.partial_message(summary, args["max_age_hours"]),
                "msg": "report written: %s" % paths["html"]}

    @staticmethod
    def _named(check, sample):
        hosts = [h["host"] for h in check["hosts"]]
        return {"check": check["check"], "title": check["title"], "count": check["count"], "hosts": hosts[:sample]}

    def _collected(self, args, agents, hostvars, now):
        """The folder of collected answers, read and judged (None when none was given)."""
        if not args["collected_dir"]:
            return None
        if args["server_upgrade_date"]:
            hotfix_block.parse_date(args["server_upgrade_date"], "apexone_server_upgrade_date")
        required = certificates.required_certificates(build=args["build"], extra=args["required_certificates"])
        raw_get = getattr(hostvars, "raw_get", None)

        def judge(host):
            values = raw_get(host) if raw_get else hostvars.get(host)
            offline = (values if isinstance(values, Mapping) else {}).get("apexone_offline", False)
            if isinstance(offline, str) and "{{" in offline:
                offline = self._templar.copy_with_new_env(available_variables=values).template(offline)
            return {"required": required, "sha2_updates": args["sha2_updates"], "offline": boolean(offline, strict=False),
                    "upgrade_date": args["server_upgrade_date"] or None}

        found = _collected.read(args["collected_dir"], agents, now, args["max_age_hours"], _collection.version(), judge)
        display.v("apexone_report: %d collected answer(s) used from %s, %d file(s) refused"
                  % (len(found.records), args["collected_dir"], len(found.refused)))
        return found

    @staticmethod
    def _collected_rows(folder, both):
        if folder is None:
            return []
        used = set(item["host"] for item in both if item["used"] == "probe")
        return [{"host": host, "file": folder.files[host], "read_at": record["read_at"], "age_hours": record["age_hours"]}
                for host, record in sorted(folder.records.items()) if host not in used]

    def _read_hosts(self, targets, servers, hostvars, fleet, spool, now, max_age_hours, since, folder=None):
        """Each target's record through hostvars, one host at a time, into the fleet and the spool; an agent with a
        collected answer (`folder`) is judged from the newer of the two readings.

        Returns the facts the fleet checks read (host -> the record's os / agent / server, None when the host
        was not read), what coverage needs of each agent, and the hosts both probed and collected.
        """
        collection = _collection.version()
        read, probed, both = {}, {}, []
        # Ansible's hostvars template whatever is read through them: a record is data written by a module,
        # so it is read as stored (raw_get); templating it cost about a third of the report's time.
        raw_get = getattr(hostvars, "raw_get", None)
        for index, (host, role) in enumerate(targets, 1):
            values = raw_get(host) if raw_get else hostvars.get(host)
            values = values if isinstance(values, Mapping) else {}
            raw = _record(values)
            value, why = fleet_record.usable(raw, now, max_age_hours, collection, since)
            gathered = folder.records.get(host) if folder is not None else None
            if gathered is not None:
                used = "collected" if value is None else collected.newer(value, gathered)
                if value is not None:
                    both.append({"host": host, "used": used, "probe_read_at": value["read_at"],
                                 "collected_read_at": gathered["read_at"]})
                if used == "collected":
                    value, why = gathered, None
            not_probed = None
            if why is not None:
                not_probed = fleet_record.not_probed_params(why, raw, max_age_hours, collection, since)
            spool.write(json.dumps(fleet.add(host, role, value, not_probed), ensure_ascii=False) + "\n")
            facts = None
            if value is not None and value.get("error") is None:
                facts = dict((key, value[key]) for key in ("os", "unsupported_os", "agent", "server"))
                fleet.seen(value["read_at"])
            read[host] = facts
            if host not in servers:
                probed[host] = {"facts": facts, "names": [self._host_address(values)]}
            if index % PROGRESS == 0:
                display.display("apexone_report: %d of %d hosts read" % (index, len(targets)))
        return read, probed, both

    @staticmethod
    def _write(header, fleet, spool, folder, stem):
        """The JSON file, then the HTML page and, past PAGE_SIZE hosts, the pages of the hosts table."""

        def rows(status=None):
            spool.seek(0)
            for line in spool:
                row = fleet.final(json.loads(line))
                if status is None or row["status"] == status:
                    yield row
            for row in fleet.outside:
                if status is None or row["status"] == status:
                    yield row

        paths = {"pages": []}
        with _report_files.create(folder, stem + ".json") as (path, handle):
            for chunk in report.json_chunks(header, rows()):
                handle.write(chunk)
            paths["json"] = path
        page = dict(header, checks=fleet.page_checks(), rows=None, pages=[], page_size=PAGE_SIZE)
        if header["summary"]["hosts"] <= PAGE_SIZE:
            page["rows"] = [row for status in report.STATUSES for row in rows(status)]
        else:
            first = 1
            for status in report.STATUSES:
                batch = []
                for row in rows(status):
                    batch.append(row)
                    if len(batch) == PAGE_SIZE:
                        page["pages"].append(_page(header, batch, status, first, folder, stem, len(page["pages"]) + 1))
                        first += len(batch)
                        batch = []
                if batch:
                    page["pages"].append(_page(header, batch, status, first, folder, stem, len(page["pages"]) + 1))
                    first += len(batch)
            paths["pages"] = [p["path"] for p in page["pages"]]
        with _report_files.create(folder, stem + ".html") as (path, handle):
            handle.write(_report_files.render_html(page, TEMPLATE))
            paths["html"] = path
        return paths

    def _host_address(self, values):
        """ansible_host of a host's variables as read raw: templated under that host's variables when it is a
        template (an inventory may write it as one), else as it is."""
        address = values.get("ansible_host")
        if isinstance(address, str) and ("{{" in address or "{%" in address):
            address = self._templar.copy_with_new_env(available_variables=values).template(address)
        return address

    def _secret(self, task_vars, name):
        if name not in task_vars or task_vars[name] in (None, ""):
            return None
        return str(self._templar.template(task_vars[name]))


def _record(values):
    """The host's probe record: a top-level fact while Ansible injects facts as variables, else in ansible_facts."""
    if fleet_record.FACT in values:
        return values[fleet_record.FACT]
    facts = values["ansible_facts"] if "ansible_facts" in values else None
    return (facts or {}).get(fleet_record.FACT)


def _page(header, rows, status, first, folder, stem, number):
    """One page of the hosts table: its rows (all of one status), written beside the report."""
    filename = "%s-hosts-%03d.html" % (stem, number)
    model = {"title": header["title"], "lang": header["lang"], "generated_at": header["generated_at"],
             "columns": header["columns"], "rows": rows, "first": first, "last": first + len(rows) - 1,
             "status": status, "report": stem + ".html"}
    with _report_files.create(folder, filename) as (path, handle):
        handle.write(_report_files.render_html(model, HOSTS_TEMPLATE))
    return {"file": filename, "path": path, "status": status, "first": model["first"], "last": model["last"]}
