# -*- coding: utf-8 -*-
"""Every text the collection sends a host, as a defender's logging records it, held to the public detection
rules (tests/security/detection_patterns.py) and to PowerShell 5.1's suspicious-content check
(tests/security/suspicious_words.py), side by side with Ansible's own exec wrapper running win_ping.

The texts are captured by the lab (APEXONE_LAB_CAPTURE, tests/security/sent_texts.py) as they arrive through
ansible-core's real winrm and psrp plugins: powershell.exe's command line (WinRS) and every script block PowerShell compiles (the bootstrap,
the driver, common.ps1, the script), for every script with every parameter set the actions send. The targets
(issue 19): no critical or high rule matches; no more medium rules than Ansible's own wrapper; fewer script
blocks with suspicious content than Ansible's wrapper, and each one that has some allowed by name with its
reason (tests/security/allow.py)."""

from __future__ import annotations

import base64
import json
import os

import pytest

from ansible_collections.apexone.upgrade.tests.security import allow, detection_patterns, sent_texts, suspicious_words

TRANSPORTS = sent_texts.TRANSPORTS


@pytest.fixture(scope="module")
def sent(tmp_path_factory):
    """What each transport sent, for every script and every parameter set the release sends."""
    return sent_texts.capture(str(tmp_path_factory.mktemp("sent")))


def _decoded(command_line):
    return base64.b64decode(command_line.rsplit(" ", 1)[1]).decode("utf-16-le")


@pytest.fixture(scope="module")
def ansible_wrapper():
    """Ansible's own exec wrapper running ansible.windows.win_ping over winrm (ansible-core's shell plugin and
    module manifest build it; the texts are what its host compiles)."""
    from ansible.executor.powershell import module_manifest  # pylint: disable=import-outside-toplevel
    from ansible.plugins.loader import shell_loader  # pylint: disable=import-outside-toplevel
    from ansible_collections.ansible import windows  # pylint: disable=import-outside-toplevel
    command = shell_loader.get("powershell").build_module_command("", "#!powershell", "")
    module_path = os.path.join(list(windows.__path__)[0], "plugins", "modules", "win_ping.ps1")
    with open(module_path, "rb") as handle:
        module_data = handle.read()
    stdin = module_manifest._create_powershell_wrapper(  # pylint: disable=protected-access
        name="ansible.windows.win_ping", module_data=module_data, module_path=module_path,
        module_args={"data": "pong", "_ansible_tmpdir": None}, environment={}, async_timeout=0,
        become_plugin=None, substyle="powershell", task_vars={}, profile="legacy")
    first, rest = stdin.split(b"\n\0\0\0\0\n", 1)
    blocks = {"bootstrap_wrapper.ps1": _decoded(command), "exec_wrapper.ps1": json.loads(first)["script"]}
    for name, info in json.loads(rest)["scripts"].items():
        if name.endswith((".ps1", ".psm1")):
            blocks[name] = base64.b64decode(info["script"]).decode("utf-8-sig")
    return {"command_lines": [command], "script_blocks": blocks}


def _matches(texts):
    return detection_patterns.matches(texts["command_lines"], texts["script_blocks"])


def _levels(found, level):
    return sorted(set(match.rule.title for match in found if match.level == level))


def test_every_script_was_captured_on_both_transports(sent):
    for transport in TRANSPORTS:
        names = {key.split(" (")[0] for key in sent[transport]["script_blocks"]}
        assert {"bootstrap", "driver", "common", "probe", "registry_block", "certificates_install", "auth_backup",
                "winhttp_import", "invalid_rename"} <= names, names
    assert sent["winrm"]["command_lines"] and not sent["psrp"]["command_lines"]  # psrp starts no process


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_no_critical_or_high_rule_matches_anything_we_send(sent, transport):
    found = _matches(sent[transport])
    assert _levels(found, "critical") == [] and _levels(found, "high") == [], [
        (m.rule.title, m.text) for m in found if m.level in ("critical", "high")]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_no_more_medium_rules_than_ansibles_own_wrapper(sent, ansible_wrapper, transport):
    ours, theirs = _levels(_matches(sent[transport]), "medium"), _levels(_matches(ansible_wrapper), "medium")
    assert len(ours) <= len(theirs), (ours, theirs)


def _suspicious(texts):
    return dict((name, suspicious_words.findings(text)) for name, text in texts["script_blocks"].items()
                if suspicious_words.findings(text))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_fewer_script_blocks_with_suspicious_content_than_ansibles_wrapper(sent, ansible_wrapper, transport):
    ours, theirs = _suspicious(sent[transport]), _suspicious(ansible_wrapper)
    assert theirs, "the yardstick finds nothing in Ansible's wrapper: it is broken"
    # counted by script: the probe's parts make several texts of one script (the server's, with or without the
    # network part), each holding the same file_hashes part
    assert len(set(name.split(" (")[0] for name in ours)) < len(theirs), (sorted(ours), sorted(theirs))
    # the agents' probe, the bootstrap, the driver and common.ps1 hold none at all
    for name in ours:
        assert name.split(" (")[0] not in ("bootstrap", "driver", "common"), (name, ours[name])


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_each_suspicious_finding_is_allowed_with_its_reason(sent, transport):
    found = [(name.split(" (")[0], finding.word_or_snippet if finding.kind == "word" else finding.kind)
             for name, findings in _suspicious(sent[transport]).items() for finding in findings]
    assert allow.unallowed(found) == []


def test_the_agents_probe_holds_no_suspicious_content(sent):
    from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan  # pylint: disable=import-outside-toplevel
    from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload  # pylint: disable=import-outside-toplevel
    agent = payload.script_for("probe", probe_plan.probe_params(list(probe_plan.HOST_SUBSETS)))
    assert suspicious_words.findings(agent) == []
    assert agent in sent["winrm"]["script_blocks"].values()  # and it is what an agent receives


def _script_block_levels(found, level):
    return sorted(set((m.rule.title, m.text) for m in found if m.level == level and m.rule.field == "script_block"))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_no_medium_rule_on_any_script_block(sent, ansible_wrapper, transport):
    """The command line's mediums are the plugin's (Ansible's own get the same); a script block of ours has none,
    where Ansible's wrapper has some, so a regression in our texts shows."""
    assert _script_block_levels(_matches(ansible_wrapper), "medium"), "the yardstick finds nothing in Ansible's wrapper"
    assert _script_block_levels(_matches(sent[transport]), "medium") == []


def test_the_published_sha256_list_is_the_texts_sent_now(sent):
    """docs/sent-texts.sha256 lists every text this tree sends, and nothing else: a changed script without the
    list written again fails here."""
    want = sent_texts.listing(sent, sent_texts.galaxy_version(), sent_texts.core_version())
    with open(sent_texts.LIST_FILE, encoding="utf-8", newline="") as handle:
        have = handle.read()
    assert have == want, "docs/sent-texts.sha256 is not what this tree sends: run `%s` and commit it" % (
        sent_texts.REGENERATE)


def test_the_list_names_every_script_and_the_command_line(sent):
    rows = sent_texts.entries(sent)
    labels = set(row[1] for row in rows)
    assert "command-line powershell.exe (winrm)" in labels and "script-block (bootstrap, no path)" in labels
    for name in ("driver", "common", "probe", "registry_block", "certificates_install", "auth_backup",
                 "winhttp_import", "invalid_rename", "gpo_certificates"):
        assert "script-block apexone.upgrade.%s.ps1" % name in labels, name
    assert len(set(row[0] for row in rows)) == len(rows)  # one line per distinct text


def test_the_list_holds_the_probe_for_every_choice_of_its_parts():
    """The probe is sent cut to the parts a task asks for (#region subset): every combination of its parts is a text
    the release can send, and each one is in the list."""
    import hashlib  # pylint: disable=import-outside-toplevel
    import itertools  # pylint: disable=import-outside-toplevel
    from ansible_collections.apexone.upgrade.plugins.module_utils import probe_plan  # pylint: disable=import-outside-toplevel
    from ansible_collections.apexone.upgrade.plugins.plugin_utils._remote import payload, sections  # pylint: disable=import-outside-toplevel
    with open(sent_texts.LIST_FILE, encoding="utf-8") as handle:
        listed = set(line.split("  ")[0] for line in handle if not line.startswith("#"))
    parts = sorted(set(s.name for s in sections.sections(payload.script_text("probe"))))
    assert parts, "the probe has no parts: this test reads nothing"
    for count in range(len(parts) + 1):
        for chosen in itertools.combinations(parts, count):
            text = payload.script_for("probe", probe_plan.probe_params(list(probe_plan.HOST_SUBSETS) + list(chosen)))
            assert hashlib.sha256(text.encode("utf-8")).hexdigest() in listed, chosen
