#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_auth_backup
short_description: Keep a copy of the server authentication certificate (OfficeScanAuth.dat) in the store
version_added: 0.1.0
description:
  - From XG build 5684 and Apex One build 8378 the server authentication certificate can no longer be exported
    (KA-0012615 item 10). If the server is rebuilt without it, every agent must be reinstalled. This module copies
    C(<install folder>\AuthCertBackup\OfficeScanAuth.dat) to C(<dest>/<inventory_hostname>/OfficeScanAuth.dat) in
    the store - a folder of the controller (mode 0600) or a share - with its SHA-256 beside it
    (C(OfficeScanAuth.dat.sha256)), which the preflight checks the copy against.
  - The file never crosses the host's PowerShell pipeline in clear, where transcription and module logging would
    keep it. The controller makes an RSA key pair (3072 bits) for each run and sends the public key; the script
    encrypts the file with a random AES-256 key (CBC), wraps that key with RSA-OAEP - what .NET Framework 4.5 offers,
    with FIPS-validated classes only - and returns the ciphertext and the file's SHA-256. The controller decrypts and
    compares the SHA-256 before anything is written. The private key never leaves the controller's memory.
  - A file whose SHA-256 matches a copy already kept is not sent again (only its hash travels).
  - Looks beside the C(PCCSRV) folder the server's registry names, then in the default install folders of 64-bit
    and 32-bit Windows, for XG and Apex One.
  - Never overwrites a kept backup. The same content again changes nothing; different content is kept beside the
    earlier one under a name with its date and hash, with a warning.
  - Under AWX / Automation Platform (ansible-runner), a O(dest) inside the job's own folder is refused - that folder
    is deleted when the job ends.
  - Warns loudly when no file is found and the server is at or past the build from which it cannot be exported.
options:
  dest:
    description:
      - The backup folder - a controller path (local, NFS, a persistent volume) or a share
        (C(\\fileserver\apexone$\backups), or C(//fileserver/apexone$/backups)).
      - A share is reached with smbprotocol, signed and encrypted, with the credentials in the environment
        variables E(APEXONE_STORE_USERNAME) and E(APEXONE_STORE_PASSWORD), else the controller's Kerberos ticket.
    type: str
    required: true
  max_bytes:
    description: Refuse files larger than this (the file is a small PFX).
    type: int
    default: 10485760
  allow_job_folder:
    description:
      - Keep the backup in O(dest) even when it lies inside the folder of an AWX / ansible-runner job (say so only when
        that folder really outlives the job). Defaults to the variable C(apexone_store_allow_job_folder), else false.
    type: bool
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.windows_read
attributes:
  check_mode:
    details: Reads the file and says where it would be kept; writes nothing.
notes:
  - The file is useless without its password. Keep the password with the backup, not in Ansible variables.
  - The file's content never appears in the task result or logs, nor in clear in the host's PowerShell pipeline.
  - PowerShell 5.1 logs a warning event 4104 for the script that seals the file (its words C(Cryptography),
    C(CreateEncryptor), C(TransformFinalBlock), C(ToBase64String) are on PowerShell's list of suspicious words);
    this is the only script of the collection that names them.
seealso:
  - name: Server authentication certificate backup (Trend Micro, Japanese)
    description: KA-0004800.
    link: https://success.trendmicro.com/solution/KA-0004800
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Keep the server authentication certificate on the controller
  apexone.upgrade.apexone_auth_backup:
    dest: /srv/apexone/backups

- name: Keep it on the team's share (AWX, where the job's folder is thrown away)
  apexone.upgrade.apexone_auth_backup:
    dest: \\fileserver\apexone$\backups
"""

RETURN = r"""
found:
  description: True when the file was found on the server.
  returned: success
  type: bool
dest:
  description: Where the copy is kept (a controller path or a share path).
  returned: when found
  type: str
store:
  description: The store's folder, as a controller path or a share path.
  returned: success
  type: str
sha256:
  description: The file's SHA-256.
  returned: when found
  type: str
source:
  description: Where the file was found on the server.
  returned: when found
  type: str
export_blocked:
  description: True when no file was found and the server is at or past the build from which it cannot be exported.
  returned: when not found
  type: bool
server_build:
  description: The server's build, from its registry.
  returned: success
  type: int
searched:
  description: The paths searched on the server, in order.
  returned: success
  type: list
  elements: str
local_path_problem:
  description:
    - Why the folder beside C(PCCSRV) was not searched, when the server's C(Local_Path) registry value is empty or not
      a usable path (for example a quote or C(|) left by a hand edit). The default install folders are searched anyway.
  returned: when Local_Path is empty or not a usable path
  type: str
"""
