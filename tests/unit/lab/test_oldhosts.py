# -*- coding: utf-8 -*-
"""The lab's written model of old PowerShell hosts (2.0 / 3.0 / Constrained Language Mode): each rule."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apexone.upgrade.tests.lab.simulator import oldhosts, wire

UNGUARDED_PRELUDE = (
    r"""$__v=$PSVersionTable.PSVersion;$__l="$($ExecutionContext.SessionState.LanguageMode)"
"""
    r"""if($__v.Major -lt 3 -or $__l -ne 'FullLanguage'){$null=@($input);$__w=gwmi Win32_OperatingSystem;"""
    r"""'APEXONE-SHORT:["'+(($__v,$__l,$__w.Version,$__w.BuildNumber,$__w.ProductType,$__w.ServicePackMajorVersion)"""
    r"""-join'","')+'"]';exit 0}
"""
)
PREVIOUS_BOOTSTRAP = r"""$ErrorActionPreference='Stop'
function M($k,$v){$k+[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -InputObject $v -Depth 10 -Compress)))}
try{
$__z=New-Object IO.MemoryStream(,[Convert]::FromBase64String((@($input) -join '').Trim()))
$__z=New-Object IO.Compression.GZipStream($__z,[IO.Compression.CompressionMode]::Decompress)
$__r=(New-Object IO.StreamReader($__z,[Text.Encoding]::UTF8)).ReadToEnd()
$__c=$__r.IndexOf([char]0)
$__a=@{}
foreach($__p in (ConvertFrom-Json -InputObject $__r.Substring($__c+1)).PSObject.Properties){$__a[$__p.Name]=$__p.Value}
$__o=@(& ([ScriptBlock]::Create($__r.Substring(0,$__c))) @__a)
if($__o.Count -ne 1){throw "the script wrote $($__o.Count) objects to the pipeline instead of one result"}
M 'APEXONE-RESULT:' $__o[0]
}catch{
M 'APEXONE-ERROR:' @{message=$_.Exception.Message;type=$_.Exception.GetType().FullName;line=$_.InvocationInfo.ScriptLineNumber;stack=$_.ScriptStackTrace}
exit 1
}"""


def _seed(version="5.1", mode="FullLanguage", os_version="10.0.19045", product_type=1, sp=0, lang=None):
    seed = {"os": {"version": os_version, "product_type": product_type, "service_pack": sp},
            "powershell": {"version": version, "language_mode": mode}}
    if lang:
        seed["os"]["ui_language"] = lang
    return seed


def test_p1_a_newer_command_is_not_recognised_on_an_older_host():
    script = "$h = Get-FileHash -LiteralPath $p\n$j = ConvertTo-Json $x"
    assert oldhosts.missing_command(script, _seed("3.0")) == (
        "The term 'Get-FileHash' is not recognized as the name of a cmdlet, function, script file, or operable program.")
    assert "'Get-FileHash'" in oldhosts.missing_command(script, _seed("2.0", lang="ja-JP"))  # the first one it meets
    assert "認識されません" in oldhosts.missing_command(script, _seed("2.0", lang="ja-JP"))
    assert oldhosts.missing_command("ConvertTo-Json $x", _seed("2.0")).startswith("The term 'ConvertTo-Json'")
    assert oldhosts.missing_command(script, _seed("4.0")) is None
    assert oldhosts.missing_command(script, _seed("5.1")) is None
    assert oldhosts.missing_command("My-Get-FileHashLike $x", _seed("3.0")) is None  # a whole command name only


def test_p3_short_line_as_the_prelude_builds_it():
    seed = _seed("2.0", os_version="6.1.7601", sp=1)
    assert oldhosts.needs_short_answer(seed)
    line = oldhosts.short_line(seed)
    assert line.startswith("APEXONE-SHORT:") and line.endswith("\r\n")
    assert json.loads(line[len("APEXONE-SHORT:"):]) == ["2.0", "FullLanguage", "6.1.7601", "7601", "1", "1"]
    assert oldhosts.needs_short_answer(_seed("5.1", "ConstrainedLanguage"))
    assert not oldhosts.needs_short_answer(_seed("3.0"))
    assert not oldhosts.needs_short_answer(_seed())


def test_p3_a_failing_wmi_leaves_the_os_values_empty_and_the_line_written():
    seed = dict(_seed("2.0", os_version="6.1.7601", sp=1), faults={"wmi_broken": True})
    assert json.loads(oldhosts.short_line(seed)[len("APEXONE-SHORT:"):]) == ["2.0", "FullLanguage", "", "", "", ""]


@pytest.mark.parametrize("guarded", [True, False])
def test_p3_through_the_lab_a_failing_wmi_with_and_without_the_guard(guarded):
    from ansible_collections.apexone.upgrade.plugins.plugin_utils import _runner
    import base64
    bootstrap = _runner.BOOTSTRAP
    if not guarded:  # the first prelude, gwmi outside try/catch, in front of the gzip bootstrap of its time
        first, rest = PREVIOUS_BOOTSTRAP.split("\n", 1)
        bootstrap = first + "\n" + UNGUARDED_PRELUDE + rest
        assert wire.bootstrap_digest(bootstrap) == wire.UNGUARDED_PRELUDE_SHA256
    command = "%s %s" % (_runner.POWERSHELL, base64.b64encode(bootstrap.encode("utf-16-le")).decode("ascii"))
    rc, stdout, stderr = _execute("agent-vista-nowmi", command=command)
    if guarded:
        assert rc == 0 and stderr == b""
        with pytest.raises(_runner.ShortAnswer) as caught:
            _runner.parse_output("probe", rc, stdout, stderr)
        assert caught.value.decided["os_unknown"] and "repair WMI" in caught.value.msg
    else:
        assert rc == 1 and stdout == b"" and b"Invalid class" in stderr


def test_p4_a_bootstrap_without_the_check_fails_as_powershell_would():
    assert "'ConvertFrom-Json' is not recognized" in oldhosts.old_bootstrap_failure(_seed("2.0"))
    assert "Method invocation is supported only on core types" in oldhosts.old_bootstrap_failure(
        _seed("5.1", "ConstrainedLanguage"))


@pytest.mark.parametrize("powershell", [{"version": "1.0"}, {"version": "7.4"}, {"language_mode": "NoLanguage"}])
def test_p5_what_the_model_does_not_know_it_refuses(powershell):
    with pytest.raises(oldhosts.ModelRefusal):
        oldhosts.powershell_of({"powershell": powershell})


def test_a_seed_without_powershell_is_5_1_full_language():
    assert oldhosts.powershell_of({}) == {"version": "5.1", "language_mode": "FullLanguage"}


# --- Through the lab with the runner's real command and payload ---

def _execute(seed, name="probe", params=None, command=None):
    from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan
    from ansible_collections.apexone.upgrade.plugins.plugin_utils import _runner
    from ansible_collections.apexone.upgrade.tests.lab.simulator import lab
    if params is None:
        params = probe_plan.probe_params(list(probe_plan.HOST_SUBSETS)) if name == "probe" else {}
    return lab.execute(seed, seed, command or _runner.build_command(),
                       _runner.build_payload(_runner.script_text(name), params))


@pytest.fixture(autouse=True)
def _lab_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("APEXONE_LAB_DIR", str(tmp_path))


@pytest.mark.parametrize("seed, expected", [
    ("agent-win7-rtm", ["2.0", "FullLanguage", "6.1.7600", "7600", "1", "0"]),
    ("agent-xp-ps2", ["2.0", "FullLanguage", "5.1.2600", "2600", "1", "3"]),
    ("agent-win7-ps2", ["2.0", "FullLanguage", "6.1.7601", "7601", "1", "1"]),
    ("agent-win10-clm", ["5.1", "ConstrainedLanguage", "10.0.19045", "19045", "1", "0"]),
])
def test_the_bootstrap_answers_short_on_powershell_2_and_clm_and_the_runner_reads_it(seed, expected):
    from ansible_collections.apexone.upgrade.plugins.plugin_utils import _runner
    rc, stdout, stderr = _execute(seed)
    assert (rc, stderr) == (0, b"")
    assert json.loads(stdout.decode("ascii").strip()[len("APEXONE-SHORT:"):]) == expected
    with pytest.raises(_runner.ShortAnswer) as caught:
        _runner.parse_output("probe", rc, stdout, stderr)
    assert dict(zip(_runner.SHORT_FIELDS, expected)) == caught.value.answer


def test_the_previous_bootstrap_fails_on_powershell_2_as_the_issue_saw_it():
    import base64
    from ansible_collections.apexone.upgrade.plugins.plugin_utils import _runner
    previous = PREVIOUS_BOOTSTRAP  # the gzip bootstrap, before the prelude and the common script
    assert wire.bootstrap_digest(previous) == wire.GZIP_BOOTSTRAP_SHA256
    command = "%s %s" % (_runner.POWERSHELL, base64.b64encode(previous.encode("utf-16-le")).decode("ascii"))
    rc, stdout, stderr = _execute("agent-win7-rtm", command=command)
    assert rc == 1 and stdout == b""
    assert b"'ConvertFrom-Json' is not recognized" in stderr


def test_powershell_3_runs_the_bootstrap_but_not_a_4_0_cmdlet():
    from ansible_collections.apexone.upgrade.plugins.plugin_utils import _runner
    rc, stdout, stderr = _execute("agent-win8-ps3")
    uses_get_filehash = "Get-FileHash" in _runner.script_text("probe")
    if uses_get_filehash:
        assert rc == 1
        with pytest.raises(_runner.RemoteScriptError, match="'Get-FileHash' is not recognized"):
            _runner.parse_output("probe", rc, stdout, stderr)
    else:  # the probe no longer needs PowerShell 4.0: a 3.0 host answers in full
        assert rc == 0 and _runner.parse_output("probe", rc, stdout, stderr)["os"]["version"] == "6.2.9200"
