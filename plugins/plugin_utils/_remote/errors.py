# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failures a remote execution reports to its action. Internal: not a public API."""

from __future__ import annotations

import typing as t

from ansible_collections.apexone.upgrade.plugins.module_utils import host_shell


class RemoteScriptError(Exception):
    """The script failed or its output could not be read; `msg` says what to do."""

    def __init__(self, msg: str, rc: int | None = None, stdout: str = "", stderr: str = "",
                 script: str = "", error: dict | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.script = script
        self.error = error or {}

    def to_result(self) -> dict:
        """The task result Ansible shows: failed, msg, rc, stderr, what the script raised."""
        result: dict[str, t.Any] = {"failed": True, "msg": self.msg, "rc": self.rc, "stderr": self.stderr,
                                    "script": self.script}
        if self.error:
            result["exception_remote"] = self.error
        return result


class InputDamaged(RemoteScriptError):
    """The bootstrap could not read its input: nothing ran on the host."""


class Blocked(RemoteScriptError):
    """Anti-malware or an endpoint-protection policy on the host stopped the execution: never repeated."""

    def __init__(self, msg: str, how: str, **kwargs) -> None:
        super().__init__(msg, **kwargs)
        self.how = how  # "amsi", "killed" or "launch"

    def to_result(self) -> dict:
        result = super().to_result()
        result["blocked_by"] = self.how
        return result


class ShortAnswer(RemoteScriptError):
    """The host answered with the bootstrap's short form (PowerShell 2.0, Constrained Language Mode):
    no script ran. `answer` holds what it said; `decided` the controller's reading of it."""

    def __init__(self, name: str, answer: dict, rc: int | None, stdout: str, stderr: str) -> None:
        try:
            decided = host_shell.classify(answer)
            msg = "script %s did not run: %s" % (name, host_shell.summary(decided))
        except ValueError as exc:
            decided = None
            msg = "script %s did not run, and the host's short answer cannot be read: %s" % (name, exc)
        super().__init__(msg, rc=rc, stdout=stdout, stderr=stderr, script=name)
        self.answer = answer
        self.decided = decided

    def to_result(self) -> dict:
        result = super().to_result()
        result["host_shell"] = self.answer
        return result
