# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server's own list of agents, from the web console's agent-list export (CSV).

Neither the file's encoding nor its column headers are public. What is known: Windows tools save
CSV as UTF-8 (with or without a BOM), as "Unicode" (UTF-16LE with a BOM), or on Japanese Windows
in the ANSI code page (CP932). So the encoding is detected, and the columns are found through a
mapping the user can override. The defaults below are assumptions (English and Japanese guesses),
not facts; a file that matches none of them gets an error that lists the headers it has.

Every bad file gets a ValueError whose message says what to do; nothing here raises anything else.
A file that looks cut (a row with more or fewer fields than the header, a quote never closed, bytes that
end inside a character) is refused whole, naming the line: nothing partial ever becomes an agent. Those
messages are words/<lang>.yml's `agent_list` section.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import codecs
import csv
import io
import unicodedata

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, checks, errors

FIELDS = ("host", "ip", "os", "agent_version", "domain")
REQUIRED = ("host",)

# ASSUMPTION (headers not public): candidate headers per field, English and Japanese console wording
# as guessed from the console's labels. Override with the `columns` option (field -> header, or list).
DEFAULT_COLUMNS = {
    "host": ["Endpoint", "Endpoint Name", "Agent", "Computer Name", "Host Name", "Hostname", "Name",
             "エンドポイント", "エンドポイント名", "コンピュータ名", "コンピューター名", "ホスト名", "名前"],
    "ip": ["IP Address", "IPv4 Address", "IP", "IPアドレス", "IP アドレス", "IPv4アドレス", "IPv4 アドレス"],
    "os": ["Operating System", "OS", "OS Name", "OS Version", "オペレーティングシステム", "OS 名", "OS名", "OSのバージョン"],
    "agent_version": ["Agent Version", "Client Version", "Agent Program Version", "Program Version", "Version",
                      "エージェントのバージョン", "エージェントバージョン", "エージェントプログラムのバージョン", "プログラムのバージョン",
                      "バージョン"],
    "domain": ["Domain", "Domain Hierarchy", "Agent Tree Domain", "ドメイン", "ドメイン階層"],
}

ENCODINGS = ("auto", "utf-8", "utf-8-sig", "utf-16-le", "cp932")


def _damaged(lang, kind, **params):
    return errors.InputError(checks.words(lang)["agent_list"][kind].format(**params))


def _cut_line(data, name):
    """The line a file ends on when `data` is `name` text cut inside its last character; None otherwise."""
    decoder = codecs.getincrementaldecoder(name)()
    try:
        text = decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return None  # a byte that is wrong in the middle: another encoding, or damage, not a cut
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return text.count("\n") + 1
    return None


def decode(data, encoding="auto", lang=catalog.DEFAULT_LANG):
    """Bytes of the file -> (text, encoding used). Detects UTF-8 (BOM or not), UTF-16LE, CP932."""
    if encoding not in ENCODINGS:
        raise errors.InputError("encoding %r is not one of %s" % (encoding, ", ".join(ENCODINGS)))
    if encoding != "auto":
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            line = _cut_line(data, encoding)
            if line is not None:
                raise _damaged(lang, "cut_character", line=line, encoding=encoding)
            raise errors.InputError("the file is not %s (byte %d cannot be read as it): give the right encoding, or "
                                    "encoding=auto" % (encoding, exc.start))
        if "\0" in text:
            raise errors.InputError("the file is not %s (it holds zero characters, as UTF-16 files do): give the right "
                                    "encoding, or encoding=auto" % encoding)
        return text.lstrip("\ufeff"), encoding
    if data.startswith(codecs.BOM_UTF8):
        candidates = ("utf-8-sig",)
    elif data.startswith(codecs.BOM_UTF16_LE):
        candidates = ("utf-16-le",)
    elif data.startswith(codecs.BOM_UTF16_BE):
        raise errors.InputError("unknown encoding: the file starts with a UTF-16 big-endian or UTF-32 mark. Save the export "
                                "as UTF-8 or Unicode (UTF-16LE) and try again")
    elif data[1::2].count(b"\0") > 0 and data[0::2].count(b"\0") == 0:
        candidates = ("utf-16-le",)  # UTF-16LE without a BOM: commas, digits and line ends are ASCII + a zero byte
    else:
        candidates = ("utf-8", "cp932")
    cut = None
    for name in candidates:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            line = _cut_line(data, name)
            if line is not None and cut is None:
                cut = (line, "utf-8" if name == "utf-8-sig" else name)
            continue
        if "\0" in text:
            break
        return text.lstrip("\ufeff"), "utf-8" if name == "utf-8-sig" else name
    if cut is not None:
        raise _damaged(lang, "cut_character", line=cut[0], encoding=cut[1])
    raise errors.InputError("unknown encoding: the file is neither UTF-8, UTF-16LE nor CP932 (Shift_JIS). Open it in the "
                            "program that made it and save it as UTF-8 CSV, or give the option encoding")


def _norm(header):
    """Full-width and half-width forms alike, case and spaces ignored: 'ＩＰ アドレス' == 'ip アドレス'."""
    return "".join(unicodedata.normalize("NFKC", str(header or "")).lower().split())


def _columns(headers, mapping):
    wanted = dict((field, list(DEFAULT_COLUMNS[field])) for field in FIELDS)
    explicit = set()
    for field, names in (mapping or {}).items():
        if field not in FIELDS:
            raise errors.InputError("columns: %r is not a field; use %s" % (field, ", ".join(FIELDS)))
        if names in (None, "", []):
            wanted[field] = []
            continue
        wanted[field] = [names] if isinstance(names, str) else list(names)
        explicit.add(field)
    at = dict((_norm(h), i) for i, h in reversed(list(enumerate(headers))))
    found, missing = {}, []
    for field in FIELDS:
        for name in wanted[field]:
            if _norm(name) in at:
                found[field] = (headers[at[_norm(name)]], at[_norm(name)])
                break
        else:
            if field in explicit or field in REQUIRED:
                missing.append("%s (looked for: %s)" % (field, ", ".join(repr(n) for n in wanted[field]) or "nothing"))
    if missing:
        raise errors.InputError("a mapped column is missing: %s. The file's columns are: %s. Map them with the option "
                                "columns, e.g. columns: {host: <header of the host name column>}"
                                % ("; ".join(missing), ", ".join(repr(h) for h in headers)))
    return found


def rows_of(text, lang=catalog.DEFAULT_LANG):
    """The text -> [(line where the row starts, [cells])], blank rows left out, every row as wide as the header.

    strict CSV: a quote left open at the end of the file is an error, not a field that swallows the rest.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, start = [], 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise _damaged(lang, "unclosed_quote", line=start)
        raise _damaged(lang, "bad_csv", line=reader.line_num, reason=exc)
    for line, row in rows[1:]:
        if len(row) != len(rows[0][1]):
            raise _damaged(lang, "field_count", line=line, fields=len(row), header_fields=len(rows[0][1]))
    return rows


def parse(data, columns=None, encoding="auto", source="export", lang=catalog.DEFAULT_LANG):
    """The export's bytes -> {'agents': [...], 'encoding', 'columns': field -> header, 'missing_fields'}."""
    checks.words(lang)  # an unknown language is refused before the file is read
    if not data or not data.strip(b" \t\r\n\0\xef\xbb\xbf\xff\xfe"):
        raise errors.InputError("the agent list file is empty: export the agent list from the console again "
                                "(Agents > Agent Management > Export)")
    text, used = decode(data, encoding, lang)
    rows = rows_of(text, lang)
    if not rows:
        raise errors.InputError("the agent list file is empty: export the agent list from the console again")
    headers = [cell.strip() for cell in rows[0][1]]
    found = _columns(headers, columns)
    if len(rows) == 1:
        raise errors.InputError("the agent list holds a header and no agent: export the list with the agents selected")
    agents, first_line, empty = [], {}, []
    duplicates = {}
    for number, row in rows[1:]:
        values = {}
        for field, (dummy, index) in found.items():
            values[field] = row[index].strip()
        if not values.get("host"):
            empty.append(number)
            continue
        key = values["host"].rstrip(".").lower()
        if key in first_line:
            spelled, line = first_line[key]
            duplicates.setdefault(spelled, [line]).append(number)
            continue
        first_line[key] = (values["host"], number)
        agent = dict((field, values.get(field) or None) for field in FIELDS)
        agent.update(source=source, line=number)
        agents.append(agent)
    if empty:
        raise errors.InputError("row(s) %s have no host name in column %r: fix or remove them"
                                % (", ".join(str(n) for n in empty[:20]), found["host"][0]))
    if duplicates:
        listed = "; ".join("%s (rows %s)" % (host, ", ".join(str(n) for n in lines))
                           for host, lines in sorted(duplicates.items()))
        raise errors.InputError("duplicate hosts in the agent list: %s. One agent per host: remove the older entries "
                                "(an agent that was reinstalled appears twice)" % listed)
    return {"agents": agents, "encoding": used, "columns": dict((f, h) for f, (h, dummy) in found.items()),
            "missing_fields": [f for f in FIELDS if f not in found]}
