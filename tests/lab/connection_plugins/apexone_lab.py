# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection plugin for the simulated Windows lab (tests only; never used by the collection)."""

from __future__ import annotations

DOCUMENTATION = """
name: apexone_lab
short_description: Simulated Windows host for apexone.upgrade tests
description:
  - Answers the collection's PowerShell scripts from a host state file and applies their changes to it.
  - Counts remote executions and bytes per host under E(APEXONE_LAB_DIR).
author: apexone.upgrade contributors
options:
  host:
    description: The inventory name of the host; names its state and counters.
    vars:
      - name: inventory_hostname
    type: str
  state:
    description: The host state seed, a YAML file name under tests/lab/hosts or an absolute path.
    vars:
      - name: apexone_lab_state
    type: str
    required: true
"""

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.plugins.connection import ConnectionBase

from ansible_collections.apexone.upgrade.tests.lab.simulator import lab
from ansible_collections.apexone.upgrade.tests.lab.simulator import state as lab_state


class Connection(ConnectionBase):
    transport = "apexone_lab"
    module_implementation_preferences = (".ps1", ".exe", "")
    allow_executable = False
    has_pipelining = True

    def __init__(self, *args, **kwargs):
        self._shell_type = "powershell"
        super().__init__(*args, **kwargs)

    def _connect(self):
        if not self._connected:
            seed = lab_state.load_seed(self.get_option("state"))
            if (seed.get("faults") or {}).get("unreachable"):
                raise AnsibleConnectionFailure("lab: %s does not answer on WinRM (fault injected: unreachable)"
                                               % self.get_option("host"))
            self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        host = self.get_option("host")
        try:
            with lab_state.HostState(host, self.get_option("state")).open() as data:
                faults = data.get("faults") or {}
                dropped = faults.get("drop_connections", 0) > 0
                if dropped:
                    faults["drop_connections"] -= 1
            result = lab.execute(host, self.get_option("state"), cmd, in_data)
            if dropped:
                raise AnsibleConnectionFailure("lab: the WinRM connection to %s was dropped (fault injected)" % host)
            return result
        except lab_state.LabError as exc:
            raise AnsibleError(str(exc))

    def put_file(self, in_path, out_path):
        raise AnsibleError("lab: no file transfer; the collection sends data inside its scripts' parameters")

    def fetch_file(self, in_path, out_path):
        raise AnsibleError("lab: no file transfer; the collection returns data inside its scripts' results")

    def reset(self):
        self._connected = False

    def close(self):
        self._connected = False
