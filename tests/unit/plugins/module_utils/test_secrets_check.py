# -*- coding: utf-8 -*-
"""KA-0012615 items 1 and 3, with the rule that no result ever contains the secret."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import secrets_check

CURRENT_FORM = "AB-C3D4-E5F6G-H7J8K-L9M0N-P1Q2R-S3T4U"


def test_current_activation_code_form_is_valid():
    assert len(CURRENT_FORM) == 37
    assert secrets_check.activation_code_status(CURRENT_FORM)["valid"]
    assert secrets_check.activation_code_status("  " + CURRENT_FORM.lower() + "\n")["valid"]


@pytest.mark.parametrize("code", [
    "AB-C3D4-E5F6-G7H8-J9K0",  # old 22-character registration key
    CURRENT_FORM[:-1],
    CURRENT_FORM.replace("-", ""),
    "",
    None,
])
def test_other_forms_need_a_new_code(code):
    status = secrets_check.activation_code_status(code)
    assert not status["valid"]
    if code:
        assert code.strip().upper() not in json.dumps(status)


def test_status_never_contains_the_code():
    status = secrets_check.activation_code_status(CURRENT_FORM)
    assert CURRENT_FORM not in json.dumps(status)
    assert CURRENT_FORM[3:] not in json.dumps(status)
    assert status["masked"].startswith("AB")


@pytest.mark.parametrize("password, found", [
    ("Passw0rd", []),
    ("P@ss", ["@"]),
    ("a&b<c>d^e|f;g\\h", ["&", "<", ">", "^", "|", ";", "\\"]),
    ("x[y](z),w?v*u!t=s", ["[", "]", "(", ")", ",", "?", "*", "!", "="]),
    ("日本語パスワード#1", []),
    ("", []),
])
def test_forbidden_password_characters(password, found):
    assert secrets_check.forbidden_password_characters(password) == found


def test_short_secret_is_not_partly_shown():
    assert secrets_check.mask("abc") == "(3 characters)"
