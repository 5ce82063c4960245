# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the probe script reads, and how to read its answer: both sides of one remote execution.

The probe reads the agent and server keys for BOTH bitnesses (a key that does not exist costs
nothing); which one counts is decided here, once the OS bitness is known. The request names each
read; ``Answer`` reads the answer back by the same names, so no other module knows how they are spelled.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.apexone.upgrade.plugins.module_utils import catalog, errors, invalid_files

SUBSETS = ("os", "hotfixes", "certificates", "registry", "services", "files", "invalid_files", "network", "folders",
           "file_hashes")
# What every host answers in the preflight; the server adds the network check.
HOST_SUBSETS = ("os", "hotfixes", "certificates", "registry", "services", "files", "invalid_files")
NETWORK_TIMEOUT_MS = 3000
# How long the installed updates may take to read (the package keys, usually well under a second); past it
# the read fails and the host's item 9 check says "could not be read".
HOTFIX_DEADLINE_MS = 15000
WINHTTP_KEY = {"view": "Registry64",
               "path": "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections"}
# Lists in the probe's answer, re-wrapped if PowerShell 5.1 unwrapped them.
LIST_PATHS = ("subsets", "hotfixes.states.*", "certificates.*", "services", "files", "file_hashes", "invalid_files",
              "network", "folders",
              "invalid_files.entries", "invalid_files.errors")


ROOT_UPDATE_POLICY, ROOT_UPDATE_STATE = "root_update_policy", "root_update_state"
BITNESSES = (64, 32)
# Reads made once per bitness: the answer holds both, Answer gives the one of the host's own bitness.
PER_BITNESS = ("agent", "agent_misc", "server", "auth_backup")


def _name(key, bits=None):
    """The name a read carries in the request and the answer: 'agent_64', or 'winhttp' for one read."""
    return key if bits is None else "%s_%d" % (key, bits)


def _reads():
    reads = []
    for bits in BITNESSES:
        agent = catalog.AGENT_KEY[bits]
        reads.append({"name": _name("agent", bits), "view": agent["view"], "path": agent["path"],
                      "values": list(catalog.AGENT_VALUES)})
        reads.append({"name": _name("agent_misc", bits), "view": agent["view"],
                      "path": agent["path"] + "\\" + catalog.AGENT_MISC_SUBKEY,
                      "values": list(catalog.AGENT_MISC_VALUES)})
        server = catalog.SERVER_KEY[bits]
        reads.append({"name": _name("server", bits), "view": server["view"], "path": server["path"],
                      "values": list(catalog.SERVER_VALUES)})
    reads.append({"name": "block_record", "view": catalog.BLOCK_RECORD_KEY["view"],
                  "path": catalog.BLOCK_RECORD_KEY["path"], "values": ["BlockedAt", "BlockedBy", "ReleasedAt", "FirstSeenAt"]})
    reads.append({"name": "winhttp", "view": WINHTTP_KEY["view"], "path": WINHTTP_KEY["path"],
                  "values": ["WinHttpSettings"]})
    # Automatic root certificate update (root_update.py): its policy, and when / where from Windows last
    # fetched the root list.
    for name, key in ((ROOT_UPDATE_POLICY, catalog.ROOT_UPDATE_POLICY_KEY), (ROOT_UPDATE_STATE, catalog.ROOT_UPDATE_STATE_KEY)):
        reads.append({"name": name, "view": key["view"], "path": key["path"], "values": list(key["values"])})
    return reads


# KA-0012615 item 11 writes "<install folder>\\Apex One\\iServiceSrv\\iVP"; which folder it calls the install
# folder is not certain, and public scripts also spell iServiceSvr: every reading is looked for.
ISERVICE_BASES = ("..", "..\\..")


def iservice_folders():
    """Folder candidates for iVP and iAC, relative to the PCCSRV folder the server's registry names."""
    folders = []
    for bits in BITNESSES:
        for feature in catalog.ISERVICE_FEATURES:
            for base in ISERVICE_BASES:
                for spelling in catalog.ISERVICE_FOLDERS + tuple(f.split("\\", 1)[1] for f in catalog.ISERVICE_FOLDERS):
                    folders.append({"name": _name(feature, bits), "registry": _name("server", bits),
                                    "value": "Local_Path", "relative": "%s\\%s\\%s" % (base, spelling, feature)})
    return folders


def endpoints(region, extra=None):
    """(host, port) pairs to test from the server for `region` (KA-0012615 item 5), plus `extra`."""
    if region not in catalog.ENDPOINTS:
        raise errors.InputError("unknown region %r: choose one of %s, or list the destinations yourself in "
                                "apexone_extra_endpoints" % (region, ", ".join(sorted(catalog.ENDPOINTS))))
    pairs = []
    for entry in list(catalog.ENDPOINTS[region]) + list(extra or []):
        if not isinstance(entry, dict) or not entry.get("host") or not entry.get("ports"):
            raise errors.InputError("each extra endpoint needs a host and a list of ports, got %r" % (entry,))
        for port in entry["ports"]:
            pairs.append({"host": str(entry["host"]), "port": int(port)})
    return pairs


def parse_proxy(text):
    """'proxy.corp.example:8080' -> ('proxy.corp.example', 8080); a clear error for anything else."""
    value = str(text or "").strip()
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536 or any(c in host for c in " /\\\"'"):
        raise errors.InputError("network proxy %r is not host:port (for example proxy.corp.example:8080): give the proxy "
                                "the server uses, without http://" % (text,))
    return host.strip("[]"), int(port)


def probe_params(subsets, stores=(catalog.ROOT, catalog.INTERMEDIATE), region=catalog.DEFAULT_REGION,
                 extra_endpoints=None, timeout_ms=NETWORK_TIMEOUT_MS, invalid_path=None, network_proxy=None,
                 server_services=None, destinations=True, root_list=False):
    """Parameters for probe.ps1 covering `subsets` (names from SUBSETS).

    `network_proxy` ('host:port'): test the destinations through it with HTTP CONNECT; without
    it they are tried directly, and the answer is only trusted when WinHTTP has no proxy.
    The network subset tests item 5's `destinations` (region and extra endpoints) and, with `root_list`,
    the address of Windows Update's root certificate list (catalog.ROOT_LIST_ENDPOINT).
    """
    unknown = [s for s in subsets if s not in SUBSETS]
    if unknown:
        raise ValueError("unknown probe subset(s) %s; choose from %s" % (", ".join(unknown), ", ".join(SUBSETS)))
    subsets = list(subsets)
    if "file_hashes" in subsets and "files" not in subsets:  # the checksums of what the files subset found
        subsets.append("files")
    params = {"Subset": list(subsets)}
    if "certificates" in subsets:
        params["CertificateStores"] = list(stores)
    if any(s in subsets for s in ("registry", "files", "invalid_files", "folders", "network")):
        params["RegistryReads"] = _reads()
        if "registry" not in subsets:
            params["Subset"].append("registry")
    if "services" in subsets:
        params["ServicePatterns"] = [s["name"] for s in catalog.AGENT_SERVICES] + [catalog.MASTER_SERVICE] + \
            list(catalog.SERVICE_PATTERNS) + [name for s in server_services or catalog.SERVER_SERVICES
                                              for name in list(s.get("names") or []) + [s["display_name"]]]
    if "hotfixes" in subsets:
        params["HotfixOsVersions"] = sorted(set("%d.%d" % rule["version"] for rule in
                                                catalog.SHA2_UPDATES + catalog.ACS_UPDATES))
        params["HotfixKey"] = catalog.CBS_PACKAGES_KEY
        params["HotfixPattern"] = catalog.CBS_KB_PATTERN
        params["HotfixDeadlineMs"] = HOTFIX_DEADLINE_MS
    if "files" in subsets:
        params["Files"] = [
            {"name": _name("auth_backup", bits), "registry": _name("server", bits), "value": "Local_Path",
             "relative": "..\\" + catalog.AUTH_BACKUP_RELATIVE}
            for bits in BITNESSES
        ]
    if "invalid_files" in subsets:
        # The server's install folder is the parent of the PCCSRV folder Local_Path names.
        params["InvalidRoots"] = ([{"name": "path", "path": invalid_path}] if invalid_path else
                                  [{"name": _name("server", bits), "registry": _name("server", bits),
                                    "value": "Local_Path", "relative": ".."} for bits in BITNESSES])
        # The script removes what this pattern matches (every trailing _Invalid) and reports whether
        # that name exists; the pattern means the same in .NET and Python regular expressions.
        params["InvalidStrip"] = invalid_files.SUFFIX.pattern
    if "folders" in subsets:
        params["Folders"] = iservice_folders()
    if "network" in subsets:
        params["Endpoints"] = (endpoints(region, extra_endpoints) if destinations else []) + \
            ([dict(catalog.ROOT_LIST_ENDPOINT)] if root_list else [])
        params["TimeoutMs"] = int(timeout_ms)
        if network_proxy:
            params["ProxyHost"], params["ProxyPort"] = parse_proxy(network_proxy)
    return params


class Answer:
    """One probe answer, read by the names the request gave, for the host's own bitness.

    ``Answer(raw).registry("agent")`` is the agent key the host's bitness makes count;
    ``registry("winhttp")`` a read made once. A part the probe did not read is empty, never an error.
    """

    def __init__(self, raw):
        self.raw = raw or {}
        self.os = self.raw.get("os") or {}
        self.bits = 64 if self.os.get("is_64bit") else 32

    def _own(self, key):
        return _name(key, self.bits if key in PER_BITNESS else None)

    def _listed(self, part, key):
        wanted = self._own(key)
        return [entry for entry in self.raw.get(part) or [] if entry.get("name") == wanted]

    def registry(self, key):
        """{exists, values: {name: {kind, value}}} of the read `key`."""
        return (self.raw.get("registry") or {}).get(self._own(key)) or {}

    def read(self, key):
        """The read `key` as answered ({exists, values, path}), or None when the answer does not hold it (not
        asked, or the registry part failed): unlike registry(), absence is never taken for an absent key."""
        found = (self.raw.get("registry") or {}).get(self._own(key))
        return found if isinstance(found, dict) else None

    def values(self, key):
        """name -> {kind, value} of the read `key`."""
        return dict(self.registry(key).get("values") or {})

    def value(self, key, name):
        """One value of the read `key` as the host uses it (REG_EXPAND_SZ expanded: the probe sends both), or None."""
        entry = self.values(key).get(name)
        return None if entry is None else entry.get("expanded", entry.get("value"))

    def file(self, key):
        """The file `key` (for example auth_backup): {path, exists, ..., sha256 when file_hashes was asked for and
        the file could be read, else its error}, or None."""
        found = self._listed("files", key)
        if not found:
            return None
        entry = dict(found[0])
        for digest in self._listed("file_hashes", key):
            entry.update((k, v) for k, v in digest.items() if k in ("sha256", "error"))
        return entry

    def listing(self, key="server"):
        """The *_Invalid listing under the root `key`: {root, entries, errors}."""
        found = self._listed("invalid_files", key)
        return found[0] if found else {}

    def folders(self):
        """Feature (iVP, iAC) -> the folder candidates looked for, for the host's bitness (none: not asked)."""
        found = {}
        for feature in catalog.ISERVICE_FEATURES:
            entries = [entry for entry in self.raw.get("folders") or [] if entry.get("name") == _name(feature, self.bits)]
            if entries:
                found[feature] = entries
        return found
