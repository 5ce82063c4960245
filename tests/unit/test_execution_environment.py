# -*- coding: utf-8 -*-
# Copyright: apexone.upgrade contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The execution environment's inputs, read by the tools that read them in a real image build.

The collection is built and installed as Galaxy ships it (galaxy.yml's build_ignore applies); then
ansible-builder's own introspection reads the installed copy, as it does in any image that adds this
collection; bindep evaluates the system list on Debian and on Red Hat images; ansible-builder writes the
build context of execution-environment.yml. scripts/ee_preflight.sh builds the image and runs it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tarfile

import pytest
import yaml
from bindep.depends import Depends

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*command, cwd=None):
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(command), done.stdout, done.stderr)
    return done.stdout


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The collection's tarball and a collections folder where it is installed from it."""
    work = tmp_path_factory.mktemp("ee")
    _run("ansible-galaxy", "collection", "build", "--output-path", str(work / "dist"), ROOT)
    (tarball,) = (work / "dist").glob("apexone-upgrade-*.tar.gz")
    _run("ansible-galaxy", "collection", "install", "--offline", "--no-deps", "--force", "-p", str(work / "collections"),
         str(tarball))
    return tarball, work / "collections"


def _names(lines):
    return {re.split(r"[\s\[<>=!~;]", line.strip(), maxsplit=1)[0].lower() for line in lines}


def test_an_image_that_adds_the_collection_gets_its_python_packages(shipped):
    _tarball, collections = shipped
    data = yaml.safe_load(_run("ansible-builder", "introspect", str(collections)).split("---", 1)[1])
    ours = [line for line in data["python"] if line.endswith("# from collection apexone.upgrade")]
    assert {"pywinrm", "pypsrp", "cryptography", "jinja2", "pyspnego", "sansldap", "jsonschema"} <= _names(ours)
    # Kerberos for both connections: the extras that pull pykerberos, gssapi and krb5
    assert any(line.startswith("pywinrm[kerberos]") for line in ours)
    assert any(line.startswith("pypsrp[kerberos]") for line in ours)
    systems = [line for line in data["system"] if line.endswith("# from collection apexone.upgrade")]
    assert {"krb5-user", "krb5-workstation"} <= _names(systems)


def _packages(profiles):
    with open(os.path.join(ROOT, "meta", "ee-bindep.txt"), encoding="utf-8") as handle:
        depends = Depends(handle.read())
    return {rule[0] for rule in depends.active_rules(["default"] + profiles)}


@pytest.mark.parametrize("platform, at_run_time, to_build_wheels", [
    (["platform:dpkg", "platform:debian"], {"krb5-user"}, {"libkrb5-dev", "gcc", "python3-dev"}),
    (["platform:rpm", "platform:redhat", "platform:rhel"], {"krb5-workstation", "krb5-libs"},
     {"krb5-devel", "gcc", "python3-devel"}),
])
def test_system_packages_per_platform_and_compilers_only_to_build(platform, at_run_time, to_build_wheels):
    assert _packages(platform) == at_run_time
    assert _packages(platform + ["compile"]) == at_run_time | to_build_wheels


def test_the_shipped_collection_declares_microsoft_ad_and_carries_no_image_definition(shipped):
    tarball, _collections = shipped
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    assert set(manifest["collection_info"]["dependencies"]) == {"microsoft.ad"}
    assert {"meta/execution-environment.yml", "meta/ee-requirements.txt", "meta/ee-bindep.txt",
            "requirements.txt"} <= names
    assert "execution-environment.yml" not in names  # the image's definition is not the collection's


def test_the_definition_writes_a_build_context_for_python_3_11_and_the_supported_core(tmp_path):
    _run("ansible-builder", "create", "-f", os.path.join(ROOT, "execution-environment.yml"),
         "-c", str(tmp_path / "context"), "--output-filename", "Containerfile")
    with open(tmp_path / "context" / "Containerfile", encoding="utf-8") as handle:
        containerfile = handle.read()
    assert 'ARG PYCMD="/usr/bin/python3.11"' in containerfile
    core = re.search(r'ARG ANSIBLE_INSTALL_REFS="ansible-core>=([0-9.]+),<([0-9.]+) ', containerfile)
    with open(os.path.join(ROOT, "meta", "runtime.yml"), encoding="utf-8") as handle:
        requires = yaml.safe_load(handle)["requires_ansible"]
    assert core and requires == ">=%s.0" % core.group(1)  # the image's lowest core is the collection's
    with open(tmp_path / "context" / "_build" / "requirements.yml", encoding="utf-8") as handle:
        galaxy = yaml.safe_load(handle)
    assert galaxy == {"collections": [{"name": "collections/apexone-upgrade.tar.gz", "type": "file"}]}
