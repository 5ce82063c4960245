# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the samples of a py-spy profile (--format raw: one collapsed stack a line, then its count) went.

    python benchmarks/profile_summary.py PROFILE.txt [--top 40] [--match TEXT ...]

Prints the share of all samples spent inside each function (inclusive: the function or anything it
called), the largest first; --match keeps only frames whose text holds one of the words given.
"""

from __future__ import annotations

import argparse
import collections
import sys


def read(path):
    """(frames, samples) of each stack; frames outermost first, each 'function (file:line)'."""
    stacks = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, dummy, count = line.rpartition(" ")
            stacks.append((stack.split(";"), int(count)))
    return stacks


def inclusive(stacks):
    """function -> samples of the stacks it is on (counted once a stack), and the total."""
    found, total = collections.Counter(), 0
    for frames, count in stacks:
        total += count
        for name in set(_name(frame) for frame in frames):
            found[name] += count
    return found, total


def _name(frame):
    """'function (path/file.py:12)' -> 'function (file.py)': a function, whatever line the sample was on."""
    function, dummy, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    parts = where.split("/")
    return "%s (%s)" % (function, "/".join(parts[-2:]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", nargs="*", default=[])
    args = parser.parse_args()
    found, total = inclusive(read(args.profile))
    print("%d samples" % total)
    shown = 0
    for name, count in found.most_common():
        if args.match and not any(word in name for word in args.match):
            continue
        print("%5.1f%%  %s" % (100.0 * count / total, name))
        shown += 1
        if shown >= args.top:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
