# -*- coding: utf-8 -*-
"""The AWX data the collection ships (extensions/awx): credential types and a survey, held to the rules AWX applies
when they are created, and to what the collection reads from them.

The rules, as AWX's source writes them (ansible/awx: awx/main/fields.py CredentialTypeInputField and
CredentialTypeInjectorField, awx/main/constants.py ENV_BLOCKLIST, awx/api/serializers.py CredentialTypeSerializer,
awx/api/views JobTemplateSurveySpec._validate_spec_data):
- a custom credential type's kind is cloud or net; input fields have id (a variable name, not "tower", unique) and
  label, type string or boolean; choices, secret, format and multiline only on strings; a default of the field's
  type; required names defined fields;
- injectors are env (names of letters, digits and underscores; not ANSIBLE_*, not in ENV_BLOCKLIST; ASCII values)
  and extra_vars; every template renders in a Jinja sandbox with StrictUndefined over the defined fields only;
- a survey has name, description and a non-empty spec; each question has type, question_name, variable (unique)
  and required; type text/textarea/password/multiplechoice/multiselect/integer/float with a default of that type;
  choice questions list their choices, and a default is one of them.
"""

from __future__ import annotations

import glob
import json
import os
import re

import jinja2
import pytest
import yaml
from jinja2 import sandbox
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.apexone.upgrade.plugins.module_utils import rollout
from ansible_collections.apexone.upgrade.plugins.plugin_utils._store import smb
from ansible_collections.apexone.upgrade.tests.unit import helpers

AWX = os.path.join(helpers.ROOT, "extensions", "awx")
CREDENTIAL_TYPES = sorted(glob.glob(os.path.join(AWX, "credential_types", "*.yml")))
VARIABLE = re.compile(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$")
ENV_BLOCKLIST = {"VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
                 "INVENTORY_UPDATE_ID", "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES",
                 "CALLBACK_QUEUE", "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS",
                 "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH"}
SURVEY_TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
                "integer": int, "float": (float, int)}


def awx_credential_type_problems(data):
    """What AWX would refuse in a custom credential type (an empty list when it accepts it)."""
    problems = []
    if data.get("kind") not in ("cloud", "net"):
        problems.append("kind must be 'cloud' or 'net', not %r" % data.get("kind"))
    fields = (data.get("inputs") or {}).get("fields") or []
    ids = []
    for field in fields:
        unknown = set(field) - {"type", "format", "choices", "id", "label", "help_text", "multiline", "secret",
                                "ask_at_runtime", "default"}
        if unknown or "id" not in field or "label" not in field:
            problems.append("field %r: unknown keys %s or no id/label" % (field.get("id"), sorted(unknown)))
            continue
        kind = field.get("type", "string")
        if not VARIABLE.match(field["id"]) or field["id"] == "tower" or field["id"] in ids:
            problems.append("field id %r is invalid, reserved or repeated" % field["id"])
        if kind not in ("string", "boolean"):
            problems.append("field %s: type %r" % (field["id"], kind))
        if kind != "string" and set(field) & {"choices", "multiline", "format", "secret"}:
            problems.append("field %s: choices/multiline/format/secret only on strings" % field["id"])
        if "default" in field and not isinstance(field["default"], {"string": str, "boolean": bool}[kind]):
            problems.append("field %s: default of the wrong type" % field["id"])
        if field.get("format") not in (None, "ssh_private_key", "url"):
            problems.append("field %s: format %r" % (field["id"], field["format"]))
        ids.append(field["id"])
    for name in (data.get("inputs") or {}).get("required") or []:
        if name not in ids:
            problems.append("required names %r, which is no field" % name)
    injectors = data.get("injectors") or {}
    if set(injectors) - {"env", "extra_vars", "file"}:
        problems.append("injector kinds %s" % sorted(set(injectors) - {"env", "extra_vars", "file"}))
    namespace = dict((field_id, "EXAMPLE") for field_id in ids)
    environment = sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    for kind, injector in injectors.items():
        for key, template in injector.items():
            if kind == "env":
                if not VARIABLE.match(key) or key.startswith("ANSIBLE_") or key in ENV_BLOCKLIST:
                    problems.append("env %s is not allowed in credentials" % key)
                if not all(ord(c) < 128 for c in template):
                    problems.append("env %s: not ASCII" % key)
            if kind == "extra_vars" and not re.match(r"^[a-zA-Z_\{\}]+[a-zA-Z0-9_\{\}]*$", key):
                problems.append("extra var name %r" % key)
            try:
                environment.from_string(template).render(namespace)
            except jinja2.exceptions.UndefinedError as exc:
                problems.append("%s %s uses an undefined field (%s)" % (kind, key, exc))
    return problems


def _load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _collection_text():
    """Every role default, action and playbook of the collection: where a variable is read."""
    texts = []
    for pattern in ("roles/*/defaults/main.yml", "plugins/action/*.py", "playbooks/*.yml", "roles/*/tasks/*.yml"):
        for path in glob.glob(os.path.join(helpers.ROOT, pattern)):
            with open(path, encoding="utf-8") as handle:
                texts.append(handle.read())
    return "\n".join(texts)


def test_there_are_the_four_credential_types():
    assert [os.path.basename(p) for p in CREDENTIAL_TYPES] == [
        "apexone_central_api.yml", "apexone_directory_bind.yml", "apexone_server_secrets.yml", "apexone_store_share.yml"]


@pytest.mark.parametrize("path", CREDENTIAL_TYPES, ids=os.path.basename)
def test_awx_accepts_each_credential_type(path):
    data = _load(path)
    assert awx_credential_type_problems(data) == []
    for field in data["inputs"]["fields"]:  # a secret is marked so AWX encrypts it and never shows it
        if re.search(r"password|key|code", field["id"]):
            assert field.get("secret") is True, field["id"]


def test_the_rules_refuse_what_awx_refuses():
    good = _load(os.path.join(AWX, "credential_types", "apexone_store_share.yml"))
    for broken, words in ((dict(good, kind="ssh"), "kind"),
                          (dict(good, injectors={"env": {"ANSIBLE_CONFIG": "{{ username }}"}}), "not allowed"),
                          (dict(good, injectors={"env": {"PATH": "x"}}), "not allowed"),
                          (dict(good, injectors={"extra_vars": {"x": "{{ passwd }}"}}), "undefined field")):
        assert any(words in p for p in awx_credential_type_problems(broken)), words


def test_every_injected_extra_var_is_one_the_collection_reads():
    text = _collection_text()
    for path in CREDENTIAL_TYPES:
        for name in (_load(path)["injectors"].get("extra_vars") or {}):
            assert name in text, "%s injects %s, which nothing reads" % (os.path.basename(path), name)


def test_the_directory_bind_sets_what_microsoft_ad_ldap_reads():
    import ansible_collections.microsoft.ad as microsoft_ad  # pylint: disable=import-outside-toplevel
    folder = list(microsoft_ad.__path__)[0]
    with open(os.path.join(folder, "plugins", "doc_fragments", "ldap_connection.py"), encoding="utf-8") as handle:
        documented = set(re.findall(r"name: (MICROSOFT_AD_LDAP_[A-Z_]+)", handle.read()))
    env = _load(os.path.join(AWX, "credential_types", "apexone_directory_bind.yml"))["injectors"]["env"]
    assert set(env) <= documented and {"MICROSOFT_AD_LDAP_USERNAME", "MICROSOFT_AD_LDAP_PASSWORD"} <= set(env)


def test_the_store_credential_sets_what_the_store_reads():
    env = _load(os.path.join(AWX, "credential_types", "apexone_store_share.yml"))["injectors"]["env"]
    assert set(env) == {smb.ENV_USERNAME, smb.ENV_PASSWORD, smb.ENV_AUTH}
    choices = [f for f in _load(os.path.join(AWX, "credential_types", "apexone_store_share.yml"))["inputs"]["fields"]
               if f["id"] == "auth"][0]["choices"]
    assert tuple(choices) == smb.AUTH_PROTOCOLS


# --- the survey ---------------------------------------------------------------------------------

def awx_survey_problems(spec):
    problems = []
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if not isinstance(spec.get(field), kind):
            problems.append("%s missing or of the wrong type" % field)
    seen = set()
    for question in spec.get("spec") or []:
        for field, kind in (("type", str), ("question_name", str), ("variable", str), ("required", bool)):
            if not isinstance(question.get(field), kind):
                problems.append("%s: %s missing or of the wrong type" % (question.get("variable"), field))
        if question.get("variable") in seen:
            problems.append("variable %s twice" % question["variable"])
        seen.add(question.get("variable"))
        qtype = question.get("type")
        if qtype not in SURVEY_TYPES:
            problems.append("%s: type %r" % (question.get("variable"), qtype))
            continue
        if question.get("default", "") != "" and not isinstance(question["default"], SURVEY_TYPES[qtype]):
            problems.append("%s: default of the wrong type" % question["variable"])
        for key in ("min", "max"):
            if question.get(key) is not None and not isinstance(question[key], int):
                problems.append("%s: %s not an integer" % (question["variable"], key))
        if qtype in ("multiplechoice", "multiselect"):
            choices = question.get("choices")
            if not choices:
                problems.append("%s: no choices" % question["variable"])
            elif "default" in question and any(d not in choices for d in str(question["default"]).splitlines()):
                problems.append("%s: default not among the choices" % question["variable"])
    return problems


def _survey():
    with open(os.path.join(AWX, "surveys", "release_hotfix_block.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_awx_accepts_the_survey_and_refuses_a_broken_one():
    assert awx_survey_problems(_survey()) == []
    broken = _survey()
    broken["spec"][2]["default"] = "maybe"
    assert awx_survey_problems(broken) == ["apexone_rollout_wait: default not among the choices"]


def test_the_surveys_answers_pass_the_rollout_roles_argument_spec_and_plan_waves():
    """What AWX passes as extra variables for the defaults (text and choices are strings, integers ints)."""
    answers = dict((q["variable"], q["default"]) for q in _survey()["spec"])
    answers["apexone_report_dir"] = "\\\\fileserver\\apexone$\\reports"
    with open(os.path.join(helpers.ROOT, "roles", "rollout", "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        spec = yaml.safe_load(handle)["argument_specs"]["main"]["options"]
    role_vars = {"rollout_waves": answers["apexone_release_waves"], "rollout_wait": answers["apexone_rollout_wait"],
                 "rollout_new": answers["apexone_rollout_new"], "rollout_threshold": answers["apexone_rollout_threshold"],
                 "rollout_deadline": answers["apexone_rollout_deadline"], "rollout_report_dir": answers["apexone_report_dir"]}
    validated = ArgumentSpecValidator(spec).validate(role_vars)
    assert not validated.error_messages, validated.error_messages
    assert validated.validated_parameters["rollout_wait"] is False and validated.validated_parameters["rollout_new"] is False
    waves = rollout.plan_waves(answers["apexone_release_waves"], ["pc-%02d" % i for i in range(40)], {})
    assert [len(w["hosts"]) for w in waves] == [2, 10, 28]
