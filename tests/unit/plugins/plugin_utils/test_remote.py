# -*- coding: utf-8 -*-
"""The remote runner (plugins/plugin_utils/_remote) against a scripted connection: what it sends, and what it
makes of everything WinRM can hand back."""

from __future__ import annotations

import json
import shlex

import pytest
import requests.exceptions
from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.plugins.loader import shell_loader

from ansible_collections.apexone.upgrade.plugins.plugin_utils import _remote
from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import answer, credentials, payload
from ansible_collections.apexone.upgrade.tests.lab.simulator import pwsh


def _line(marker, value):
    """A marked line exactly as the driver writes it: marker + ASCII JSON."""
    return (marker + json.dumps(value, ensure_ascii=True, separators=(",", ":")) + "\r\n").encode("ascii")


class ScriptedConnection:
    """Hands back the given (rc, stdout, stderr) tuples or raises the given exceptions, in order, for
    exec_command; `connects` does the same for _connect (None: it works)."""
    transport = "winrm"

    def __init__(self, *answers, shell="powershell", connects=(), options=None):
        self._shell = shell_loader.get(shell)
        self.answers = list(answers)
        self.connects = list(connects)
        self.calls = []
        self.connected = 0
        self.closed = 0
        self.options = dict({"remote_addr": "pc01"}, **(options or {}))

    def _connect(self):
        self.connected += 1
        if self.connects:
            outcome = self.connects.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
        return self

    def exec_command(self, cmd, in_data=None, sudoable=True):
        self.calls.append((cmd, in_data))
        answer_ = self.answers.pop(0)
        if isinstance(answer_, Exception):
            raise answer_
        return answer_

    def get_option(self, name):
        if name not in self.options:
            raise KeyError(name)
        return self.options[name]

    def close(self):
        self.closed += 1


def _raised(function, *args):
    try:
        function(*args)
    except Exception as exc:  # pylint: disable=broad-except
        return exc
    raise AssertionError("no exception")


def _winrm_get_raw_command_output():  # named as the winrm plugin's step: the drop happens "in" it
    raise requests.exceptions.ConnectionError("('Connection aborted.', ConnectionResetError(104, 'reset by peer'))")


def _winrm_run_command(text):
    raise AnsibleConnectionFailure(text)


# --- what is sent ---------------------------------------------------------------------------------------

def test_the_command_is_the_plain_bootstrap_and_the_input_one_line_of_ascii_json():
    conn = ScriptedConnection((0, _line("APEXONE-RESULT:", {}), b""))
    _remote.run_script(conn, "probe", {"Subset": ["os"], "Path": "C:\\日本語\\フォルダ"}, read_only=True)
    cmd, in_data = conn.calls[0]
    assert cmd == payload.command() and pwsh.check(cmd).ok, pwsh.check(cmd).errors
    # the plugins wrap it themselves; it starts with the version test, not with `$` (Sigma: " JAB")
    assert cmd.startswith("if ($PSVersionTable.PSVersion.Major -lt 3")
    assert "-EncodedCommand" not in cmd and len(cmd) < 1500  # 2.21's winrm plugin looks for " -EncodedCommand "
    shlex.split(cmd)  # 2.21's psrp plugin splits every command with shlex first: it must not raise
    for word in ("FromBase64String", "GZipStream", "MemoryStream", "ScriptBlock]::Create($__in", "Invoke-Expression"):
        assert word not in cmd + payload.driver(), word
    assert isinstance(in_data, str) and in_data.endswith("\r\n") and in_data.count("\n") == 1
    assert in_data.isascii()
    body = json.loads(in_data)
    assert body["name"] == "probe" and body["driver"] == payload.driver()
    assert body["common"] == payload.sent_text("common")
    assert body["script"] == payload.sent_text("probe", [])  # os alone: no network part
    assert body["params"] == [["Subset", ["os"]], ["Path", "C:\\日本語\\フォルダ"]]


def test_each_part_is_compiled_under_its_own_name():
    assert "apexone.upgrade.$Name.ps1" in payload.command()  # ParseInput(text, name) on 5.0 and later
    assert "New-ApexOneBlock $__in.driver 'driver'" in payload.command()
    assert "New-ApexOneBlock $__in.common 'common'" in payload.driver()
    assert "New-ApexOneBlock $__in.script $__in.name" in payload.driver()
    assert payload.part_name("probe") == "apexone.upgrade.probe.ps1"


def test_bootstrap_variables_cannot_leak_into_the_script():
    # The script runs in a child scope of the bootstrap: an unset variable it reads would find the
    # bootstrap's (dynamic scoping). Only $__x names, automatic variables and the functions' own parameters.
    import re
    names = set(re.findall(r"[$@](\w+)", payload.command() + payload.driver()))
    allowed = {"ErrorActionPreference", "ProgressPreference", "input", "_", "PSVersionTable", "ExecutionContext", "null", "Text", "Name",
               "Marker", "Value", "json", "c"}
    assert {n for n in names if not n.startswith("__")} <= allowed
    # a PSRP runspace keeps its global scope between executions: the driver sets $__x before the bootstrap reads it
    assert payload.driver().lstrip().startswith("$__x = 0") and payload.command().endswith("exit $__x")


def test_the_prelude_runs_nothing_newer_than_powershell_2():
    prelude = payload.command().split("\n}\n", 1)[0]
    assert "$PSVersionTable.PSVersion.Major -lt 3" in prelude and "$ExecutionContext.SessionState.LanguageMode" in prelude
    assert "Get-WmiObject -Class Win32_OperatingSystem" in prelude  # PowerShell 2.0 has no Get-CimInstance
    # stdin is read to its end before the short line and exit: winrm sends stdin after the command started
    assert prelude.index("$null = @($input)") < prelude.index("APEXONE-SHORT:") < prelude.index("exit 0")
    for newer in ("ConvertTo-Json", "ConvertFrom-Json", "New-Object", "[Convert]", "::", "Add-Type", "CimInstance",
                  ".Get", ".To"):
        assert newer not in prelude, newer  # none of these exist on 2.0 / run under Constrained Language Mode


# --- what comes back ------------------------------------------------------------------------------------

def test_one_element_arrays_unwrapped_by_powershell_become_lists_again():
    value = {"hotfixes": "KB4490628", "certificates": {"Root": {"thumbprint": "AB"}, "CA": []}, "services": None}
    conn = ScriptedConnection((0, _line("APEXONE-RESULT:", value), b""))
    result = _remote.run_script(conn, "probe", {}, read_only=True,
                                list_paths=("hotfixes", "certificates.*", "services", "files"))
    assert result["hotfixes"] == ["KB4490628"]
    assert result["certificates"] == {"Root": [{"thumbprint": "AB"}], "CA": []}
    assert result["services"] == [] and "files" not in result


def test_japanese_text_survives_a_cp932_console():
    # The answer is ASCII JSON (\\uXXXX), so the console code page never touches it; stderr is CP932 bytes.
    value = {"caption": "Microsoft Windows 10 Pro (日本語版)",
             "event": "ダウンロードされた1つ以上のファイルに有効なデジタル署名が含まれていませんでした"}
    noise = "警告: 処理を続行します".encode("cp932")
    conn = ScriptedConnection((0, noise + b"\r\n" + _line("APEXONE-RESULT:", value), noise))
    result = _remote.run_script(conn, "probe", {}, read_only=True)
    assert result == value
    assert answer.decode_stderr(noise) == "警告: 処理を続行します"


def test_script_error_reports_message_rc_stderr_and_where():
    error = {"message": "アクセスが拒否されました。", "type": "System.UnauthorizedAccessException", "id": "x",
             "file": "apexone.upgrade.common.ps1", "line": 5,
             "stack": "at Read-CertificateStore, apexone.upgrade.common.ps1: line 5\nat <ScriptBlock>, x: line 9"}
    stderr = "アクセスが拒否されました。".encode("cp932")
    conn = ScriptedConnection((1, _line("APEXONE-ERROR:", error), stderr))
    with pytest.raises(_remote.RemoteScriptError) as caught:
        _remote.run_script(conn, "probe", {}, read_only=True)
    result = caught.value.to_result()
    assert result["failed"] and result["rc"] == 1 and result["stderr"] == "アクセスが拒否されました。"
    assert result["msg"] == ("script probe failed on the host: アクセスが拒否されました。 (at Read-CertificateStore, "
                             "apexone.upgrade.common.ps1: line 5)")
    assert result["exception_remote"]["line"] == 5
    assert len(conn.calls) == 1  # a script error is not a dropped connection: no retry


def test_rc_without_result_line_says_what_to_check():
    conn = ScriptedConnection((1, b"", b"powershell.exe : The term 'PowerShell' is not recognized"))
    with pytest.raises(_remote.RemoteScriptError, match=r"did not complete \(rc=1\).*PowerShell 5.1"):
        _remote.run_script(conn, "probe", {}, read_only=True)


def test_result_that_is_not_a_dictionary_is_refused():
    conn = ScriptedConnection((0, _line("APEXONE-RESULT:", [1, 2]), b""))
    with pytest.raises(_remote.RemoteScriptError, match="instead of a dictionary"):
        _remote.run_script(conn, "probe", {}, read_only=True)


def test_cut_result_line_is_reported():
    conn = ScriptedConnection((0, b'APEXONE-RESULT:{"a":[1,', b""))
    with pytest.raises(_remote.RemoteScriptError, match="not whole JSON"):
        _remote.run_script(conn, "probe", {}, read_only=True)


def test_leading_byte_order_mark_is_stripped():
    conn = ScriptedConnection((0, b"\xef\xbb\xbf" + _line("APEXONE-RESULT:", {"ok": True}), b""))
    assert _remote.run_script(conn, "probe", {}, read_only=True) == {"ok": True}


def test_result_line_wrapped_by_the_host_is_joined():
    line = _line("APEXONE-RESULT:", {"text": "x y " * 80}).decode("ascii").strip()
    wrapped = "\r\n".join(line[i:i + 80] for i in range(0, len(line), 80)) + "\r\n\r\nPS> \r\n"
    conn = ScriptedConnection((0, wrapped.encode("ascii"), b""))
    assert _remote.run_script(conn, "probe", {}, read_only=True) == {"text": "x y " * 80}


def test_result_line_stands_when_the_runspace_reports_rc_1_for_an_error_record():
    conn = ScriptedConnection((1, _line("APEXONE-RESULT:", {"ok": True}), b"WARNING: a non-terminating error"))
    assert _remote.run_script(conn, "probe", {}, read_only=True) == {"ok": True}


def test_non_windows_host_gets_a_clear_error():
    conn = ScriptedConnection(shell="sh")
    with pytest.raises(_remote.RemoteScriptError, match="runs on Windows hosts.*ansible_connection"):
        _remote.run_script(conn, "probe", {}, read_only=True)
    assert not conn.calls and not conn.connected


def test_ansible_core_2_21_winrm_default_cmd_shell_is_accepted():
    conn = ScriptedConnection((0, _line("APEXONE-RESULT:", {"ok": True}), b""), shell="cmd")
    assert _remote.run_script(conn, "probe", {}, read_only=True) == {"ok": True}
    conn.transport = "ssh"
    with pytest.raises(_remote.RemoteScriptError, match="runs on Windows hosts"):
        _remote.run_script(conn, "probe", {}, read_only=True)


# --- old and restricted hosts: the short answer ----------------------------------------------------------

def _short(**values):
    answer_ = {"ps_version": "2.0", "language_mode": "FullLanguage", "version": "6.1.7601", "build": "7601",
               "product_type": "1", "service_pack": "1"}
    answer_.update(values)
    line = '["' + '","'.join(answer_[k] for k in answer.SHORT_FIELDS) + '"]'  # as the prelude builds it
    return ("APEXONE-SHORT:" + line + "\r\n").encode("ascii")


def test_powershell_2_on_a_supported_os_says_install_wmf_never_unreachable():
    with pytest.raises(_remote.ShortAnswer) as caught:
        answer.parse("probe", 0, _short(), b"")
    assert "install WMF 5.1 to run the remaining checks" in caught.value.msg and "unreachable" not in caught.value.msg
    assert caught.value.decided["needs_wmf"] and not caught.value.decided["restricted"]
    assert caught.value.to_result()["failed"] is True


def test_constrained_language_mode_says_restricted_not_administrator():
    with pytest.raises(_remote.ShortAnswer) as caught:
        answer.parse("cert_facts", 0, _short(ps_version="5.1.17763.1", language_mode="ConstrainedLanguage",
                                             version="10.0.17763", build="17763", product_type="3"), b"")
    assert "PowerShell is restricted on this host" in caught.value.msg and "administrator" not in caught.value.msg


def test_an_unsupported_os_answering_short_is_named():
    with pytest.raises(_remote.ShortAnswer) as caught:
        answer.parse("probe", 0, _short(version="5.1.2600", build="2600", service_pack="3"), b"")
    assert "Windows XP" in caught.value.msg and caught.value.decided["unsupported_os"] == "Windows XP"


def test_an_unreadable_short_answer_is_an_error_that_says_so():
    with pytest.raises(_remote.ShortAnswer) as caught:
        answer.parse("probe", 0, b'APEXONE-SHORT:["2.0"]\r\n', b"")
    assert caught.value.decided is None and "cannot be read" in caught.value.msg


# --- input damaged on the way ----------------------------------------------------------------------------

CUT = (b"ConvertFrom-Json : Invalid JSON primitive: .\r\nAt line:12 char:9\r\n    + FullyQualifiedErrorId : "
       b"System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand")


def test_input_cut_on_the_way_is_named_and_a_read_only_script_sent_once_more():
    conn = ScriptedConnection((1, b"", CUT), (0, _line("APEXONE-RESULT:", {"ok": True}), b""))
    assert _remote.run_script(conn, "probe", {}, read_only=True) == {"ok": True}
    assert len(conn.calls) == 2


def test_input_cut_on_the_way_is_not_blamed_on_the_account_and_a_change_is_not_repeated():
    conn = ScriptedConnection((1, b"", CUT))
    with pytest.raises(_remote.InputDamaged) as caught:
        _remote.run_script(conn, "winhttp_import", {}, read_only=False)
    assert "input arrived cut or damaged" in caught.value.msg and "Nothing ran; re-run" in caught.value.msg
    assert "administrator" not in caught.value.msg and len(conn.calls) == 1
    # a Japanese host translates the message, not the cmdlet's name
    ja = "ConvertFrom-Json : 無効な JSON プリミティブです".encode("utf-8")
    with pytest.raises(_remote.InputDamaged):
        answer.parse("probe", 1, b"", ja)


NO_DRIVER = (b"apexone.upgrade: the input arrived without the driver\r\nAt line:17 char:27\r\n    + FullyQualifiedErrorId : "
             b"apexone.upgrade: the input arrived without the driver")


def test_input_without_the_driver_is_damaged_input_not_a_kill():
    conn = ScriptedConnection((1, b"", NO_DRIVER))
    with pytest.raises(_remote.InputDamaged) as caught:
        _remote.run_script(conn, "winhttp_import", {}, read_only=False)
    assert "input arrived cut or damaged" in caught.value.msg and len(conn.calls) == 1


# --- a part the host's PowerShell does not parse: named with its line, not retried ------------------------

NOT_PARSED = ("apexone.upgrade.driver.ps1 does not parse on this host, line 21: Missing closing '}' in statement block "
              "or type definition.\r\nAt line:11 char:13\r\n    + FullyQualifiedErrorId : apexone.upgrade.driver.ps1 "
              "does not parse on this host, line 21: Missing closing '}'")


def test_a_driver_this_powershell_does_not_parse_is_named_with_its_line_and_not_retried():
    conn = ScriptedConnection((1, b"", NOT_PARSED.encode("utf-8")), (0, _line("APEXONE-RESULT:", {}), b""))
    with pytest.raises(_remote.RemoteScriptError) as caught:
        _remote.run_script(conn, "probe", {}, read_only=True)
    assert len(conn.calls) == 1
    assert "apexone.upgrade.driver.ps1 does not parse on this host, line 21" in caught.value.msg
    assert "Nothing ran" in caught.value.msg and "administrator" not in caught.value.msg


def test_the_bootstrap_throws_parse_errors_with_the_parts_name_and_line():
    # ParseInput never throws; GetScriptBlock on a tree with errors throws without a message or a line.
    text = payload.command()
    assert "[ref]$__e)" in text and "[ref]$null, [ref]$null)" not in text
    assert "'.ps1 does not parse on this host, line ' + $__e[0].Extent.StartLineNumber" in text
    assert answer.PARSE_WORDS in text and "the input arrived without the driver" in text
    assert "$ProgressPreference = 'SilentlyContinue'" in text


# --- anti-malware: said plainly, never repeated -----------------------------------------------------------

AMSI_EN = ("At line:1 char:1\r\n+ \r\nThis script contains malicious content and has been blocked by your antivirus "
           "software.\r\n    + CategoryInfo          : ParserError: (:) [], ParseException\r\n"
           "    + FullyQualifiedErrorId : ScriptContainedMaliciousContent")
AMSI_JA = ("発生場所 行:1 文字:1\r\nこのスクリプトには、悪質なコンテンツが含まれているため、ウイルス対策ソフトウェアにより"
           "ブロックされています。")


@pytest.mark.parametrize("stderr", [AMSI_EN.encode("utf-8"), AMSI_JA.encode("cp932"), AMSI_JA.encode("utf-8")])
def test_an_amsi_block_of_the_bootstrap_or_driver_is_named_and_not_retried(stderr):
    conn = ScriptedConnection((1, b"", stderr), (0, _line("APEXONE-RESULT:", {}), b""))
    with pytest.raises(_remote.Blocked) as caught:
        _remote.run_script(conn, "probe", {}, read_only=True)
    assert len(conn.calls) == 1 and caught.value.how == "amsi"
    assert "blocked by anti-malware on this host" in caught.value.msg and "not retried" in caught.value.msg
    assert "docs/sent-texts.sha256" in caught.value.msg and "administrator" not in caught.value.msg
    # the name is for reading logs, never for trusting them: no invitation to allow by name
    assert "never exclude by name" in caught.value.msg and "apexone.upgrade.<script>.ps1" not in caught.value.msg
    assert caught.value.to_result()["blocked_by"] == "amsi"


def test_an_amsi_block_of_the_script_names_the_part():
    error = {"message": "This script contains malicious content and has been blocked by your antivirus software.",
             "type": "System.Management.Automation.ParseException", "id": "ScriptContainedMaliciousContent",
             "file": "apexone.upgrade.probe.ps1", "line": 0, "stack": ""}
    conn = ScriptedConnection((1, _line("APEXONE-ERROR:", error), b""))
    with pytest.raises(_remote.Blocked, match=r"blocked by anti-malware on this host \(apexone.upgrade.probe.ps1\)"):
        _remote.run_script(conn, "probe", {}, read_only=True)
    assert len(conn.calls) == 1


@pytest.mark.parametrize("rc", [1, -1073741510, 3221225786, 0])
def test_a_process_ended_without_answer_or_error_is_called_killed_and_not_retried(rc):
    conn = ScriptedConnection((rc, b"", b""), (0, _line("APEXONE-RESULT:", {}), b""))
    with pytest.raises(_remote.Blocked) as caught:
        _remote.run_script(conn, "probe", {}, read_only=True)
    assert caught.value.how == "killed" and len(conn.calls) == 1
    assert "was ended on the host before it answered" in caught.value.msg and "EDR" in caught.value.msg


def _winrm_exec(rc, stdin_push_failed=True):  # the winrm plugin's frame: its locals are what the adapter reads
    stdout = stderr = ""
    raise AnsibleError("winrm send_input failed; \nstdout: %s\nstderr %s" % (stdout, stderr))


def test_a_send_that_failed_because_the_process_was_killed_at_start_is_not_retried():
    conn = ScriptedConnection(_raised(_winrm_exec, 1), (0, _line("APEXONE-RESULT:", {}), b""))
    with pytest.raises(_remote.Blocked, match="ended on the host before it had read its input") as caught:
        _remote.run_script(conn, "probe", {}, read_only=True)
    assert caught.value.how == "killed" and caught.value.rc == 1 and len(conn.calls) == 1 and conn.closed == 1


def test_a_send_that_failed_while_the_command_still_ran_is_a_drop_at_send():
    conn = ScriptedConnection(_raised(_winrm_exec, -1), (0, _line("APEXONE-RESULT:", {"ok": True}), b""))
    assert _remote.run_script(conn, "probe", {}, read_only=True) == {"ok": True}  # read-only: once more
    conn = ScriptedConnection(_raised(_winrm_exec, -1))
    with pytest.raises(AnsibleConnectionFailure, match="step: send.*may be half done"):
        _remote.run_script(conn, "registry_block", {}, read_only=False)


def test_send_timeout_after_the_script_ran_keeps_its_result():
    # the winrm plugin: a Send that failed, then stdout that holds no JSON line -> 'winrm send_input failed'
    stdout = _line("APEXONE-RESULT:", {"ok": True}).decode("ascii")
    conn = ScriptedConnection(AnsibleError("winrm send_input failed; \nstdout: %s\nstderr " % stdout))
    assert _remote.run_script(conn, "registry_block", {}, read_only=False) == {"ok": True}
    assert len(conn.calls) == 1


def test_a_launch_refused_by_application_control_is_named_and_not_retried():
    blocked = _raised(_winrm_run_command, "Received a WSManFault message. (Code: 1260, Machine: pc01, Reason: "
                                          "This program is blocked by group policy. For more information, contact "
                                          "your system administrator.)")
    conn = ScriptedConnection(blocked, (0, _line("APEXONE-RESULT:", {}), b""))
    with pytest.raises(_remote.Blocked, match="refused to start PowerShell") as caught:
        _remote.run_script(conn, "probe", {}, read_only=True)
    assert caught.value.how == "launch" and len(conn.calls) == 1


# --- dropped connections ------------------------------------------------------------------------------

def test_dropped_connection_during_read_only_script_is_retried_once_and_the_shell_closed():
    conn = ScriptedConnection(_raised(_winrm_get_raw_command_output), (0, _line("APEXONE-RESULT:", {"ok": True}), b""))
    assert _remote.run_script(conn, "probe", {}, read_only=True) == {"ok": True}
    assert len(conn.calls) == 2 and conn.closed == 1


def test_dropped_twice_gives_up_naming_the_step():
    conn = ScriptedConnection(_raised(_winrm_get_raw_command_output), _raised(_winrm_get_raw_command_output))
    with pytest.raises(AnsibleConnectionFailure, match=r"step: receive.*failed twice.*re-run later"):
        _remote.run_script(conn, "probe", {}, read_only=True)
    assert conn.closed == 2


def test_host_that_never_answered_is_not_called_dropped():
    refused = AnsibleConnectionFailure("ntlm: HTTPConnectionPool(host='10.0.0.9', port=5985): Max retries exceeded "
                                       "(Caused by NewConnectionError('Connection refused'))")
    conn = ScriptedConnection(connects=[refused, refused])
    with pytest.raises(AnsibleConnectionFailure) as caught:
        _remote.run_script(conn, "probe", {}, read_only=True)
    assert "step: connect" in str(caught.value) and "no WinRM session could be set up" in str(caught.value)
    assert "twice" not in str(caught.value) and conn.connected == 2 and not conn.calls


def test_dropped_connection_during_a_change_is_not_repeated():
    conn = ScriptedConnection(_raised(_winrm_get_raw_command_output), (0, _line("APEXONE-RESULT:", {}), b""))
    with pytest.raises(AnsibleConnectionFailure, match="step: receive.*may be half done: re-run, every change is "
                                                       "idempotent"):
        _remote.run_script(conn, "registry_block", {}, read_only=False)
    assert len(conn.calls) == 1 and conn.closed == 1


def test_other_errors_are_not_taken_for_drops():
    conn = ScriptedConnection(AnsibleError("something else"))
    with pytest.raises(AnsibleError, match="something else"):
        _remote.run_script(conn, "probe", {}, read_only=True)
    assert len(conn.calls) == 1


# --- authentication: one attempt per host, and a run that stops before the account locks -----------------

@pytest.fixture()
def run_tmp(tmp_path, monkeypatch):
    """A fresh run: ansible-playbook's temporary folder for this run."""
    monkeypatch.setattr(credentials.C, "DEFAULT_LOCAL_TMP", str(tmp_path))
    return tmp_path


REJECTED = "ntlm: the specified credentials were rejected by the server"


@pytest.mark.parametrize("text, hint", [
    (REJECTED, "Check the user name and the password"),
    ("kerberos: Kerberos auth failure for principal svc@CORP.EXAMPLE with subprocess: kinit: Password incorrect "
     "while getting initial credentials", "Check the user name and the password"),
    ("kerberos: authGSSClientStep() failed: (('Unspecified GSS failure.', 851968), ('Clock skew too great', -1765328347))",
     "fix the host's time"),
])
def test_a_refused_credential_is_its_own_step_and_never_retried(run_tmp, text, hint):
    conn = ScriptedConnection(connects=[AnsibleConnectionFailure(text)] * 2,
                              options={"remote_user": "svc", "remote_password": "wrong"})
    with pytest.raises(AnsibleConnectionFailure) as caught:
        _remote.run_script(conn, "probe", {}, read_only=True)
    message = str(caught.value)
    assert "step: authenticate" in message and "authentication failed for svc" in message
    assert "not retried" in message and hint in message
    assert conn.connected == 1 and not conn.calls  # one logon attempt, nothing run
    assert "NTLM handshake" not in message


def test_the_message_names_the_protocol_in_use(run_tmp):
    conn = ScriptedConnection(connects=[AnsibleConnectionFailure("kerberos: Server not found in Kerberos database")],
                              options={"remote_user": "svc", "remote_password": "pw", "transport": ["kerberos"]})
    with pytest.raises(AnsibleConnectionFailure, match=r"Kerberos authentication failed.*fully qualified name"):
        _remote.run_script(conn, "probe", {}, read_only=True)
    conn = ScriptedConnection(connects=[AnsibleConnectionFailure("failed to authenticate with the server: ... "
                                                                 "GSSAPI error")],
                              options={"remote_user": "svc", "remote_password": "pw", "auth": "negotiate"})
    conn.transport = "psrp"
    with pytest.raises(AnsibleConnectionFailure, match=r"Kerberos \(negotiate\) authentication failed"):
        _remote.run_script(conn, "probe", {}, read_only=True)


def test_a_run_stops_using_credentials_that_three_hosts_rejected(run_tmp):
    options = {"remote_user": "svc", "remote_password": "wrong"}
    for index in range(3):
        conn = ScriptedConnection(connects=[AnsibleConnectionFailure(REJECTED)],
                                  options=dict(options, remote_addr="pc%02d" % index))
        with pytest.raises(AnsibleConnectionFailure, match="step: authenticate"):
            _remote.run_script(conn, "probe", {}, read_only=True)
    conn = ScriptedConnection((0, _line("APEXONE-RESULT:", {}), b""), options=dict(options, remote_addr="pc03"))
    with pytest.raises(AnsibleConnectionFailure, match=r"not contacted: the credentials of svc were rejected by 3 "
                                                       r"host\(s\) in this run \(pc00, pc01, pc02\)"):
        _remote.run_script(conn, "probe", {}, read_only=True)
    assert conn.connected == 0 and not conn.calls
    # other credentials are not stopped, and no password is written anywhere
    other = ScriptedConnection((0, _line("APEXONE-RESULT:", {}), b""),
                               options={"remote_user": "svc", "remote_password": "right"})
    assert _remote.run_script(other, "probe", {}, read_only=True) == {}
    for path in run_tmp.rglob("*"):
        if path.is_file():
            assert b"wrong" not in path.read_bytes() and b"right" not in path.read_bytes()


def test_credentials_a_host_accepted_are_not_held_back(run_tmp):
    options = {"remote_user": "svc", "remote_password": "pw"}
    ok = ScriptedConnection((0, _line("APEXONE-RESULT:", {}), b""), options=options)
    _remote.run_script(ok, "probe", {}, read_only=True)
    gate = credentials.Gate("svc", "pw", "pc09", limit=1)
    gate.enter()  # accepted once: every host goes ahead, without a slot
    assert not list((run_tmp / "apexone-credentials").glob("*/attempt-*"))


def test_until_a_host_accepts_them_at_most_limit_hosts_try_at_once(run_tmp, monkeypatch):
    first, second = credentials.Gate("svc", "pw", "pc01", limit=1), credentials.Gate("svc", "pw", "pc02", limit=1)
    first.enter()
    waited = []
    monkeypatch.setattr(credentials.time, "sleep", lambda seconds: (waited.append(seconds), first.accepted()))
    second.enter()  # waits until the first attempt told whether the credentials are right
    assert waited == [credentials.POLL]
