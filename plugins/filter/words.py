# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's words for what playbooks and roles print, in Japanese or English."""

from __future__ import annotations

DOCUMENTATION = r"""
name: words
short_description: A message of the collection in Japanese or English
version_added: 0.2.0
description:
  - Returns the message named by the input from the collection's words (C(messages) of
    C(plugins/module_utils/words/ja.yml) and C(en.yml)), with its named values filled in.
  - An unknown message, or values that do not match the message's names, fail the task; nothing is shown half filled.
positional: lang
options:
  _input:
    description: The message's name, for example V(sha2_updates_missing).
    type: str
    required: true
  lang:
    description: The language. Empty or null means the collection's default (C(apexone_report_lang)'s default).
    type: str
    choices: [ja, en]
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Report a missing SHA-2 update
  ansible.builtin.debug:
    msg: "{{ 'sha2_updates_missing' | apexone.upgrade.words(apexone_report_lang | default(None), os='Windows 7 SP1',
             updates='KB4474419') }}"
"""

RETURN = r"""
_value:
  description: The message.
  type: str
"""

import string

from ansible.errors import AnsibleFilterError

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, checks, errors

SECTION = "messages"


def names(text):
    """The {names} a message fills in."""
    return set(field for dummy, field, dummy2, dummy3 in string.Formatter().parse(text) if field)


def words(name, lang=None, **values):
    try:
        texts = checks.words(lang or catalog.DEFAULT_LANG)[SECTION]
    except errors.InputError as exc:
        raise AnsibleFilterError(str(exc))
    if name not in texts:
        raise AnsibleFilterError("%r is not a message of the collection; known: %s" % (name, ", ".join(sorted(texts))))
    wanted = names(texts[name])
    if set(values) != wanted:
        raise AnsibleFilterError("the message %r takes the values %s, got %s" % (
            name, ", ".join(sorted(wanted)) or "none", ", ".join(sorted(values)) or "none"))
    return texts[name].format(**values)


class FilterModule:
    def filters(self):
        return {"words": words}
