# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""This collection's version, as its installed MANIFEST.json (or, in a source tree, galaxy.yml) states it.

Internal: not a public API.
"""

from __future__ import annotations

import json
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_VERSION: list[str] = []


def version() -> str:
    """The version ansible-galaxy installed (MANIFEST.json), else the source tree's galaxy.yml; "unknown" if neither."""
    if not _VERSION:
        found = "unknown"
        manifest, galaxy = os.path.join(ROOT, "MANIFEST.json"), os.path.join(ROOT, "galaxy.yml")
        if os.path.isfile(manifest):
            with open(manifest, encoding="utf-8") as handle:
                found = str(json.load(handle)["collection_info"]["version"])
        elif os.path.isfile(galaxy):
            with open(galaxy, encoding="utf-8") as handle:
                found = str(yaml.safe_load(handle)["version"])
        _VERSION.append(found)
    return _VERSION[0]
