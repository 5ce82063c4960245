# -*- coding: utf-8 -*-
"""The lab's PSRP runspace pool (tests/lab/endpoint/psrp.py) at message level, driven by pypsrp's own
client: RunspacePool.open / PowerShell.invoke, with only the WS-Man transport replaced by direct calls."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest
from pypsrp.complex_objects import PSInvocationState, RunspacePoolState
from pypsrp.host import PSHost, PSHostUserInterface
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.shell import CommandState

from ansible_collections.apexone.upgrade.tests.lab.endpoint import psrp

RSP = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"


class Direct:
    """Stands in for pypsrp's WinRS: each call goes straight to the pool model (no HTTP, no envelope)."""

    def __init__(self, run):
        self.run = run
        self.pool = None
        self.calls = []

    def open(self, options, open_content):
        self.calls.append("create")
        self.pool = psrp.RunspacePool(self.id, self.run)
        self.pool.open(base64.b64decode(open_content.text))
        self.opened = True

    def command(self, executable, arguments, no_shell=False, command_id=None):
        self.calls.append("command")
        pipeline = self.pool.command(command_id, base64.b64decode(arguments[0]))
        root = ET.Element("{%s}Body" % "http://www.w3.org/2003/05/soap-envelope")
        response = ET.SubElement(root, "{%s}CommandResponse" % RSP)
        ET.SubElement(response, "{%s}CommandId" % RSP).text = pipeline.pid
        return root

    def send(self, stream, data, command_id=None, end=None):
        self.calls.append("send")
        if command_id:
            self.pool.send(command_id, stream, data)
        else:
            self.pool.send_pool(stream, data)

    def receive(self, stream="stdout", command_id=None, timeout=None):
        self.calls.append("receive")
        if command_id is None:
            data = self.pool.receive_pool()
            assert data is not None, "a second Receive on the pool would wait for nothing"
            return CommandState.RUNNING, None, {"stdout": data}
        data, done = self.pool.receive(command_id)
        return (CommandState.DONE if done else CommandState.RUNNING), None, {"stdout": data}

    def signal(self, code, command_id):
        self.calls.append("signal")
        self.pool.signal(command_id, code)

    def close(self):
        self.calls.append("delete")
        self.pool.close()


class Connection:
    max_payload_size = 153600 - 1024
    max_envelope_size = 153600

    def update_max_payload_size(self, size):
        self.max_payload_size = size - 1024
        self.max_envelope_size = size


def _pool(run):
    """pypsrp's RunspacePool, opened against the model, as ansible's psrp plugin opens it."""
    host = PSHost(None, None, False, "Ansible PSRP Host", None, PSHostUserInterface(), None)
    pool = RunspacePool(Connection(), host=host)
    direct = Direct(run)
    direct.id = pool.id
    direct.opened = False
    pool.shell = direct
    pool.open()
    return pool, host, direct


def test_opening_answers_capability_private_data_and_opened():
    pool, dummy, direct = _pool(lambda script, items: psrp.Ran([], None))
    assert pool.state == RunspacePoolState.OPENED
    assert pool.protocol_version == psrp.PROTOCOL_VERSION and pool.ps_version == psrp.PS_VERSION
    assert pool.application_private_data.data["PSVersionTable"]["PSVersion"].startswith("5.1")
    assert direct.calls == ["create", "receive"]  # one Receive: the answer comes whole


def test_script_gets_input_objects_and_only_pipeline_output_comes_back():
    seen = {}

    def run(script, items):
        seen.update(script=script, items=items)
        return psrp.Ran(["APEXONE-RESULT:e30=", "second"], None)

    pool, host, direct = _pool(run)
    ps = PowerShell(pool)
    ps.add_script("$input | Out-Null", use_local_scope=True)
    output = ps.invoke(input=["line one", "ラインツー"])
    assert seen == {"script": "$input | Out-Null", "items": ["line one", "ラインツー"]}
    assert output == ["APEXONE-RESULT:e30=", "second"]
    assert ps.state == PSInvocationState.COMPLETED and not ps.had_errors and not host.rc


def test_exit_code_reaches_the_host_as_set_should_exit():
    pool, host, dummy = _pool(lambda script, items: psrp.Ran(["APEXONE-ERROR:e30="], 1))
    ps = PowerShell(pool)
    ps.add_script("exit 1")
    assert ps.invoke() == ["APEXONE-ERROR:e30="]
    assert host.rc == 1 and ps.state == PSInvocationState.COMPLETED


def test_no_input_runs_at_once_with_empty_input():
    seen = []
    pool, dummy, direct = _pool(lambda script, items: seen.append(items) or psrp.Ran(["x"], None))
    ps = PowerShell(pool)
    ps.add_script("'x'")
    assert ps.invoke() == ["x"] and seen == [[]]
    assert "send" not in direct.calls


def test_large_output_takes_several_fragments_and_comes_back_whole():
    big = "A" * (3 * psrp.FRAGMENT_BYTES)
    pool, dummy, dummy2 = _pool(lambda script, items: psrp.Ran([big], None))
    ps = PowerShell(pool)
    ps.add_script("'big'")
    assert ps.invoke() == [big]


def test_refused_script_fails_the_pipeline_with_an_error_record():
    pool, dummy, dummy2 = _pool(lambda script, items: psrp.Ran([], None, "the bootstrap is not known"))
    ps = PowerShell(pool)
    ps.add_script("Get-Anything")
    assert ps.invoke() == []
    assert ps.had_errors and ps.state == PSInvocationState.FAILED
    assert "the bootstrap is not known" in str(ps.streams.error[0])


def test_cmdlets_and_arguments_are_refused():
    pool, dummy, dummy2 = _pool(lambda script, items: psrp.Ran([], None))
    ps = PowerShell(pool)
    ps.add_cmdlet("Get-Service").add_parameter("Name", "tmlisten")
    with pytest.raises(psrp.Refused, match="not one script"):
        ps.invoke()


def test_close_drops_pipelines():
    pool, dummy, direct = _pool(lambda script, items: psrp.Ran(["x"], None))
    ps = PowerShell(pool)
    ps.add_script("'x'")
    ps.invoke()
    pool.close()
    assert direct.calls[-1] == "delete" and direct.pool.pipelines == {}
    assert direct.pool.state == RunspacePoolState.CLOSED


def test_error_record_written_on_the_way_reaches_the_error_stream():
    pool, host, dummy = _pool(lambda script, items: psrp.Ran(["APEXONE-ERROR:e30="], 1, errors=["Access is denied."]))
    ps = PowerShell(pool)
    ps.add_script("'x'")
    assert ps.invoke() == ["APEXONE-ERROR:e30="]
    assert [str(e) for e in ps.streams.error] == ["Access is denied."] and host.rc == 1


def test_next_pipeline_stops_the_last_one_as_the_psrp_plugin_does():
    pool, dummy, direct = _pool(lambda script, items: psrp.Ran(["x"], None))
    first = PowerShell(pool)
    first.add_script("'x'")
    first.invoke()
    first.state = PSInvocationState.RUNNING  # what the plugin does before stop(), as pypsrp requires it
    first.stop()  # Signal powershell/signal/ctrl_c to a pipeline that already ended: answered, ignored
    second = PowerShell(pool)
    second.add_script("'x'")
    assert second.invoke() == ["x"] and "signal" in direct.calls
