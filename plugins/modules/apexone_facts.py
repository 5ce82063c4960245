#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# This is a documentation-only file: the work is done by the action plugin of the same name.

DOCUMENTATION = r"""
---
module: apexone_facts
short_description: Gather everything the Apex One upgrade preflight needs from a host, in one execution
version_added: 0.1.0
description:
  - >-
    Reads, in one remote execution, what every check of the upgrade runbook needs from a Windows host (like
    C(setup)'s gather subsets): OS version, build, service pack, product type and bitness; installed updates (on
    Windows 7 / Server 2008 / 2008 R2 only, from the servicing stack's package keys in the registry, within 15
    seconds, never from C(Win32_QuickFixEngineering), which can wait minutes while TrustedInstaller works); the
    C(Root) and C(CA) certificate stores and the automatic root certificate update (its policy, when Windows last
    fetched its root list, from where); the agent's registry
    (version, server, C(NoProgramUpgrade), the collection's block record); the server's registry (install folder,
    version, build); Trend Micro services with display names; the WinHTTP proxy; the server authentication
    certificate backup C(AuthCertBackup\OfficeScanAuth.dat); C(*_Invalid) files under the server's install folder;
    and, on the server, DNS and TCP reachability of the region's destinations (concurrent, short time-outs).
  - Decides on the controller which facts mean a finding, with the same Python as M(apexone.upgrade.apexone_cert_facts)
    for certificates, and sets C(apexone_host) (facts) and C(apexone_findings) (checks of this host).
    M(apexone.upgrade.apexone_report) adds the checks across the fleet and writes the report.
  - Read-only.
options:
  role:
    description:
      - Which checks apply. V(auto) takes the server checks for hosts in C(apexone_server) and the agent checks for
        hosts in C(apexone_agents) (or any other host).
    type: str
    choices: [auto, server, agent, both]
    default: auto
  region:
    description: The region whose destinations the server must reach (KA-0012615 item 5).
    type: str
    default: jp
  extra_endpoints:
    description: More destinations to test from the server, each with C(host) and C(ports) (a list).
    type: list
    elements: dict
    default: []
  network:
    description: Test the destinations. Defaults to true on the server and false elsewhere.
    type: bool
  network_timeout_ms:
    description:
      - How long all name look-ups together, then all connections together, may take (direct test); through
        O(network_proxy), how long each destination may take.
    type: int
    default: 3000
  network_proxy:
    description:
      - The proxy the server reaches the internet through (C(host:port)). The destinations are then tested through
        it with HTTP C(CONNECT); the proxy's answer decides (C(407) means it wants authentication, so the destination is not tested).
      - Without it the destinations are tried directly. When WinHTTP uses a proxy, a failed direct attempt is
        reported as not tested (proxy in use), never as a blocked destination.
      - Winsock errors are named (refused 10061, unreachable 10065 / 10051, timed out 10060).
    type: str
  server_services:
    description:
      - With O(post_upgrade), the services that must run on the server (KA-0012615 item 11), each found by its short
        name (C(names)) or its display name, both compared case-insensitively.
      - Defaults to the article's display names, C(Trend Micro Vulnerability Protection Service) (C(iVP)) and C(Trend
        Micro Application Control Service) (C(iAC)), with the short names C(iVPServerSvc) and C(iACServerSvc). Trend
        Micro does not publish the short names; check them on your server (C(Get-Service)) and set them here if they
        differ. Japanese builds are assumed to keep the English display names, as the Japanese article prints them.
    type: list
    elements: dict
    suboptions:
      feature:
        description: C(iVP) or C(iAC), the name the check reports.
        type: str
        required: true
      display_name:
        description: The service's display name.
        type: str
        required: true
      names:
        description: The service's short names.
        type: list
        elements: str
        default: []
  sha2_updates:
    description:
      - More updates that satisfy the SHA-2 code signing requirement (KA-0012615 item 9), as C(KB1234567) strings or
        C(kb) / C(reason) dictionaries, added to the catalog's table.
      - The table holds the article's updates, KB4474419 (which replaces KB3033929), and the rule that any installed
        update published after September 2019 (numbered above KB4516065) proves SHA-2 support, since such updates
        install only where it is present. C(apexone_host.sha2.evidence) says which reason applied.
    type: list
    elements: raw
    default: []
  required_certificates:
    description: Extra or overriding certificate entries, as O(apexone.upgrade.apexone_cert_facts#module:required_certificates).
    type: list
    elements: dict
    default: []
  build:
    description: The Apex One build to be ready for, as O(apexone.upgrade.apexone_cert_facts#module:build).
    type: int
  server_upgrade_date:
    description: The planned server upgrade date, C(YYYY-MM-DD), for the Hotfix block's two-week rule.
    type: str
  post_upgrade:
    description:
      - Also judge the host as it must be after the server upgrade (KA-0012615 items 4, 7, 11) and set
        C(apexone_post_upgrade). On the server this adds the C(iServiceSrv\iVP) and C(iAC) folders to the read.
    type: bool
    default: false
  server_product:
    description: The server's product after the upgrade, for the agents' version check with O(post_upgrade).
    type: str
    choices: [xg, apexone]
  offline:
    description:
      - The host cannot reach Windows Update (an offline or closed network; KA-0012615 item 8). Windows then cannot
        add a missing root by itself, so a missing root blocks the upgrade (KA-0001268 method 2). Set it per host
        or group with C(apexone_offline).
      - Elsewhere a missing root of the list is a warning, as Windows adds it the first time a signature check
        needs it (automatic root update), unless the policy C(DisableRootAutoUpdate) turns that off or the route
        to Windows Update's certificate list is tested and fails.
    type: bool
    default: false
  root_update_route_test:
    description:
      - Also test the route to Windows Update's certificate list (one TCP connection to C(ctldl.windowsupdate.com)
        port 80, with the network part of the read, in the same execution). The server tests it along with its
        destinations anyway.
      - A direct failure while WinHTTP goes direct makes missing roots blockers; through a proxy only a success
        counts (a proxy may refuse C(CONNECT) to port 80 and still carry Windows' plain HTTP request).
    type: bool
    default: false
  compact:
    description:
      - Set only C(apexone_preflight), the compact record M(apexone.upgrade.apexone_report) reads, instead of
        C(apexone_host) and C(apexone_findings). A few hundred bytes hold the host's findings, the few facts the fleet
        checks read, and when and by which version of this collection the host was read. The playbook
        C(apexone.upgrade.preflight_probe) leaves it in Ansible's fact cache for a report run later or elsewhere.
      - A host that cannot be read (unreachable, or the probe failed on it) then gets a record that says why, with a
        warning, instead of a failed task, so that the fact cache never keeps an earlier reading as if it were this
        one. Credentials refused and refused input still fail the task. Cannot be used with O(post_upgrade).
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - apexone.upgrade.action_common
  - apexone.upgrade.action_common.windows_read
notes:
  - Windows 7 hosts without SP1, Vista, XP and Server 2008 cannot run Windows PowerShell 5.1, which Ansible
    needs; such hosts show as unreachable in the report, never as ready.
seealso:
  - module: apexone.upgrade.apexone_report
  - module: apexone.upgrade.apexone_cert_facts
author:
  - apexone.upgrade contributors (@apexone-upgrade)
"""

EXAMPLES = r"""
- name: Gather the preflight facts
  apexone.upgrade.apexone_facts:
    server_upgrade_date: "2026-12-10"
"""

RETURN = r"""
ansible_facts:
  description: Facts set for the host.
  returned: success
  type: dict
  contains:
    apexone_host:
      description: The host's state as the checks read it. Roles and playbooks read its nested fields.
      type: dict
      contains:
        role:
          description: How the host was judged, V(server), V(agent) or V(both).
          type: str
        os:
          description: C(version) (for example C(6.1.7601)), C(build), C(product_type) (1 workstation, 2 domain
            controller, 3 server), C(service_pack), C(caption), C(bits) (V(64) or V(32)), C(hostname), C(powershell).
          type: dict
        agent:
          description:
            - C(present), C(registry_path) (the key for the host's bitness), C(version) (C(TmListen_Ver), else
              C(ProgramVer)), C(product) (V(xg), V(apexone) or null), C(server) (the parent server).
            - C(block) is the Hotfix block, C(value), C(kind), C(blocked) (true only for a REG_DWORD 1) and
              C(record) (C(BlockedAt), C(BlockedBy), C(ReleasedAt) as the collection recorded them).
          type: dict
        server:
          description:
            - C(present), C(local_path) (the C(PCCSRV) folder), C(install_dir), C(version), C(build), C(product),
              C(auth_backup) (C(path), C(exists), ...), C(invalid_files) (paths ending in C(_Invalid)),
              C(invalid_listing) (C(root), C(entries), C(errors)) and, with O(post_upgrade),
              C(iservice_folders) (V(iVP) and V(iAC) to the folders found).
          type: dict
        hotfixes:
          description:
            - The installed update IDs the checks read (for example C(KB4490628)), of packages installed, superseded
              or permanent - the catalog's SHA-2 (KA-0012615 item 9) and ACS updates and those that replace them,
              O(sha2_updates), and a newer update item 9 is inferred from. Not every installed update, since that list
              would be a patch inventory in the facts (C(-v) output, AWX job events, the fact cache).
              Null where they were not read; a read that timed out or found no package is in C(unreadable), never
              an empty list.
          type: list
          elements: str
        hotfix_count:
          description: How many updates are installed in all; null where they were not read.
          type: int
        services:
          description: The Trend Micro services, each with C(name), C(display_name), C(state) and C(start_mode).
          type: list
          elements: dict
        winhttp:
          description: The WinHTTP proxy, C(proxy), C(bypass), C(direct) and C(source).
          type: dict
        certificates:
          description:
            - The certificate state, as C(apexone_certificates) of M(apexone.upgrade.apexone_cert_facts) (C(ready),
              C(summary), C(present), C(missing), C(wrong_store), ...), judged as Windows works.
            - C(root_update) says whether Windows can add a missing root by itself (C(available), and C(why) not,
              V(policy), V(offline), V(route) or V(unknown); C(last_sync), C(fresh), C(route), C(source)).
            - C(blocking) (C(missing), C(wrong_store)) is what blocks the upgrade; C(windows_adds) the roots Windows
              adds on first use (C(elsewhere) names another store a copy sits in).
          type: dict
        network:
          description: On the server, each destination tested with C(host), C(port), C(dns) and C(tcp).
          type: list
          elements: dict
        unsupported_os:
          description: The name of the unsupported OS this host runs (KA-0012615 item 2), or null.
          type: str
        sha2:
          description:
            - The SHA-2 code signing updates (KA-0012615 item 9), C(os), C(any_of), C(found), C(satisfied),
              C(after_restart) (installed once the host restarts); null where the OS needs none.
            - C(known) is false when the answer holds no list of updates (then C(satisfied) is null); the finding
              C(sha2_unknown) says so, never "ready".
          type: dict
        unreadable:
          description: What could not be read, each part of the read with the host's message (a failed part makes
            its checks "could not be read", never passed).
          type: list
          elements: dict
    apexone_post_upgrade:
      description:
        - With O(post_upgrade), each check with C(check), C(kind), C(ok), C(severity), C(params), and C(detail) and
          C(fix) in English; P(apexone.upgrade.post_upgrade_summary#filter) words them in the report's language.
      type: list
      elements: dict
    apexone_findings:
      description: The checks this host fails, each with C(check), C(severity) (V(blocker), V(warning), V(info),
        V(manual)), C(source) (the Trend Micro article and item a user can look up) and C(params).
      type: list
      elements: dict
      sample:
        - check: sha2_updates
          severity: blocker
          source: KA-0012615 item 9
          params: {os: Windows 7 SP1, any_of: [KB3033929, KB4490628]}
    apexone_preflight:
      description:
        - With O(compact), the host's probe record, alone. C(collection), C(read_at) (UTC, C(YYYY-MM-DDTHH:MM:SSZ)),
          C(role); then either C(error) (why the host could not be read) or C(os) (C(caption), C(version)),
          C(unsupported_os), C(agent) (C(present), C(version), C(product)), C(server) (C(present), C(version),
          C(build), C(product)) and C(findings) (C(check), C(severity), and the C(params) the report's words use).
      type: dict
msg:
  description: The blockers of this host, in one line.
  returned: success
  type: str
"""
