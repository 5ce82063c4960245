# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A simulated Windows host's state: loaded from a YAML seed, kept as JSON in the lab folder.

The seed files under tests/lab/hosts/ are never written; each run works on its own copy in
APEXONE_LAB_DIR, so a test can run a playbook twice and see what the first run changed.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import ntpath
import os

import yaml

LAB_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOSTS_DIR = os.path.join(LAB_ROOT, "hosts")
CERT_SETS_FILE = os.path.join(LAB_ROOT, "certificate_sets.yml")


class LabError(Exception):
    """The lab was set up wrongly (missing state file, no lab folder): a test harness error."""


def lab_dir() -> str:
    path = os.environ.get("APEXONE_LAB_DIR")
    if not path:
        raise LabError("APEXONE_LAB_DIR is not set: point it at an empty folder where the lab keeps host "
                       "state and counters (the README's commands and the tests set it)")
    return path


def _load_yaml(path: str):
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


_CERT_SETS: dict | None = None


def _certificate_sets() -> dict:
    global _CERT_SETS  # pylint: disable=global-statement
    if _CERT_SETS is None:
        _CERT_SETS = _load_yaml(CERT_SETS_FILE)
    return _CERT_SETS


def expand_certificates(stores: dict) -> dict:
    """Replace `{set: NAME, except: [names]}` items (or `only: [names]`) by the named set's explicit entries."""
    expanded = {}
    for store, items in (stores or {}).items():
        entries = []
        for item in items or []:
            if "set" in item:
                skip = set(item.get("except") or ())
                only = set(item["only"]) if "only" in item else None
                entries.extend(copy.deepcopy(e) for e in _certificate_sets()[item["set"]]
                               if e["name"] not in skip and (only is None or e["name"] in only))
            else:
                entries.append(dict(item))
        expanded[store] = entries
    return expanded


# The servicing stack's package keys, which probe.ps1 reads for the installed updates. A seed's `hotfixes`
# lists what is installed: a KB string is a package Package_for_<KB>~...~~<major.minor>.1.0 in state 112
# (installed); {kb, state, name} sets another CurrentState (None: the key has no such value) or the key's
# whole name (a rollup's sub-package, Package_<n>_for_<KB>). Every host also has the OS's own foundation
# package, as Windows does. Faults: `cbs_missing` (no Packages key), `cbs_empty` (a key without packages).
CBS_PACKAGES = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\Packages"


def expand_updates(state: dict) -> None:
    faults = state.get("faults") or {}
    if faults.get("cbs_missing"):
        return
    registry = state.setdefault("registry", {})
    registry.setdefault(CBS_PACKAGES, {})
    if faults.get("cbs_empty"):
        return
    os_info = state.get("os") or {}
    arch = "amd64" if os_info.get("is_64bit") else "x86"
    version = str(os_info.get("version") or "0.0.0")
    major_minor = ".".join(version.split(".")[:2])
    packages = {"Microsoft-Windows-Foundation-Package~31bf3856ad364e35~%s~~%s.0" % (arch, version): 112}
    for item in state.get("hotfixes") or []:
        item = {"kb": item} if isinstance(item, str) else item
        name = item.get("name") or "Package_for_%s~31bf3856ad364e35~%s~~%s.1.0" % (item["kb"], arch, major_minor)
        packages[name] = item.get("state", 112)
    for name, current in packages.items():
        registry[CBS_PACKAGES + "\\" + name] = {} if current is None else {
            "CurrentState": {"kind": "DWord", "value": current}}


def seed_path(name: str) -> str:
    return name if os.path.isabs(name) else os.path.join(HOSTS_DIR, name if name.endswith(".yml") else name + ".yml")


def load_seed(name: str) -> dict:
    path = seed_path(name)
    if not os.path.exists(path):
        raise LabError("lab host state %s does not exist (set apexone_lab_state to a file under %s)" % (path, HOSTS_DIR))
    state = _load_yaml(path) or {}
    state["certificates"] = expand_certificates(state.get("certificates"))
    state["policy_certificates"] = expand_certificates(state.get("policy_certificates"))
    state["enterprise_certificates"] = expand_certificates(state.get("enterprise_certificates"))
    state.setdefault("registry", {})
    state.setdefault("files", {})
    state.setdefault("services", [])
    state.setdefault("hotfixes", [])
    state.setdefault("faults", {})
    expand_updates(state)
    return state


class HostState:
    """One host's working state, locked while a script runs against it."""

    def __init__(self, host: str, seed: str, base: str | None = None) -> None:
        self.host = host
        self.seed = seed
        base = base or lab_dir()
        os.makedirs(os.path.join(base, "state"), exist_ok=True)
        self.path = os.path.join(base, "state", host + ".json")
        self.lock_path = self.path + ".lock"

    @contextlib.contextmanager
    def open(self):
        """Yield the state dict; whatever the block leaves in it is saved."""
        with open(self.lock_path, "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if os.path.exists(self.path):
                    with open(self.path, encoding="utf-8") as handle:
                        data = json.load(handle)
                else:
                    data = load_seed(self.seed)
                yield data
                tmp = self.path + ".tmp"
                with open(tmp, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, ensure_ascii=False, indent=1, sort_keys=True)
                os.replace(tmp, self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


# The physical stores of each LocalMachine logical store, as Microsoft documents them ("System Store Locations",
# CERT_SYSTEM_STORE_LOCAL_MACHINE), and where a seed keeps each one's certificates:
#   .Default      certificates.<store>              HKLM\SOFTWARE\Microsoft\SystemCertificates\<store>
#   .AuthRoot     certificates.AuthRoot             the AuthRoot store's own registry store, where automatic
#                                                   root update puts the roots it downloads (Root only)
#   .GroupPolicy  policy_certificates.<store>       HKLM\SOFTWARE\Policies\Microsoft\SystemCertificates\<store>
#   .Enterprise   enterprise_certificates.<store>   HKLM\SOFTWARE\Microsoft\EnterpriseCertificates\<store>
# (.SmartCard, Root's last, is not modelled: no seed holds one.) A logical store is a collection store: it lists
# every physical store's certificates one after another and merges nothing, so a certificate held twice is listed
# twice. The order follows the documentation's list; Windows' own order is not documented, so nothing may
# depend on it. A store the table does not name is its .Default alone; a seed that gives such a store policy or
# enterprise certificates is refused (the lab does not know which physical stores it has).
PHYSICAL_STORES = {
    "Root": (("certificates", "Root"), ("certificates", "AuthRoot"), ("policy_certificates", "Root"),
             ("enterprise_certificates", "Root")),
    "CA": (("certificates", "CA"), ("policy_certificates", "CA"), ("enterprise_certificates", "CA")),
    "Trust": (("certificates", "Trust"), ("policy_certificates", "Trust"), ("enterprise_certificates", "Trust")),
    "My": (("certificates", "My"),),
}


def logical_store(host: dict, name: str) -> list:
    """A LocalMachine store as the scripts list it (PowerShell's Cert: provider, X509Store(name, LocalMachine)):
    the logical store, every physical store of PHYSICAL_STORES in turn, duplicates kept."""
    parts = PHYSICAL_STORES.get(name)
    if parts is None:
        for section in ("policy_certificates", "enterprise_certificates"):
            if (host.get(section) or {}).get(name):
                raise LabError("the seed's %s holds store %r: the lab models the physical stores of %s only"
                               % (section, name, ", ".join(sorted(PHYSICAL_STORES))))
        parts = (("certificates", name),)
    return [cert for section, store in parts for cert in (host.get(section) or {}).get(store) or []]


# --- the registry, as Windows presents it through RegistryKey.OpenBaseKey(hive, view) ---

def physical_key(path: str, view: str, is_64bit: bool) -> str:
    """Where a key opened in `view` really lives: the 32-bit view of SOFTWARE on 64-bit Windows
    is redirected under WOW6432Node; a 64-bit view asked for on 32-bit Windows is the 32-bit one."""
    clean = path.strip("\\")
    lower = clean.lower()
    if is_64bit and view == "Registry32" and lower.startswith("software\\") and not lower.startswith("software\\wow6432node"):
        return "SOFTWARE\\WOW6432Node\\" + clean[len("software\\"):]
    return clean


def find_key(registry: dict, path: str):
    """Keys are case-insensitive on Windows: return the stored spelling, or None."""
    wanted = path.lower()
    for key in registry:
        if key.lower() == wanted:
            return key
    return None


def subkey_names(registry: dict, path: str) -> list:
    """RegistryKey.GetSubKeyNames: the names one level below `path` (stored spellings, in stored order); a
    deeper key stored without its parent still names that parent, as the registry would hold it."""
    prefix = path.rstrip("\\").lower() + "\\"
    names: list = []
    seen: set = set()
    for key in registry:
        if key.lower().startswith(prefix):
            child = key[len(prefix):].split("\\", 1)[0]
            if child.lower() not in seen:
                seen.add(child.lower())
                names.append(child)
    return names


def find_file(files: dict, path: str):
    wanted = ntpath.normcase(ntpath.normpath(path))
    for key in files:
        if ntpath.normcase(ntpath.normpath(key)) == wanted:
            return key
    return None
