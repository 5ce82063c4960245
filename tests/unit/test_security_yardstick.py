# -*- coding: utf-8 -*-
"""The security yardstick itself (tests/security), on inputs whose answer is known.

- the runner's bootstrap as it was at 310612d (gzip + FromBase64String, an encoded command starting with `$`)
  trips the high rules issue 19 names;
- Ansible's own exec wrapper, as ansible-core sends it for a PowerShell module, trips no Sigma high rule;
- PowerShell 5.1's word check finds what PowerShell finds and nothing inside longer runs;
- the base64offset matcher finds a word at each of the three byte offsets of a UTF-16LE encoded command.
"""

from __future__ import annotations

import base64

import pytest

from ansible_collections.apexone.upgrade.tests.security import allow, detection_patterns, suspicious_words

POWERSHELL = "PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand"

# plugins/plugin_utils/_runner.py BOOTSTRAP at 310612d: the gzip stage issue 19 replaces, kept as the known bad input.
GZIP_BOOTSTRAP = "\n".join((
    "$ErrorActionPreference='Stop'",
    '$__v=$PSVersionTable.PSVersion;$__l="$($ExecutionContext.SessionState.LanguageMode)"',
    'if($__v.Major -lt 3 -or $__l -ne \'FullLanguage\'){$null=@($input);try{$__w=gwmi Win32_OperatingSystem}catch'
    '{$__w=$null};\'APEXONE-SHORT:["\'+(($__v,$__l,$__w.Version,$__w.BuildNumber,$__w.ProductType,'
    '$__w.ServicePackMajorVersion) -join \'","\')+\'"]\';exit 0}',
    "$__z=New-Object IO.MemoryStream(,[Convert]::FromBase64String((@($input) -join '').Trim()))",
    '$__z=New-Object IO.Compression.GZipStream($__z,[IO.Compression.CompressionMode]::Decompress)',
    '$__r=(New-Object IO.StreamReader($__z)).ReadToEnd().Split([char]0)',
    '. ([ScriptBlock]::Create($__r[0]))',
    'if($__x){exit 1}',
))


def encoded(script: str) -> str:
    return "%s %s" % (POWERSHELL, base64.b64encode(script.encode("utf-16-le")).decode("ascii"))


def titles(found, level=None):
    return {m.rule.title for m in found if level is None or m.level == level}


# --- the detection patterns ---------------------------------------------------------------------------------
def test_gzip_bootstrap_trips_the_high_rules_issue_19_names():
    found = detection_patterns.matches([encoded(GZIP_BOOTSTRAP)], {"bootstrap": GZIP_BOOTSTRAP})
    assert titles(found, "high") >= {
        "Suspicious Encoded PowerShell Command Line",
        "Suspicious PowerShell Encoded Command Patterns",
        "PowerShell Base64 Encoded FromBase64String Cmdlet",
        "PowerShell Suspicious Payload Encoded and Compressed",
    }
    by_rule = {m.rule.title: m.text for m in found}
    assert by_rule["PowerShell Suspicious Payload Encoded and Compressed"] == "bootstrap"  # a script-block rule
    assert by_rule["Suspicious Encoded PowerShell Command Line"] == "command_lines[0]"


def test_the_encoded_command_starting_with_dollar_is_what_trips_the_pattern_rules():
    """` JAB` is `$` in UTF-16LE base64 at the start of the command: the same text behind a comment line
    starting with a letter no longer gives it."""
    plain_start = detection_patterns.matches([encoded("# bootstrap\n" + GZIP_BOOTSTRAP)], {})
    assert "Suspicious Encoded PowerShell Command Line" not in titles(plain_start)
    assert "Suspicious PowerShell Encoded Command Patterns" not in titles(plain_start)
    assert "PowerShell Base64 Encoded FromBase64String Cmdlet" in titles(plain_start)  # still decodes base64


def _ansible_bootstrap_command() -> str:
    from ansible.plugins.loader import shell_loader

    # What ansible-core's action base sends for a pipelined PowerShell module (cmd ''), the winrm plugin
    # running it as it is: bootstrap_wrapper.ps1 as -EncodedCommand.
    return shell_loader.get("powershell").build_module_command("", "#!powershell", "")


def test_ansible_bootstrap_wrapper_trips_no_sigma_high_rule():
    command = _ansible_bootstrap_command()
    script = base64.b64decode(command.rsplit(" ", 1)[1]).decode("utf-16-le")
    found = detection_patterns.matches([command], {"bootstrap_wrapper.ps1": script})
    named = {"Suspicious Encoded PowerShell Command Line", "Suspicious PowerShell Encoded Command Patterns",
             "PowerShell Base64 Encoded FromBase64String Cmdlet", "PowerShell Suspicious Payload Encoded and Compressed"}
    assert not titles(found, "high") & named
    assert not [m for m in found if m.level in ("high", "critical") and m.rule.source == detection_patterns.SIGMA]
    assert "Suspicious Execution of Powershell with Base64" in titles(found, "medium")  # it is an encoded command
    # Elastic's ES|QL rule on encoded interpreter command lines of 4000 characters or more: ansible-core 2.19's
    # wrapper command is right at that length, and trips it exactly when it reaches it.
    long_rule = "Long Base64 Encoded Command via Scripting Interpreter"
    assert (long_rule in titles(found, "high")) == (len(command) >= 4000)


# --- PowerShell 5.1's suspicious-content check ---------------------------------------------------------
@pytest.mark.parametrize("text, word", [
    ("$s = New-Object IO.MemoryStream", "MemoryStream"),
    ("foreach($p in $o.PSObject.Properties){}", "Properties"),
    ("[System.Security.Cryptography.X509Certificates.X509Store]", "Cryptography"),
    ("$m = new-object io.memorystream", "memorystream"),
])
def test_word_check_finds_the_listed_word(text, word):
    assert ("word", word) in {(f.kind, f.word_or_snippet) for f in suspicious_words.findings(text)}


@pytest.mark.parametrize("text", [
    "$s = New-Object IO.MemoryStreamer",  # the listed word inside a longer run
    "$BypassList = @()",  # likewise
    "$p = 'Emi'",  # a run of 3 characters
    "$n = $o.Name; $m = $o.'Method'",  # constant member names
    '$v = $o."Value"; [Convert]::ToInt32("1")',  # a double-quoted constant member, a type literal before ::
    # Listed, yet never found: digits end a run, so the text holds "FromBase" and "String", never the listed word
    # (likewise ToBase64String, kernel32, WriteInt32, SHA1Managed).
    "$x = [Convert]::FromBase64String($b)",
])
def test_word_check_finds_nothing_in(text):
    assert suspicious_words.findings(text) == []


def test_word_runs_are_split_as_powershell_splits_them():
    runs = [run for run, _line in suspicious_words.words("Get-Item ab x1y Cert:\\LocalMachine\nEnd")]
    # digits, ':' and '\' end a run; runs below 4 characters are dropped except the last one of the text
    assert runs == ["Get-Item", "Cert", "LocalMachine", "End"]


@pytest.mark.parametrize("text, kind", [
    ("$o.$name", "member"),
    ("$o.($name)", "member"),
    ('$o."x$name"', "member"),
    ("$o.$method()", "member"),
    ("$t::Create()", "static"),
    ("$t::Value", "static"),
    ("$k = [Type]", "type"),
    ("$k = [System.Type]'System.String'", "type"),
])
def test_ast_check_finds(text, kind):
    assert [f.kind for f in suspicious_words.findings(text)] == [kind]


def test_findings_carry_the_line():
    found = suspicious_words.findings("$a = 1\n$b = $o.$c\n$m = New-Object IO.MemoryStream\n")
    assert [(f.kind, f.line) for f in found] == [("member", 2), ("word", 3)]
    assert suspicious_words.suspicious("Write-Output 1") is False


# --- the base64offset matcher ----------------------------------------------------------------------------
def test_base64offset_finds_frombase64string_at_each_offset_of_an_utf16le_command():
    matcher = detection_patterns.Base64OffsetContains(("::FromBase64String",), ("utf-16-le",))
    forms = matcher.forms()
    assert len(set(forms)) == 3
    hit_forms = set()
    for prefix in ("", "a", "ab"):  # 0, 2 and 4 bytes before the word: byte offsets 0, 2 and 1 modulo 3
        command = encoded(prefix + "$b = [Convert]::FromBase64String($s)")
        assert matcher(command)
        hit_forms.update(form for form in forms if form in command)
    assert hit_forms == set(forms)  # each offset found by its own form
    assert not matcher(encoded("$b = [Convert]::ToBase64String($s)"))
    utf8_only = detection_patterns.Base64OffsetContains(("::FromBase64String",))
    assert not utf8_only(encoded("$b = [Convert]::FromBase64String($s)"))


def test_base64offset_forms_hold_inside_any_neighbours():
    word = "IEX (New"
    for before in ("", "x", "xy", "xyz"):
        for after in ("", "!", "!?"):
            text = base64.b64encode((before + word + after).encode()).decode()
            assert detection_patterns.Base64OffsetContains((word,))(text), (before, after)


# --- the rule list and the allow-list --------------------------------------------------------------------
def test_rules_are_written_down_with_their_source():
    ids = [rule.id for rule in detection_patterns.RULES]
    assert len(ids) == len(set(ids))
    for rule in detection_patterns.RULES:
        assert rule.level in detection_patterns.LEVELS
        assert rule.source in (detection_patterns.SIGMA, detection_patterns.ELASTIC)
        assert rule.path.endswith(".yml" if rule.source == detection_patterns.SIGMA else ".toml")
        assert rule.field in ("command_line", "script_block")


def test_counts_are_distinct_rules_by_level():
    found = detection_patterns.matches([encoded(GZIP_BOOTSTRAP), encoded(GZIP_BOOTSTRAP)], {})
    per_level = detection_patterns.counts(found)
    assert per_level["high"] == len(titles(found, "high")) >= 3
    assert len(found) == 2 * sum(per_level.values())  # both command lines match the same rules


def test_allow_list_needs_a_reason_and_filters_what_it_names():
    entries = [allow.Allowed("probe.ps1", "Cryptography", "the certificate store's namespace")]
    found = [("probe.ps1", "cryptography"), ("probe.ps1", "MemoryStream"), ("common.ps1", "Cryptography")]
    assert allow.unallowed(found, entries) == [("probe.ps1", "MemoryStream"), ("common.ps1", "Cryptography")]
    with pytest.raises(ValueError):
        allow.unallowed(found, [allow.Allowed("probe.ps1", "Cryptography", " ")])
    assert allow.checked(allow.ALLOW) == allow.ALLOW
