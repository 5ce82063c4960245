#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_gpo_certificates
short_description: Make or update one GPO that carries the runbook's root and intermediate certificates
version_added: 0.2.0
description:
  - KA-0012615 item 8 recommends delivering the signature certificates by Group Policy before the upgrade. This makes
    (or updates) one GPO whose computer half carries every certificate of the list (KA-0001268) from a checked
    bundle, each as the C(Blob) value Windows reads under
    C(HKLM\Software\Policies\Microsoft\SystemCertificates\Root\Certificates\<SHA-1>) or C(...\CA\Certificates\<SHA-1>)
    (a serialized certificate store element, that is the SHA-1 hash property and then the certificate's DER encoding), and
    links it where O(link_target) says.
  - Run it against a domain controller. A Windows DC (connection C(winrm) or C(psrp)) is changed with the
    GroupPolicy module (C(New-GPO), C(Set-GPRegistryValue), C(New-GPLink)); a Samba DC (connection C(ssh) or
    C(local) on the DC) through M(apexone.upgrade.apexone_gpo_samba), with Samba's own tools and libraries.
  - The DC is read once; a second execution runs only when something must change (and never in check mode). An
    entry that already holds the same certificate is never rewritten, whatever other properties it carries.
    Entries of the GPO that are not this list's are reported and left alone; nothing is removed, no link is
    removed or enabled.
  - Fails before touching the DC when the bundle lacks a certificate of the list.
  - When a change fails half-way (for example the account may create GPOs but not link them at O(link_target)),
    the task fails and says what was already done (GPO created, certificates set), what failed and what is left;
    C(changed) is true when something was done. Fix the cause and run again, the next run does only the rest.
options:
  bundle:
    description: The folder of certificate files on the controller (see M(apexone.upgrade.apexone_cert_bundle)).
    type: path
    required: true
  name:
    description: The GPO's display name. One GPO of that name is made or updated.
    type: str
    default: apexone.upgrade signature certificates (KA-0001268)
  link_target:
    description:
      - The distinguished name of the OU or domain to link the GPO to, for example C(OU=Workstations,DC=corp,DC=example)
        or C(DC=corp,DC=example). Omit it to make the GPO without linking it.
    type: str
  platform:
    description:
      - V(windows) for a Windows DC, V(samba) for a Samba DC; V(auto) takes V(windows) when the connection's shell is
        PowerShell.
    type: str
    choices: [auto, windows, samba]
    default: auto
  server:
    description:
      - V(windows) only. The domain controller the GroupPolicy cmdlets talk to (their C(-Server)), for example
        C(dc01.corp.example).
      - Omitted, it is the host Ansible connects to, by its own DNS name (host name and primary DNS suffix). Without
        C(-Server) the cmdlets would go to the domain's PDC emulator, a second hop from the WinRM logon that NTLM,
        or Kerberos without delegation, cannot make. Name another DC only when the connection can delegate
        credentials to it.
    type: str
  samba:
    description: How Samba's tools reach the directory and C(sysvol), for V(samba) only.
    type: dict
    default: {}
    suboptions:
      server:
        description: The DC's address for LDAP and SMB, as seen from the DC itself.
        type: str
        default: 127.0.0.1
      username:
        description: A domain account allowed to create and link GPOs.
        type: str
        default: Administrator
      password:
        description: Its password. Keep it in a vault; it is never logged or shown.
        type: str
      smb_conf:
        description: The DC's C(smb.conf).
        type: path
        default: /etc/samba/smb.conf
extends_documentation_fragment:
  - apexone.upgrade.certificate_list
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
attributes:
  check_mode:
    details: Reads the DC once and says what would be created, set and linked.
  diff_mode:
    support: full
  platform:
    platforms: [windows, posix]
    details: A Windows domain controller over WinRM / PSRP, or a Samba domain controller over SSH or a local connection.
notes:
  - Windows reads the policy key into the C(Group Policy) physical store of C(LocalMachine\Root) / C(CA) at the next
    policy refresh (C(gpupdate /target:computer), or within 90-120 minutes); the preflight then counts those
    certificates as present, since the logical store includes that physical store.
  - On a Samba DC each change of C(Registry.pol) raises the GPO's computer version (C(versionNumber) and
    C(GPT.INI)) and adds the Registry client-side extension to C(gPCMachineExtensionNames), as Set-GPRegistryValue
    does on Windows; without both, Windows clients do not apply the file.
seealso:
  - module: apexone.upgrade.apexone_cert_install
  - module: apexone.upgrade.apexone_gpo_samba
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: The certificates by Group Policy, linked to the workstations' OU (a Windows DC over WinRM)
  apexone.upgrade.apexone_gpo_certificates:
    bundle: /srv/apexone/cert-files
    link_target: OU=Workstations,DC=corp,DC=example

- name: The same on a Samba DC (SSH, or a local connection on the DC)
  apexone.upgrade.apexone_gpo_certificates:
    bundle: /srv/apexone/cert-files
    link_target: DC=corp,DC=example
    samba:
      password: "{{ vault_samba_admin_password }}"
"""

RETURN = r"""
gpo:
  description: The GPO (C(id), C(display_name)); null in check mode when it would be created.
  returned: success
  type: dict
created:
  description: The GPO was (or would be) created.
  returned: success, and when a change failed half-way (what was done)
  type: bool
set:
  description: The certificates whose entry was (or would be) set.
  returned: success, and when a change failed half-way (what was done)
  type: list
  elements: str
right:
  description: The certificates whose entry already held that certificate and were left as they were.
  returned: success
  type: list
  elements: str
replaced:
  description: Entries of ours that held something else (another certificate, unreadable bytes), with what.
  returned: success
  type: list
  elements: dict
others:
  description: Entries under the policy certificate keys that are not this list's; left as they are.
  returned: success
  type: list
  elements: str
linked:
  description: The GPO was (or would be) linked to O(link_target).
  returned: success, and when a change failed half-way (what was done)
  type: bool
server:
  description: The Windows domain controller the GroupPolicy cmdlets talked to (O(server), or the host's own DNS name).
  returned: V(windows)
  type: str
  sample: dc01.corp.example
"""
