# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The public detection rules that matter for what a PowerShell remoting client sends, written down as data.

Each Rule names its source (repository, path, id, title, level) and reads one text of ours:
- "command_line": the command line of a powershell.exe process we start (Sysmon 1 / Security 4688; what
  the winrm plugins run through WinRS, `PowerShell -NoProfile ... -EncodedCommand ...`). The rules' own
  test that the process is powershell.exe, and the WinRS parent, hold for every such command line;
- "script_block": the text of one compiled script block (4104 ScriptBlockText / Elastic
  powershell.file.script_block_text).

The condition is our own encoding of the rule's logic with the matchers below, case-insensitive as Sigma's
and KQL's string matching is (a Sigma `|re` is case-sensitive unless the rule says otherwise). A KQL phrase on
an analysed text field is encoded as a substring match, which finds at least what Elasticsearch finds.
The list holds every rule that matched Ansible's own exec wrapper or this collection's runner (issue 19's
measurement), and every high / critical SigmaHQ or Elastic rule about encoded PowerShell command lines,
base64 decoding, compression in script blocks, running decoded content, execution-policy bypass and AMSI
tampering. Rule files themselves are not copied here.

matches(command_lines, script_blocks) -> [Match(rule, level, text)]: text is "command_lines[i]" or the
script block's name.
"""

from __future__ import annotations

import base64
import collections
import dataclasses
import math
import re
import typing as t

SIGMA = "SigmaHQ/sigma"
ELASTIC = "elastic/detection-rules"
LEVELS = ("critical", "high", "medium", "low")


# --- matchers -------------------------------------------------------------------------------------
class Matcher:
    def __call__(self, text: str) -> bool:
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Contains(Matcher):
    """Any of the words occurs in the text (Sigma `|contains` with a list, KQL `*word*`)."""
    words: tuple

    def __call__(self, text: str) -> bool:
        lowered = text.lower()
        return any(word.lower() in lowered for word in self.words)


@dataclasses.dataclass(frozen=True)
class ContainsAll(Matcher):
    """Every word occurs in the text (Sigma `|contains|all`)."""
    words: tuple

    def __call__(self, text: str) -> bool:
        lowered = text.lower()
        return all(word.lower() in lowered for word in self.words)


def _wildcard(pattern: str) -> re.Pattern:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.S | re.I)


@dataclasses.dataclass(frozen=True)
class Wildcard(Matcher):
    """The whole text matches one of the patterns (`*` any run, `?` one character; EQL's `:`, KQL on a
    keyword field)."""
    patterns: tuple

    def __call__(self, text: str) -> bool:
        return any(_wildcard(p).fullmatch(text) for p in self.patterns)


@dataclasses.dataclass(frozen=True)
class Arg(Matcher):
    """One argument of the command line (split at blanks, quotes kept together: Elastic's process.args)
    matches one of the patterns."""
    patterns: tuple

    def __call__(self, text: str) -> bool:
        args = [m.group(0).strip('"') for m in re.finditer(r'"[^"]*"|\S+', text)]
        return any(_wildcard(p).fullmatch(a) for p in self.patterns for a in args)


@dataclasses.dataclass(frozen=True)
class EndsWith(Matcher):
    word: str

    def __call__(self, text: str) -> bool:
        return text.lower().endswith(self.word.lower())


def base64_offsets(word: str, encoding: str = "utf-8") -> tuple[str, str, str]:
    """The three base64 forms of `word` as it appears inside a longer base64 text, one per position of the
    word's first byte modulo 3 (Sigma's `|base64offset`; `encoding` "utf-16-le" is Sigma's `|wide|base64offset`).
    Characters that depend on the neighbouring bytes are dropped at both ends."""
    raw = word.encode(encoding)
    forms = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode("ascii")
        start = (0, 2, 3)[shift]
        end = len(encoded) - (0, 3, 2)[(len(raw) + shift) % 3]
        forms.append(encoded[start:end])
    return tuple(forms)


@dataclasses.dataclass(frozen=True)
class Base64OffsetContains(Matcher):
    """Any of the words, base64-encoded at any of the three byte offsets, occurs in the text."""
    words: tuple
    encodings: tuple = ("utf-8",)

    def forms(self) -> list[str]:
        return [form for word in self.words for encoding in self.encodings
                for form in base64_offsets(word, encoding)]

    def __call__(self, text: str) -> bool:
        lowered = text.lower()  # Sigma compares the encoded forms case-insensitively too
        return any(form.lower() in lowered for form in self.forms())


@dataclasses.dataclass(frozen=True)
class Regex(Matcher):
    pattern: str
    ignore_case: bool = False

    def __call__(self, text: str) -> bool:
        return re.search(self.pattern, text, re.S | (re.I if self.ignore_case else 0)) is not None


@dataclasses.dataclass(frozen=True)
class RegexCount(Matcher):
    """At least `minimum` matches of the pattern (the Elastic ES|QL rules' replace-and-count)."""
    pattern: str
    minimum: int
    ignore_case: bool = False

    def __call__(self, text: str) -> bool:
        return len(re.findall(self.pattern, text, re.I if self.ignore_case else 0)) >= self.minimum


@dataclasses.dataclass(frozen=True)
class CharRatio(Matcher):
    """The share of characters matching `pattern` is above (or at least) `threshold`."""
    pattern: str
    threshold: float
    strict: bool = True

    def __call__(self, text: str) -> bool:
        if not text:
            return False
        ratio = len(re.findall(self.pattern, text)) / len(text)
        return ratio > self.threshold if self.strict else ratio >= self.threshold


@dataclasses.dataclass(frozen=True)
class MinLength(Matcher):
    length: int
    strict: bool = False

    def __call__(self, text: str) -> bool:
        return len(text) > self.length if self.strict else len(text) >= self.length


@dataclasses.dataclass(frozen=True)
class MinEntropy(Matcher):
    """Shannon entropy of the characters, in bits (Elastic's powershell.file.script_block_entropy_bits)."""
    bits: float

    def __call__(self, text: str) -> bool:
        if not text:
            return False
        counts = collections.Counter(text)
        entropy = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
        return entropy >= self.bits


@dataclasses.dataclass(frozen=True)
class Always(Matcher):
    """A rule whose only condition is the process itself (powershell.exe, a WinRS child): every text."""

    def __call__(self, text: str) -> bool:
        return True


@dataclasses.dataclass(frozen=True)
class AllOf(Matcher):
    parts: tuple

    def __call__(self, text: str) -> bool:
        return all(part(text) for part in self.parts)


@dataclasses.dataclass(frozen=True)
class AnyOf(Matcher):
    parts: tuple

    def __call__(self, text: str) -> bool:
        return any(part(text) for part in self.parts)


@dataclasses.dataclass(frozen=True)
class Not(Matcher):
    part: Matcher

    def __call__(self, text: str) -> bool:
        return not self.part(text)


def contains(*words: str) -> Contains:
    return Contains(tuple(words))


def contains_all(*words: str) -> ContainsAll:
    return ContainsAll(tuple(words))


def all_of(*parts: Matcher) -> AllOf:
    return AllOf(tuple(parts))


def any_of(*parts: Matcher) -> AnyOf:
    return AnyOf(tuple(parts))


# --- rules ----------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Rule:
    title: str
    id: str
    level: str
    source: str  # repository
    path: str  # the rule file in it
    field: str  # command_line | script_block
    condition: Matcher


class Match(t.NamedTuple):
    rule: Rule
    level: str
    text: str


_PC = "rules/windows/process_creation/"
_PS = "rules/windows/powershell/powershell_script/"
_EW = "rules/windows/"

RULES: tuple[Rule, ...] = (
    # ---- SigmaHQ, process creation (the powershell.exe command line) ----
    Rule("Suspicious Encoded PowerShell Command Line", "ca2092a1-c273-4878-9b4b-0d60115bf5ea", "high", SIGMA,
         _PC + "proc_creation_win_powershell_base64_encoded_cmd.yml", "command_line",
         all_of(any_of(all_of(contains(" -e"),
                              contains(" JAB", " SUVYI", " SQBFAFgA", " aQBlAHgA", " aWV4I", " IAA", " IAB", " UwB",
                                       " cwB")),
                       contains(".exe -ENCOD ", " BA^J e-")),
                Not(contains(" -ExecutionPolicy remotesigned ")))),
    Rule("Suspicious PowerShell Encoded Command Patterns", "b9d9cc83-380b-4ba3-8d8f-60c0e7e2930c", "high", SIGMA,
         _PC + "proc_creation_win_powershell_base64_encoded_cmd_patterns.yml", "command_line",
         all_of(contains(" -e ", " -en ", " -enc ", " -enco"),
                contains(" JAB", " SUVYI", " SQBFAFgA", " aWV4I", " IAB", " PAA", " aQBlAHgA"))),
    Rule("PowerShell Base64 Encoded FromBase64String Cmdlet", "fdb62a13-9a81-4e5c-a38f-ea93a16f6d7c", "high", SIGMA,
         _PC + "proc_creation_win_powershell_base64_frombase64string.yml", "command_line",
         Base64OffsetContains(("::FromBase64String",), ("utf-8", "utf-16-le"))),
    Rule("Base64 Encoded PowerShell Command Detected", "e32d4572-9826-4738-b651-95fa63747e8a", "high", SIGMA,
         _PC + "proc_creation_win_powershell_frombase64string.yml", "command_line", contains("::FromBase64String(")),
    Rule("PowerShell Base64 Encoded IEX Cmdlet", "88f680b8-070e-402c-ae11-d2914f2257f1", "high", SIGMA,
         _PC + "proc_creation_win_powershell_base64_iex.yml", "command_line",
         any_of(Base64OffsetContains(("IEX ([", "iex (New", "IEX(New", "IEX([", "IEX(('"),),
                Base64OffsetContains(("IEX ([", "iex (New"), ("utf-16-le",)))),
    Rule("Suspicious PowerShell IEX Execution Patterns", "09576804-7a05-458e-a817-eb718ca91f54", "high", SIGMA,
         _PC + "proc_creation_win_powershell_iex_patterns.yml", "command_line",
         any_of(all_of(contains(" | iex;", " | iex ", " | iex}", " | IEX ;", " | IEX -Error", " | IEX (new", ");IEX "),
                       contains("::FromBase64String", ".GetString([System.Convert]::")),
                contains(")|iex;$", ");iex($", ");iex $", " | IEX | ", ' | iex\\"'))),
    Rule("Potential AMSI Bypass Via .NET Reflection", "30edb182-aa75-42c0-b0a9-e998bb29067c", "high", SIGMA,
         _PC + "proc_creation_win_powershell_amsi_init_failed_bypass.yml", "command_line",
         any_of(contains_all("System.Management.Automation.AmsiUtils", "amsiInitFailed"),
                contains_all("[Ref].Assembly.GetType", "SetValue($null,$true)", "NonPublic,Static"))),
    Rule("Suspicious Execution of Powershell with Base64", "fb843269-508c-4b76-8b8d-88679db22ce7", "medium", SIGMA,
         _PC + "proc_creation_win_powershell_encode.yml", "command_line",
         all_of(contains(" -e ", " -en ", " -enc ", " -enco", " -ec "), Not(contains(" -Encoding ")))),
    Rule("Change PowerShell Policies to an Insecure Level", "87e3c4e8-a6a8-4ad9-bb4f-46e7ff99a180", "medium", SIGMA,
         _PC + "proc_creation_win_powershell_set_policies_to_unsecure_level.yml", "command_line",
         all_of(contains("-executionpolicy ", " -ep ", " -exec "), contains("Bypass", "Unrestricted"))),
    Rule("Potential Lateral Movement via Windows Remote Shell", "79df3f68-dccb-48e9-9171-b75cbc37c51d", "medium",
         SIGMA, _PC + "proc_creation_win_winrshost_command_execution.yml", "command_line", Always()),
    Rule("Non Interactive PowerShell Process Spawned", "f4bbd493-b796-416e-bbf2-121235348529", "low", SIGMA,
         _PC + "proc_creation_win_powershell_non_interactive_execution.yml", "command_line", Always()),
    Rule("Unusually Long PowerShell CommandLine", "d0d28567-4b9a-45e2-8bbc-fb1b66a1f7f6", "low", SIGMA,
         "rules-threat-hunting/windows/process_creation/proc_creation_win_powershell_abnormal_commandline_size.yml",
         "command_line", MinLength(1000)),
    # ---- SigmaHQ, script blocks (4104) ----
    Rule("Suspicious PowerShell Invocations - Generic", "ed965133-513f-41d9-a441-e38076a0798f", "high", SIGMA,
         _PS + "posh_ps_susp_invocation_generic.yml", "script_block",
         all_of(contains(" -enc ", " -EncodedCommand ", " -ec "),
                contains(" -w hidden ", " -window hidden ", " -windowstyle hidden ", " -w 1 "),
                contains(" -noni ", " -noninteractive "))),
    Rule("Suspicious PowerShell Invocations - Specific", "ae7fbf8e-f3cb-49fd-8db4-5f3bed522c71", "high", SIGMA,
         _PS + "posh_ps_susp_invocation_specific.yml", "script_block",
         all_of(any_of(contains_all("-nop", " -w ", "hidden", " -c ", "[Convert]::FromBase64String"),
                       contains_all(" -w ", "hidden", "-noni", "-nop", " -c ", "iex", "New-Object"),
                       contains_all(" -w ", "hidden", "-ep", "bypass", "-Enc"),
                       all_of(contains_all("powershell", "reg", "add"),
                              contains("\\software\\microsoft\\windows\\currentversion\\run",
                                       "\\software\\wow6432node\\microsoft\\windows\\currentversion\\run",
                                       "\\software\\microsoft\\windows\\currentversion\\policies\\explorer\\run")),
                       contains_all("bypass", "-noprofile", "-windowstyle", "hidden", "new-object",
                                    "system.net.webclient", ".download"),
                       contains_all("iex", "New-Object", "Net.WebClient", ".Download")),
                Not(contains("Write-ChocolateyWarning", "DownloadString('https://chocolatey.org/install.ps1')",
                             "DownloadString('https://community.chocolatey.org/install.ps1")))),
    Rule("AMSI Bypass Pattern Assembly GetType", "e0d6c087-2d1c-47fd-8799-3904103c5a98", "high", SIGMA,
         _PS + "posh_ps_amsi_bypass_pattern_nov22.yml", "script_block",
         contains_all("[Ref].Assembly.GetType", "SetValue($null,$true)", "NonPublic,Static")),
    Rule("Suspicious FromBase64String Usage On Gzip Archive - Ps Script", "df69cb1d-b891-4cd9-90c7-d617d90100ce",
         "medium", SIGMA, _PS + "posh_ps_frombase64string_archive.yml", "script_block",
         contains_all("FromBase64String", "MemoryStream", "H4sI")),
    Rule("Invoke-Obfuscation COMPRESS OBFUSCATION - PowerShell", "20e5497e-331c-4cd5-8d36-935f6e2a9a07", "medium",
         SIGMA, _PS + "posh_ps_invoke_obfuscation_via_compress.yml", "script_block",
         all_of(contains_all("new-object", "text.encoding]::ascii"),
                contains("system.io.compression.deflatestream", "system.io.streamreader"), EndsWith("readtoend"))),
    Rule("Potential Suspicious PowerShell Keywords", "1f49f2ab-26bc-48b3-96cc-dcffbc93eadf", "medium", SIGMA,
         _PS + "posh_ps_susp_keywords.yml", "script_block",
         contains("System.Reflection.Assembly.Load($", "[System.Reflection.Assembly]::Load($",
                  "[Reflection.Assembly]::Load($", "System.Reflection.AssemblyName",
                  "Reflection.Emit.AssemblyBuilderAccess", "Reflection.Emit.CustomAttributeBuilder",
                  "Runtime.InteropServices.UnmanagedType", "Runtime.InteropServices.DllImportAttribute",
                  "SuspendThread", "rundll32")),
    Rule("Change PowerShell Policies to an Insecure Level - PowerShell", "61d0475c-173f-4844-86f7-f3eebae1c66b",
         "medium", SIGMA, _PS + "posh_ps_set_policies_to_unsecure_level.yml", "script_block",
         all_of(contains("Set-ExecutionPolicy"), contains("Unrestricted", "bypass"),
                Not(contains("DownloadString('https://community.chocolatey.org/install.ps1')",
                             "DownloadString('https://chocolatey.org/install.ps1')")))),
    Rule("PowerShell Hotfix Enumeration", "f5d1def8-1de0-4a0e-9794-1f6f27dd605c", "medium", SIGMA,
         _PS + "posh_ps_hotfix_enum.yml", "script_block", contains_all("Win32_QuickFixEngineering", "HotFixID")),
    Rule("Powershell Token Obfuscation - Powershell", "f3a98ce4-6164-4dd4-867c-4d83de7eca51", "medium", SIGMA,
         "rules-threat-hunting/windows/powershell/powershell_script/posh_ps_token_obfuscation.yml", "script_block",
         all_of(any_of(Regex(r"\w+`(\w+|-|.)`[\w+|\s]"), Regex(r'"(\{\d\}){2,}"\s*-f'),
                       Regex(r"\$\{`?e`?n`?v`?:`?p`?a`?t`?h`?\}", ignore_case=True)),
                Not(contains("${env:path}", "it will return true or false instead",
                             "The function also prevents `Get-ItemProperty` from failing")))),
    Rule("WinAPI Library Calls Via PowerShell Scripts", "19d65a1c-8540-4140-8062-8eb00db0bba5", "medium", SIGMA,
         "rules-threat-hunting/windows/powershell/powershell_script/posh_ps_win_api_functions_access.yml",
         "script_block", contains("Advapi32.dll", "kernel32.dll", "KernelBase.dll", "ntdll.dll", "secur32.dll",
                                  "user32.dll")),
    # ---- Elastic, script blocks ----
    Rule("PowerShell Suspicious Payload Encoded and Compressed", "81fe9dc6-a2d7-4192-a2d8-eed98afc766a", "high",
         ELASTIC, _EW + "defense_evasion_posh_compressed.toml", "script_block",
         all_of(MinEntropy(4.5),
                contains("System.IO.Compression.DeflateStream", "System.IO.Compression.GzipStream",
                         "IO.Compression.DeflateStream", "IO.Compression.GzipStream"),
                contains("FromBase64String"))),
    Rule("Potential Antimalware Scan Interface Bypass via PowerShell", "1f0a69c0-3392-4adf-b7d5-6012fd292da8",
         "high", ELASTIC, _EW + "defense_evasion_amsi_bypass_powershell.toml", "script_block",
         all_of(any_of(contains("System.Management.Automation.AmsiUtils", "amsiInitFailed", "Invoke-AmsiBypass",
                                "Bypass.AMSI", "amsi.dll", "AntimalwareProvider", "amsiSession", "amsiContext",
                                "AmsiInitialize", "unloadobfuscated", "unloadsilent", "AmsiX64", "AmsiX32",
                                "FindAmsiFun", "AllocHGlobal((9076"),
                       contains_all("[Ref].Assembly.GetType(('System.Management.Automation", ".SetValue("),
                       contains_all("::AllocHGlobal((", ".SetValue(", "-replace", ".NoRMALiZe(")),
                Not(contains_all("sentinelbreakpoints", "Set-PSBreakpoint")))),
    Rule("Potential PowerShell Obfuscation via String Concatenation", "f6d8c743-0916-4483-8333-3c6f107e0caa",
         "high", ELASTIC, _EW + "defense_evasion_posh_obfuscation_string_concat.toml", "script_block",
         all_of(MinLength(500, strict=True),
                RegexCount(r"""['"][A-Za-z0-9.]+['"](\s?\+\s?['"][A-Za-z0-9.,\-\s]+['"]){2,}""", 2))),
    Rule("Potential PowerShell Obfuscation via Concatenated Dynamic Command Invocation",
         "083383af-b9a4-42b7-a463-29c40efe7797", "high", ELASTIC,
         _EW + "defense_evasion_posh_obfuscation_concat_dynamic.toml", "script_block",
         RegexCount(r"""[.&]\(\s*(['"][A-Za-z0-9.-]+['"]\s*\+\s*)+['"][A-Za-z0-9.-]+['"]\s*\)""", 1)),
    Rule("Potential PowerShell Obfuscation via Character Array Reconstruction", "85e2d45e-a3df-4acf-83d3-21805f564ff4",
         "high", ELASTIC, _EW + "defense_evasion_posh_obfuscation_char_arrays.toml", "script_block",
         RegexCount(r"""(char\[\]\]\(\d+,\d+[^)]+|(\s?\(\[char\]\d+\s?\)\+){2,})""", 1)),
    Rule("Potential PowerShell Obfuscation via Backtick-Escaped Variable Expansion",
         "d43f2b43-02a1-4219-8ce9-10929a32a618", "high", ELASTIC,
         _EW + "defense_evasion_posh_obfuscation_backtick_var.toml", "script_block",
         all_of(MinLength(500, strict=True), RegexCount(r"""\$\{(\w+`){2,}\w+\}""", 1))),
    Rule("Potential PowerShell Obfuscation via High Special Character Proportion",
         "f9753455-8d55-4ad8-b70a-e07b6f18deea", "low", ELASTIC,
         "rules_building_block/defense_evasion_posh_obfuscation_proportion_special_chars.toml", "script_block",
         all_of(MinLength(1000, strict=True), CharRatio(r"[^0-9A-Za-z\s#=-]", 0.35))),
    # Deprecated building block (low); transcribed: its cmdlet list and its WMI-class branch, the branches a
    # script reading the host can meet (the Active Directory and registry-path branches are left out).
    Rule("Deprecated - PowerShell Script with Discovery Capabilities", "1e0a3f7c-21e7-4bb1-98c7-2036612fb1be", "low",
         ELASTIC, "rules_building_block/discovery_posh_generic.toml", "script_block",
         any_of(contains("Get-ADDefaultDomainPasswordPolicy", "Get-ADDomain", "Get-ComputerInfo", "Get-Disk",
                         "Get-DnsClientCache", "Get-GPOReport", "Get-HotFix", "Get-LocalUser", "Get-NetFirewallProfile",
                         "get-nettcpconnection", "Get-NetAdapter", "Get-PhysicalDisk", "Get-Process", "Get-PSDrive",
                         "Get-Service", "Get-SmbShare", "Get-WinEvent"),
                all_of(contains("Get-WmiObject", "gwmi", "Get-CimInstance", "gcim", "Management.ManagementObjectSearcher",
                                "System.Management.ManagementClass", "[WmiClass]"),
                       contains("AntiVirusProduct", "CIM_BIOSElement", "CIM_ComputerSystem", "CIM_Product",
                                "CIM_DiskDrive", "CIM_LogicalDisk", "CIM_NetworkAdapter", "CIM_StorageVolume",
                                "CIM_OperatingSystem", "CIM_Process", "CIM_Service", "MSFT_DNSClientCache", "Win32_BIOS",
                                "Win32_ComputerSystem", "Win32_ComputerSystemProduct", "Win32_DiskDrive",
                                "win32_environment", "Win32_Group", "Win32_groupuser", "Win32_IP4RouteTable",
                                "Win32_logicaldisk", "Win32_MappedLogicalDisk", "Win32_NetworkAdapterConfiguration",
                                "win32_ntdomain", "Win32_OperatingSystem", "Win32_PnPEntity", "Win32_Process",
                                "Win32_Product", "Win32_quickfixengineering", "win32_service", "Win32_Share",
                                "Win32_UserAccount")),
                contains("Automation.PSDriveInfo", "Microsoft.Win32.RegistryHive"))),
    # ---- Elastic, process creation ----
    Rule("Long Base64 Encoded Command via Scripting Interpreter", "74d31cb7-4a2c-44fe-9d1d-f375b9f3cb61", "high",
         ELASTIC, "rules/cross-platform/defense_evasion_long_base64_encoded_interpreter_command_line.toml",
         "command_line",
         all_of(any_of(Regex(r".* -(e|en|enc|enco|encod|encode|encoded|encodedcommand) .+", ignore_case=True),
                       contains("-encodedcommand", "frombase64string")),
                MinLength(4000))),
    Rule("Suspicious Windows Powershell Arguments", "83bf249e-4348-47ba-9741-1202a09556ad", "medium", ELASTIC,
         _EW + "execution_windows_powershell_susp_args.toml", "command_line",
         # The parent is cmd.exe for every command run through WinRS: its last branch holds on the command line.
         all_of(any_of(Wildcard(("*^*^*^*^*^*^*^*^*^*", "*`*`*`*`*", "*+*+*+*+*+*+*", "*[char[]](*)*-join*",
                                 "*Base64String*", "*[*Convert]*", "*.Compression.*", "*-join($*", "*MemoryStream*",
                                 "*WriteAllBytes*", "* -enc *", "* -ec *", "* /e *", "* /enc *", "* /ec *",
                                 "*WebClient*", "*DownloadFile*", "*DownloadString*", "* iex*", "* iwr*",
                                 "* aQB3AHIAIABpA*", "*Reflection.Assembly*", "*Assembly.GetType*",
                                 "*$env:temp\\*start*", "*powercat*", "*nslookup -q=txt*",
                                 "*$host.UI.PromptForCredential*", "*Net.Sockets.TCPClient*", "*curl *;Start*",
                                 "powershell.exe \"<#*", "*ssh -p *", "*http*|iex*", "*@SSL\\DavWWWRoot\\*.ps1*",
                                 "*.lnk*.Seek(0x*", "*[string]::join(*", "*[Array]::Reverse($*", "* hidden $(gc *",
                                 "*=wscri& set*", "*http'+'s://*", "*.content|i''Ex*", "*//:sptth*", "*//:ptth*",
                                 "*h''t''t''p*", "*'tp'':''/'*", "*$env:T\"E\"MP*", "*;cmd /c $?", "*s''t''a''r*",
                                 "*$*=Get-Content*AppData*.SubString(*$*", "*=cat *AppData*.substring(*);*$*",
                                 "*-join'';*|powershell*", "*.Content;sleep *|powershell*", "*h\\''t\\''tp:\\''*",
                                 "*-e aQB3AHIAIABp*", "*iwr *https*).Content*", "*$env:computername*http*",
                                 "*;InVoKe-ExpRESsIoN $COntent.CONTENt;*", "*WebClient*example.com*",
                                 "*=iwr $*;iex $*", "*ServerXmlHttp*IEX*", "*XmlDocument*IEX*")),
                       all_of(contains(".replace"),
                              Not(Wildcard(("*Get-CimInstance -Class Win32_Process*ConvertTo-Csv*Select-Object*$_.Replace*",
                                            "*function replace_unallowed*$s.replace*Get-Counter*Network Adapter*")))),
                       all_of(Arg(("-c",)), Arg(("&{'*",))), all_of(Arg(("-Outfile",)), Arg(("Start*",))),
                       all_of(Arg(("-bxor",)), Arg(("0x*",))), Arg(("$*$*;set-alias",)), Arg(("-e",)),
                       Arg(("-EncodedCommandParamVariation", "-UseEncodedArguments", "-CommandParamVariation")),
                       Wildcard(("*-encodedCommand*", "*Invoke-webrequest*", "*WebClient*", "*Reflection.Assembly*"))),
                Not(Wildcard(("*Use-Icinga -Minimal*", "*& {$j = sajb {Add-Type -AssemblyName*"))))),
)


def matches(command_lines: t.Sequence[str], script_blocks: t.Mapping[str, str],
            rules: t.Sequence[Rule] = RULES) -> list[Match]:
    """Every (rule, text) pair where the rule's condition holds for one of our texts."""
    texts = [("command_line", "command_lines[%d]" % i, line) for i, line in enumerate(command_lines)]
    texts += [("script_block", name, text) for name, text in script_blocks.items()]
    found = []
    for rule in rules:
        for field, name, text in texts:
            if rule.field == field and rule.condition(text):
                found.append(Match(rule, rule.level, name))
    return found


def counts(found: t.Iterable[Match]) -> dict[str, int]:
    """Distinct rules matched, by level."""
    distinct = {m.rule.id: m.level for m in found}
    return {level: sum(1 for v in distinct.values() if v == level) for level in LEVELS}
