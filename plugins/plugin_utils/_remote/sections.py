# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Leave out of a script the parts a run does not ask for: fewer bytes on the wire, same behaviour.

A script marks such a part with PowerShell's own region comments, each alone on its line:

    #region subset network
    ...
    #endregion subset network

The part is sent only when the script's `Subset` parameter lists its name (here: network). Otherwise
each of its lines is sent as an empty line, so a line number PowerShell reports is still the line in
the shipped file. The rule is the controller's, in Python: the script itself never knows it was cut.

What a script must keep to this (test_sections checks every shipped script):
- regions do not nest, each one ends with the `#endregion` line of the same name, names are subsets;
- everything a part defines (a function, a variable) is used only inside that part, and the part is
  the whole of its subset's work (its `Invoke-Subset` block is inside), so a part left out can only
  mean that nothing of it was asked for.
Any other `#region` comment is a comment like any other. A marker the reader cannot match (an
`#endregion subset` without its start, a region never closed) is refused with SectionError.

Internal to this collection: not a public API.
"""

from __future__ import annotations

import re
import typing as t

_START = re.compile(r"^[ \t]*#region[ \t]+subset[ \t]+([a-z_]+)[ \t]*$")
_END = re.compile(r"^[ \t]*#endregion[ \t]+subset[ \t]+([a-z_]+)[ \t]*$")
_ANY_MARK = re.compile(r"^[ \t]*#(end)?region[ \t]+subset\b", re.IGNORECASE)


class SectionError(ValueError):
    """A script's `#region subset` markers do not pair up."""


class Section(t.NamedTuple):
    name: str
    first: int  # index of the `#region` line
    last: int  # index of the `#endregion` line


def sections(text: str) -> list[Section]:
    """The script's parts, in order; SectionError when the markers do not pair up."""
    found: list[Section] = []
    open_name, open_at = None, -1
    for index, line in enumerate(text.split("\n")):
        line = line.rstrip("\r")
        start, end = _START.match(line), _END.match(line)
        if start:
            if open_name is not None:
                raise SectionError("line %d: region %r starts inside region %r (regions do not nest)"
                                   % (index + 1, start.group(1), open_name))
            open_name, open_at = start.group(1), index
        elif end:
            if end.group(1) != open_name:
                raise SectionError("line %d: '#endregion subset %s' does not close %s" % (
                    index + 1, end.group(1), "region %r" % open_name if open_name else "any region"))
            found.append(Section(open_name, open_at, index))
            open_name = None
        elif _ANY_MARK.match(line):
            raise SectionError("line %d: %r is not a marker this reader knows: write '#region subset <name>' "
                               "and '#endregion subset <name>' (lower case), each alone on its line"
                               % (index + 1, line.strip()))
    if open_name is not None:
        raise SectionError("line %d: region %r is never closed" % (open_at + 1, open_name))
    return found


def names(text: str) -> frozenset[str]:
    return frozenset(section.name for section in sections(text))


def kept(text: str, params: dict) -> frozenset[str]:
    """The parts a run with `params` needs: those whose name its `Subset` parameter lists."""
    asked = params.get("Subset") if isinstance(params, dict) else None
    asked = {asked} if isinstance(asked, str) else set(asked or ())
    return frozenset(name for name in names(text) if name in asked)


def without(text: str, keep: t.Iterable[str]) -> str:
    """`text` with every part not named in `keep` turned into as many empty lines."""
    keep = frozenset(keep)
    lines = text.split("\n")
    for section in sections(text):
        if section.name not in keep:
            for index in range(section.first, section.last + 1):
                lines[index] = "\r" if lines[index].endswith("\r") else ""
    return "\n".join(lines)
