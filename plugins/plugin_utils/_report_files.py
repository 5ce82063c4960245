# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a report as one self-contained HTML page and one JSON file. Internal: not a public API."""

from __future__ import annotations

import contextlib
import json
import os

import jinja2

from ansible_collections.apexone.upgrade.plugins.module_utils import checks

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


def new_stem(folder: str, name: str, when) -> str:
    """<name>-<YYYYmmdd-HHMMSS>, with -2, -3 ... when a report of that second is already in `folder`."""
    stem = base = "%s-%s" % (name, when.strftime("%Y%m%d-%H%M%S"))
    counter = 1
    while os.path.exists(os.path.join(folder, stem + ".json")):
        counter += 1
        stem = "%s-%d" % (base, counter)
    return stem


@contextlib.contextmanager
def create(folder: str, filename: str):
    """A new text file `filename` in `folder` (created 0700), to write in pieces; an existing file is never
    overwritten. Yields (path, handle)."""
    os.makedirs(folder, mode=0o700, exist_ok=True)
    path = os.path.join(folder, filename)
    with open(path, "x", encoding="utf-8") as handle:  # "x": an existing report is never overwritten
        yield path, handle


def write(report: dict, folder: str, stem: str, template: str = "preflight_report.html.j2",
          section: str = "report") -> dict:
    """Write <stem>.html and <stem>.json into `folder` (created 0700); never overwrite a file."""
    paths = {}
    for suffix, text in (("json", json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True)),
                         ("html", render_html(report, template, section))):
        with create(folder, "%s.%s" % (stem, suffix)) as (path, handle):
            handle.write(text)
        paths[suffix] = path
    return paths
