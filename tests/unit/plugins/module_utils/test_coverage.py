# -*- coding: utf-8 -*-
"""Every agent the server knows, and where its OS came from (issue 11, KA-0012615 item 2)."""

from __future__ import annotations

from ansible_collections.apexone.upgrade.plugins.module_utils import coverage, preflight


def _ad(name, os_name, version, sp=None, dns=None):
    return coverage.directory_record(name, {"operatingSystem": os_name, "operatingSystemVersion": version,
                                            "operatingSystemServicePack": sp, "dNSHostName": dns})


def _facts(version, product_type, unsupported=None):
    return {"os": {"version": version, "product_type": product_type, "caption": "probe caption"},
            "unsupported_os": unsupported}


def _row(cov, host):
    return [a for a in cov["agents"] if a["host"] == host][0]


def test_sources_in_order_probe_then_directory_then_export_else_unknown():
    directory = [_ad("PC-XP", "Windows XP Professional", "5.1 (2600)", dns="pc-xp.corp.example"),
                 _ad("WEB01", "Windows Server 2016 Standard", "10.0 (14393)"),
                 _ad("PC-7", "Windows 7 Professional", "6.1 (7600)")]
    listed = [
        {"host": "pc-xp.corp.example", "ip": "10.0.0.1", "os": "Windows 10", "source": "export"},  # AD wins over export
        {"host": "pc-7", "ip": "10.0.0.2", "os": "", "source": "export"},  # probed: the probe wins over AD
        {"host": "PC-VISTA", "ip": "10.0.0.3", "os": "Windows Vista Business", "source": "export"},
        {"host": "PC-GHOST", "ip": "10.0.0.4", "os": "", "source": "export"},
    ]
    probed = {"pc-7.corp.example": {"facts": _facts("6.1.7601", 1), "names": ["10.0.0.2"]},
              "pc-down": {"facts": None, "names": []}}
    cov = coverage.evaluate(["pc-7.corp.example", "pc-down"], probed, directory, server_agents=listed)
    assert (_row(cov, "pc-xp.corp.example")["os_source"], _row(cov, "pc-xp.corp.example")["unsupported"]) == (
        "ad", "Windows XP")
    assert _row(cov, "pc-7")["os_source"] == "probe" and _row(cov, "pc-7")["unsupported"] is None
    assert _row(cov, "pc-7")["inventory_name"] == "pc-7.corp.example"
    assert cov["mismatches"] == [{"host": "pc-7", "probe": "supported (6.1.7601)",
                                  "ad": "Windows 7 without SP1 (6.1.7600)", "ad_name": "PC-7"}]
    assert (_row(cov, "PC-VISTA")["os_source"], _row(cov, "PC-VISTA")["unsupported"]) == ("export", "Windows Vista")
    ghost = _row(cov, "PC-GHOST")
    assert ghost["os_unknown"] and ghost["os_source"] is None
    assert "not in Active Directory" in ghost["why_unknown"] and "not in the WinRM inventory" in ghost["why_unknown"]
    assert _row(cov, "pc-down")["os_unknown"]  # inventory, unreachable, not in AD, not on the list
    assert cov["server_agents"] == 4
    assert cov["counts"] == {"probe": 1, "ad": 1, "export": 1, "unknown": 2}
    assert cov["directory_not_on_server_list"] == ["WEB01"]  # not an agent: does not count
    assert [a["host"] for a in cov["remove_from_server"]] == ["pc-xp.corp.example", "PC-VISTA"]
    assert cov["remove_from_server"][0]["ip"] == "10.0.0.1"
    found = preflight.coverage_findings(cov)
    by_check = {}
    for item in found:
        by_check.setdefault(item["check"], []).append(item["host"])
    assert by_check == {"unsupported_os": ["pc-xp.corp.example", "PC-VISTA"], "os_unknown": ["PC-GHOST"],
                        "directory_mismatch": ["pc-7"]}


def test_without_a_server_list_every_directory_computer_is_a_possible_agent():
    directory = [_ad("PC-XP", "Windows XP Professional", "5.1 (2600)"), _ad("DC1", "Samba", "4.17.12-Debian")]
    cov = coverage.evaluate([], {}, directory)
    assert cov["server_agents"] is None
    assert _row(cov, "PC-XP")["unsupported"] == "Windows XP"
    assert _row(cov, "DC1")["os_unknown"] and "operatingSystemVersion" in _row(cov, "DC1")["why_unknown"]


def test_short_names_shared_by_two_domains_are_not_joined_by_guess():
    directory = [_ad("PC1-A", "Windows XP Professional", "5.1 (2600)", dns="pc1.a.example"),
                 _ad("PC1-B", "Windows 10 Pro", "10.0 (19045)", dns="pc1.b.example")]
    cov = coverage.evaluate([], {}, directory, server_agents=[{"host": "pc1", "os": "", "source": "export"},
                                                              {"host": "pc1.b.example", "os": "", "source": "export"}])
    assert _row(cov, "pc1")["os_unknown"]  # "pc1" could be either
    assert _row(cov, "pc1.b.example")["os_source"] == "ad" and _row(cov, "pc1.b.example")["unsupported"] is None


def test_other_host_variable_names():
    record = coverage.directory_record("X", {"ad_os": "Windows 8 Pro", "ad_ver": "6.2.9200"},
                                       {"os": "ad_os", "version": "ad_ver"})
    assert record["unsupported"] == "Windows 8"


def test_an_agent_on_both_lists_counts_once():
    listed = [{"host": "PC1", "ip": None, "os": "Windows XP", "source": "export"},
              {"host": "pc1", "ip": "10.0.0.1", "os": None, "domain": "LAB", "source": "apex_central"},
              {"host": "PC2", "ip": "10.0.0.2", "os": None, "source": "apex_central"}]
    cov = coverage.evaluate([], {}, [], server_agents=listed)
    assert cov["server_agents"] == 2 and cov["list_sources"] == ["apex_central", "export"]
    row = _row(cov, "PC1")
    assert (row["ip"], row["domain"], row["list_source"], row["unsupported"]) == (
        "10.0.0.1", "LAB", "export+apex_central", "Windows XP")
    assert listed[0]["source"] == "export"  # the caller's rows are not changed
