# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows PowerShell 5.1's suspicious-content check, done as PowerShell does it.

When PowerShell 5.1 compiles a script block it asks whether the text "may have suspicious content"; if it
does, the block is written to the PowerShell/Operational log as a Warning 4104 event even where script
block logging is off, and every SIEM rule on 4104 sees it. Two checks mark a block (PowerShell's
CompiledScriptBlock.CheckSuspiciousContent and SemanticChecks, 5.1 era):

1. words: the text is split into runs of the characters A-Z, a-z and '-' (anything else ends a run); a
   run of 4 characters or more (and the run the text ends with) that is one of SIGNATURES, ignoring
   case, marks the block. "Stream" inside "MemoryStreamer" is not "MemoryStream": only whole runs count.
2. the syntax tree: a member access whose member is not a constant (`$x.$name`, `$x.($expr)`,
   `$x."$name"`), a static access `::` on anything but a type literal (`$type::Method()`), and any use of
   the type `[Type]` itself (a type literal or a conversion to it).

findings(text) lists every place that would mark the block (PowerShell stops at the first; we list all so
that a change can be judged), each as Finding(kind, word_or_snippet, line): kind is "word", "member",
"static" or "type".
"""

from __future__ import annotations

import functools
import typing as t

# The `signatures` word list of Windows PowerShell 5.1: PowerShell/PowerShell, commit
# 60b3b304f2e1042bcf773d7e2ae3530a1f5d52f0 ("Move files from psl-monad submodule to super-project", the
# 5.1-era source), src/System.Management.Automation/engine/runtime/CompiledScriptBlock.cs, field
# `signatures` of class ScriptBlock. Facts about PowerShell, kept in the file's order and grouping.
SIGNATURES = frozenset(word.lower() for word in (
    # Calling Add-Type
    "Add-Type", "DllImport",
    # Dynamic assembly building / method indirection
    "DefineDynamicAssembly", "DefineDynamicModule", "DefineType", "DefineConstructor", "CreateType",
    "DefineLiteral", "DefineEnum", "DefineField", "ILGenerator", "Emit", "UnverifiableCodeAttribute",
    "DefinePInvokeMethod", "GetTypes", "GetAssemblies", "Methods", "Properties",
    # Methods / properties of Type
    "GetConstructor", "GetConstructors", "GetDefaultMembers", "GetEvent", "GetEvents", "GetField",
    "GetFields", "GetInterface", "GetInterfaceMap", "GetInterfaces", "GetMember", "GetMembers",
    "GetMethod", "GetMethods", "GetNestedType", "GetNestedTypes", "GetProperties", "GetProperty",
    "InvokeMember", "MakeArrayType", "MakeByRefType", "MakeGenericType", "MakePointerType",
    "DeclaringMethod", "DeclaringType", "ReflectedType", "TypeHandle", "TypeInitializer",
    "UnderlyingSystemType",
    # System.Runtime.InteropServices
    "InteropServices", "Marshal", "AllocHGlobal", "PtrToStructure", "StructureToPtr",
    "FreeHGlobal", "IntPtr",
    # General obfuscation
    "MemoryStream", "DeflateStream", "FromBase64String", "EncodedCommand", "Bypass", "ToBase64String",
    "ExpandString", "GetPowerShell",
    # Win32 API calls
    "OpenProcess", "VirtualAlloc", "VirtualFree", "WriteProcessMemory", "CreateUserThread", "CloseHandle",
    "GetDelegateForFunctionPointer", "kernel32", "CreateThread", "memcpy", "LoadLibrary", "GetModuleHandle",
    "GetProcAddress", "VirtualProtect", "FreeLibrary", "ReadProcessMemory", "CreateRemoteThread",
    "AdjustTokenPrivileges", "WriteByte", "WriteInt32", "OpenThreadToken", "PtrToString",
    "FreeHGlobal", "ZeroFreeGlobalAllocUnicode", "OpenProcessToken", "GetTokenInformation", "SetThreadToken",
    "ImpersonateLoggedOnUser", "RevertToSelf", "GetLogonSessionData", "CreateProcessWithToken",
    "DuplicateTokenEx", "OpenWindowStation", "OpenDesktop", "MiniDumpWriteDump", "AddSecurityPackage",
    "EnumerateSecurityPackages", "GetProcessHandle", "DangerousGetHandle",
    # Cryptography (ransomware)
    "CryptoServiceProvider", "Cryptography", "RijndaelManaged", "SHA1Managed", "CryptoStream",
    "CreateEncryptor", "CreateDecryptor", "TransformFinalBlock", "DeviceIoControl", "SetInformationProcess",
    "PasswordDeriveBytes",
    # Keylogging
    "GetAsyncKeyState", "GetKeyboardState", "GetForegroundWindow",
    # Internal types
    "BindingFlags", "NonPublic",
    # Logging settings
    "ScriptBlockLogging", "LogPipelineExecutionDetails", "ProtectedEventLogging",
))
MIN_WORD = 4  # "the length of the shortest string we're looking for" (TokenizeWordElements)
TYPE_NAMES = frozenset(("type", "system.type"))  # a type literal PowerShell resolves to System.Type


class Finding(t.NamedTuple):
    kind: str  # word | member | static | type
    word_or_snippet: str
    line: int  # 1-based


def _is_word_char(char: str) -> bool:
    return "a" <= char <= "z" or "A" <= char <= "Z" or char == "-"


def words(text: str) -> t.Iterator[tuple[str, int]]:
    """(run, line) for each run TokenizeWordElements yields: runs of A-Z a-z '-' of 4 or more characters,
    and the last run of the text whatever its length (PowerShell's loop flushes it unconditionally)."""
    line, start_line, run = 1, 1, []
    for char in text:
        if _is_word_char(char):
            if not run:
                start_line = line
            run.append(char)
            continue
        if len(run) >= MIN_WORD:
            yield "".join(run), start_line
        run = []
        if char == "\n":
            line += 1
    if run:
        yield "".join(run), start_line


def word_findings(text: str) -> list[Finding]:
    return [Finding("word", run, line) for run, line in words(text) if run.lower() in SIGNATURES]


@functools.lru_cache(maxsize=1)
def _parser():
    import tree_sitter_pwsh
    from tree_sitter import Language, Parser
    return Parser(Language(tree_sitter_pwsh.language()))


def _walk(node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _constant_member(member_name) -> bool:
    """Whether a member_name node is a ConstantExpressionAst to PowerShell: a bare name, a number, a
    single-quoted string, or a double-quoted one that expands nothing."""
    if member_name.named_child_count != 1:
        return False
    child = member_name.named_children[0]
    if child.type in ("simple_name", "integer_literal", "real_literal"):
        return True
    if child.type == "string_literal":
        inner = child.named_children[0] if child.named_child_count else None
        if inner is None or inner.type in ("verbatim_string_characters", "verbatim_here_string_characters"):
            return True
        if inner.type in ("expandable_string_literal", "expandable_here_string_literal"):
            return not any(n.type in ("variable", "sub_expression") for n in _walk(inner) if n is not inner)
    return False


def _text(node) -> str:
    return node.text.decode("utf-8", "replace")


def ast_findings(text: str) -> list[Finding]:
    """SemanticChecks' marks: dynamic member names, `::` on a non-type, the [Type] type."""
    root = _parser().parse(text.encode("utf-8")).root_node
    found = []
    for node in _walk(root):
        if node.type in ("member_access", "invocation_expression"):
            member = next((c for c in node.children if c.type == "member_name"), None)
            operator = next((c.type for c in node.children if c.type in (".", "::")), None)
            target = node.children[0] if node.children else None
            line = node.start_point[0] + 1
            if member is not None and not _constant_member(member):
                found.append(Finding("member", _text(node)[:80], line))
            if operator == "::" and target is not None and target.type != "type_literal":
                found.append(Finding("static", _text(node)[:80], line))
        elif node.type == "type_literal" and (node.parent is None or node.parent.type != "attribute"):
            spec = next((c for c in node.children if c.type == "type_spec"), None)
            if spec is not None and "".join(_text(spec).split()).lower() in TYPE_NAMES:
                found.append(Finding("type", _text(node.parent if node.parent is not None else node)[:80],
                                     node.start_point[0] + 1))
    return found


def findings(text: str) -> list[Finding]:
    """Every place of `text` that makes PowerShell 5.1 log it as a suspicious script block, in order."""
    return sorted(word_findings(text) + ast_findings(text), key=lambda f: (f.line, f.kind, f.word_or_snippet))


def suspicious(text: str) -> bool:
    """Whether PowerShell 5.1 would log the script block as a Warning 4104 event."""
    return bool(findings(text))
