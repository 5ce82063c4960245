# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The installed updates of a host, from the probe's read of the servicing stack's package keys.

The probe lists, for every package key whose name carries a KB (catalog.CBS_KB_PATTERN), that KB under
the key's raw CurrentState, plus how many package keys it read. What the states mean is decided here
(catalog.CBS_STATES): installed, superseded and permanent count; "install pending" is only in effect
after a restart. A read that saw no package at all is not an empty list: it is "could not be read".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog

NO_PACKAGE = ("the servicing stack's package list (HKLM\\%s) has no package at all: the installed updates could not "
              "be read" % catalog.CBS_PACKAGES_KEY)


def _kb(text):
    value = str(text).strip().upper()
    return value if value.startswith("KB") else "KB" + value


def _state(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None  # the key had no CurrentState value ("none")


def read(part):
    """probe.ps1's `hotfixes` answer -> {installed, after_restart, other, packages} or {unreadable}.

    `part` None: the probe was not asked for this host's updates (its OS is not one item 9 covers).
    `installed`: sorted KBs of which one package is installed, superseded or permanent.
    `after_restart`: KBs installed only once the host restarts (and not installed otherwise).
    `other`: KB -> state names of KBs present in no counting state (staged, absent, uninstall pending...).
    """
    if part is None:
        return None
    packages = part.get("packages") or 0
    if packages <= 0:
        return {"unreadable": NO_PACKAGE}
    by_kb = {}
    for raw_state, kbs in sorted((part.get("states") or {}).items()):
        for kb in kbs or ():
            by_kb.setdefault(_kb(kb), set()).add(_state(raw_state))
    installed, after_restart, other = [], [], {}
    for kb, states in sorted(by_kb.items()):
        if states & set(catalog.CBS_INSTALLED):
            installed.append(kb)
        elif states & set(catalog.CBS_AFTER_RESTART):
            after_restart.append(kb)
        else:
            other[kb] = sorted(catalog.CBS_STATES.get(s, "no CurrentState" if s is None else "state %d" % s)
                               for s in states)
    return {"installed": installed, "after_restart": after_restart, "other": other, "packages": packages}


def _catalog_kbs():
    """Every KB the catalog names for item 9 (SHA-2) and Trend's ACS bulletin, on any OS."""
    found = set()
    for rule in catalog.SHA2_UPDATES + catalog.ACS_UPDATES:
        found.update(_kb(kb) for kb in rule["any_of"])
        found.update(_kb(item["kb"]) for item in rule.get("satisfied_by") or ())
    return found


def kept(installed, extra=(), found=()):
    """What the host's facts keep of its installed KBs: only those the checks read.

    The full list is a patch inventory of legacy hosts, and facts travel to `-v` output, AWX job events and the
    fact cache. Kept: the catalog's SHA-2 / ACS KBs and what replaces them (`satisfied_by`), the KBs the team
    gave (`extra`: sha2_updates, KB strings or {kb}) and the KBs item 9 was judged from (`found`, which holds
    the newer update an inference rests on). None stays None (not read)."""
    if installed is None:
        return None
    wanted = _catalog_kbs()
    wanted.update(_kb(item["kb"] if isinstance(item, dict) else item) for item in extra or ())
    wanted.update(_kb(kb) for kb in found or ())
    return sorted(kb for kb in installed if _kb(kb) in wanted)
