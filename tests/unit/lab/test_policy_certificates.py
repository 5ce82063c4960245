# -*- coding: utf-8 -*-
"""A certificate delivered by Group Policy, by automatic root update (AuthRoot) or by the enterprise store is in
the logical LocalMachine store the scripts open (the lab's model, state.PHYSICAL_STORES).

Windows fact relied on: X509Store(Root|CA, LocalMachine) opens the logical store, whose physical stores include
".GroupPolicy" (HKLM\\SOFTWARE\\Policies\\Microsoft\\SystemCertificates\\<store>), so FindByThumbprint and the
listing see a policy-delivered certificate as they see one added by hand.
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.apexone.upgrade.plugins.module_utils import certificates
from ansible_collections.apexone.upgrade.tests.lab.simulator import state, twins

MISSING = ("DigiCert Assured ID Root CA", "USERTrust RSA Certification Authority", "GlobalSign")


def _host(delivered=True):
    """agent-missing-certs, with the three roots it lacks delivered by a GPO."""
    host = state.load_seed("agent-missing-certs")
    roots = dict((c["name"], c) for c in state.expand_certificates({"Root": [{"set": "runbook_roots"}]})["Root"])
    host["policy_certificates"] = {"Root": [copy.deepcopy(roots[name]) for name in MISSING]} if delivered else {}
    return host


def _probe(host):
    return twins.TWINS["probe"](host, {"Subset": ["certificates"], "CertificateStores": ["Root", "CA"]})


def test_preflight_counts_policy_delivered_certificates_as_present():
    required = certificates.required_certificates()
    assert certificates.evaluate(_probe(_host())["certificates"], required)["ready"]
    without = certificates.evaluate(_probe(_host(delivered=False))["certificates"], required)
    assert not without["ready"] and sorted(m["name"] for m in without["missing"]) == sorted(MISSING)


def test_install_finds_a_policy_certificate_present_and_adds_nothing():
    host = _host()
    thumbprint = host["policy_certificates"]["Root"][0]["thumbprint"]
    wanted = [{"store": "Root", "thumbprint": thumbprint, "der_b64": "AA=="}]
    answer = twins.TWINS["certificates_install"](host, {"Certificates": wanted, "Stores": ["Root"]})
    assert answer["results"][0]["status"] == "present"
    assert thumbprint not in [c["thumbprint"] for c in host["certificates"]["Root"]]  # its own store untouched


def test_a_certificate_in_two_physical_stores_is_listed_twice_and_judged_once():
    # A logical store is a collection store: it merges nothing (state.PHYSICAL_STORES).
    host = _host()
    held = copy.deepcopy(host["policy_certificates"]["Root"][0])
    host["certificates"]["Root"].append(held)
    listed = [c["thumbprint"] for c in state.logical_store(host, "Root")]
    assert listed.count(held["thumbprint"]) == 2
    evaluation = certificates.evaluate(_probe(host)["certificates"], certificates.required_certificates())
    assert evaluation["ready"] and [p["name"] for p in evaluation["present"]].count(held["name"]) == 1
    assert len(evaluation["present"]) == evaluation["required_count"]


def _authroot_host():
    """agent-missing-certs, with the three roots it lacks only in AuthRoot (automatic root update put them there)."""
    host = _host(delivered=False)
    roots = dict((c["name"], c) for c in state.expand_certificates({"Root": [{"set": "runbook_roots"}]})["Root"])
    host["certificates"]["AuthRoot"] = [copy.deepcopy(roots[name]) for name in MISSING]
    return host


def test_a_root_only_in_authroot_is_in_the_root_listing_and_counts_as_present():
    host = _authroot_host()
    assert not [c for c in host["certificates"]["Root"] if c["name"] in MISSING]
    evaluation = certificates.evaluate(_probe(host)["certificates"], certificates.required_certificates())
    assert evaluation["ready"] and evaluation["missing"] == [] and evaluation["wrong_store"] == []
    assert sorted(p["name"] for p in evaluation["present"] if p["name"] in MISSING) == sorted(MISSING)


def test_install_finds_an_authroot_root_present_and_adds_nothing():
    host = _authroot_host()
    thumbprint = host["certificates"]["AuthRoot"][0]["thumbprint"]
    wanted = [{"store": "Root", "thumbprint": thumbprint, "der_b64": "AA=="}]
    answer = twins.TWINS["certificates_install"](host, {"Certificates": wanted, "Stores": ["Root", "CA"]})
    assert answer["results"][0]["status"] == "present"
    assert thumbprint not in [c["thumbprint"] for c in host["certificates"]["Root"]]
    assert thumbprint not in [c["thumbprint"] for c in answer["certificates"]["CA"]]  # AuthRoot is Root's only


def test_an_enterprise_root_is_in_the_logical_store():
    host = _host(delivered=False)
    roots = dict((c["name"], c) for c in state.expand_certificates({"Root": [{"set": "runbook_roots"}]})["Root"])
    host["enterprise_certificates"] = {"Root": [copy.deepcopy(roots[name]) for name in MISSING]}
    assert certificates.evaluate(_probe(host)["certificates"], certificates.required_certificates())["ready"]


def test_a_store_whose_physical_stores_the_lab_does_not_know_is_refused():
    host = _host(delivered=False)
    host["policy_certificates"] = {"Disallowed": [copy.deepcopy(host["certificates"]["Root"][0])]}
    with pytest.raises(state.LabError, match="physical stores"):
        state.logical_store(host, "Disallowed")


def test_the_authroot_seed_lists_a_duplicate_and_needs_nothing():
    host = state.load_seed("agent-authroot")
    listed = [c["thumbprint"] for c in _probe(host)["certificates"]["Root"]]
    assert len(listed) == len(set(listed)) + 1  # the root held by hand and by the GPO
    assert certificates.evaluate(_probe(host)["certificates"], certificates.required_certificates())["ready"]
