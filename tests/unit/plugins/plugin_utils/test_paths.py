# -*- coding: utf-8 -*-
"""Relative input paths (certificate bundle, agent-list export) as an AWX project carries them."""

from __future__ import annotations

import os

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import errors
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _paths


@pytest.fixture()
def project(tmp_path, monkeypatch):
    root = tmp_path / "runner" / "project"  # ansible-runner starts a playbook run here
    (root / "files" / "cert-files").mkdir(parents=True)
    (root / "playbooks" / "files").mkdir(parents=True)
    (root / "playbooks" / "files" / "agents.csv").write_text("Host\n", encoding="utf-8")
    monkeypatch.chdir(str(root))
    return root, {"playbook_dir": str(root / "playbooks")}


def test_a_path_relative_to_the_project_root_is_found_from_the_working_folder(project):
    root, task_vars = project
    assert _paths.input_path("files/cert-files", task_vars, "the bundle") == str(root / "files" / "cert-files")


def test_a_path_relative_to_the_playbook_is_found_from_playbook_dir(project):
    root, task_vars = project
    assert _paths.input_path("files/agents.csv", task_vars, "the list") == str(root / "playbooks" / "files" / "agents.csv")


def test_absolute_paths_are_kept_and_a_missing_one_names_where_it_was_looked_for(project):
    root, task_vars = project
    assert _paths.input_path("/srv/apexone/cert-files", task_vars, "the bundle") == "/srv/apexone/cert-files"
    with pytest.raises(errors.InputError) as missing:
        _paths.input_path("nowhere/agents.csv", task_vars, "the agent list")
    assert str(root / "nowhere" / "agents.csv") in str(missing.value)
    assert str(root / "playbooks" / "nowhere" / "agents.csv") in str(missing.value)
    assert os.getcwd() == str(root)
