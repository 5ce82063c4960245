#!/usr/bin/env bash
# The base image the execution environment is built on where no container registry is reachable:
# Debian made with debootstrap from the mirror this machine's apt uses, imported into podman, plus
# what the build needs here and nothing of the collection's:
#   - pip's CA bundle and pip.conf, copied from this machine at build time (never kept in the repository);
#   - apt's package lists;
#   - a virtual environment for the image's Python (/opt/ee-python, first on PATH, as ubi9/python-311 has
#     /opt/app-root): Debian's own python3 refuses ensurepip, which ansible-builder runs;
#   - microsoft.ad from the ansible package in .venv (Galaxy cannot be reached), where ansible-galaxy
#     finds it installed and so does not look for it.
# Both steps are cached: the debootstrap tarball in APEXONE_EE_CACHE, the images by a hash of their
# inputs. Writes the base image's name to build/ee/base-image.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$ROOT"
export CONTAINERS_CONF="$here/ee_containers.conf"
cache=${APEXONE_EE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/apexone-upgrade-ee}
suite=${APEXONE_EE_SUITE:-bookworm}
packages=python3,python3-pip,python3-venv
mkdir -p "$cache" build/ee/base
rm -f build/ee/base-image.txt

mirror=$(apt-cache policy | awk -v want="$suite/main" '$3 == want {print $2; exit}')
if [ -z "$mirror" ]; then
    echo "ee_base: apt on this machine has no mirror for $suite/main; set APEXONE_EE_SUITE to a suite it has" >&2
    exit 1
fi

os_key=$(printf '%s\n' "$suite" "$packages" "$mirror" "$(dpkg-query -W -f='${Version}' debootstrap)" | sha256sum | cut -c1-12)
os_tar="$cache/debian-$suite-$os_key.tar"
os_image="localhost/apexone-upgrade-ee-os:$os_key"
if ! podman image exists "$os_image"; then
    if [ ! -s "$os_tar" ]; then
        echo "== debootstrap $suite (minbase, $packages) from $mirror: one time, about a minute"
        root=$(mktemp -d "$cache/rootfs.XXXXXX")
        trap 'rm -rf "$root"' EXIT
        debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >build/ee/base/debootstrap.log 2>&1 \
            || { tail -20 build/ee/base/debootstrap.log >&2; echo "ee_base: debootstrap failed (log: build/ee/base/debootstrap.log)" >&2; exit 1; }
        rm -rf "$root"/var/cache/apt/archives/*.deb
        part=$(mktemp "$os_tar.XXXXXX")
        tar -C "$root" -cf "$part" .
        mv "$part" "$os_tar"
        rm -rf "$root"
        trap - EXIT
    fi
    echo "== podman import $os_tar"
    podman import "$os_tar" "$os_image" >/dev/null 2>&1
fi

# What the build on this machine needs on top: inputs copied into a build folder, hashed for the tag.
context=build/ee/base/context
rm -rf "$context"
mkdir -p "$context/collections/ansible_collections/microsoft"
ca_bundle=${APEXONE_EE_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
cp "$ca_bundle" "$context/pip-ca.crt"
# The Kerberos packages (pykerberos, gssapi, krb5) publish no wheels for Linux: each image build compiles them,
# many minutes on two cores. Where the image's Debian release is this machine's, the wheels pip built for .venv
# (its cache; the same release's libkrb5, CPython 3.11's ABI) are offered to the image's pip as a folder
# (find-links). pip still resolves against PyPI: the same versions install from these wheels, a newer release
# there is built from source as before. The definition is unchanged; only this base image carries the folder.
mkdir -p "$context/wheels"
pip_conf='[global]\ncert = /etc/pip-ca.crt\n'
# shellcheck disable=SC1091
if [ "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" = "$suite" ]; then
    kerberos=$(grep -E '^(pykerberos|gssapi|krb5)==' requirements-dev.txt)
    # shellcheck disable=SC2086
    if "$VENV/bin/pip" wheel --quiet --disable-pip-version-check --no-deps -w "$context/wheels" $kerberos \
            >build/ee/base/wheels.log 2>&1; then
        pip_conf='[global]\ncert = /etc/pip-ca.crt\nfind-links = /opt/ee-wheels\n'
        echo "== Kerberos wheels from this machine for the image's pip: $(cd "$context/wheels" && echo *.whl)"
    else
        rm -f "$context"/wheels/*.whl
        echo "== no Kerberos wheels from this machine (build/ee/base/wheels.log): the image builds them" >&2
    fi
fi
# shellcheck disable=SC2059
printf "$pip_conf" >"$context/pip.conf"
ad=$(python -c 'import ansible_collections.microsoft.ad as m; print(list(m.__path__)[0])' 2>/dev/null || true)
if [ -z "$ad" ] || [ ! -f "$ad/MANIFEST.json" ]; then
    echo "ee_base: microsoft.ad is not in .venv (it comes with the ansible package of requirements-dev.txt)" >&2
    exit 1
fi
cp -r "$ad" "$context/collections/ansible_collections/microsoft/ad"
find "$context/collections" -name __pycache__ -prune -exec rm -rf {} +
cat >"$context/Containerfile" <<EOF
FROM $os_image
ENV DEBIAN_FRONTEND=noninteractive
COPY pip-ca.crt /etc/pip-ca.crt
COPY pip.conf /etc/pip.conf
COPY wheels/ /opt/ee-wheels/
RUN apt-get update -qq
RUN python3 -m venv /opt/ee-python
ENV PATH=/opt/ee-python/bin:\$PATH
COPY collections/ /usr/share/ansible/collections/
EOF
base_key=$( (cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12)
base_image="localhost/apexone-upgrade-ee-base:$base_key"
if ! podman image exists "$base_image"; then
    echo "== podman build $base_image"
    podman build --network=host -t "$base_image" "$context" >build/ee/base/build.log 2>&1 \
        || { tail -20 build/ee/base/build.log >&2; echo "ee_base: the base image did not build (log: build/ee/base/build.log)" >&2; exit 1; }
fi
echo "$base_image" >build/ee/base-image.txt
echo "== base image: $base_image"
