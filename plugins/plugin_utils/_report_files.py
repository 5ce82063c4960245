# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a report as one self-contained HTML page and one JSON file, into the store. Internal: not a public API.

The folder may be a controller path or a share (\\fileserver\apexone$\reports): see _store. A report
is never overwritten, and one written inside an AWX job's throwaway folder is written with a warning.
"""

from __future__ import annotations

import json
import os

import jinja2
from ansible.utils.display import Display

from ansible_collections.apexone.upgrade.plugins.module_utils import checks
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _store
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import job_folder

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")

_ENV = None


def _environment():
    global _ENV  # pylint: disable=global-statement
    if _ENV is None:
        _ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  trim_blocks=True, lstrip_blocks=True)
    return _ENV


def render_html(report: dict, template: str = "preflight_report.html.j2", section: str = "report") -> str:
    """`section`: the part of words/<lang>.yml the template's labels (L) come from."""
    return _environment().get_template(template).render(r=report, L=checks.words(report["lang"])[section])


def write(report: dict, folder: str, stem: str, template: str = "preflight_report.html.j2",
          section: str = "report") -> dict:
    """Write <stem>.html and <stem>.json into `folder` (created 0700 on the controller); never overwrite a file.

    Returns {"json": ..., "html": ...}: where each file is, as a path or a share path. An existing
    report raises FileExistsError (nothing is written then).
    """
    store = _store.open_store(folder)
    try:
        warning = job_folder.warning(store.location, "the report", "apexone_report_dir")
        if warning:
            Display().warning(warning)
        paths = {}
        for suffix in ("json", "html"):
            if store.exists("%s.%s" % (stem, suffix)):
                raise FileExistsError("%s already exists: a report is never overwritten" % store.where(stem + "." + suffix))
        for suffix, text in (("json", json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True)),
                             ("html", render_html(report, template, section))):
            name = "%s.%s" % (stem, suffix)
            try:
                paths[suffix] = store.write_new(name, text.encode("utf-8"))
            except _store.StoreExists as exc:
                raise FileExistsError(str(exc))
        return paths
    finally:
        store.close()


def free_stem(folder: str, name: str, moment) -> str:
    """<name>-<YYYYmmdd-HHMMSS>, with -2, -3, ... when a report of that second is already in `folder`."""
    store = _store.open_store(folder)
    try:
        base = "%s-%s" % (name, moment.strftime("%Y%m%d-%H%M%S"))
        stem, counter = base, 1
        while store.exists(stem + ".json"):
            counter += 1
            stem = "%s-%d" % (base, counter)
        return stem
    finally:
        store.close()
