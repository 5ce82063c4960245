# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every apexone.upgrade action plugin does the same way. Internal: not a public API."""

from __future__ import annotations

import copy
import typing as t

from ansible.plugins.action import ActionBase

from ansible_collections.apexone.upgrade.plugins.module_utils import errors
from ansible_collections.apexone.upgrade.plugins.plugin_utils import _remote


# Hosts that may reject the run's credentials before it stops using them (_remote/credentials.py); the
# inventory variable apexone_credential_rejections changes it.
CREDENTIAL_REJECTIONS = 3


class ApexOneAction(ActionBase):
    """Validates arguments against the module's spec, runs, and turns runner errors into results."""

    TRANSFERS_FILES = False
    _requires_connection = True
    _supports_check_mode = True
    _supports_diff = True
    ARGUMENT_SPEC: dict[str, t.Any] = {}
    _credential_limit = CREDENTIAL_REJECTIONS
    _inventory_name = None

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        # a copy: validation fills a dict option's default in place, which would change the class's spec for every task after
        dummy, args = self.validate_argument_spec(argument_spec=copy.deepcopy(self.ARGUMENT_SPEC))
        self._credential_limit = (task_vars or {}).get("apexone_credential_rejections", CREDENTIAL_REJECTIONS)
        self._inventory_name = (task_vars or {}).get("inventory_hostname")
        try:
            result.update(self.act(args, task_vars or {}))
        except _remote.RemoteScriptError as exc:
            result.update(exc.to_result())
        except errors.InputError as exc:  # a decision refused the user's input; its message says how to fix it
            result.update(failed=True, msg=str(exc))
        # Any other exception is a programming error: Ansible reports it with its traceback.
        return result

    def act(self, args: dict, task_vars: dict) -> dict:
        raise NotImplementedError

    def run_script(self, name: str, params: dict, read_only: bool, list_paths: t.Iterable[str] = ()) -> dict:
        return _remote.run_script(self._connection, name, params, read_only=read_only, list_paths=list_paths,
                                  credential_limit=self._credential_limit, inventory_name=self._inventory_name)
