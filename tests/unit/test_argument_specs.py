# -*- coding: utf-8 -*-
"""Every module's argument spec says what its DOCUMENTATION says (issue 21 item 3).

The spec a task is checked against is the action plugin's ARGUMENT_SPEC (plugins/action/<module>.py), or the
module's own AnsibleModule(argument_spec=...) when it has no action plugin. The documentation is read the way
ansible-doc reads it, with the doc fragments merged. Names, types, elements, defaults, choices, required and
aliases must agree, suboptions included.
"""

from __future__ import annotations

import ast
import glob
import importlib
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.apexone.upgrade.tests.unit import helpers

MODULES = sorted(os.path.basename(path)[:-3] for path in glob.glob(os.path.join(helpers.ROOT, "plugins", "modules", "*.py"))
                 if not path.endswith("__init__.py"))


@pytest.fixture(scope="module")
def documented():
    """module -> its documented options, from one ansible-doc --json over every module (fragments merged)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(helpers.ROOT, "build", "collections"))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "-t", "module", "--json"]
                          + ["apexone.upgrade." + name for name in MODULES],
                          env=env, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr
    docs = json.loads(proc.stdout)
    return dict((name, docs["apexone.upgrade." + name]["doc"].get("options") or {}) for name in MODULES)


def _module_spec(name):
    """The literal argument_spec given to AnsibleModule in the module file (no import: it needs Samba's bindings)."""
    with open(os.path.join(helpers.ROOT, "plugins", "modules", name + ".py"), encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "AnsibleModule":
            for keyword in node.keywords:
                if keyword.arg == "argument_spec":
                    return ast.literal_eval(keyword.value)
    raise AssertionError("%s: neither an action plugin nor an AnsibleModule(argument_spec=...)" % name)


def _spec(name):
    if os.path.exists(os.path.join(helpers.ROOT, "plugins", "action", name + ".py")):
        action = importlib.import_module("ansible_collections.apexone.upgrade.plugins.action." + name)
        return action.ActionModule.ARGUMENT_SPEC
    return _module_spec(name)


def _sorted(values):
    return sorted((values or []), key=repr)


def differences(spec, documented, where=""):
    """Each way `spec` (an argument spec) and `documented` (DOCUMENTATION options) disagree, as readable lines."""
    found = []
    for name in sorted(set(spec) - set(documented)):
        found.append("%s%s: accepted but not documented" % (where, name))
    for name in sorted(set(documented) - set(spec)):
        found.append("%s%s: documented but not accepted" % (where, name))
    for name in sorted(set(spec) & set(documented)):
        accepted, doc = spec[name], documented[name]
        pairs = {
            "type": (accepted.get("type", "str"), doc.get("type", "str")),
            "elements": (accepted.get("elements"), doc.get("elements")),
            "default": (accepted.get("default"), doc.get("default")),
            "choices": (_sorted(accepted.get("choices")), _sorted(doc.get("choices"))),
            "required": (bool(accepted.get("required")), bool(doc.get("required"))),
            "aliases": (_sorted(accepted.get("aliases")), _sorted(doc.get("aliases"))),
        }
        for key, (left, right) in sorted(pairs.items()):
            if left != right:
                found.append("%s%s: %s is %r in the spec, %r in the documentation" % (where, name, key, left, right))
        if accepted.get("options") or doc.get("suboptions"):
            found += differences(accepted.get("options") or {}, doc.get("suboptions") or {}, "%s%s." % (where, name))
    return found


def test_every_module_is_found():
    assert "apexone_report" in MODULES and "apexone_gpo_samba" in MODULES and len(MODULES) >= 16


@pytest.mark.parametrize("name", MODULES)
def test_the_argument_spec_matches_the_documentation(name, documented):
    assert differences(_spec(name), documented[name]) == []


def test_each_kind_of_difference_is_found():
    documented = {"path": {"type": "path", "required": True}, "lang": {"type": "str", "default": "ja", "choices": ["ja", "en"]},
                  "items": {"type": "list", "elements": "dict", "suboptions": {"name": {"type": "str"}}},
                  "gone": {"type": "bool"}}
    spec = {"path": {"type": "str"}, "lang": {"type": "str", "default": "en", "choices": ["ja"]},
            "items": {"type": "list", "elements": "str", "options": {"name": {"type": "int"}}},
            "extra": {"type": "str", "aliases": ["more"]}}
    assert differences(spec, documented) == [
        "extra: accepted but not documented",
        "gone: documented but not accepted",
        "items: elements is 'str' in the spec, 'dict' in the documentation",
        "items.name: type is 'int' in the spec, 'str' in the documentation",
        "lang: choices is ['ja'] in the spec, ['en', 'ja'] in the documentation",
        "lang: default is 'en' in the spec, 'ja' in the documentation",
        "path: required is False in the spec, True in the documentation",
        "path: type is 'str' in the spec, 'path' in the documentation",
    ]


def test_running_an_action_leaves_its_spec_as_written():
    from ansible_collections.apexone.upgrade.tests.unit import helpers_action

    action = importlib.import_module("ansible_collections.apexone.upgrade.plugins.action.apexone_gpo_certificates")
    before = repr(action.ActionModule.ARGUMENT_SPEC)
    helpers_action.run_action(action, {"bundle": "/nonexistent", "platform": "samba"})
    assert repr(action.ActionModule.ARGUMENT_SPEC) == before
