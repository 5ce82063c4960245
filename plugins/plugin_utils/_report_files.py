# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write reports (self-contained HTML pages and JSON files) into the store. Internal: not a public API.

The folder may be a controller path or a share (\\fileserver\apexone$\reports): see _store. A report file is never
overwritten, is written in pieces (create(): a report of 50,000 hosts is streamed, never held whole), and appears
only once it is complete; one written inside an AWX job's throwaway folder is written with a warning.
"""

from __future__ import annotations

import contextlib
import io
import json
import os

import jinja2
from ansible.utils.display import Display

from ansible_collections.apexone.upgrade.plugins.module_utils import checks
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _store
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import job_folder

TEMPLATES = os.path.join(os.path.dirname(__file__), "templates")

_ENV = None
_WARNED: set = set()  # folders already warned about in this process (a report of many pages warns once)


def _environment():
    global _ENV  # pylint: disable=global-statement
    if _ENV is None:
        _ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                                  trim_blocks=True, lstrip_blocks=True)
    return _ENV


def render_html(report: dict, template: str = "preflight_report.html.j2", section: str = "report") -> str:
    """`section`: the part of words/<lang>.yml the template's labels (L) come from."""
    return _environment().get_template(template).render(r=report, L=checks.words(report["lang"])[section])


def new_stem(folder: str, name: str, when) -> str:
    """<name>-<YYYYmmdd-HHMMSS>, with -2, -3 ... when a report of that second is already in `folder`."""
    store = _store.open_store(folder)
    try:
        stem = base = "%s-%s" % (name, when.strftime("%Y%m%d-%H%M%S"))
        counter = 1
        while store.exists(stem + ".json"):
            counter += 1
            stem = "%s-%d" % (base, counter)
        return stem
    finally:
        store.close()


@contextlib.contextmanager
def create(folder: str, filename: str):
    """A new text file `filename` in `folder` (a controller folder, created 0700, or a share), to write in pieces;
    it appears when the block ends without error, and an existing file is never overwritten (FileExistsError).
    Yields (where it is, text handle)."""
    store = _store.open_store(folder)
    try:
        if store.location not in _WARNED:
            _WARNED.add(store.location)
            warning = job_folder.warning(store.location, "the report", "apexone_report_dir")
            if warning:
                Display().warning(warning)
        try:
            # create() is itself a context manager, entered only by a with statement: the block always ends
            with store.create_new(filename) as out:  # pylint: disable=contextmanager-generator-missing-cleanup
                text = io.TextIOWrapper(out, encoding="utf-8", newline="")
                yield store.where(filename), text
                text.flush()
                text.detach()  # the store closes the binary handle it gave
        except _store.StoreExists as exc:
            raise FileExistsError(str(exc))
    finally:
        store.close()


def write(report: dict, folder: str, stem: str, template: str = "preflight_report.html.j2",
          section: str = "report") -> dict:
    """Write <stem>.json and <stem>.html into `folder`; never overwrite a file (FileExistsError, nothing written).

    Returns {"json": ..., "html": ...}: where each file is, as a path or a share path."""
    with _store.open_store(folder) as store:
        for suffix in ("json", "html"):
            if store.exists("%s.%s" % (stem, suffix)):
                raise FileExistsError("%s already exists: a report is never overwritten" % store.where(stem + "." + suffix))
    paths = {}
    for suffix, render in (("json", lambda: json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True)),
                           ("html", lambda: render_html(report, template, section))):
        with create(folder, "%s.%s" % (stem, suffix)) as (path, handle):
            handle.write(render())
        paths[suffix] = path
    return paths
