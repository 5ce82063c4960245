# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the filters that summarise per-host results across a fleet share. Internal: not a public API."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.apexone.upgrade.plugins.module_utils import errors


def summarise(hostvars, hosts, read, summary, **options):
    """`summary({host: read(that host's variables)}, **options)` over `hosts`.

    A host `hostvars` does not hold maps to None (not read), never to an empty result. A user
    input error of the summary becomes the filter error Ansible shows."""
    results = {}
    for host in hosts or []:
        try:
            values = hostvars[host]
        except KeyError:
            results[host] = None
            continue
        results[host] = read(values)
    try:
        return summary(results, **options)
    except errors.InputError as exc:
        raise AnsibleFilterError(str(exc))
