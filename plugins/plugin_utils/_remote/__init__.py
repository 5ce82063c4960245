# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one of the collection's PowerShell scripts (plugins/plugin_utils/scripts/) on a Windows host through
the task's winrm or psrp connection: one remote execution, plain text both ways.

Internal use only: not a public API. Action plugins call run_script() and catch RemoteScriptError.

    bootstrap.ps1   the command (version and language-mode test, then the driver)
    driver.ps1      compiles common.ps1 and the script under their own names, runs it, writes the answer
    payload.py      the command and the input, plain text       answer.py     reading what came back
    failures.py     what a failed connection means              credentials.py  never lock the account
    adapter.py      the only reads of private plugin details    messages.py   every message, with what to do
    run.py          one execution: gate, connect, run, retry    minify.py / sections.py  what is sent of a script
"""

from __future__ import annotations

from .errors import Blocked, InputDamaged, RemoteScriptError, ShortAnswer
from .run import require_windows, run_script

__all__ = ["Blocked", "InputDamaged", "RemoteScriptError", "ShortAnswer", "require_windows", "run_script"]
