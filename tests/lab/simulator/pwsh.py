# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Static checks of PowerShell text with tree-sitter-pwsh: syntax, 5.1 compatibility, param().

Used by the lab on every script it receives and by the test suite on every .ps1 file.
"""

from __future__ import annotations

import dataclasses
import functools
import re

import tree_sitter_pwsh
from tree_sitter import Language, Parser

# Syntax Windows PowerShell 5.1 does not have (the project's script conventions).
PS7_NODE_TYPES = {
    "null_coalesce_expression": "?? (null-coalescing)",
    "ternary_expression": "?: (ternary)",
    "??=": "??= (null-coalescing assignment)",
    "pipeline_chain_tail": "&& / || (pipeline chain)",
}
PS7_PARAMETERS = {"-ashashtable": "ConvertFrom-Json -AsHashtable", "-parallel": "ForEach-Object -Parallel"}

# Hash classes that fail on a host with the FIPS policy on (Lsa\FipsAlgorithmPolicy\Enabled=1): .NET
# Framework 4.5-4.7.2 throws InvalidOperationException from the managed implementations, which
# [SHA256]::Create(), [HashAlgorithm]::Create('SHA256') and Get-FileHash (also absent before 4.0) return.
# The CAPI classes (SHA256CryptoServiceProvider, .NET 3.5+) are FIPS-validated.
FIPS_UNSAFE_TYPE = re.compile(r"(?i)^(system\.)?security\.cryptography\.(sha(1|256|384|512)managed|md5\w*|"
                              r"ripemd160\w*|rijndaelmanaged|(sha1|sha256|sha384|sha512|hashalgorithm))$")


@dataclasses.dataclass
class Parameter:
    name: str
    type: str
    mandatory: bool
    allow_empty_string: bool = False
    allow_empty_collection: bool = False
    allow_null: bool = False
    validate_set: tuple = ()


@dataclasses.dataclass
class ScriptCheck:
    errors: list[str]
    parameters: dict[str, Parameter]  # lower-cased name -> Parameter

    @property
    def ok(self) -> bool:
        return not self.errors


@functools.lru_cache(maxsize=None)
def _parser() -> Parser:
    return Parser(Language(tree_sitter_pwsh.language()))


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


def _text(node) -> str:
    return node.text.decode("utf-8", "replace")


def _error_lines(root) -> list[str]:
    found = []
    for node in _walk(root):
        if node.type == "ERROR" or node.is_missing:
            found.append("syntax error at line %d, column %d near %r"
                         % (node.start_point[0] + 1, node.start_point[1] + 1, _text(node)[:40]))
    return found or ["syntax error (tree-sitter-pwsh could not parse the script)"]


def _param_block(root):
    for child in root.children:
        if child.type == "param_block":
            return child
    return None


def _parameters(block) -> dict[str, Parameter]:
    found: dict[str, Parameter] = {}
    if block is None:
        return found
    for node in _walk(block):
        if node.type != "script_parameter":
            continue
        name, type_name, mandatory = None, "", False
        flags = {}
        for part in node.children:
            if part.type == "variable":
                name = _text(part).lstrip("$")
            elif part.type == "attribute_list":
                for attribute in part.children:
                    text = _text(attribute)
                    lower = text.lower()
                    if attribute.children and attribute.children[0].type == "type_literal":
                        type_name = text[1:-1].lower()
                    elif "mandatory" in lower:
                        mandatory = "$false" not in lower
                    elif lower.startswith("[allowemptystring"):
                        flags["allow_empty_string"] = True
                    elif lower.startswith("[allowemptycollection"):
                        flags["allow_empty_collection"] = True
                    elif lower.startswith("[allownull"):
                        flags["allow_null"] = True
                    elif lower.startswith("[validateset("):
                        flags["validate_set"] = tuple(re.findall(r"'([^']*)'", text))
        if name:
            found[name.lower()] = Parameter(name, type_name, mandatory, **flags)
    return found


@functools.lru_cache(maxsize=256)
def check(text: str) -> ScriptCheck:
    """Parse `text`; report syntax errors, PowerShell 7 syntax, and the param() block."""
    tree = _parser().parse(text.encode("utf-8"))
    root = tree.root_node
    errors = _error_lines(root) if root.has_error else []
    for node in _walk(root):
        if node.type in PS7_NODE_TYPES:
            errors.append("line %d: %s is PowerShell 7 syntax; targets run Windows PowerShell 5.1"
                          % (node.start_point[0] + 1, PS7_NODE_TYPES[node.type]))
        elif node.type == "command_parameter" and _text(node).lower() in PS7_PARAMETERS:
            errors.append("line %d: %s does not exist in Windows PowerShell 5.1"
                          % (node.start_point[0] + 1, PS7_PARAMETERS[_text(node).lower()]))
        elif _fips_unsafe(node):
            errors.append("line %d: %s fails on a FIPS-enabled host (.NET Framework before 4.8); use "
                          "System.Security.Cryptography.SHA256CryptoServiceProvider"
                          % (node.start_point[0] + 1, _text(node)))
    block = _param_block(root)
    errors.extend(_default_problems(block))
    return ScriptCheck(errors, _parameters(block))


def _fips_unsafe(node) -> bool:
    if node.type == "command_name":
        return _text(node).lower() == "get-filehash"
    if node.type in ("type_spec", "generic_token"):
        return bool(FIPS_UNSAFE_TYPE.match(_text(node)))
    return False


def _default_problems(block) -> list[str]:
    """tree-sitter-pwsh reads `$a = 1, [switch]$b` as one array default that swallows $b, so the
    param() block could not be checked. The collection's convention: no defaults (absent is $null)."""
    if block is None:
        return []
    return ["line %d: param() default %r: leave defaults out of param() (an absent parameter is $null)"
            % (node.start_point[0] + 1, _text(node)[:40])
            for node in _walk(block) if node.type == "script_parameter_default"]


def check_arguments(script: ScriptCheck, arguments: dict) -> list[str]:
    """What PowerShell would refuse when splatting `arguments` onto the script's param()."""
    problems = []
    for key, value in arguments.items():
        declared = script.parameters.get(key.lower())
        if declared is None:
            problems.append("A parameter cannot be found that matches parameter name '%s' (param() declares: %s)"
                            % (key, ", ".join(p.name for p in script.parameters.values()) or "nothing"))
            continue
        problem = _type_problem(declared, value) or _empty_problem(declared, value)
        if problem:
            problems.append("Cannot bind parameter '%s': %s" % (declared.name, problem))
    given = set(k.lower() for k in arguments)
    for name, declared in script.parameters.items():
        if declared.mandatory and name not in given:
            problems.append("Missing mandatory parameter '%s'" % declared.name)
    return problems


def _empty_problem(declared: Parameter, value) -> str | None:
    """What PowerShell's parameter binder refuses before the script runs.

    Rules written down (about_Functions_Advanced_Parameters): a Mandatory parameter refuses $null
    unless [AllowNull()]; a Mandatory [string] or an element of a Mandatory [string[]] refuses ''
    unless [AllowEmptyString()]; a Mandatory array refuses @() unless [AllowEmptyCollection()].
    [ValidateSet()] compares case-insensitively, for every parameter.
    """
    if declared.validate_set and value is not None:
        values = value if isinstance(value, list) else [value]
        allowed = set(v.lower() for v in declared.validate_set)
        for item in values:
            if str(item).lower() not in allowed:
                return ("The argument \"%s\" does not belong to the set \"%s\" specified by the ValidateSet attribute"
                        % (item, ",".join(declared.validate_set)))
    if not declared.mandatory:
        return None
    if value is None and not declared.allow_null:
        return "Cannot bind argument to parameter '%s' because it is null." % declared.name
    if declared.type.endswith("[]") and value == [] and not declared.allow_empty_collection:
        return "Cannot bind argument to parameter '%s' because it is an empty array." % declared.name
    strings = [value] if declared.type == "string" else value if declared.type == "string[]" and isinstance(value, list) else []
    if any(item == "" for item in strings) and not declared.allow_empty_string:
        return "Cannot bind argument to parameter '%s' because it is an empty string." % declared.name
    return None


def _type_problem(declared: Parameter, value) -> str | None:
    kind = declared.type
    if kind in ("int", "int32", "long", "int64"):
        return None if isinstance(value, int) and not isinstance(value, bool) else "expected an integer, got %r" % (value,)
    if kind in ("switch", "bool"):
        return None if isinstance(value, bool) else "expected true/false, got %r" % (value,)
    if kind == "string":
        return None if isinstance(value, (str, int, float)) else "expected a string, got %s" % type(value).__name__
    if kind.endswith("[]"):
        if isinstance(value, dict):
            return "expected an array, got an object"
        if kind == "string[]" and isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            return "expected an array of strings"
    if kind == "hashtable":
        return "JSON objects arrive as PSCustomObject, not hashtable: declare [object] or [psobject]"
    return None


_STRING_TYPES = {"string_literal"}


def tokens(text: str) -> list[tuple[str, str | None]]:
    """The script as tree-sitter-pwsh reads it, without comments and without the blanks between tokens:
    (node type, text) of every leaf, a string literal whole (its text as written, sub-expressions
    included), a blank-only leaf (a command argument separator) as (type, None). Two texts with equal
    tokens differ only in comments and in blanks where PowerShell needs none or one."""
    root = _parser().parse(text.encode("utf-8")).root_node
    found: list[tuple[str, str | None]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "comment":
            continue
        if node.type == "command_argument_sep":  # blanks and line continuations between arguments
            found.append((node.type, None))
            continue
        if node.type in _STRING_TYPES or not node.children:
            value = _text(node)
            found.append((node.type, value if value.strip() else None))
            continue
        stack.extend(reversed(node.children))
    return found


@functools.lru_cache(maxsize=64)
def functions(text: str) -> frozenset[str]:
    """The names of the functions `text` defines (lower case: PowerShell looks them up case-insensitively)."""
    root = _parser().parse(text.encode("utf-8")).root_node
    return frozenset(_text(part).lower() for node in _walk(root) if node.type == "function_statement"
                     for part in node.children if part.type == "function_name")


@functools.lru_cache(maxsize=64)
def commands(text: str) -> frozenset[str]:
    """The command names `text` calls (lower case)."""
    root = _parser().parse(text.encode("utf-8")).root_node
    return frozenset(_text(node).lower() for node in _walk(root) if node.type == "command_name")


def command_calls(text: str) -> list[tuple[str, frozenset[str], int]]:
    """Every command call in `text`: (name as written, the -Parameter names given (lower case, no dash),
    line). A splatted call (@params) names no parameter here."""
    root = _parser().parse(text.encode("utf-8")).root_node
    found = []
    for node in _walk(root):
        if node.type != "command":
            continue
        name = next((_text(c) for c in node.children if c.type == "command_name"), None)
        if name is None:
            continue
        given = frozenset(_text(p).lstrip("-").rstrip(":").lower() for c in node.children if c.type == "command_elements"
                          for p in c.children if p.type == "command_parameter")
        found.append((name, given, node.start_point[0] + 1))
    return found
