#!/usr/bin/env bash
# Installs what the README's commands need into .venv (quick when nothing changed) and links
# the working tree where Ansible finds collections.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
python=${PYTHON:-python3}

# Debian tools the checks use: shellcheck (ansible-test sanity), the CA bundle (real certificates
# for the tests), Samba as an Active Directory domain controller (the real directory the inventory
# tests query; ldb-tools loads computer objects in bulk). Installed only when missing and when we may.
missing=()
command -v shellcheck >/dev/null || missing+=(shellcheck)
[ -d /usr/share/ca-certificates/mozilla ] || missing+=(ca-certificates)
for tool in samba:samba samba-tool:samba-ad-dc ldbadd:ldb-tools wbinfo:winbind; do
    command -v "${tool%%:*}" >/dev/null || [ -x "/usr/sbin/${tool%%:*}" ] || missing+=("${tool#*:}")
done
# `bootstrap.sh ee`: also what builds and runs the execution environment (scripts/ee_build.sh):
# podman with runc (crun cannot start containers on these machines) and debootstrap for the base.
if [ "${1:-}" = ee ]; then
    for tool in podman:podman runc:runc debootstrap:debootstrap; do
        command -v "${tool%%:*}" >/dev/null || [ -x "/usr/sbin/${tool%%:*}" ] || missing+=("${tool#*:}")
    done
fi
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${missing[*]} from Debian"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "${1:-}" = ee ] && ! { command -v podman && command -v runc && PATH="$PATH:/usr/sbin" command -v debootstrap; } >/dev/null; then
    echo "bootstrap: the execution environment needs podman, runc and debootstrap, and they could not be installed" >&2
    echo "(installed only as root on Debian or Ubuntu: apt-get install podman runc debootstrap)" >&2
    exit 1
fi
want=$(cat requirements-dev.txt requirements.txt | sha256sum | cut -d' ' -f1)
stamp="$VENV/.requirements.sha256"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "== setting up $VENV (one time, about a minute)"
    "$python" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements-dev.txt
    echo "$want" > "$stamp"
fi
mkdir -p build/collections/ansible_collections/apexone
ln -sfn "$ROOT" build/collections/ansible_collections/apexone/upgrade
