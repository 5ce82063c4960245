# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""KA-0001268 "ファイルのリネーム": which *_Invalid files go back to their name, and which are left alone.

The server renames a file whose signature it cannot verify to <name>_Invalid. Once the
certificates are in place, each goes back to <name>. Product files whose own name merely contains
"invalid" (invalid.gif, config_invalid_syntax.php, ...) are what Explorer's search also shows:
they are listed as excluded and never touched.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ntpath
import re

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, errors

SUFFIX = re.compile(r"(?i)(%s)+$" % re.escape(catalog.INVALID_SUFFIX))
WINDOWS_FOLDERS = ("c:\\windows",)


class UnsafePath(errors.InputError):
    """A folder the module must not search or rename in."""


def _norm(path):
    return ntpath.normcase(ntpath.normpath(path or "")).rstrip("\\")


def check_path(path, install_dir=None, force=False):
    """Refuse a drive root, the Windows folder, or (without force) a folder outside the install folder."""
    norm = _norm(path)
    if not path or re.match(r"^[a-z]:$", norm) or norm in ("\\", "") or norm.startswith("\\\\") and norm.count("\\") <= 3:
        raise UnsafePath("path '%s' is a drive or share root: give the server's install folder (for example "
                         "C:\\Program Files (x86)\\Trend Micro\\OfficeScan)" % (path,))
    for folder in WINDOWS_FOLDERS:
        if norm == folder or norm.startswith(folder + "\\"):
            raise UnsafePath("path '%s' is inside the Windows folder: the module never renames there" % (path,))
    if install_dir and not force:
        root = _norm(install_dir)
        if norm != root and not norm.startswith(root + "\\"):
            raise UnsafePath("path '%s' is outside the server's install folder %s: set force=true if you mean it"
                             % (path, install_dir))


def _exclusion_reason(name):
    """Every look-alike is kept; the files KA-0001268 itself names say so."""
    lower = name.lower()
    if lower in catalog.INVALID_KEEP_NAMES or ntpath.splitext(lower)[1] in catalog.INVALID_KEEP_EXTENSIONS:
        return "product file named in KA-0001268 (invalid.gif, and xml, php and ini files with 'invalid' in their name): keep it"
    return "product file: its name contains 'invalid' but does not end with _Invalid (KA-0001268: keep it)"


def plan(entries):
    """From the probe's listing, the renames to make and what is skipped or excluded, with reasons."""
    renames, skipped, excluded = [], [], []
    for entry in sorted(entries or [], key=lambda e: e["path"].lower()):
        path = entry["path"]
        name = ntpath.basename(path)
        if not SUFFIX.search(name):
            excluded.append({"path": path, "reason": _exclusion_reason(name)})
            continue
        original = SUFFIX.sub("", name)
        if entry.get("is_dir"):
            skipped.append({"path": path, "is_dir": True,
                            "reason": "a folder, not a file: folders are never renamed; look at it by hand"})
            continue
        if not original:
            skipped.append({"path": path, "reason": "the name is only the suffix: no original name to restore"})
            continue
        target = ntpath.join(ntpath.dirname(path), original)
        reported = (entry.get("target") or {})
        if _norm(reported.get("path")) != _norm(target):
            skipped.append({"path": path, "reason": "the host reported '%s' as the name without the suffix, expected '%s'"
                            % (reported.get("path"), target)})
            continue
        if reported.get("exists"):
            skipped.append({"path": path, "to": target, "reason": "%s already exists: nothing is overwritten; compare "
                            "the two and keep one by hand" % original,
                            "file": {"size": entry.get("size"), "modified": entry.get("modified")},
                            "existing": {"size": reported.get("size"), "modified": reported.get("modified"),
                                         "is_dir": reported.get("is_dir")}})
            continue
        item = {"from": path, "to": target, "size": entry.get("size"), "modified": entry.get("modified")}
        if len(SUFFIX.search(name).group(0)) > len(catalog.INVALID_SUFFIX):
            item["note"] = "more than one _Invalid suffix: all removed"
        renames.append(item)
    return {"renames": renames, "skipped": skipped, "excluded": excluded}
