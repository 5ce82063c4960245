# -*- coding: utf-8 -*-
"""Where the tests find the project's real inputs."""

from __future__ import annotations

import glob
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
EXCERPTS = os.path.join(ROOT, "tests", "fixtures", "seed_excerpts")
DEBIAN_CA_DIR = "/usr/share/ca-certificates/mozilla"


def excerpt(name):
    """Verbatim text of a seed article section, kept under tests/fixtures/seed_excerpts."""
    with open(os.path.join(EXCERPTS, name), encoding="utf-8") as handle:
        return handle.read()


def debian_ca_files():
    return sorted(glob.glob(os.path.join(DEBIAN_CA_DIR, "*.crt")))
