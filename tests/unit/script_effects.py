# -*- coding: utf-8 -*-
"""What a script the runner sends can change on a host, read from its syntax tree (tree-sitter-pwsh).

Each script's contract (tests/contracts/<script>.schema.json) declares, under `x-effects`, every change the
script may make and the host-state guards in front of it. `check(name)` lists every place in the script (and in
common.ps1, which the runner sends with it) that can change something, follows where each of its arguments comes
from, and returns the problems: a change the contract does not declare, a declared guard that is missing, a
decision the script takes on what it read, or a registry read in the process's default view. The rules, each
written down here, are what the test holds the scripts to:

1. Where a value comes from. Every value is followed back to its sources: a parameter the controller sent (with
   its fields: `AgentKeys.view`), a literal of the script (`'DWord'`; an enum member `[T]::DWord` and a bare word
   `Binary` are the same literal), the current time (`now`), or the host (`host:<what read it>`). A variable is
   followed through every assignment in its scope, in any order (flow-insensitive: what the script could do, not
   what one run does); a function's parameters through each call, one call at a time. A value assigned under a
   condition that depends on the host, and that is neither a declared guard nor a look-up, also comes from the
   host (`host:if <condition>`): the script chose it.
2. Changes. A registry key's SetValue / CreateSubKey / Delete*, a writable OpenSubKey; an X509Store's Add /
   Remove, or an Open that may create the store; a FileStream or File call that can write; every command that is
   not a read (`Get-*`, `Test-Path`, `Join-Path`, pipeline and JSON cmdlets, `Import-Module`); every program run
   (`& $exe`, `netsh.exe`); a file redirection; a property set on, or a changing method called on, something the
   host gave (a key, a store, a file, an item, a GPO). Each must match one `x-effects.effects` entry: the same
   `do`, and each field's sources among the declared ones (a registry `path`: exactly the declared ones; `kind`:
   the declared literal; a program: its file name, and every argument one of the declared templates).
3. Guards. A condition in front of a change that depends on the host is a declared guard (its text, and whether
   the change happens when it is true or false), or a look-up: a value the host gave compared with a value the
   controller sent (`[string]$entry.seen -eq $result.seen`, `$read.ContainsKey([string]$_)`). Anything else is a
   decision the script took itself. The guards an effect lists must stand in front of it.
4. Decisions. In front of a change, or in what feeds it, a value the host gave is never compared with a literal
   of the script's own, except $null, 0, '' and $true/$false (whether something is there, not what it is).
5. Registry views. Every registry key is opened through OpenBaseKey with an explicit view (a parameter, or the
   literal Registry32 / Registry64), never through [Microsoft.Win32.Registry]::LocalMachine, OpenRemoteBaseKey,
   or a provider path (HKLM:\\, Registry::), which read the view of the process's own bitness.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re

from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload
from ansible_collections.apexone.upgrade.tests.lab.simulator import pwsh
from ansible_collections.apexone.upgrade.tests.unit import helpers

CONTRACT_DIR = os.path.join(helpers.ROOT, "tests", "contracts")

EXISTENCE = {"$null", "0", "''", '""', "$true", "$false"}
READ_COMMANDS = {"where-object", "foreach-object", "select-object", "sort-object", "measure-object", "group-object",
                 "test-path", "join-path", "split-path", "convertto-json", "convertfrom-json", "import-module",
                 "out-null", "write-output", "out-string", "start-sleep", "%", "?", "where", "foreach", "write-verbose",
                 "write-debug", "write-warning", "write-information", "write-progress", "write-host"}
PIPELINE_COMMANDS = {"where-object", "foreach-object", "select-object", "sort-object", "%", "?", "where", "foreach"}
# Programs a script could start by name (anything with a dot or a folder in its name counts too).
PROGRAMS = {"netsh", "reg", "cmd", "sc", "certutil", "powershell", "pwsh", "wmic", "schtasks", "bitsadmin", "icacls",
            "takeown", "msiexec", "robocopy", "xcopy", "gpupdate", "rundll32", "regsvr32", "net"}
AUTOMATIC = {"input", "pshome", "psversiontable", "lastexitcode", "executioncontext", "host", "pwd", "error", "args",
             "psscriptroot", "myinvocation", "matches", "home", "pscommandpath", "erroractionpreference"}
# Objects the host gives, and their methods that change it.
CHANGING_METHODS = {
    "regkey": {"setvalue", "createsubkey", "deletevalue", "deletesubkey", "deletesubkeytree", "setaccesscontrol"},
    "store": {"add", "addrange", "remove", "removerange"},
    "file": {"write", "writebyte", "setlength", "beginwrite", "writeasync", "lock"},
    "item": {"delete", "moveto", "copyto", "create", "createsubdirectory", "openwrite", "appendtext", "createtext",
             "encrypt", "decrypt", "replace", "setaccesscontrol", "put", "invokemethod", "setsecurityinfo",
             "makeaclconsistent", "backup", "import", "setvalue", "createsubkey", "deletevalue"},
}
# Objects whose every method but these may change something (a CIM / WMI instance, a GPO).
OPAQUE_KINDS = {"get-ciminstance": "cim", "get-wmiobject": "cim", "get-gpo": "gpo", "new-gpo": "gpo"}
OPAQUE_READS = {"tostring", "equals", "gethashcode", "gettype", "generatereport"}
# Whatever the receiver, these names change something (a value whose object the analysis cannot name).
ALWAYS_CHANGING = {"setvalue", "createsubkey", "deletevalue", "deletesubkey", "deletesubkeytree", "setaccesscontrol",
                   "moveto", "copyto", "writeallbytes", "writealltext", "appendalltext", "openwrite",
                   "createsubdirectory", "put", "invokemethod", "setsecurityinfo", "invokescript"}
# Methods that only transform the value they are called on (their literal arguments are formats, not sources).
PURE_METHODS = {"tostring", "touniversaltime", "tolocaltime", "trim", "trimend", "trimstart", "tolower", "toupper",
                "tolowerinvariant", "toupperinvariant", "replace", "split", "substring", "padleft", "padright",
                "startswith", "endswith", "contains", "indexof", "getfilename", "getdirectoryname", "getfullpath",
                "combine", "frombase64string", "tobase64string", "getextension", "join", "format", "normalize"}
LOOKUP_METHODS = {"containskey", "contains"}
# Static members that read the host; any other static member is a constant.
HOST_TYPES = ("environment", "system.environment", "security.principal.windowsidentity", "net.dns",
              "system.net.dns", "io.directory", "system.io.directory", "io.file", "system.io.file",
              "net.networkinformation.ipglobalproperties", "system.net.networkinformation.ipglobalproperties")
NOW_MEMBERS = {"utcnow", "now", "today"}
FILE_READS = {"exists", "readallbytes", "readalltext", "readalllines", "openread", "opentext", "getattributes",
              "getlastwritetime", "getlastwritetimeutc", "getcreationtime", "getcreationtimeutc", "getaccesscontrol",
              "getfiles", "getdirectories", "enumeratefiles", "enumeratedirectories", "getfilesystementries"}
UNKNOWABLE_TYPES = ("diagnostics.process", "system.diagnostics.process", "activator", "system.activator", "scriptblock",
                    "reflection.assembly", "system.reflection.assembly", "runtime.interopservices.marshal",
                    "appdomain", "system.appdomain")
PROVIDER_PATH = re.compile(r"(?i)^['\"]?(hklm:|hkcu:|hku:|hkcr:|hkcc:|registry::|microsoft\.powershell\.core\\registry::)")


@dataclasses.dataclass(frozen=True)
class Val:
    """Where a value can come from (`srcs`: labels) and what it can be (`objs`: kinds of object)."""
    srcs: frozenset = frozenset()
    objs: frozenset = frozenset()

    def __or__(self, other):
        return Val(self.srcs | other.srcs, self.objs | other.objs)

    @property
    def host(self):
        return any(s.startswith("host:") for s in self.srcs)

    @property
    def params(self):
        return any(not s.startswith(("host:", "'", '"', "$")) and s != "now" and not _number(s) for s in self.srcs)


EMPTY = Val()


def lit(text):
    return Val(frozenset([text]))


def _number(text):
    return bool(re.match(r"^-?\d+(\.\d+)?$", text))


@dataclasses.dataclass(frozen=True)
class RegKey:
    hive: frozenset
    view: frozenset
    path: tuple  # one frozenset of sources per OpenSubKey / CreateSubKey step


@dataclasses.dataclass(frozen=True)
class Store:
    name: frozenset
    location: frozenset


def _text(node):
    return pwsh._text(node)  # pylint: disable=protected-access


def _norm(text):
    return " ".join(text.split())


def _walk(node):
    yield node
    for child in node.children:
        yield from _walk(child)


CLAUSES = ("elseif_clause", "elseif_clauses", "else_clause", "catch_clause", "catch_clauses", "finally_clause")
PUNCTUATION = ("(", ")", ",", "[", "]", "{", "}", ".", "::", ";", "@(", "@{", "$(", "|")


def _named(node):
    return [c for c in node.children if c.type not in PUNCTUATION]


WRAPPERS = ("pipeline", "pipeline_chain", "unary_expression", "argument_expression", "assignment_value",
            "while_condition", "left_assignment_expression")


def _unwrap(node):
    """The expression inside pipeline / pipeline_chain / unary_expression / argument_expression wrappers."""
    while node is not None and node.type in WRAPPERS and len(_named(node)) == 1:
        node = _named(node)[0]
    return node


def _var_name(node):
    name = _text(node).lstrip("$@").lower()
    for prefix in ("script:", "global:", "local:", "private:"):
        if name.startswith(prefix):
            name = name[len(prefix):]
    return name


def _type_name(node):
    """[Microsoft.Win32.RegistryKey] -> 'microsoft.win32.registrykey'."""
    return _text(node).strip("[]").lower()


def _literal_label(node):
    text = _text(node)
    if node.type == "string_literal" and text.startswith('"'):
        return "'" + text[1:-1] + "'"
    return text


@dataclasses.dataclass
class Ctx:
    """Where a node is evaluated: a function called from a place (bindings of its parameters), or the script."""
    function: object  # function_statement node, or None
    bindings: dict
    caller: "Ctx | None"
    call: object  # the command node that called the function
    key: tuple = ()


@dataclasses.dataclass
class Effect:
    do: str
    node: object
    ctx: Ctx
    fields: dict  # name -> Val, or (for a program's arguments) a set of templates
    conditions: list  # (normalised text, polarity, Val of the condition)
    comparisons: list  # (node, left Val, right Val)

    @property
    def line(self):
        return self.node.start_point[0] + 1


class Script:  # pylint: disable=too-many-public-methods
    """One script with common.ps1, read for what it can change."""

    def __init__(self, name, text=None, common=None, declared=None):
        self.name = name
        self.text = payload.script_text(name) if text is None else text
        self.common = payload.script_text("common") if common is None else common
        self.root = pwsh._parser().parse(self.text.encode("utf-8")).root_node  # pylint: disable=protected-access
        self.common_root = pwsh._parser().parse(self.common.encode("utf-8")).root_node  # pylint: disable=protected-access
        self.declared = read_declaration(name) if declared is None else declared
        self.guards = dict((_norm(g["condition"]), g) for g in (self.declared.get("guards") or {}).values())
        self.lookups = frozenset(self.declared.get("lookups") or [])
        self.params = dict((key, p.name) for key, p in pwsh.check(self.text).parameters.items())
        self.functions = {}
        for tree in (self.common_root, self.root):
            for node in _walk(tree):
                if node.type == "function_statement":
                    name_node = next(c for c in node.children if c.type == "function_name")
                    self.functions[_text(name_node).lower()] = node
        self.assignments = {}  # (scope node or None, variable) -> [(node, member path, value node, operator)]
        for tree in (self.common_root, self.root):
            self._collect_assignments(tree)
        self.calls = {}  # function name -> [command node]
        for tree in (self.common_root, self.root):
            for node in _walk(tree):
                if node.type == "command":
                    name = self._command_name(node)
                    if name in self.functions:
                        self.calls.setdefault(name, []).append(node)
        self._cache = {}
        self._busy = set()
        self._collectors = []
        self.problems = []

    # --- scopes and assignments ------------------------------------------------------------------

    @staticmethod
    def _scope(node, blocks=True):
        """The function (or, with `blocks`, the script block) a node is written in; None for the script itself."""
        parent = node.parent
        while parent is not None:
            if parent.type == "function_statement" or (blocks and parent.type == "script_block_expression"):
                return parent
            parent = parent.parent
        return None

    def _chain(self, node):
        """The scopes a read of a variable at `node` looks in, innermost first, up to its function."""
        chain, scope = [], self._scope(node)
        while True:
            chain.append(scope)
            if scope is None or scope.type == "function_statement":
                return chain
            scope = self._scope(scope)

    def _collect_assignments(self, tree):
        for node in _walk(tree):
            if node.type == "assignment_expression":
                left = _unwrap(next(c for c in node.children if c.type == "left_assignment_expression"))
                operator = _text(next(c for c in node.children if c.type == "assignment_operator"))
                value = node.children[-1]
                targets = _named(left) if left.type == "array_literal_expression" else [left]
                for target in targets:
                    variable, path = self._target(_unwrap(target))
                    if variable:
                        self._add(node, variable, path, value, operator)
            elif node.type == "foreach_statement":
                variable = next(c for c in node.children if c.type == "variable")
                collection = next(c for c in node.children if c.type == "pipeline")
                self._add(node, _var_name(variable), (), collection, "in")

    def _add(self, node, variable, path, value, operator):
        """A plain assignment belongs to its script block or function; one to a member or an element changes the
        object, wherever the variable holding it was made: it is kept with its function (None: the script)."""
        scope = self._scope(node, blocks=not path)
        self.assignments.setdefault((scope, variable), []).append((node, path, value, operator))

    @staticmethod
    def _target(node):
        """$x -> (x, ()); $x.m.n -> (x, (m, n)); $x[k] -> (x, (None,))."""
        if node.type == "variable":
            return _var_name(node), ()
        if node.type in ("member_access", "element_access"):
            base, members = node, []
            while base.type in ("member_access", "element_access"):
                if base.type == "member_access":
                    members.append(_text(next(c for c in base.children if c.type == "member_name")).lower())
                else:
                    members.append(None)
                base = _unwrap(base.children[0])
            if base.type != "variable":
                return None, ()
            return _var_name(base), tuple(reversed(members))
        return None, ()

    # --- contexts ----------------------------------------------------------------------------------

    def contexts(self, node):
        """Every context `node` runs in: the script's, or one per chain of calls of the function holding it."""
        function = self._scope(node, blocks=False)
        if function is None:
            return [Ctx(None, {}, None, None)]
        name = _text(next(c for c in function.children if c.type == "function_name")).lower()
        found = []
        for call in self.calls.get(name, []):
            for outer in self.contexts(call):
                if call in outer.key:  # recursion: stop
                    continue
                found.append(self._bind(function, call, outer))
        return found  # a function nothing calls never runs

    def _bind(self, function, call, outer):
        """The context of `function` called at `call`: its parameters bound by name, then by position."""
        given = self.parameters(call, outer)
        bindings = dict((str(key).lower(), value) for key, (value, dummy) in given.items() if not isinstance(key, int))
        positional = [value for key, (value, dummy) in sorted((k, v) for k, v in given.items() if isinstance(k, int))]
        for name in self._function_parameters(function):
            if name not in bindings and positional:
                bindings[name] = positional.pop(0)
        return Ctx(function, bindings, outer, call, outer.key + (call,))

    @staticmethod
    def _function_parameters(function):
        """function F($A, $B) { } or function F { param($A, $B) }: the names, in order."""
        declaration = next((c for c in function.children if c.type == "function_parameter_declaration"), None)
        if declaration is None:
            body = next((c for c in function.children if c.type == "script_block"), None)
            declaration = next((c for c in body.children if c.type == "param_block"), None) if body else None
        if declaration is None:
            return []
        return [_var_name(next(c for c in node.children if c.type == "variable"))
                for node in _walk(declaration) if node.type == "script_parameter"]

    # --- evaluation ----------------------------------------------------------------------------------

    def eval(self, node, ctx):  # pylint: disable=too-many-return-statements,too-many-branches
        node = _unwrap(node)
        if node is None:
            return EMPTY
        kind = node.type
        if kind == "variable":
            return self.read(node, ctx)
        if kind == "string_literal":
            inner = node.children[0] if node.children else None
            if inner is not None and inner.type == "expandable_string_literal":
                value = lit(_literal_label(node))
                for part in inner.children:
                    if part.type in ("variable", "sub_expression"):
                        value = value | self.eval(part, ctx)
                return value
            return lit(_literal_label(node))
        if kind in ("integer_literal", "real_literal"):
            return lit(_text(node))
        if kind == "generic_token":
            return lit("'" + _text(node) + "'")
        if kind == "member_access":
            return self._member_access(node, ctx)
        if kind == "invocation_expression":
            return self._invocation(node, ctx)
        if kind == "element_access":
            return self._member(self.eval(node.children[0], ctx), (None,))
        if kind in ("cast_expression",):
            return self.eval(node.children[-1], ctx)
        if kind == "expression_with_unary_operator":
            return self.eval(node.children[-1], ctx)
        if kind == "hash_literal_expression":
            value = Val(objs=frozenset(["memory"]))
            for entry in _walk(node):
                if entry.type == "hash_entry":
                    value = value | Val(self.eval(entry.children[-1], ctx).srcs)
            return value
        if kind in ("array_expression", "array_literal_expression", "parenthesized_expression", "sub_expression"):
            value = Val(objs=frozenset(["memory"])) if kind == "array_expression" else EMPTY
            for child in _named(node):
                if child.type == "statement_list":
                    value = value | self._statements_value(child, ctx)
                else:
                    value = value | self.eval(child, ctx)
            return value
        if kind in ("comparison_expression", "logical_expression"):
            return self.condition(node, ctx)
        if kind == "command":
            return self._command_value(node, ctx)
        if kind == "if_statement":
            return self._if_value(node, ctx)
        if kind == "script_block_expression":
            return Val(objs=frozenset(["scriptblock"]))
        if kind == "type_literal":
            return lit(_text(node))
        value = EMPTY
        for child in _named(node):
            value = value | self.eval(child, ctx)
        return value

    def _statements_value(self, statement_list, ctx):
        value = EMPTY
        for statement in _named(statement_list):
            value = value | self._output(statement, ctx)
        return value

    def _output(self, statement, ctx):
        """What a statement writes to the pipeline (an assignment writes nothing)."""
        inner = _unwrap(statement)
        if inner is None or inner.type == "assignment_expression":
            return EMPTY
        if inner.type == "flow_control_statement":
            parts = [c for c in inner.children if c.type == "pipeline"]
            return self.eval(parts[0], ctx) if parts and inner.children[0].type == "return" else EMPTY
        if inner.type in ("if_statement", "foreach_statement", "try_statement", "while_statement", "switch_statement"):
            value = EMPTY
            for block in _walk(inner):
                if block.type == "statement_block" and self._nearest_block_owner(block) == inner:
                    value = value | self._statements_value(
                        next((c for c in block.children if c.type == "statement_list"), block), ctx)
            return value
        if inner.type == "function_statement":
            return EMPTY
        return self.eval(inner, ctx)

    @staticmethod
    def _nearest_block_owner(block):
        parent = block.parent
        while parent is not None and parent.type in CLAUSES:
            parent = parent.parent
        return parent

    def _if_value(self, node, ctx):
        """$x = if (c) { 'a' } else { 'b' }: what the branches give, from the host when c depends on it."""
        value = self._output(node, ctx)
        return value | self._taint(self._own_conditions(node, ctx)) if value.srcs or value.objs else value

    def read(self, node, ctx, path=()):
        """A variable (or a member of it), from every assignment that can reach the read."""
        name = _var_name(node)
        if name == "null":
            return lit("$null")
        if name in ("true", "false"):
            return lit("$" + name)
        if name in ("_", "psitem"):
            return self._member(self._pipeline_input(node, ctx), path)
        if name.startswith("env:") or name in AUTOMATIC:
            return Val(frozenset(["host:$" + name]))
        return self._lookup(name, self._chain(node), ctx, path)

    def _lookup(self, name, chain, ctx, path):
        key = (ctx.key, chain[0], name, path)
        if key in self._cache:
            value, compared = self._cache[key]
            self._record(compared)
            return value
        if key in self._busy:
            return EMPTY
        self._busy.add(key)
        self._collectors.append([])
        try:
            value = self._find(name, chain, ctx, path)
        finally:
            compared = self._collectors.pop()
            self._busy.discard(key)
        self._cache[key] = (value, compared)
        self._record(compared)
        return value

    def _find(self, name, chain, ctx, path):
        for scope in chain:
            plain = [a for a in self.assignments.get((scope, name), []) if not a[1]]
            if plain:
                region = scope if scope is None or scope.type == "function_statement" else self._scope(scope, False)
                changes = [a for a in self.assignments.get((region, name), []) if a[1]]
                value = EMPTY
                if scope is None and name in self.params:  # a parameter the script may reassign: either can reach
                    value = self._member(Val(frozenset([self.params[name]])), path)
                for assignment in plain + changes:
                    value = value | self._assigned(assignment, ctx, path)
                return value
        function = chain[-1]
        changes = [a for a in self.assignments.get((function, name), []) if a[1]]
        if function is not None:
            if name in ctx.bindings:
                value = self._member(ctx.bindings[name], path)
            elif ctx.caller is not None:
                value = self._lookup(name, self._chain(ctx.call), ctx.caller, path)
            else:
                value = self._member(Val(frozenset(["host:unbound $" + name])), path)
        elif name in self.params:
            value = self._member(Val(frozenset([self.params[name]])), path)
        else:
            value = EMPTY
        for assignment in changes:
            value = value | self._assigned(assignment, ctx, path)
        return value

    def _assigned(self, assignment, ctx, path):
        node, target, value_node, dummy = assignment
        if target == path[:len(target)]:
            rest = path[len(target):]
            inner = _unwrap(value_node)
            if rest and inner is not None and inner.type == "hash_literal_expression":
                entries = [e for e in _walk(inner) if e.type == "hash_entry"
                           and _text(e.children[0]).lower() == rest[0] and self._in_hash(e, inner)]
                value = EMPTY
                for entry in entries:
                    value = value | self._member(self.eval(entry.children[-1], ctx), rest[1:])
            else:
                value = self._member(self.eval(value_node, ctx), rest)
        elif path == target[:len(path)]:
            value = Val(self.eval(value_node, ctx).srcs)  # a member inside it changed: its sources, not its kind
        else:
            return EMPTY
        if value.srcs <= {"$null"} and not value.objs:
            return value  # clearing a variable chooses nothing
        return value | self._taint(self.conditions(node, ctx))

    @staticmethod
    def _in_hash(entry, hash_node):
        parent = entry.parent
        while parent is not None and parent.type != "hash_literal_expression":
            parent = parent.parent
        return parent == hash_node

    def _member(self, value, path):
        """A member (path: names, None for an element) of a value: a parameter's field, the same host value."""
        if not path:
            return value
        fields = ".".join(m for m in path if m is not None)
        srcs = set()
        for src in value.srcs:
            if src == "$null":
                continue
            if src.startswith(("host:", "'", '"', "$")) or src == "now" or _number(src) or not fields:
                srcs.add(src)
            else:
                srcs.add(src + "." + fields)
        objs = set()
        for obj in value.objs:
            if obj in ("memory", "scriptblock"):
                objs.add("memory")
            elif isinstance(obj, (RegKey, Store)) or obj in ("cim", "gpo"):
                objs.add("item")
            else:
                objs.add(obj)
        return Val(frozenset(srcs), frozenset(objs))

    def _member_access(self, node, ctx):
        base = _unwrap(node.children[0])
        member = _text(next(c for c in node.children if c.type == "member_name"))
        if any(c.type == "::" for c in node.children):
            return self._static_member(base, member)
        path = [member.lower()]
        while base.type in ("member_access", "element_access") and not any(c.type == "::" for c in base.children):
            if base.type == "member_access":
                path.append(_text(next(c for c in base.children if c.type == "member_name")).lower())
            else:
                path.append(None)
            base = _unwrap(base.children[0])
        if base.type == "variable":
            return self.read(base, ctx, tuple(reversed(path)))
        return self._member(self.eval(base, ctx), tuple(reversed(path)))

    def _static_member(self, type_node, member):
        type_name = _type_name(type_node)
        lower = member.lower()
        if type_name in ("microsoft.win32.registry", "registry"):
            self.problem(type_node, "reads the registry through [Microsoft.Win32.Registry]::%s: the view of the "
                                    "process's own bitness; open it with OpenBaseKey and an explicit view" % member)
            key = RegKey(frozenset(["'%s'" % member]), frozenset(["'Default'"]), ())
            return Val(frozenset(["host:[Registry]::" + member]), frozenset([key]))
        if type_name in ("datetime", "system.datetime") and lower in NOW_MEMBERS:
            return lit("now")
        if type_name.endswith(HOST_TYPES) or type_name in HOST_TYPES:
            return Val(frozenset(["host:[%s]::%s" % (type_name, member)]))
        return lit("'%s'" % member)  # an enum member or a constant: the same as its name as a string

    def _arguments(self, node):
        argument_list = next((c for c in node.children if c.type == "argument_list"), None)
        if argument_list is None:
            return []
        expressions = next((c for c in argument_list.children if c.type == "argument_expression_list"), None)
        return [] if expressions is None else [c for c in expressions.children if c.type == "argument_expression"]

    def _invocation(self, node, ctx):  # pylint: disable=too-many-return-statements,too-many-branches
        receiver = node.children[0]
        method = _text(next(c for c in node.children if c.type == "member_name"))
        lower = method.lower()
        args = self._arguments(node)
        static = any(c.type == "::" for c in node.children)
        arg_vals = [self.eval(a, ctx) for a in args]
        if static:
            type_name = _type_name(receiver)
            if type_name in ("microsoft.win32.registrykey", "registrykey"):
                if lower == "openbasekey":
                    hive = arg_vals[0].srcs if arg_vals else frozenset()
                    view = arg_vals[1].srcs if len(arg_vals) > 1 else frozenset(["'Default'"])
                    self._check_view(node, view)
                    return Val(frozenset(["host:OpenBaseKey"]), frozenset([RegKey(hive, view, ())]))
                self.problem(node, "opens the registry with RegistryKey::%s: use OpenBaseKey with an explicit view"
                             % method)
                return Val(frozenset(["host:" + method]))
            if type_name in ("microsoft.win32.registry", "registry"):
                self.problem(node, "reads or writes the registry through [Microsoft.Win32.Registry]::%s: the view of "
                                   "the process's own bitness" % method)
                return Val(frozenset(["host:[Registry]::" + method]))
            if type_name.endswith(UNKNOWABLE_TYPES):
                return Val(frozenset(["host:[%s]::%s" % (type_name, method)]))
            if type_name.endswith(HOST_TYPES):
                return Val(frozenset(["host:[%s]::%s" % (type_name, method)]))
            if type_name in ("diagnostics.stopwatch", "system.diagnostics.stopwatch"):
                return Val(frozenset(["now"]), frozenset(["memory"]))
            value = EMPTY  # a pure static function ([IO.Path], [Convert], [BitConverter], [string], ...)
            for arg in arg_vals:
                value = value | Val(arg.srcs)
            return value
        base = self.eval(receiver, ctx)
        if lower in LOOKUP_METHODS and base.host and arg_vals:
            self._record([(node, base, arg) for arg in arg_vals])
        if lower in LOOKUP_METHODS and base.host and arg_vals and all(self.looked_up(a) for a in arg_vals):
            value = EMPTY
            for arg in arg_vals:
                value = value | Val(arg.srcs)
            return value
        keys = [o for o in base.objs if isinstance(o, RegKey)]
        if keys and lower in ("opensubkey", "createsubkey"):
            path = arg_vals[0].srcs if arg_vals else frozenset()
            return Val(frozenset(["host:" + method]),
                       frozenset(RegKey(k.hive, k.view, k.path + (path,)) for k in keys))
        if base.objs and all(o == "memory" for o in base.objs):
            return Val(base.srcs, frozenset(["memory"]))
        if lower in PURE_METHODS:
            value = Val(base.srcs)
            for arg in arg_vals:
                value = value | Val(frozenset(s for s in arg.srcs if not s.startswith(("'", '"')) and not _number(s)))
            return value
        if lower in ("getstream",):
            return Val(base.srcs, frozenset(["memory"]))
        objs = frozenset(["item"]) if any(isinstance(o, (Store, RegKey)) or o == "item" for o in base.objs) else frozenset()
        return Val(frozenset(["host:" + method]) | frozenset(s for s in base.srcs if s.startswith("host:")), objs)

    def _check_view(self, node, view):
        bad = [s for s in view if s.startswith("host:") or s.strip("'\"").lower() == "default"]
        literal = [s for s in view if s.startswith(("'", '"'))]
        if not view or bad or any(s.strip("'\"") not in ("Registry32", "Registry64") for s in literal):
            self.problem(node, "opens a registry hive in view %s: give an explicit view (a parameter, or Registry32 / "
                               "Registry64), never the process's default" % (", ".join(sorted(view)) or "(none)"))

    def _pipeline_input(self, node, ctx):
        """$_ inside a Where-Object / ForEach-Object block: what the pipeline before it gives; in catch: the error."""
        parent = node.parent
        while parent is not None:
            if parent.type == "catch_clause":
                return Val(frozenset(["host:error"]))
            if parent.type == "script_block_expression":
                command = parent.parent
                while command is not None and command.type != "command":
                    command = command.parent
                if command is not None and self._command_name(command) in PIPELINE_COMMANDS:
                    return self._pipeline_input_of(command, ctx)
            parent = parent.parent
        return EMPTY

    def _command_name(self, node):
        name = next((c for c in node.children if c.type == "command_name"), None)
        return _text(name).lower() if name is not None else None

    @staticmethod
    def _elements(node):
        elements = next((c for c in node.children if c.type == "command_elements"), None)
        if elements is None:
            return []
        return [c for c in elements.children if c.type not in ("command_argument_sep", "redirection")]

    def parameters(self, node, ctx):
        """A command's named parameters -> (Val, argument node); positional arguments under index numbers."""
        found, elements, index, position = {}, self._elements(node), 0, 0
        while index < len(elements):
            element = elements[index]
            if element.type == "command_parameter":
                name = _text(element).lstrip("-").rstrip(":")
                following = elements[index + 1] if index + 1 < len(elements) else None
                if following is not None and following.type != "command_parameter" and \
                        name.lower() not in ("force", "recurse", "passthru", "whatif", "confirm", "raw"):
                    found[name] = (self.eval(following, ctx), following)
                    index += 2
                    continue
                found[name] = (lit("$true"), element)
            else:
                found[position] = (self.eval(element, ctx), element)
                position += 1
            index += 1
        return found

    def _command_value(self, node, ctx):
        name = self._command_name(node)
        if name in self.functions:
            function = self.functions[name]
            inner = self._bind(function, node, ctx)
            body = next((c for c in function.children if c.type == "script_block"), None)
            statements = next((c for c in _walk(body) if c.type == "statement_list"), None) if body else None
            return self._statements_value(statements, inner) if statements is not None else EMPTY
        params = self.parameters(node, ctx)
        if name in PIPELINE_COMMANDS:
            value = self._pipeline_input_of(node, ctx)
            for key, (val, dummy) in params.items():
                if val.objs == frozenset(["scriptblock"]):
                    block = _unwrap(dummy)
                    body = next((c for c in _walk(block) if c.type == "statement_list"), None)
                    if body is not None and name in ("where-object", "?", "where"):
                        value = value | self._taint(self._block_condition(body, ctx))
                    elif body is not None:
                        value = value | self._statements_value(body, ctx)
                elif key in (0, "Property", "First", "Last") and name == "select-object":
                    continue
                else:
                    value = value | val
            return value
        if name in ("join-path", "split-path", "convertto-json", "convertfrom-json", "out-string"):
            value = EMPTY
            for val, dummy in params.values():
                value = value | Val(val.srcs)
            return value
        if name == "new-object":
            return self._new_object(params, ctx)
        if name == "test-path":
            return Val(frozenset(["host:Test-Path"]))
        if name is None:
            return Val(frozenset(["host:&"]))
        kind = OPAQUE_KINDS.get(name, "item" if name.startswith(("get-", "new-")) else None)
        objs = frozenset([kind]) if kind else frozenset()
        return Val(frozenset(["host:" + _text(next(c for c in node.children if c.type == "command_name"))]), objs)

    def _pipeline_input_of(self, command, ctx):
        chain = command.parent
        parts = [c for c in chain.children if c.type != "|"]
        if command in parts and parts.index(command) > 0:
            return self.eval(parts[parts.index(command) - 1], ctx)
        return EMPTY

    def _block_condition(self, statements, ctx):
        found = []
        for statement in _named(statements):
            value = self.condition(statement, ctx)
            found.append(("{ %s }" % _norm(_text(statement)), True, value))
        return found

    def _new_object(self, params, ctx):
        type_val, dummy = params.get("TypeName", params.get(0, (EMPTY, None)))
        type_name = next(iter(type_val.srcs), "").strip("'\"").lower()
        args_entry = params.get("ArgumentList", params.get(1))
        args = []
        if args_entry is not None:
            arg_node = _unwrap(args_entry[1])
            if arg_node is not None and arg_node.type == "array_literal_expression":
                args = [self.eval(c, ctx) for c in _named(arg_node)]
            else:
                args = [args_entry[0]]
        if type_name.endswith("x509store"):
            name = args[0].srcs if args else frozenset()
            location = args[1].srcs if len(args) > 1 else frozenset(["'CurrentUser'"])
            return Val(frozenset(["host:X509Store"]), frozenset([Store(name, location)]))
        if type_name.endswith(("io.filestream", "io.streamwriter", "io.binarywriter", "io.fileinfo")):
            return Val(frozenset(["host:" + type_name]), frozenset(["file"]))
        sources = EMPTY
        for arg in args:
            sources = sources | Val(arg.srcs)
        return Val(sources.srcs, frozenset(["memory"]))

    # --- conditions -------------------------------------------------------------------------------

    def condition(self, node, ctx):
        """A condition's sources, a look-up reduced to the controller's side; each comparison is recorded."""
        node = _unwrap(node)
        if node is None:
            return EMPTY
        if node.type == "logical_expression":
            value = EMPTY
            for child in _named(node):
                if child.type not in ("-and", "-or", "-xor"):
                    value = value | self.condition(child, ctx)
            return value
        if node.type == "expression_with_unary_operator" and node.children[0].type in ("-not", "!"):
            return self.condition(node.children[-1], ctx)
        if node.type == "parenthesized_expression":
            return self.condition(next(c for c in node.children if c.type == "pipeline"), ctx)
        if node.type == "comparison_expression":
            operands = [c for c in node.children if c.type != "comparison_operator"]
            left, right = self.eval(operands[0], ctx), self.eval(operands[-1], ctx)
            self._record([(node, left, right)])
            for one, other in ((left, right), (right, left)):
                if one.host and self.looked_up(other):
                    return Val(other.srcs)  # a look-up in the controller's table
            return Val(left.srcs | right.srcs)
        return Val(self.eval(node, ctx).srcs)

    def looked_up(self, value):
        """A value that is only fields of the controller's tables the contract names (x-effects.lookups)."""
        return bool(value.srcs) and value.srcs <= self.lookups

    def _record(self, compared):
        if self._collectors:
            self._collectors[-1].extend(compared)

    def _taint(self, conditions):
        srcs = set()
        for text, dummy, value in conditions:
            if value.host and text not in self.guards:
                srcs.add("host:if " + text)
        return Val(frozenset(srcs))

    def _own_conditions(self, node, ctx):
        conditions = []
        clauses = [node] + [c for c in _walk(node) if c.type == "elseif_clause" and self._clause_owner(c) == node]
        for clause in clauses:
            test = next((c for c in clause.children if c.type == "pipeline"), None)
            if test is not None:
                conditions.append((_norm(_text(test)), True, self.condition(test, ctx)))
        return conditions

    @staticmethod
    def _clause_owner(clause):
        parent = clause.parent
        while parent is not None and parent.type != "if_statement":
            parent = parent.parent
        return parent

    def conditions(self, node, ctx):
        """The conditions `node` runs under: (text, polarity, Val), its own function's and its callers'."""
        found = []
        child, parent = node, node.parent
        stop = ctx.function
        while parent is not None and parent != stop:
            if parent.type == "if_statement":
                found.extend(self._branch_conditions(parent, node, ctx))
            elif parent.type == "while_statement":
                test = next(c for c in parent.children if c.type == "while_condition")
                if child != test:
                    found.append((_norm(_text(test)), True, self.condition(test, ctx)))
            elif parent.type == "catch_clause":
                found.append(("catch", True, Val(frozenset(["host:error"]))))
            elif parent.type == "statement_list":
                found.extend(self._exits_before(parent, child, ctx))
            child, parent = parent, parent.parent
        if ctx.call is not None and ctx.caller is not None:
            found.extend(self.conditions(ctx.call, ctx.caller))
        return found

    def _branch_conditions(self, statement, node, ctx):
        """The tests of an if / elseif chain that `node` (inside it) runs under, true or false."""
        tests = [next(c for c in statement.children if c.type == "pipeline")]
        blocks = [next(c for c in statement.children if c.type == "statement_block")]
        for clause in _walk(statement):
            if clause.type == "elseif_clause" and self._clause_owner(clause) == statement:
                tests.append(next(c for c in clause.children if c.type == "pipeline"))
                blocks.append(next(c for c in clause.children if c.type == "statement_block"))
        found = []
        for index, (test, block) in enumerate(zip(tests, blocks)):
            if self._contains(test, node):  # inside a test: the earlier tests were false
                return found
            value = self.condition(test, ctx)
            if self._contains(block, node):
                found.append((_norm(_text(test)), True, value))
                return found
            found.append((_norm(_text(test)), False, value))
        return found  # the else block: every test was false

    @staticmethod
    def _contains(outer, inner):
        return outer.start_byte <= inner.start_byte and inner.end_byte <= outer.end_byte

    def _exits_before(self, statement_list, child, ctx):
        """`if (c) { return }` (or continue, break, throw) before `child` in the same block: it runs only when c is false."""
        found = []
        for statement in _named(statement_list):
            if statement == child or statement.start_byte >= child.start_byte:
                break
            inner = _unwrap(statement)
            if inner is None or inner.type != "if_statement":
                continue
            block = next(c for c in inner.children if c.type == "statement_block")
            statements = next((c for c in block.children if c.type == "statement_list"), None)
            last = _named(statements)[-1] if statements is not None and _named(statements) else None
            if last is not None and last.type == "flow_control_statement" and \
                    last.children[0].type in ("return", "continue", "break", "throw", "exit"):
                test = next(c for c in inner.children if c.type == "pipeline")
                found.append((_norm(_text(test)), False, self.condition(test, ctx)))
        return found

    # --- problems ----------------------------------------------------------------------------------

    def problem(self, node, message):
        top = node
        while top.parent is not None:
            top = top.parent
        where = "common.ps1" if top == self.common_root else self.name + ".ps1"
        entry = "%s line %d: %s" % (where, node.start_point[0] + 1, message)
        if entry not in self.problems:
            self.problems.append(entry)

    # --- effects -----------------------------------------------------------------------------------

    def effects(self):
        """Every change the script (with common.ps1) can make, once per context it runs in."""
        found = []
        for tree in (self.common_root, self.root):
            for node in _walk(tree):
                for ctx in self._node_contexts(node):
                    self._collectors.append([])
                    try:
                        made = self._effect_at(node, ctx)
                        if made is not None:
                            made.conditions = self.conditions(node, ctx)
                    finally:
                        compared = self._collectors.pop()
                    if made is not None:
                        made.comparisons = compared
                        found.append(made)
        return found

    def _node_contexts(self, node):
        if node.type not in ("invocation_expression", "command", "assignment_expression", "redirection"):
            return []
        return self.contexts(node)

    def _effect_at(self, node, ctx):  # pylint: disable=too-many-return-statements,too-many-branches
        if node.type == "invocation_expression":
            return self._method_effect(node, ctx)
        if node.type == "command":
            return self._command_effect(node, ctx)
        if node.type == "redirection":
            operator = node.children[0]
            if operator.type == "file_redirection_operator":
                target = _text(node.children[-1]).strip()
                if target.lower() != "$null":
                    return Effect("redirect", node, ctx, {"file": self.eval(node.children[-1], ctx)}, [], [])
            return None
        if node.type == "assignment_expression":
            left = _unwrap(next(c for c in node.children if c.type == "left_assignment_expression"))
            if left.type in ("member_access", "element_access"):
                base = self.eval(left.children[0], ctx)
                if any(o not in ("memory", "scriptblock") for o in base.objs):
                    return Effect("set property", node, ctx, {"target": base}, [], [])
        return None

    def _method_effect(self, node, ctx):  # pylint: disable=too-many-return-statements,too-many-branches
        method = _text(next(c for c in node.children if c.type == "member_name"))
        lower = method.lower()
        static = any(c.type == "::" for c in node.children)
        args = self._arguments(node)
        if static:
            type_name = _type_name(node.children[0])
            if type_name.endswith(("io.file", "io.directory")) and lower not in FILE_READS:
                if lower == "open" and len(args) >= 3 and self._read_only_open(args[1:3], ctx):
                    return None
                return Effect("[%s]::%s" % (type_name, method), node, ctx,
                              {"arguments": self._all(args, ctx)}, [], [])
            if type_name.endswith(UNKNOWABLE_TYPES):
                return Effect("[%s]::%s" % (type_name, method), node, ctx, {"arguments": self._all(args, ctx)}, [], [])
            if type_name.endswith("environment") and lower.startswith("set"):
                return Effect("[Environment]::" + method, node, ctx, {"arguments": self._all(args, ctx)}, [], [])
            return None
        base = self.eval(node.children[0], ctx)
        arg_vals = [self.eval(a, ctx) for a in args]
        keys = [o for o in base.objs if isinstance(o, RegKey)]
        stores = [o for o in base.objs if isinstance(o, Store)]
        if keys and (lower in CHANGING_METHODS["regkey"] or (lower == "opensubkey" and len(args) > 1)):
            fields = {"hive": Val(frozenset().union(*(k.hive for k in keys))),
                      "view": Val(frozenset().union(*(k.view for k in keys)))}
            path = [frozenset().union(*p) for p in zip(*(k.path for k in keys))] if keys else []
            if lower == "createsubkey" or lower == "opensubkey":
                path.append(arg_vals[0].srcs if arg_vals else frozenset())
            fields["path"] = Val(frozenset().union(*path) if path else frozenset())
            if lower == "setvalue":
                fields["name"] = arg_vals[0] if arg_vals else EMPTY
                fields["data"] = arg_vals[1] if len(arg_vals) > 1 else EMPTY
                fields["kind"] = arg_vals[2] if len(arg_vals) > 2 else EMPTY
            elif lower.startswith("delete"):
                fields["name"] = arg_vals[0] if arg_vals else EMPTY
            return Effect(method if lower != "opensubkey" else "OpenSubKey (writable)", node, ctx, fields, [], [])
        if stores and lower == "open":
            mode = arg_vals[0].srcs if arg_vals else frozenset()
            if all("openexistingonly" in m.lower() or m.strip("'\"").lower() == "readonly" for m in mode) and mode:
                return None
            return Effect("X509Store.Open", node, ctx, {"store": Val(frozenset().union(*(s.name for s in stores))),
                                                        "mode": Val(mode)}, [], [])
        if stores and lower in CHANGING_METHODS["store"]:
            return Effect("X509Store." + method, node, ctx,
                          {"store": Val(frozenset().union(*(s.name for s in stores))),
                           "location": Val(frozenset().union(*(s.location for s in stores))),
                           "certificate": arg_vals[0] if arg_vals else EMPTY}, [], [])
        if "file" in base.objs and lower in CHANGING_METHODS["file"]:
            return Effect("file." + method, node, ctx, {"arguments": self._all(args, ctx)}, [], [])
        if "item" in base.objs and lower in CHANGING_METHODS["item"]:
            return Effect("item." + method, node, ctx, {"arguments": self._all(args, ctx)}, [], [])
        opaque = sorted(o for o in base.objs if o in ("cim", "gpo"))
        if opaque and lower not in OPAQUE_READS and not lower.startswith("get"):
            return Effect("%s.%s" % (opaque[0], method), node, ctx, {"arguments": self._all(args, ctx)}, [], [])
        if not base.objs and lower in ALWAYS_CHANGING:
            return Effect("unknown." + method, node, ctx, {"arguments": self._all(args, ctx)}, [], [])
        return None

    def _read_only_open(self, args, ctx):
        mode, access = (self.eval(a, ctx).srcs for a in args)
        return mode == frozenset(["'Open'"]) and access == frozenset(["'Read'"])

    def _all(self, nodes, ctx):
        value = EMPTY
        for node in nodes:
            value = value | self.eval(node, ctx)
        return value

    def _command_effect(self, node, ctx):  # pylint: disable=too-many-return-statements
        name = self._command_name(node)
        operator = next((c for c in node.children if c.type == "command_invocation_operator"), None)
        if operator is not None:
            target = next(c for c in node.children if c.type in ("command_name_expr", "command_name"))
            bare = not any(c.type in ("variable", "parenthesized_expression", "script_block_expression")
                           for c in _walk(target))
            what = lit("'%s'" % _text(target)) if bare else self.eval(target, ctx)
            if what.objs and all(o == "scriptblock" for o in what.objs):
                return None
            return Effect("run", node, ctx, {"program": what, "arguments": self.templates_of(node, ctx)}, [], [])
        if name is None or name in self.functions:
            return None
        if name == "new-object":
            params = self.parameters(node, ctx)
            value = self._new_object(params, ctx)
            if "file" in value.objs and not self._read_only_stream(params, ctx):
                type_name = next(iter(params.get("TypeName", params.get(0))[0].srcs)).strip("'")
                return Effect("New-Object " + type_name, node, ctx, {"arguments": self._all([p[1] for p in params.values()], ctx)}, [], [])
            return None
        if name in READ_COMMANDS or name.startswith("get-"):
            return None
        spelled = _text(next(c for c in node.children if c.type == "command_name"))
        if "." in name or "\\" in name or name in PROGRAMS:
            return Effect("run", node, ctx, {"program": lit("'%s'" % spelled),
                                             "arguments": self.templates_of(node, ctx)}, [], [])
        params = self.parameters(node, ctx)
        return Effect(spelled, node, ctx, dict((str(k), v) for k, (v, dummy) in params.items()), [], [])

    def _read_only_stream(self, params, ctx):
        type_val = params.get("TypeName", params.get(0))[0]
        if not next(iter(type_val.srcs), "").lower().strip("'\"").endswith("io.filestream"):
            return False
        args_entry = params.get("ArgumentList", params.get(1))
        arg_node = _unwrap(args_entry[1]) if args_entry else None
        if arg_node is None or arg_node.type != "array_literal_expression":
            return False
        args = _named(arg_node)
        return len(args) >= 3 and self._read_only_open(args[1:3], ctx)

    # --- a program's arguments ---------------------------------------------------------------------------

    def templates_of(self, node, ctx):
        found = set()
        for element in self._elements(node):
            found |= self.templates(element, ctx)
        return found

    def templates(self, node, ctx, depth=0):  # pylint: disable=too-many-return-statements
        """What an argument can be, as text: a parameter as {Name}, a value of the host as {host}."""
        node = _unwrap(node)
        if node is None or depth > 8:
            return {"{?}"}
        if node.type == "string_literal":
            return {_literal_label(node)[1:-1]}
        if node.type in ("generic_token", "integer_literal"):
            return {_text(node)}
        if node.type in ("array_expression", "array_literal_expression", "parenthesized_expression"):
            found = set()
            for child in _named(node):
                if child.type == "statement_list":
                    for statement in _named(child):
                        found |= self.templates(statement, ctx, depth + 1)
                else:
                    found |= self.templates(child, ctx, depth + 1)
            return found
        if node.type == "additive_expression":
            parts = [c for c in node.children if c.type != "+"]
            return set(a + b for a in self.templates(parts[0], ctx, depth + 1)
                       for b in self.templates(parts[-1], ctx, depth + 1))
        if node.type in ("cast_expression", "expression_with_unary_operator"):
            return self.templates(node.children[-1], ctx, depth + 1)
        if node.type == "variable":
            name = _var_name(node)
            for scope in self._chain(node):
                plain = [a for a in self.assignments.get((scope, name), []) if not a[1]]
                if plain:
                    found = set()
                    for dummy, dummy2, value_node, dummy3 in plain + [
                            a for a in self.assignments.get((scope, name), []) if a[1] == (None,)]:
                        found |= self.templates(value_node, ctx, depth + 1)
                    return found
            if name in self.params:
                return {"{%s}" % self.params[name]}
            return {"{host}"}
        if node.type == "member_access":
            value = self.eval(node, ctx)
            return set("{%s}" % s for s in value.srcs)
        return {"{?}"}


# --- declarations and checks -------------------------------------------------------------------------

def read_declaration(name):
    with open(os.path.join(CONTRACT_DIR, name + ".schema.json"), encoding="utf-8") as handle:
        return json.load(handle).get("x-effects") or {}


def describe(effect):
    fields = ", ".join("%s %s" % (key, _show(value)) for key, value in sorted(effect.fields.items()))
    return "%s (%s)" % (effect.do, fields)


def _show(value):
    if isinstance(value, Val):
        return "[" + ", ".join(sorted(value.srcs)) + "]"
    return "[" + ", ".join(sorted(value)) + "]"


def _differences(effect, entry):
    """The fields in which `effect` (found) differs from `entry` (declared): none when it matches."""
    found, declared = [], dict(entry)
    while True:
        field = _matches(effect, declared)
        if field is None:
            return found
        found.append(field)
        if field == "do":
            return found
        declared.pop(field, None)
        if field in ("program", "arguments"):
            return found
        effect = Effect(effect.do, effect.node, effect.ctx, dict((k, v) for k, v in effect.fields.items() if k != field),
                        effect.conditions, effect.comparisons)


def _matches(effect, entry):
    """Does `effect` (found) match `entry` (declared)? Returns the first field that differs, or None."""
    if entry.get("do") != effect.do:
        return "do"
    declared = dict((k, v) for k, v in entry.items() if k not in ("do", "guards", "why"))
    if effect.do == "run":
        # The program: the one literal in its path that names an .exe ('\\netsh.exe', 'netsh.exe').
        programs = set(re.split(r"[\\/]", s.strip("'\""))[-1].lower() for s in effect.fields["program"].srcs
                       if s.startswith(("'", '"')) and (s.strip("'\"").lower().endswith(".exe")
                                                        or s.strip("'\"").lower() in PROGRAMS))
        if programs != {declared.get("program", "").lower()}:
            return "program"
        if not effect.fields["arguments"] or not effect.fields["arguments"] <= set(declared.get("arguments", [])):
            return "arguments"
        return None
    for key, value in effect.fields.items():
        if key not in declared:
            return key
        allowed = set(declared[key]) if isinstance(declared[key], list) else {declared[key]}
        srcs = value.srcs if isinstance(value, Val) else value
        if not srcs:
            return key
        if key == "path":
            if srcs != allowed:
                return key
        elif not srcs <= allowed:
            return key
    for key in declared:
        if key not in effect.fields:
            return key
    return None


def check(name, text=None, common=None, declared=None):
    """The problems of script `name` (or of `text` in its place) against its contract's x-effects."""
    script = Script(name, text, common, declared)
    found = script.effects()
    entries = list(script.declared.get("effects") or [])
    used = set()
    for effect in found:
        differences = [(index, _differences(effect, entry)) for index, entry in enumerate(entries)]
        index = next((i for i, difference in differences if not difference), None)
        if index is None:
            close = sorted((d for i, d in differences if "do" not in d), key=len)
            hint = "; the declared %s differs in %s" % (effect.do, ", ".join(close[0])) if close else ""
            script.problem(effect.node, "changes what its contract does not declare: %s%s" % (describe(effect), hint))
            continue
        used.add(index)
        entry = entries[index]
        _check_guards(script, effect, entry)
        _check_decisions(script, effect)
    looked = set()
    for effect in found:
        for dummy, left, right in effect.comparisons:
            for one, other in ((left, right), (right, left)):
                if one.host and script.looked_up(other):
                    looked |= other.srcs
    for lookup in sorted(script.lookups - looked):
        script.problems.append("%s.ps1: the contract names %s as a table the script looks up, and no change depends on "
                               "it any more" % (name, lookup))
    for index, entry in enumerate(entries):
        if index not in used:
            script.problems.append("%s.ps1: the contract declares %s, which the script no longer makes"
                                   % (name, entry.get("do")))
    for node in _walk(script.root):
        if node.type in ("string_literal", "generic_token") and PROVIDER_PATH.match(_text(node)):
            script.problem(node, "names a registry provider path (%s): the view of the process's own bitness; open "
                                 "the key with OpenBaseKey and an explicit view" % _text(node))
    return script.problems, found


def _check_guards(script, effect, entry):
    present = set((text, polarity) for text, polarity, dummy in effect.conditions)
    for guard_name in entry.get("guards") or []:
        guard = script.declared["guards"][guard_name]
        if (_norm(guard["condition"]), guard["effect_only_when"]) not in present:
            script.problem(effect.node, "%s is not behind its guard %s (%s must be %s): %s"
                           % (effect.do, guard_name, guard["condition"], str(guard["effect_only_when"]).lower(),
                              guard.get("why", "")))
    for text, polarity, value in effect.conditions:
        if value.host and text not in script.guards:
            script.problem(effect.node, "%s depends on a condition on what the host holds that is no declared guard "
                                        "and no look-up in the controller's table: if (%s) is %s: the controller "
                                        "decides, the script looks its answer up" % (effect.do, text,
                                                                                     str(polarity).lower()))


def _check_decisions(script, effect):
    for node, left, right in effect.comparisons:
        for one, other in ((left, right), (right, left)):
            if not one.host:
                continue
            own = sorted(s for s in other.srcs if (s.startswith(("'", '"', "$")) or _number(s)) and s not in EXISTENCE)
            sent = sorted(s for s in other.srcs if not s.startswith(("host:", "'", '"', "$")) and s != "now"
                          and not _number(s) and s not in script.lookups)
            if own:
                script.problem(node, "decides by itself: %s compares a value the host gave with its own %s (what to "
                                     "do for each value is the controller's table, sent as a parameter)"
                               % (_norm(_text(node)), ", ".join(own)))
                break
            if sent:
                script.problem(node, "decides by itself: %s compares a value the host gave with %s, which the contract "
                                     "names no table to look up (x-effects.lookups): the controller decides what each "
                                     "value means" % (_norm(_text(node)), ", ".join(sent)))
                break
