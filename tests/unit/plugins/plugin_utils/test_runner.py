# -*- coding: utf-8 -*-
"""The remote runner against a scripted connection: what WinRM can hand back, it survives."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
import requests.exceptions
from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.plugins.loader import shell_loader

from ansible_collections.apexone.upgrade.plugins.plugin_utils import _minify, _runner, _sections
from ansible_collections.apexone.upgrade.tests.lab.simulator import pwsh


def _line(marker, text):
    """A result line exactly as the bootstrap writes it: marker + base64(UTF-8 JSON text)."""
    return (marker + base64.b64encode(text.encode("utf-8")).decode("ascii") + "\r\n").encode("ascii")


class ScriptedConnection:
    """Hands back the given (rc, stdout, stderr) tuples or raises the given exceptions, in order."""

    def __init__(self, *answers, shell="powershell"):
        self._shell = shell_loader.get(shell)
        self.answers = list(answers)
        self.calls = []
        self.resets = 0

    def exec_command(self, cmd, in_data=None, sudoable=True):
        self.calls.append((cmd, in_data))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def reset(self):
        self.resets += 1


def test_command_and_payload_carry_script_and_parameters():
    conn = ScriptedConnection((0, _line("APEXONE-RESULT:", "{}"), b""))
    _runner.run_script(conn, "probe", {"Subset": ["os"], "Path": "C:\\日本語\\フォルダ"}, read_only=True)
    cmd, in_data = conn.calls[0]
    assert cmd.startswith("PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand ")
    assert len(cmd) < 8191 - 100  # cmd.exe's limit; the bootstrap never grows with the script
    bootstrap = base64.b64decode(cmd.split(" ")[-1]).decode("utf-16-le")
    assert bootstrap == _runner.BOOTSTRAP
    assert pwsh.check(bootstrap).ok, pwsh.check(bootstrap).errors
    assert set(in_data.strip()) <= set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
    assert in_data.endswith(b"\r\n") and in_data.count(b"\n") == 1  # one line: one input object over psrp
    driver, common, script, params = gzip.decompress(base64.b64decode(in_data)).decode("utf-8").split("\0")
    assert driver == _runner.DRIVER and pwsh.check(driver).ok, pwsh.check(driver).errors
    # the probe without its network part: os alone was asked for (_sections)
    assert script == _runner.sent_text("probe", []) == _minify.minify(_sections.without(_runner.script_text("probe"), []))
    assert "Test-Direct" not in script
    assert common == _runner.sent_text("common") == _minify.minify(_runner.script_text("common"))
    assert json.loads(params) == {"Subset": ["os"], "Path": "C:\\日本語\\フォルダ"}


def test_one_element_arrays_unwrapped_by_powershell_become_lists_again():
    # What ConvertTo-Json in 5.1 prints for @{hotfixes = 'KB1'; certificates = @{Root = @{...}}; services = $null}
    text = '{"hotfixes":"KB4490628","certificates":{"Root":{"thumbprint":"AB"},"CA":[]},"services":null}'
    conn = ScriptedConnection((0, _line("APEXONE-RESULT:", text), b""))
    result = _runner.run_script(conn, "probe", {}, read_only=True,
                                list_paths=("hotfixes", "certificates.*", "services", "files"))
    assert result["hotfixes"] == ["KB4490628"]
    assert result["certificates"] == {"Root": [{"thumbprint": "AB"}], "CA": []}
    assert result["services"] == []
    assert "files" not in result


def test_japanese_text_survives_a_cp932_console():
    # The result is base64 of UTF-8, so the console code page never touches it; stderr is CP932 bytes.
    text = json.dumps({"caption": "Microsoft Windows 10 Pro (日本語版)",
                       "event": "ダウンロードされた1つ以上のファイルに有効なデジタル署名が含まれていませんでした"},
                      ensure_ascii=False)
    noise = "警告: 処理を続行します".encode("cp932")
    conn = ScriptedConnection((0, noise + b"\r\n" + _line("APEXONE-RESULT:", text), noise))
    result = _runner.run_script(conn, "probe", {}, read_only=True)
    assert result["caption"].endswith("(日本語版)")
    assert result["event"].startswith("ダウンロードされた")
    assert _runner.decode_stderr(noise) == "警告: 処理を続行します"


def test_script_error_with_rc_reports_message_rc_and_stderr():
    error = json.dumps({"message": "アクセスが拒否されました。", "type": "System.UnauthorizedAccessException",
                        "line": 12, "stack": "at <ScriptBlock>, <No file>: line 12"}, ensure_ascii=False)
    stderr = "アクセスが拒否されました。".encode("cp932")
    conn = ScriptedConnection((1, _line("APEXONE-ERROR:", error), stderr))
    with pytest.raises(_runner.RemoteScriptError) as caught:
        _runner.run_script(conn, "probe", {}, read_only=True)
    result = caught.value.to_result()
    assert result["failed"] and result["rc"] == 1
    assert "script probe failed on the host: アクセスが拒否されました。" in result["msg"]
    assert result["stderr"] == "アクセスが拒否されました。"
    assert result["exception_remote"]["line"] == 12
    assert len(conn.calls) == 1  # a script error is not a dropped connection: no retry


def test_rc_without_result_line_says_what_to_check():
    conn = ScriptedConnection((1, b"", b"powershell.exe : The term 'PowerShell' is not recognized"))
    with pytest.raises(_runner.RemoteScriptError, match=r"did not complete \(rc=1\).*PowerShell 5.1"):
        _runner.run_script(conn, "probe", {}, read_only=True)


def test_clixml_stderr_is_unwrapped():
    clixml = (b'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
              b'<S S="Error">Access is denied._x000D__x000A_</S></Objs>')
    assert _runner.decode_stderr(clixml).startswith("Access is denied.")


def _winrm_get_raw_command_output():  # named as the winrm plugin's step: the drop happens "in" it
    raise requests.exceptions.ConnectionError("('Connection aborted.', ConnectionResetError(104, 'reset by peer'))")


def _winrm_connect(message):
    raise AnsibleConnectionFailure(message)


def _raised(function, *args):
    try:
        function(*args)
    except Exception as exc:  # pylint: disable=broad-except
        return exc
    raise AssertionError("no exception")


class OpenShell(ScriptedConnection):
    """A winrm connection whose shell is open until close() (which the runner must call after a drop)."""
    transport = "winrm"

    def __init__(self, *answers):
        super().__init__(*answers)
        self.shell_id = "SHELL-1"
        self.closed = 0

    def exec_command(self, cmd, in_data=None, sudoable=True):
        self.shell_id = self.shell_id or "SHELL-%d" % (len(self.calls) + 1)
        return super().exec_command(cmd, in_data, sudoable)

    def close(self):
        self.closed += 1
        self.shell_id = None


def test_dropped_connection_during_read_only_script_is_retried_once_and_the_shell_closed():
    conn = OpenShell(_raised(_winrm_get_raw_command_output), (0, _line("APEXONE-RESULT:", '{"ok":true}'), b""))
    assert _runner.run_script(conn, "probe", {}, read_only=True) == {"ok": True}
    assert len(conn.calls) == 2 and conn.closed == 1 and conn.resets == 0  # reset() would leave the old shell open


def test_dropped_twice_gives_up_naming_the_step():
    conn = OpenShell(_raised(_winrm_get_raw_command_output), _raised(_winrm_get_raw_command_output))
    with pytest.raises(AnsibleConnectionFailure, match=r"step: receive.*failed twice.*re-run later"):
        _runner.run_script(conn, "probe", {}, read_only=True)
    assert conn.closed == 2


def test_host_that_never_answered_is_not_called_dropped():
    refused = _raised(_winrm_connect, "ntlm: HTTPConnectionPool(host='10.0.0.9', port=5985): Max retries exceeded "
                                      "(Caused by NewConnectionError('Connection refused'))")
    conn = OpenShell(refused, refused)
    conn.shell_id = None
    with pytest.raises(AnsibleConnectionFailure) as caught:
        _runner.run_script(conn, "probe", {}, read_only=True)
    assert "step: connect" in str(caught.value) and "no WinRM session could be set up" in str(caught.value)
    assert "twice" not in str(caught.value)


def test_dropped_connection_during_a_change_is_not_repeated():
    conn = OpenShell(_raised(_winrm_get_raw_command_output), (0, _line("APEXONE-RESULT:", "{}"), b""))
    with pytest.raises(AnsibleConnectionFailure, match="step: receive.*may be half done: re-run, every change is "
                                                       "idempotent"):
        _runner.run_script(conn, "registry_block", {}, read_only=False)
    assert len(conn.calls) == 1 and conn.closed == 1


def test_send_timeout_after_the_script_ran_keeps_its_result():
    # ansible's winrm plugin: a Send that timed out, then stdout that is not JSON -> 'winrm send_input failed'
    stdout = _line("APEXONE-RESULT:", '{"ok":true}').decode("ascii")
    conn = OpenShell(AnsibleError("winrm send_input failed; \nstdout: %s\nstderr " % stdout))
    assert _runner.run_script(conn, "registry_block", {}, read_only=False) == {"ok": True}
    assert len(conn.calls) == 1


def test_send_failure_without_result_is_a_drop_at_send():
    conn = OpenShell(AnsibleError("winrm send_input failed; \nstdout: \nstderr "))
    with pytest.raises(AnsibleConnectionFailure, match="step: send.*may be half done"):
        _runner.run_script(conn, "registry_block", {}, read_only=False)


def test_other_errors_are_not_taken_for_drops():
    conn = OpenShell(AnsibleError("something else"))
    with pytest.raises(AnsibleError, match="something else"):
        _runner.run_script(conn, "probe", {}, read_only=True)
    assert len(conn.calls) == 1


def test_result_that_is_not_a_dictionary_is_refused():
    conn = ScriptedConnection((0, _line("APEXONE-RESULT:", "[1,2]"), b""))
    with pytest.raises(_runner.RemoteScriptError, match="instead of a dictionary"):
        _runner.run_script(conn, "probe", {}, read_only=True)


def test_cut_result_line_is_reported():
    conn = ScriptedConnection((0, b"APEXONE-RESULT:eyJhIjox", b""))
    with pytest.raises(_runner.RemoteScriptError, match="not base64 JSON"):
        _runner.run_script(conn, "probe", {}, read_only=True)


def test_non_windows_host_gets_a_clear_error():
    conn = ScriptedConnection(shell="sh")
    with pytest.raises(_runner.RemoteScriptError, match="runs on Windows hosts.*ansible_connection"):
        _runner.run_script(conn, "probe", {}, read_only=True)
    assert not conn.calls


def test_probe_sends_under_9_kb():
    # what the collection controls of the probe's bytes: the command line (the bootstrap, UTF-16LE base64)
    # and stdin (driver, common script, probe and parameters, gzip then base64); the WS-Man envelopes,
    # NTLM and WinRS's own base64 of stdin come on top (benchmarks/wire_breakdown.py)
    from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan
    params = probe_plan.probe_params(list(probe_plan.HOST_SUBSETS))
    plain = len(_runner.script_text("probe").encode("utf-8")) * 4 // 3
    sent = len(_runner.build_command()) + len(_runner.build_payload(_runner.sent_text("probe"), params))
    assert sent < 9000 < plain  # 8,638 with the bounded update read and the root update reads (issue 19)
    assert len(_runner.build_command()) < 2000  # cmd.exe's limit (8,191 characters) is far


def test_gzip_answer_is_read_and_a_broken_one_is_reported():
    packed = base64.b64encode(gzip.compress(b'{"ok":true}', mtime=0)).decode("ascii")
    assert _runner.parse_output("probe", 0, "APEXONE-RESULT:" + packed + "\r\n", b"") == {"ok": True}
    with pytest.raises(_runner.RemoteScriptError, match="not base64 JSON"):
        _runner.parse_output("probe", 0, "APEXONE-RESULT:" + packed[:-8] + "\r\n", b"")


def test_bootstrap_writes_to_the_pipeline_not_the_console():
    # A PSRP runspace has no console: [Console]::Out never reaches the controller.
    assert "[Console]" not in _runner.BOOTSTRAP
    assert "[Console]" not in _runner.DRIVER
    assert "GZipStream" in _runner.BOOTSTRAP and "exit 1" in _runner.BOOTSTRAP


def test_leading_byte_order_mark_is_stripped():
    conn = ScriptedConnection((0, b"\xef\xbb\xbf" + _line("APEXONE-RESULT:", '{"ok":true}'), b""))
    assert _runner.run_script(conn, "probe", {}, read_only=True) == {"ok": True}


def test_result_line_wrapped_by_the_host_is_joined():
    line = _line("APEXONE-RESULT:", json.dumps({"text": "x" * 300})).decode("ascii").strip()
    wrapped = "\r\n".join(line[i:i + 80] for i in range(0, len(line), 80)) + "\r\nPS> \r\n"
    conn = ScriptedConnection((0, wrapped.encode("ascii"), b""))
    assert _runner.run_script(conn, "probe", {}, read_only=True) == {"text": "x" * 300}


def test_result_line_stands_when_the_runspace_reports_rc_1_for_an_error_record():
    conn = ScriptedConnection((1, _line("APEXONE-RESULT:", '{"ok":true}'), b"WARNING: a non-terminating error"))
    assert _runner.run_script(conn, "probe", {}, read_only=True) == {"ok": True}


def test_bootstrap_variables_cannot_leak_into_the_script():
    # The script runs in a child scope of the bootstrap: an unset variable it reads would find the
    # bootstrap's (dynamic scoping). Only $__x names, $input, $_ and function M's own parameters.
    import re
    names = set(re.findall(r"[$@](\w+)", _runner.BOOTSTRAP + _runner.DRIVER))
    assert {n for n in names if not n.startswith("__")} <= {"ErrorActionPreference", "input", "_", "k", "v", "PSVersionTable", "ExecutionContext", "null"}
    assert "@__a" in _runner.DRIVER  # the splat is the bootstrap's own parameter table (the driver is dot-sourced)
    # a PSRP runspace keeps its global scope between executions: the driver sets $__x before the bootstrap reads it
    assert _runner.DRIVER.startswith("$__x=0\n") and _runner.BOOTSTRAP.endswith("if($__x){exit 1}")


# --- The prelude: hosts on PowerShell 2.0 or in Constrained Language Mode answer short (issue 11, 12 item 8) ---

def _short(**values):
    answer = {"ps_version": "2.0", "language_mode": "FullLanguage", "version": "6.1.7601", "build": "7601",
              "product_type": "1", "service_pack": "1"}
    answer.update(values)
    line = '["' + '","'.join(answer[k] for k in _runner.SHORT_FIELDS) + '"]'  # as the prelude builds it
    return ("APEXONE-SHORT:" + line + "\r\n").encode("ascii")


def test_prelude_checks_version_and_language_mode_before_anything_newer():
    prelude, rest = _runner.BOOTSTRAP.split("$__z=", 1)
    assert "$PSVersionTable.PSVersion" in prelude and "$ExecutionContext.SessionState.LanguageMode" in prelude
    assert "gwmi Win32_OperatingSystem" in prelude  # Get-WmiObject: PowerShell 2.0 has no Get-CimInstance
    # stdin is read to its end before the short line and exit: winrm sends stdin after the command started
    assert prelude.index("$null=@($input)") < prelude.index("APEXONE-SHORT:") < prelude.index("exit 0")
    for newer in ("ConvertTo-Json", "ConvertFrom-Json", "New-Object", "[Convert]", "::", "Add-Type", "CimInstance",
                  ".Get", ".To"):
        assert newer not in prelude, newer  # none of these exist on 2.0 / run under Constrained Language Mode
    assert "[Convert]" in rest and "ConvertFrom-Json" in _runner.DRIVER


def test_powershell_2_on_a_supported_os_says_install_wmf_never_unreachable():
    with pytest.raises(_runner.ShortAnswer) as caught:
        _runner.parse_output("probe", 0, _short(), b"")
    assert "install WMF 5.1 to run the remaining checks" in caught.value.msg
    assert "unreachable" not in caught.value.msg
    assert caught.value.decided["needs_wmf"] and not caught.value.decided["restricted"]
    assert caught.value.to_result()["failed"] is True


def test_constrained_language_mode_says_restricted_not_administrator():
    with pytest.raises(_runner.ShortAnswer) as caught:
        _runner.parse_output("cert_facts", 0, _short(ps_version="5.1.17763.1", language_mode="ConstrainedLanguage",
                                                     version="10.0.17763", build="17763", product_type="3"), b"")
    assert "PowerShell is restricted on this host" in caught.value.msg
    assert "administrator" not in caught.value.msg


def test_an_unsupported_os_answering_short_is_named():
    with pytest.raises(_runner.ShortAnswer) as caught:
        _runner.parse_output("probe", 0, _short(version="5.1.2600", build="2600", service_pack="3"), b"")
    assert "Windows XP" in caught.value.msg and caught.value.decided["unsupported_os"] == "Windows XP"


def test_an_unreadable_short_answer_is_an_error_that_says_so():
    with pytest.raises(_runner.ShortAnswer) as caught:
        _runner.parse_output("probe", 0, b'APEXONE-SHORT:["2.0"]\r\n', b"")
    assert caught.value.decided is None and "cannot be read" in caught.value.msg


# --- what a failure says (PS_REVIEW2 S#10, S#11) ---

CUT = (b"Exception calling \"FromBase64String\" with \"1\" argument(s): \"Invalid length for a Base-64 char array or "
       b"string.\"\r\nAt line:4 char:1")


def test_input_cut_on_the_way_is_named_and_a_read_only_script_sent_once_more():
    conn = ScriptedConnection((1, b"", CUT), (0, _line("APEXONE-RESULT:", '{"ok":true}'), b""))
    assert _runner.run_script(conn, "probe", {}, read_only=True) == {"ok": True}
    assert len(conn.calls) == 2


def test_input_cut_on_the_way_is_not_blamed_on_powershell_or_the_account_and_a_change_is_not_repeated():
    conn = ScriptedConnection((1, b"", CUT))
    with pytest.raises(_runner.InputDamaged) as caught:
        _runner.run_script(conn, "winhttp_import", {}, read_only=False)
    assert "input arrived cut or damaged" in caught.value.msg and "Nothing ran; re-run" in caught.value.msg
    assert "administrator" not in caught.value.msg and len(conn.calls) == 1
    # a Japanese host translates the message, not the method's name
    ja = "引数 \"1\" を指定して \"ReadToEnd\" を呼び出し中に例外が発生しました".encode("utf-8")
    with pytest.raises(_runner.InputDamaged):
        _runner.parse_output("probe", 1, b"", ja)


def test_a_failure_names_where_it_happened_from_the_stack():
    error = json.dumps({"message": "Access is denied", "type": "System.UnauthorizedAccessException", "line": 5,
                        "stack": "at Read-CertificateStore, <No file>: line 5\nat <ScriptBlock>, <No file>: line 91"})
    with pytest.raises(_runner.RemoteScriptError) as caught:
        _runner.parse_output("probe", 1, _line("APEXONE-ERROR:", error), b"")
    assert caught.value.msg == ("script probe failed on the host: Access is denied (at Read-CertificateStore, "
                                "<No file>: line 5)")
