# -*- coding: utf-8 -*-
"""Each shared default is written once, in plugins/module_utils/catalog.py (issue 21 item 3).

Python reads the constant; roles' defaults read it through the runbook lookup; what cannot read Python (role
argument specs, the README's tables, the AWX survey) is checked against it here. Module documentation is
checked through the action plugins' specs (tests/unit/test_argument_specs.py), which use the constants.
"""

from __future__ import annotations

import glob
import json
import os
import re

import pytest
import yaml

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, rollout
from ansible_collections.apexone.upgrade.tests.unit import helpers

# value, how a role's defaults file reads it, and the literals that would be a second copy
SHARED = {
    "lang": (catalog.DEFAULT_LANG, "default_lang", re.compile(r"""default\(\s*['"]ja['"]\s*\)""")),
    "report_dir": (catalog.DEFAULT_REPORT_DIR, "default_report_dir", re.compile(r"apexone-reports")),
    "rollout_deadline": (catalog.DEFAULT_ROLLOUT_DEADLINE, "default_rollout_deadline", re.compile(r"\b86400\b")),
}
# role option -> the shared default it documents
ROLE_OPTIONS = {
    ("rollout", "rollout_report_lang"): "lang",
    ("rollout", "rollout_report_dir"): "report_dir",
    ("rollout", "rollout_deadline"): "rollout_deadline",
    ("preflight", "preflight_report_lang"): "lang",
    ("preflight", "preflight_report_dir"): "report_dir",
    ("verify_post_upgrade", "verify_post_upgrade_report_dir"): "report_dir",
}


def _read(*parts):
    with open(os.path.join(helpers.ROOT, *parts), encoding="utf-8") as handle:
        return handle.read()


def test_the_rollout_reads_the_catalog():
    assert rollout.DEFAULT_DEADLINE == catalog.DEFAULT_ROLLOUT_DEADLINE == 86400


ROLES = sorted(os.path.basename(os.path.dirname(os.path.dirname(path)))
               for path in glob.glob(os.path.join(helpers.ROOT, "roles", "*", "defaults", "main.yml")))


@pytest.mark.parametrize("role", ROLES)
def test_no_role_default_repeats_a_shared_value(role):
    path = "roles/%s/defaults/main.yml" % role
    text = _read(path)
    for name, (dummy, dummy_entry, literal) in sorted(SHARED.items()):
        assert not literal.search(text), "%s writes the %s default again: read it with lookup('apexone.upgrade.runbook', '%s')" % (
            path, name, SHARED[name][1])


@pytest.mark.parametrize("role, option", sorted(ROLE_OPTIONS))
def test_role_defaults_read_the_lookup_and_their_docs_agree(role, option):
    shared = ROLE_OPTIONS[(role, option)]
    value, entry, dummy = SHARED[shared]
    defaults = yaml.safe_load(_read("roles", role, "defaults", "main.yml"))
    assert "lookup('apexone.upgrade.runbook', '%s')" % entry in defaults[option]
    entry_points = yaml.safe_load(_read("roles", role, "meta", "argument_specs.yml"))["argument_specs"].values()
    documented = next(point["options"][option] for point in entry_points if option in point.get("options", {}))
    if "default" in documented:
        assert documented["default"] == value
    else:  # the description names it: "..., else V(ja)." / "else C(./apexone-reports)."
        assert re.search(r"else [VC]\((\./)?%s\)" % re.escape(str(value)), " ".join(
            documented["description"] if isinstance(documented["description"], list) else [documented["description"]]))


def test_the_readme_tables_name_the_same_defaults():
    readme = _read("README.md")
    row = next(line for line in readme.splitlines() if line.startswith("| `apexone_report_dir` / `apexone_report_lang`"))
    assert row.endswith("| `./%s` / `%s` |" % (catalog.DEFAULT_REPORT_DIR, catalog.DEFAULT_LANG))
    row = next(line for line in readme.splitlines() if line.startswith("| `apexone_rollout_interval` / `apexone_rollout_deadline`"))
    assert row.endswith("| `%d` / `%d` |" % (rollout.DEFAULT_INTERVAL, catalog.DEFAULT_ROLLOUT_DEADLINE))
    assert "`apexone_rollout_deadline` seconds (default %d)" % catalog.DEFAULT_ROLLOUT_DEADLINE in readme


def test_the_awx_survey_offers_the_same_deadline():
    survey = json.loads(_read("extensions", "awx", "surveys", "release_hotfix_block.json"))
    question = next(q for q in survey["spec"] if q["variable"] == "apexone_rollout_deadline")
    assert question["default"] == catalog.DEFAULT_ROLLOUT_DEADLINE
