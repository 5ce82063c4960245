# -*- coding: utf-8 -*-
"""The minifier removes comments and blanks, and nothing a PowerShell host would read differently."""

from __future__ import annotations

import glob
import os

import pytest

from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import minify, payload
from ansible_collections.apexone.upgrade.tests.lab.simulator import pwsh

SHIPPED = sorted(glob.glob(os.path.join(payload.SCRIPT_DIR, "*.ps1")) + glob.glob(os.path.join(payload.HERE, "*.ps1")))


@pytest.mark.parametrize("path", SHIPPED, ids=os.path.basename)
def test_every_shipped_script_keeps_its_tokens_and_lines(path):
    with open(path, encoding="utf-8-sig") as handle:
        text = handle.read()
    small = minify.minify(text)
    assert pwsh.check(small).ok, pwsh.check(small).errors
    assert pwsh.tokens(small) == pwsh.tokens(text)
    assert small.count("\n") == text.count("\n")  # an error's line number is the file's
    assert len(small) < len(text) * 0.8
    assert "\n " not in small and " \n" not in small and "#" not in small.replace("'#", "")


def test_the_runner_sends_the_minified_script():
    assert payload.sent_text("probe") == minify.minify(payload.script_text("probe"))


CASES = [
    # '#' inside strings of each kind stays; the comment after them goes
    ("$a = 'it''s # not a comment' # a comment\n", "$a = 'it''s # not a comment'\n"),
    ('$b = "x # y `" z" # c\n', '$b = "x # y `" z"\n'),
    ("$c = \u2018smart # quote\u2019 # c\n", "$c = \u2018smart # quote\u2019\n"),
    # here-strings: content (indentation, '#' lines, quotes) copied as it is
    ("$h = @'\n    # not a comment\n  it's '@ here\n'@\n  $x = 1\n", "$h = @'\n    # not a comment\n  it's '@ here\n'@\n$x = 1\n"),
    ('$h = @"\n    # $($a # in a sub-expression\n ) "quoted"\n"@ # after\n', '$h = @"\n    # $($a # in a sub-expression\n ) "quoted"\n"@\n'),
    # a sub-expression in a string may hold quotes, parentheses and comments: the string is copied whole
    ('$s = "$(if ($a) { ")" } # c\n) end" # c\n', '$s = "$(if ($a) { ")" } # c\n) end"\n'),
    ('$s = "$("\n    # kept")" # c\n', '$s = "$("\n    # kept")"\n'),
    # block comments alone on their lines leave the line breaks
    ("<# help\n  .SYNOPSIS x #>\n  $a = 1\n", "\n\n$a = 1\n"),
    ("if ($a) {\n    <# one\n two #>  \n    $b = 1\n}", "if ($a) {\n\n\n$b = 1\n}"),
    # #requires is kept whole
    ("#Requires -Version 3.0\n# a comment\n$a = 1", "#Requires -Version 3.0\n\n$a = 1"),
    # line continuation: the next line's indentation goes when a blank precedes the backtick
    ("Get-Item `\n    -LiteralPath $p `\n    -Force\n", "Get-Item `\n-LiteralPath $p `\n-Force\n"),
    ("Write-Host a`\n    b\n", "Write-Host a`\n    b\n"),
    # a backtick-escaped trailing blank is kept: it must not become a line continuation
    ("Write-Host a ` \n  $b = 1\n", "Write-Host a ` \n$b = 1\n"),
    # escaped quote and '#' outside strings
    ("Write-Host don`'t # c\n", "Write-Host don`'t\n"),
    ("Write-Host `#x # c\n", "Write-Host `#x\n"),
    # braced variable names may hold '#' and quotes
    ("${a#'b} = 1 # c\n", "${a#'b} = 1\n"),
    # comments after ; ( {
    ("$a = 1;# c\nif ($a) {# c\n  $b = ($a # c\n  )\n}\n", "$a = 1;\nif ($a) {\n$b = ($a\n)\n}\n"),
    # CRLF in code becomes LF; in a here-string it stays
    ("$a = 1 # c\r\n$h = @'\r\n  x\r\n'@\r\n", "$a = 1\n$h = @'\r\n  x\r\n'@\n"),
    # '@' followed by a quote on the same line is not a here-string
    ("$a = @('x # y') # c\n", "$a = @('x # y')\n"),
]


@pytest.mark.parametrize("before, after", CASES)
def test_tricky_inputs(before, after):
    assert minify.minify(before) == after
    assert pwsh.tokens(after) == pwsh.tokens(before)


@pytest.mark.parametrize("text, words", [
    ("Write-Host a#b\n", "part of a word"),
    ("Write-Host a<#x#>b\n", "part of a word"),
    ("Write-Host a <#x#>b\n", "code on its first or last line"),
    ("$a = <# inline #> 1\n", "code on its first or last line"),
    ("Get-Item `\n<# why\n #>\n-Force\n", "code on its first or last line"),
    ("$x = $a#b\n", "part of a word"),
    ("Write-Host a` #b\n", "part of a word"),
    ("cmd.exe /c --% echo # x\n", "stop-parsing"),
    ("$a = 'never ends\n", "never ends"),
    ('$a = "never $(ends)\n', "never ends"),
    ("$a = @'\nnever ends\n  '@\n", "here-string that never ends"),
    ("<# never ends\n", "never ends"),
    ("${never\n", "never ends"),
])
def test_what_it_cannot_read_with_certainty_is_refused(text, words):
    with pytest.raises(minify.MinifyError, match=words):
        minify.minify(text)


def test_a_script_it_refuses_is_sent_as_it_is(monkeypatch, tmp_path):
    (tmp_path / "odd.ps1").write_text("param($a)\nWrite-Host a#b # kept\n", encoding="utf-8")
    monkeypatch.setattr(payload, "SCRIPT_DIR", str(tmp_path))
    monkeypatch.setattr(payload, "_TEXT", {})
    monkeypatch.setattr(payload, "_SENT", {})
    assert payload.sent_text("odd") == "param($a)\nWrite-Host a#b # kept\n"
