#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_invalid_rename
short_description: Rename the server's *_Invalid files back once the certificates are in place
version_added: 0.1.0
description:
  - When the server cannot verify a file's digital signature it renames it to C(<name>_Invalid) (for example
    C(PCCSRV\Admin\TmUpdate.dll_Invalid)). After the certificates are fixed, the Trend Micro article (KA-0001268,
    "ファイルのリネーム") asks to rename each back. This module does that under the server's install folder.
  - One remote execution lists (or the listing of M(apexone.upgrade.apexone_facts) is reused through O(facts)), the
    controller plans each rename, and one execution performs exactly the planned renames with C(-LiteralPath),
    reporting each. Check mode plans only.
  - Never overwrites and never deletes. When C(<name>) already exists the file is skipped and both are reported
    (sizes and times) for a human to decide.
  - "Left alone and reported as excluded: product files whose own name contains C(invalid) without ending in
    C(_Invalid) - C(invalid.gif), C(config_invalid_rendering_class.xml), C(config_invalid_syntax.php) and other
    xml, php and ini files - which Explorer's search also shows."
  - "Edge cases: the suffix is matched case-insensitively; a name with the suffix twice (C(a.dll_Invalid_Invalid))
    goes back to C(a.dll) and says so; a real C(invalid.gif_Invalid) goes back to C(invalid.gif) unless that exists;
    a folder whose name ends in C(_Invalid) is never renamed (reported as skipped); a name that is only C(_Invalid)
    is skipped; Japanese names travel as UTF-8 and are renamed as they are; folders that cannot be listed (denied,
    or paths over 260 characters on hosts without long path support) are reported as warnings."
  - Servers at Apex One build 9565 or later rename these files back by themselves once the certificates are in place;
    the module then reports what remains.
options:
  path:
    description:
      - The folder to search, recursively. Defaults to the server's install folder (the parent of the C(PCCSRV)
        folder named in the server's registry).
      - A drive or share root and the Windows folder are refused; a folder outside the install folder is refused
        unless O(force=true).
    type: str
  force:
    description: Allow a O(path) outside the server's install folder.
    type: bool
    default: false
  facts:
    description:
      - The C(apexone_host) fact of M(apexone.upgrade.apexone_facts) from the same play, to reuse its listing and save
        one remote execution.
    type: dict
  manifest_dir:
    description:
      - Keep the manifest of the renames as C(invalid-renames-<host>-<UTC time>.json) in this folder of the store, a
        controller folder or a share (C(\\fileserver\apexone$\reports)), never over an earlier one. Nothing is kept
        in check mode or when nothing was renamed.
    type: str
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.windows_change
attributes:
  check_mode:
    details: Lists and plans; renames nothing.
notes:
  - A file that cannot be renamed (locked by a service, access denied) is reported in C(failed_files) and the task fails
    after the other renames are done. Stop the service that holds it (KA-0012615 item 11, KA-0000580) and run again.
seealso:
  - module: apexone.upgrade.apexone_cert_install
  - name: Certificates the digital signature check needs (Trend Micro, Japanese)
    description: KA-0001268, the section on renaming files.
    link: https://success.trendmicro.com/solution/KA-0001268
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Rename *_Invalid files back under the server's install folder
  apexone.upgrade.apexone_invalid_rename:
  register: renamed

- name: Reuse the listing apexone_facts already made (one remote execution less)
  apexone.upgrade.apexone_invalid_rename:
    facts: "{{ apexone_host }}"
"""

RETURN = r"""
root:
  description: The folder searched.
  returned: always
  type: str
renamed:
  description: Each file renamed, C(from) and C(to).
  returned: always
  type: list
  elements: dict
planned:
  description: The renames planned (in check mode, what would be renamed).
  returned: always
  type: list
  elements: dict
skipped_files:
  description:
    - Files not renamed and why (a collision lists both files' sizes and times).
    - Named so because C(skipped) is Ansible's own result key (a task that was skipped).
  returned: always
  type: list
  elements: dict
excluded:
  description: Product files whose name contains C(invalid) but does not end in C(_Invalid); never touched.
  returned: always
  type: list
  elements: dict
failed_files:
  description:
    - Renames that failed, with the error. When any failed, the task fails after the others are done.
    - Named so because C(failed) is Ansible's own result key.
  returned: always
  type: list
  elements: dict
manifest:
  description: C(old_name), C(new_name) and C(time) (UTC) of every rename, to keep with the report so a human can undo.
  returned: always
  type: list
  elements: dict
manifest_file:
  description: Where the manifest was kept (a controller path or a share path).
  returned: when O(manifest_dir) is set and something was renamed
  type: str
"""
