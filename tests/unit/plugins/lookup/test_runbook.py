# -*- coding: utf-8 -*-
"""The runbook lookup exposes an explicit list of catalog entries, each documented."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleLookupError

from ansible_collections.apexone.upgrade.plugins.lookup import runbook
from ansible_collections.apexone.upgrade.plugins.module_utils import catalog


def test_every_exposed_name_is_a_catalog_entry_and_documented():
    documented = " ".join(yaml.safe_load(runbook.DOCUMENTATION)["options"]["_terms"]["description"])
    for name in runbook.EXPOSED:
        assert runbook.entry(name) is not None, name
        assert "C(%s)" % name in documented, name


def test_the_shared_defaults_come_from_the_catalog():
    assert runbook.entry("default_report_dir") == catalog.DEFAULT_REPORT_DIR == "apexone-reports"
    assert runbook.entry("DEFAULT_LANG") == "ja"
    assert runbook.entry("console_update_setting")["en"].startswith("Console >")


@pytest.mark.parametrize("term", ["agent_key", "__class__", "CERTIFICATES.__len__", "nothing"])
def test_an_internal_or_unknown_name_is_refused_with_the_list(term):
    with pytest.raises(AnsibleLookupError, match="known: builds, certificates"):
        runbook.entry(term)
