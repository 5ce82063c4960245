# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make a PowerShell script smaller before it is sent: comments, indentation and trailing blanks go.

What is removed, and nothing else:
- line comments (`# ...` to the end of the line) and block comments (`<# ... #>`) alone on their
  lines (the line breaks they spanned stay); a `#requires` line is kept whole;
- spaces and tabs at the start and the end of a line that begins or ends outside a string.

Line breaks stay where they were (an empty line stays an empty line): a line number PowerShell reports
in an error is the line of the shipped file. Strings of every kind ('...', "...", @'...'@, @"..."@,
and the quotes PowerShell takes as equal to them: U+2018-U+201B, U+201C-U+201E) are copied unchanged, the
sub-expressions inside them too.

The scanner knows only what it needs to tell code from comments and strings. Where it is not sure,
it refuses (MinifyError) instead of guessing, and the caller sends the script unchanged:
- a `#` or `<#` right after something that could make it part of a word (`a#b` is a word in
  argument mode, `$a#b` is not): only a `#` at the start of a line, after a space or tab, or after
  `;`, `(`, `{` counts as a comment;
- a block comment with code before it or after it on its lines, or after a line continuation
  (tree-sitter-pwsh reads `a <#x#>b` in argument mode as one word);
- the stop-parsing token `--%` (what follows it is passed to the program as typed);
- a string, here-string, braced variable or block comment that never ends.

Escapes: a backtick outside a string keeps the next character as it is (so a backtick before a
quote or `#` is not a string or comment). A backtick at the end of a line (line continuation) is
kept; the indentation of the next line goes only when a space precedes the backtick. A space that a
backtick escapes is kept, so `` ` `` + space never turns into a line continuation.
"""

from __future__ import annotations

import re

SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
DOUBLE_QUOTES = '"\u201c\u201d\u201e'
BLANKS = " \t"
STOP_PARSING = "--%"
# After these (or a space, a tab, the start of a line) PowerShell starts a new token, so `#` starts a comment.
_TOKEN_START_AFTER = ";({"
_REQUIRES = re.compile(r"#requires\b", re.IGNORECASE)
# The characters each scanner stops at (everything else is copied): a Python loop over every character
# costs tens of milliseconds per script, in every Ansible worker process.
_CODE_STOP = re.compile("[-`#<@$()%s%s]" % (SINGLE_QUOTES, DOUBLE_QUOTES))
_SINGLE_STOP = re.compile("[%s]" % SINGLE_QUOTES)
_DOUBLE_STOP = re.compile("[`$%s]" % DOUBLE_QUOTES)


class MinifyError(ValueError):
    """The script holds something the minifier does not read with certainty."""


def minify(text: str) -> str:
    """`text` without comments, indentation and trailing blanks; see the module's docstring."""
    text = text.lstrip("\ufeff")
    parts = _Scanner(text).top()
    out = []
    for kind, chunk in parts:
        if kind == "comment":
            chunk = _comment_replacement(chunk, out)
        out.append((kind if kind != "comment" else "code", chunk))
    merged: list[tuple[str, str]] = []
    for kind, chunk in out:
        if merged and merged[-1][0] == kind == "code":
            merged[-1] = ("code", merged[-1][1] + chunk)
        else:
            merged.append((kind, chunk))
    result = []
    for index, (kind, chunk) in enumerate(merged):
        if kind == "code":
            at_line_start = index == 0 or result[-1].endswith("\n")
            chunk = _strip_code(chunk, at_line_start, last=index == len(merged) - 1)
        result.append(chunk)
    return "".join(result)


def _comment_replacement(comment: str, before: list[tuple[str, str]]) -> str:
    """A line comment becomes nothing; a block comment (alone on its lines, see _Scanner) the line
    breaks it spanned."""
    if comment.startswith("#"):
        return ""
    return "\n" * comment.count("\n")


def _strip_code(chunk: str, at_line_start: bool, last: bool) -> str:
    chunk = chunk.replace("\r\n", "\n")
    lines = chunk.split("\n")
    for number, line in enumerate(lines):
        if number > 0 or at_line_start:
            previous = lines[number - 1] if number > 0 else ""
            # indentation after a line continuation goes only when a blank preceded the backtick
            if not (number > 0 and _continues(previous) and not previous[:-1].endswith(tuple(BLANKS))):
                line = line.lstrip(BLANKS)
        if number < len(lines) - 1 or last:
            line = _rstrip(line)
        lines[number] = line
    return "\n".join(lines)


def _continues(line: str) -> bool:
    """The line ends with a backtick that escapes the line break (an odd run of backticks)."""
    run = len(line) - len(line.rstrip("`"))
    return run % 2 == 1


def _rstrip(line: str) -> str:
    stripped = line.rstrip(BLANKS)
    if stripped != line and _continues(stripped):
        return line[:len(stripped) + 1]  # the backtick escapes this blank: it stays
    return stripped


class _Scanner:
    """Splits a script into ("code" | "comment" | "string", text) parts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.escaped: set[int] = set()  # positions right after a character a backtick escaped

    def _fail(self, what: str, at: int) -> MinifyError:
        line = self.text.count("\n", 0, at) + 1
        return MinifyError("cannot minify: %s at line %d" % (what, line))

    def top(self) -> list[tuple[str, str]]:
        parts: list[tuple[str, str]] = []
        self._code(parts, nested=False)
        return parts

    def _token_start(self, at: int) -> bool:
        if at == 0:
            return True
        if at in self.escaped:
            return False  # `` ` `` + blank, then #: the blank belongs to a word
        before = self.text[at - 1]
        return before in BLANKS or before in "\r\n" or before in _TOKEN_START_AFTER

    def _code(self, parts: list[tuple[str, str]] | None, nested: bool) -> None:
        """Scan code from self.pos. Nested (inside "$( )" of a string): stop after the `)` that
        closes it; the parts are not kept (the string is copied whole)."""
        text, depth, start = self.text, 0, self.pos

        def emit(kind: str, begin: int, end: int) -> None:
            if parts is not None and end > begin:
                parts.append((kind, text[begin:end]))

        while self.pos < len(text):
            found = _CODE_STOP.search(text, self.pos)
            if found is None:
                self.pos = len(text)
                break
            self.pos = found.start()
            char = text[self.pos]
            if char == "`":
                self.pos += 2
                if text[self.pos - 1:self.pos] not in ("\r", "\n"):  # (a line continuation is a blank)
                    self.escaped.add(self.pos)
                continue
            if text.startswith(STOP_PARSING, self.pos):
                raise self._fail("the stop-parsing token " + STOP_PARSING, self.pos)
            if char == "#" or text.startswith("<#", self.pos):
                if not self._token_start(self.pos):
                    raise self._fail("a %r that may be part of a word" % text[self.pos:self.pos + 2], self.pos)
                if char == "#" and _REQUIRES.match(text, self.pos):
                    self.pos = self._line_end(self.pos)  # kept: part of the code
                    continue
                emit("code", start, self.pos)
                begin = self.pos
                if char == "#":
                    self.pos = self._line_end(self.pos)
                else:
                    end = text.find("#>", self.pos + 2)
                    if end < 0:
                        raise self._fail("a block comment <# that never ends", begin)
                    self.pos = end + 2
                    if not self._alone(begin, self.pos):
                        raise self._fail("a block comment with code on its first or last line, or after a line continuation", begin)
                emit("comment", begin, self.pos)
                start = self.pos
                continue
            if char == "@" and self.pos + 1 < len(text) and text[self.pos + 1] in SINGLE_QUOTES + DOUBLE_QUOTES \
                    and self._here_string_opens(self.pos + 2):
                emit("code", start, self.pos)
                begin = self.pos
                self.pos = self._here_string_end(self.pos)
                emit("string", begin, self.pos)
                start = self.pos
                continue
            if char in SINGLE_QUOTES or char in DOUBLE_QUOTES:
                emit("code", start, self.pos)
                begin = self.pos
                if char in SINGLE_QUOTES:
                    self._single()
                else:
                    self._double()
                emit("string", begin, self.pos)
                start = self.pos
                continue
            if text.startswith("${", self.pos):
                end = self._braced_variable_end(self.pos)
                self.pos = end
                continue
            if nested and char == "(":
                depth += 1
            elif nested and char == ")":
                if depth == 0:
                    self.pos += 1
                    return
                depth -= 1
            self.pos += 1
        if nested:
            raise self._fail("a sub-expression $( that never ends", start)
        emit("code", start, len(text))

    def _alone(self, begin: int, end: int) -> bool:
        """Nothing but blanks before `begin` on its line (which no line continuation joins to the one
        before) and after `end` on its line."""
        line_start = self.text.rfind("\n", 0, begin) + 1
        if self.text[line_start:begin].strip(BLANKS) or self.text[end:self._line_end(end)].strip(BLANKS):
            return False
        return not (line_start > 0 and _continues(self.text[:line_start - 1].rstrip("\r").rsplit("\n", 1)[-1]))

    def _line_end(self, at: int) -> int:
        end = self.text.find("\n", at)
        end = len(self.text) if end < 0 else end
        if end > at and self.text[end - 1] == "\r":
            end -= 1
        return end

    def _here_string_opens(self, at: int) -> bool:
        """@' / @" opens a here-string only when nothing but blanks follows on its line."""
        rest = self.text[at:self._line_end(at)]
        return not rest.strip(BLANKS)

    def _here_string_end(self, at: int) -> int:
        quotes = SINGLE_QUOTES if self.text[at + 1] in SINGLE_QUOTES else DOUBLE_QUOTES
        search = self.text.find("\n", at)
        while search >= 0:
            if self.text[search + 1:search + 2] in tuple(quotes) and self.text[search + 2:search + 3] == "@":
                return search + 3
            search = self.text.find("\n", search + 1)
        raise self._fail("a here-string that never ends (its closing quote and @ must start a line)", at)

    def _braced_variable_end(self, at: int) -> int:
        pos = at + 2
        while pos < len(self.text):
            if self.text[pos] == "`":
                pos += 2
                continue
            if self.text[pos] == "}":
                return pos + 1
            pos += 1
        raise self._fail("a braced variable ${ that never ends", at)

    def _single(self) -> None:
        text, begin = self.text, self.pos
        self.pos += 1
        while self.pos < len(text):
            found = _SINGLE_STOP.search(text, self.pos)
            if found is None:
                break
            self.pos = found.start()
            if text[self.pos] in SINGLE_QUOTES:
                if self.pos + 1 < len(text) and text[self.pos + 1] in SINGLE_QUOTES:
                    self.pos += 2
                    continue
                self.pos += 1
                return
            self.pos += 1
        raise self._fail("a string that never ends", begin)

    def _double(self) -> None:
        text, begin = self.text, self.pos
        self.pos += 1
        while self.pos < len(text):
            found = _DOUBLE_STOP.search(text, self.pos)
            if found is None:
                break
            self.pos = found.start()
            char = text[self.pos]
            if char == "`":
                self.pos += 2
                continue
            if char in DOUBLE_QUOTES:
                if self.pos + 1 < len(text) and text[self.pos + 1] in DOUBLE_QUOTES:
                    self.pos += 2
                    continue
                self.pos += 1
                return
            if text.startswith("$(", self.pos):
                self.pos += 2
                self._code(None, nested=True)
                continue
            self.pos += 1
        raise self._fail("a string that never ends", begin)
