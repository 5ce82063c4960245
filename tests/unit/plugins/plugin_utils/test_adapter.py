# -*- coding: utf-8 -*-
"""Every private detail of ansible-core's winrm / psrp plugins and their libraries that _remote/adapter.py relies
on, checked on the versions installed: this file runs on every ansible-core the collection supports
(scripts/versions.sh), and fails the day one of the details moves."""

from __future__ import annotations

import inspect

import pytest

from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import adapter


def _source(module):
    return inspect.getsource(module)


@pytest.fixture(scope="module")
def winrm_plugin():
    from ansible.plugins.connection import winrm  # pylint: disable=import-outside-toplevel
    return winrm


@pytest.fixture(scope="module")
def psrp_plugin():
    from ansible.plugins.connection import psrp  # pylint: disable=import-outside-toplevel
    return psrp


def test_the_winrm_plugin_still_has_the_frames_and_locals_the_adapter_reads(winrm_plugin):
    exec_source = inspect.getsource(winrm_plugin.Connection._winrm_exec)  # pylint: disable=protected-access
    assert adapter.WINRM_EXEC_FRAME == winrm_plugin.Connection._winrm_exec.__name__  # pylint: disable=protected-access
    # the Send's failure is swallowed into this local, then one Receive is tried, then "winrm send_input failed"
    assert "stdin_push_failed = True" in exec_source and "winrm send_input failed" in exec_source
    assert "rc" in winrm_plugin.Connection._winrm_exec.__code__.co_varnames  # pylint: disable=protected-access
    assert "return_code = -1" in inspect.getsource(winrm_plugin.Connection._winrm_get_command_output)  # pylint: disable=protected-access
    for name in ("_winrm_connect", "_winrm_write_stdin", "_winrm_get_raw_command_output"):
        assert hasattr(winrm_plugin.Connection, name), name
        assert name in adapter.STEP_OF_FRAME
    # the Command: the plugin's own _winrm_run_command (2.17 and later) or pywinrm's run_command (2.16)
    exec_source = inspect.getsource(winrm_plugin.Connection._winrm_exec)  # pylint: disable=protected-access
    assert "self._winrm_run_command(" in exec_source or "self.protocol.run_command(" in exec_source


def test_pywinrm_still_has_the_calls_the_adapter_makes_and_names():
    from winrm.protocol import Protocol  # pylint: disable=import-outside-toplevel
    from winrm.transport import Transport  # pylint: disable=import-outside-toplevel
    assert callable(getattr(Transport, "close_session", None))  # drops the HTTP session (the NTLM context)
    for name in ("open_shell", "run_command", "cleanup_command"):
        assert hasattr(Protocol, name) and name in adapter.STEP_OF_FRAME


def test_the_psrp_plugin_and_pypsrp_still_have_what_the_adapter_reads(psrp_plugin):
    from pypsrp.complex_objects import RunspacePoolState  # pylint: disable=import-outside-toplevel
    from pypsrp.powershell import PowerShell, RunspacePool  # pylint: disable=import-outside-toplevel
    from pypsrp.wsman import _TransportHTTP  # pylint: disable=import-outside-toplevel
    assert RunspacePoolState.OPENED == adapter.RUNSPACE_OPENED
    source = _source(psrp_plugin)
    assert "self.runspace" in source and "self._last_pipeline" in source
    for name in ("open", "exchange_keys"):
        assert hasattr(RunspacePool, name) and name in adapter.STEP_OF_FRAME
    for name in ("begin_invoke", "end_invoke", "poll_invoke"):
        assert hasattr(PowerShell, name) and name in adapter.STEP_OF_FRAME
    transport_source = _source(_TransportHTTP)
    assert "self.session" in transport_source and "self.encryption" in transport_source  # reset, then re-authenticated


def test_the_winrm_plugin_turns_clixml_stderr_into_text_itself(winrm_plugin):
    # the runner reads stderr as text: the plugin unwraps PowerShell's CLIXML error records first
    source = _source(winrm_plugin)
    assert "_parse_clixml(b_stderr)" in source or "replace_stderr_clixml(b_stderr)" in source
