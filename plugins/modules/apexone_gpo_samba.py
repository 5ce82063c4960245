#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: apexone_gpo_samba
short_description: Read or change one GPO's machine registry settings on a Samba domain controller
version_added: 0.2.0
description:
  - The Samba half of M(apexone.upgrade.apexone_gpo_certificates), which calls it. It runs on the Samba domain
    controller itself (over SSH, or a local connection on the DC) with the Python that has Samba's bindings
    (C(python3-samba)).
  - Reads the GPO of a display name (its id, version and machine extension names), every entry of its
    C(Machine\Registry.pol) under the keys given, and the C(gPLink) of the link target. Changes only what it is
    told, in this order, then reads everything again. It creates the GPO (C(samba-tool gpo create)), sets each value
    of O(set) as REG_BINARY in C(Registry.pol) (Samba's C(preg) library, over SMB to the C(sysvol) share, so
    the file keeps the share's ACLs), writes O(version) to the GPO and its C(GPT.INI), writes
    O(extension_names), links the GPO (C(samba-tool gpo setlink)).
  - It decides nothing; it removes no entry and no link.
options:
  name:
    description: The GPO's display name.
    type: str
    required: true
  keys:
    description: Registry keys under HKLM whose entries (at any depth) are read from C(Registry.pol).
    type: list
    elements: str
    required: true
  link_target:
    description: The distinguished name of the container (OU or domain) whose C(gPLink) is read, and linked with O(link).
    type: str
  server:
    description: The domain controller for LDAP and SMB.
    type: str
    default: 127.0.0.1
  username:
    description: The account Samba's tools authenticate with.
    type: str
    default: Administrator
  password:
    description: Its password; never logged.
    type: str
    required: true
  smb_conf:
    description: The DC's C(smb.conf).
    type: path
    default: /etc/samba/smb.conf
  create:
    description: Create the GPO first (it must not exist).
    type: bool
    default: false
  set:
    description: Values to set, each C(key) (under HKLM), C(value_name) and C(data_b64) (the REG_BINARY data).
    type: list
    elements: dict
    default: []
  version:
    description: The GPO version to write (C(versionNumber) and C(GPT.INI)).
    type: int
  extension_names:
    description: The C(gPCMachineExtensionNames) to write.
    type: str
  link:
    description: Link the GPO at O(link_target).
    type: bool
    default: false
requirements:
  - Samba's Python bindings (Debian C(python3-samba)) and C(samba-tool) on the domain controller.
attributes:
  check_mode:
    support: full
    details: Reads only.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
seealso:
  - module: apexone.upgrade.apexone_gpo_certificates
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Read the GPO (apexone_gpo_certificates calls this for you)
  apexone.upgrade.apexone_gpo_samba:
    name: apexone.upgrade signature certificates (KA-0001268)
    keys: ['Software\Policies\Microsoft\SystemCertificates\Root\Certificates']
    password: "{{ samba_admin_password }}"
"""

RETURN = r"""
gpo:
  description: The GPO (C(id) in braces, C(display_name)), or null when none has the name.
  returned: always
  type: dict
values:
  description: The C(Registry.pol) entries under O(keys) (C(key), C(value_name), C(type), C(policy_state), C(data_b64) or C(text)).
  returned: always
  type: list
  elements: dict
version:
  description: The GPO's C(versionNumber).
  returned: always
  type: int
extension_names:
  description: The GPO's C(gPCMachineExtensionNames).
  returned: always
  type: str
gplink:
  description: The C(gPLink) of O(link_target).
  returned: when O(link_target) is given
  type: str
"""

import base64
import os
import subprocess
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import ldb
    from samba import NTSTATUSError
    from samba.credentials import SMB_SIGNING_REQUIRED, Credentials
    from samba.dcerpc import preg
    from samba.ndr import ndr_pack, ndr_unpack
    from samba.param import LoadParm
    from samba.samba3 import libsmb_samba_internal as libsmb
    from samba.samba3 import param as s3param
    from samba.samdb import SamDB
except ImportError:
    SAMBA_ERROR = traceback.format_exc()
else:
    SAMBA_ERROR = None

REG_TYPES = {1: "String", 2: "ExpandString", 3: "Binary", 4: "DWord", 7: "MultiString", 11: "QWord"}
REG_BINARY = 3
NOT_FOUND = (0xC0000034, 0xC000003A)  # STATUS_OBJECT_NAME_NOT_FOUND, STATUS_OBJECT_PATH_NOT_FOUND


class SambaDC:
    def __init__(self, module):
        self.module = module
        params = module.params
        self.lp = LoadParm()
        self.lp.load(params["smb_conf"])
        self.creds = Credentials()
        self.creds.guess(self.lp)
        self.creds.set_username(params["username"])
        self.creds.set_password(params["password"])
        self.samdb = SamDB(url="ldap://%s" % params["server"], credentials=self.creds, lp=self.lp)
        self.realm = self.lp.get("realm").lower()
        self._smb = None

    # -- reading --
    def find(self):
        base = "CN=Policies,CN=System,%s" % self.samdb.domain_dn()
        found = self.samdb.search(base=base, scope=ldb.SCOPE_ONELEVEL,
                                  expression="(&(objectClass=groupPolicyContainer)(displayName=%s))"
                                  % ldb.binary_encode(self.module.params["name"]),
                                  attrs=["name", "displayName", "versionNumber", "gPCMachineExtensionNames"])
        if len(found) > 1:
            self.module.fail_json(msg="%d GPOs are named %r: rename all but one" % (len(found), self.module.params["name"]))
        return found[0] if len(found) else None

    @property
    def smb(self):
        if self._smb is None:
            s3_lp = s3param.get_context()
            s3_lp.load(self.module.params["smb_conf"])
            self.creds.set_smb_signing(SMB_SIGNING_REQUIRED)
            self._smb = libsmb.Conn(self.module.params["server"], "sysvol", lp=s3_lp, creds=self.creds)
        return self._smb

    def _path(self, gpo_id, *parts):
        return "\\".join((self.realm, "Policies", gpo_id) + parts)

    def load(self, path):
        try:
            return self.smb.loadfile(path)
        except NTSTATUSError as exc:
            if exc.args[0] in NOT_FOUND:
                return None
            raise

    def registry_pol(self, gpo_id):
        data = self.load(self._path(gpo_id, "Machine", "Registry.pol"))
        return ndr_unpack(preg.file, data) if data else preg.file()

    def values(self, gpo_id):
        prefixes = [key.lower().strip("\\") for key in self.module.params["keys"]]
        found = []
        pol = self.registry_pol(gpo_id)  # held while its entries are read: they point into its memory
        for entry in pol.entries:
            key = _text(entry.keyname)
            if not any(key.lower() == p or key.lower().startswith(p + "\\") for p in prefixes):
                continue
            value_name = _text(entry.valuename)
            item = {"key": "HKEY_LOCAL_MACHINE\\" + key, "value_name": value_name,
                    "type": REG_TYPES.get(entry.type, "Unknown"),
                    "policy_state": "Delete" if value_name.startswith("**") else "Set"}
            if entry.type == REG_BINARY:
                item["data_b64"] = base64.b64encode(bytes(entry.data)).decode("ascii")
            else:
                item["text"] = _text(entry.data) if isinstance(entry.data, (bytes, str)) else str(entry.data)
            found.append(item)
        return found

    def gplink(self):
        target = self.module.params["link_target"]
        try:
            found = self.samdb.search(base=target, scope=ldb.SCOPE_BASE, attrs=["gPLink"])
        except ldb.LdbError as exc:
            self.module.fail_json(msg="link target %s cannot be read (%s): give the distinguished name of an OU or of "
                                      "the domain" % (target, exc.args[-1]))
        return str(found[0]["gPLink"][0]) if "gPLink" in found[0] else ""

    def state(self):
        msg = self.find()
        result = {"gpo": None, "values": [], "version": 0, "extension_names": ""}
        if msg is not None:
            gpo_id = str(msg["name"][0])
            result["gpo"] = {"id": gpo_id, "display_name": str(msg["displayName"][0])}
            result["version"] = int(str(msg["versionNumber"][0])) if "versionNumber" in msg else 0
            result["extension_names"] = str(msg["gPCMachineExtensionNames"][0]) if "gPCMachineExtensionNames" in msg else ""
            result["values"] = self.values(gpo_id)
        if self.module.params["link_target"]:
            result["gplink"] = self.gplink()
        return result

    # -- changing: exactly what the controller sent --
    def samba_tool(self, *args):
        env = dict(os.environ, PASSWD=self.module.params["password"])  # never on the command line
        command = ["samba-tool", "gpo"] + list(args) + ["-H", "ldap://%s" % self.module.params["server"],
                                                        "-U", self.module.params["username"],
                                                        "--configfile=%s" % self.module.params["smb_conf"]]
        proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=300)
        if proc.returncode != 0:
            said = (proc.stderr or proc.stdout).strip()[-800:]
            self.module.fail_json(msg="samba-tool gpo %s failed (rc %d): %s" % (args[0], proc.returncode, said))
        return proc.stdout

    def set_values(self, gpo_id, items):
        pol = self.registry_pol(gpo_id)
        entries = list(pol.entries)
        for item in items:
            key, name = item["key"].encode("utf-8"), item["value_name"].encode("utf-8")
            entries = [e for e in entries if not (_raw(e.keyname).lower() == key.lower() and _raw(e.valuename).lower() == name.lower())]
            entry = preg.entry()
            entry.keyname, entry.valuename, entry.type = key, name, REG_BINARY
            entry.data = base64.b64decode(item["data_b64"])
            entries.append(entry)
        pol.entries = entries
        pol.num_entries = len(entries)
        folder = self._path(gpo_id, "Machine")
        if not self.smb.chkpath(folder):
            self.smb.mkdir(folder)
        self.smb.savefile(self._path(gpo_id, "Machine", "Registry.pol"), ndr_pack(pol))

    def set_version(self, msg, version):
        gpo_id = str(msg["name"][0])
        path = self._path(gpo_id, "GPT.INI")
        lines = (self.load(path) or b"[General]\r\n").decode("utf-8").splitlines()
        lines = [line for line in lines if not line.lower().startswith("version=")]
        at = next((i + 1 for i, line in enumerate(lines) if line.strip().lower() == "[general]"), None)
        if at is None:
            lines, at = ["[General]"] + lines, 1
        lines.insert(at, "Version=%d" % version)
        self.smb.savefile(path, ("\r\n".join(lines) + "\r\n").encode("utf-8"))
        self.modify(msg.dn, "versionNumber", str(version))

    def modify(self, dn, attribute, value):
        change = ldb.Message()
        change.dn = dn
        change[attribute] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, attribute)
        self.samdb.modify(change)


def _raw(value):
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def main():
    module = AnsibleModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "keys": {"type": "list", "elements": "str", "required": True, "no_log": False},
            "link_target": {"type": "str"},
            "server": {"type": "str", "default": "127.0.0.1"},
            "username": {"type": "str", "default": "Administrator"},
            "password": {"type": "str", "required": True, "no_log": True},
            "smb_conf": {"type": "path", "default": "/etc/samba/smb.conf"},
            "create": {"type": "bool", "default": False},
            "set": {"type": "list", "elements": "dict", "default": []},
            "version": {"type": "int"},
            "extension_names": {"type": "str"},
            "link": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    if SAMBA_ERROR is not None:
        module.fail_json(msg=missing_required_lib("Samba's Python bindings (python3-samba) on the domain controller"),
                         exception=SAMBA_ERROR)
    params = module.params
    changing = params["create"] or params["set"] or params["link"] or params["version"] is not None \
        or params["extension_names"] is not None
    if changing and module.check_mode:
        module.fail_json(msg="asked to change the GPO in check mode")
    dc = SambaDC(module)
    if params["create"]:
        dc.samba_tool("create", params["name"])
    if changing:
        msg = dc.find()
        if msg is None:
            module.fail_json(msg="GPO %r does not exist: nothing was changed" % params["name"])
        gpo_id = str(msg["name"][0])
        if params["set"]:
            dc.set_values(gpo_id, params["set"])
        if params["version"] is not None:
            dc.set_version(msg, params["version"])
        if params["extension_names"] is not None:
            dc.modify(msg.dn, "gPCMachineExtensionNames", params["extension_names"])
        if params["link"]:
            dc.samba_tool("setlink", params["link_target"], gpo_id)
    result = dc.state()
    module.exit_json(changed=bool(changing), **result)


if __name__ == "__main__":
    main()
