#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_hotfix_block
short_description: Block or allow Hotfix and program upgrade delivery to a Virus Buster Corp. agent
version_added: 0.1.0
description:
  - Sets C(NoProgramUpgrade) (REG_DWORD) under the agent's C(CurrentVersion\Misc.) key, the setting the
    upgrade article (KA-0012615 item 6) asks to check on agents before the server upgrade. C(1) means no
    Hotfix and no upgrade program is delivered; C(0) means they are.
  - Uses C(HKLM\SOFTWARE\WOW6432Node\TrendMicro\PC-cillinNTCorp\CurrentVersion\Misc.) on 64-bit Windows and
    C(HKLM\SOFTWARE\TrendMicro\PC-cillinNTCorp\CurrentVersion\Misc.) on 32-bit Windows, each opened in an
    explicit registry view so the bitness of the remote process does not matter.
  - Reads, changes and reads back in one remote execution. A value of the wrong type (for example REG_SZ
    C("1")) is replaced by the REG_DWORD and reported.
  - Records when the block was set (or lifted) in a key of the collection's own,
    C(HKLM\SOFTWARE\apexone.upgrade\HotfixBlock) (C(BlockedAt), C(BlockedBy), C(ReleasedAt), C(ReleasedBy)),
    never inside Trend Micro's keys. The two-week rule reads C(BlockedAt).
  - A block found in place with no record of the collection's (set by hand) is kept as it is and noted once as
    C(FirstSeenAt) / C(FirstSeenBy) in that key, from which the two-week rule then counts. Writing the note is a
    change (C(changed=true), C(value_changed=false), a diff of the record); the next run writes nothing.
  - On a host without the agent nothing is created and the result is C(skipped).
options:
  state:
    description:
      - V(present) blocks (C(NoProgramUpgrade=1)); V(absent) lifts the block (C(NoProgramUpgrade=0)).
    type: str
    choices: [present, absent]
    default: present
  create_missing:
    description:
      - Create the agent's key when it does not exist.
      - B(Dangerous.) A host without the agent then carries a Trend Micro key that tools may take for an
        installed agent. Leave it off unless you install the agent afterwards and want the block in place first.
    type: bool
    default: false
  server_upgrade_date:
    description:
      - The planned date of the server upgrade, C(YYYY-MM-DD). With O(state=present) the result then says
        whether the block is at least 14 days old on that date (C(readiness)), as the article asks.
    type: str
  actor:
    description:
      - Who set the block, written to C(BlockedBy) / C(ReleasedBy). Defaults to the controller's user and host name.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.windows_change
attributes:
  check_mode:
    details: Reads the value and says what would change; writes nothing.
notes:
  - Make the console setting of KA-0012615 item 6 as well (update settings, components agents update = pattern
    files only). This module covers the agent side, which the article asks to check on agents that matter.
  - After the server upgrade even blocked XG agents show Apex One service display names (KA-0012615 item 7);
    judge an agent by C(agent_version), never by a service name.
seealso:
  - name: Upgrade cautions, Virus Buster Corp. XG to Apex One (Trend Micro, Japanese)
    description: Item 6 (Hotfix delivery block) and item 7 (service names after the server upgrade).
    link: https://success.trendmicro.com/solution/KA-0012615
  - name: Upgrading agents in stages (Trend Micro, Japanese)
    description: The console's component update setting.
    link: https://success.trendmicro.com/ja-JP/solution/KA-0009550
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Block Hotfixes and the upgrade program two weeks before the server upgrade
  apexone.upgrade.apexone_hotfix_block:
    state: present
    server_upgrade_date: "2026-12-10"
  register: block

- name: Lift the block after the server upgrade, wave by wave
  apexone.upgrade.apexone_hotfix_block:
    state: absent
"""

RETURN = r"""
registry_path:
  description: The key the value lives under on this host.
  returned: always
  type: str
  sample: HKLM\SOFTWARE\WOW6432Node\TrendMicro\PC-cillinNTCorp\CurrentVersion\Misc.
os_bits:
  description: 64 or 32, as the host reported it.
  returned: always
  type: int
skipped:
  description: True when the host has no agent; C(skip_reason) says why.
  returned: when the agent's key does not exist
  type: bool
previous:
  description: The value before the task (C(kind) as .NET names it, C(value)), or null if it was not set.
  returned: when the agent is present
  type: dict
  sample: {kind: String, value: "1"}
current:
  description: The value read back after the task.
  returned: when the agent is present
  type: dict
  sample: {kind: DWord, value: 1}
blocked:
  description: True when C(NoProgramUpgrade) is now the REG_DWORD 1.
  returned: when the agent is present
  type: bool
type_corrected:
  description: True when a value of another type was replaced by the REG_DWORD.
  returned: when the agent is present
  type: bool
value_changed:
  description: True when C(NoProgramUpgrade) was (or, in check mode, would be) written.
  returned: when the agent is present
  type: bool
record_changed:
  description:
    - True when the collection's record was (or would be) written, C(BlockedAt) etc. with the value, or only
      C(FirstSeenAt) / C(FirstSeenBy) on a block set by hand.
  returned: when the agent is present
  type: bool
first_seen:
  description: When a block set by hand was first seen (C(FirstSeenAt)), null when the collection set it.
  returned: when the agent is present
  type: str
verified:
  description: True when the value read back is the value asked for.
  returned: when the agent is present and not in check mode
  type: bool
agent_version:
  description: The agent's program version (C(TmListen_Ver), else C(ProgramVer)).
  returned: when the agent is present
  type: str
  sample: 12.0.5684
agent_product:
  description: V(xg) for version 12, V(apexone) for version 14, else null.
  returned: when the agent is present
  type: str
server:
  description: The management server the agent reports to.
  returned: when the agent is present
  type: str
record:
  description: The collection's record of when the block was set or lifted (C(BlockedAt) etc., UTC).
  returned: when the agent is present
  type: dict
  sample: {BlockedAt: "2026-11-22T06:00:00Z", BlockedBy: "ops@controller (apexone.upgrade)"}
readiness:
  description:
    - With O(server_upgrade_date), whether the block is at least 14 days old on that date (C(ready)),
      by how many days (C(days_before_upgrade)) and why (C(reason)).
  returned: when O(server_upgrade_date) is set and O(state=present)
  type: dict
"""
