# -*- coding: utf-8 -*-
"""A certificate delivered by Group Policy is in the logical LocalMachine store the scripts open (the lab's model).

Windows fact relied on: X509Store(Root|CA, LocalMachine) opens the logical store, whose physical stores include
".GroupPolicy" (HKLM\\SOFTWARE\\Policies\\Microsoft\\SystemCertificates\\<store>), so FindByThumbprint and the
listing see a policy-delivered certificate as they see one added by hand.
"""

from __future__ import annotations

import copy

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


def test_logical_store_lists_a_certificate_in_both_physical_stores_once():
    host = _host()
    host["certificates"]["Root"].append(copy.deepcopy(host["policy_certificates"]["Root"][0]))
    listed = [c["thumbprint"] for c in state.logical_store(host, "Root")]
    assert len(listed) == len(set(listed))
