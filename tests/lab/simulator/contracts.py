# -*- coding: utf-8 -*-
"""The scripts' answer contracts (tests/contracts/<script>.schema.json), checked on every twin answer."""

from __future__ import annotations

import functools
import json
import os

import jsonschema

from . import state as lab_state

CONTRACT_DIR = os.path.join(os.path.dirname(lab_state.LAB_ROOT), "contracts")


class ContractBroken(lab_state.LabError):
    """A twin answered outside its script's contract: the twin (or the contract) is wrong."""


@functools.lru_cache(maxsize=None)
def validator(name: str) -> jsonschema.Draft7Validator:
    path = os.path.join(CONTRACT_DIR, name + ".schema.json")
    if not os.path.exists(path):
        raise ContractBroken("script %s has no contract: write %s" % (name, path))
    with open(path, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def problems(name: str, answer) -> list[str]:
    """Where `answer` (as it would travel: through JSON) breaks the contract of script `name`."""
    wire = json.loads(json.dumps(answer))
    return ["%s: %s" % ("/".join(str(p) for p in error.absolute_path) or "(answer)", error.message)
            for error in sorted(validator(name).iter_errors(wire), key=lambda e: list(map(str, e.absolute_path)))]


def checked(name: str, twin):
    """`twin`, with its answer checked against the contract of script `name`."""
    def run(host: dict, params: dict) -> dict:
        answer = twin(host, params)
        found = problems(name, answer)
        if found:
            raise ContractBroken("the lab's twin of %s answered outside tests/contracts/%s.schema.json: %s"
                                 % (name, name, "; ".join(found[:5])))
        return answer
    run.__name__ = getattr(twin, "__name__", name)
    return run
