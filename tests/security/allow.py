# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings we expect in what the collection sends, each with the reason a security team can read.

An entry names the text (a script block's name, or "command_lines[i]"), what was found (a suspicious word
as PowerShell 5.1 lists it, a finding kind "member" / "static" / "type", or a detection rule's id) and why
it stays. Anything found and not listed here fails the test that holds the sent texts to the yardstick.
"""

from __future__ import annotations

import typing as t


class Allowed(t.NamedTuple):
    text: str
    what: str
    reason: str


ALLOW: tuple[Allowed, ...] = ()


def checked(entries: t.Iterable[Allowed]) -> tuple[Allowed, ...]:
    """The entries, refused if one lacks its text, what it allows or its reason."""
    entries = tuple(entries)
    for entry in entries:
        if not (entry.text.strip() and entry.what.strip() and entry.reason.strip()):
            raise ValueError("an allow-list entry needs a text, what it allows and a reason: %r" % (entry,))
    return entries


def unallowed(found: t.Iterable[tuple[str, str]], entries: t.Iterable[Allowed] = ALLOW) -> list[tuple[str, str]]:
    """The (text, what) pairs of `found` that no entry allows; `what` compares without case, as the word
    list and rule ids do."""
    allowed = {(e.text, e.what.lower()) for e in checked(entries)}
    return [(text, what) for text, what in found if (text, what.lower()) not in allowed]
