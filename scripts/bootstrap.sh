#!/usr/bin/env bash
# Installs what the README's commands need into .venv (quick when nothing changed) and links
# the working tree where Ansible finds collections.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
python=${PYTHON:-python3}

# Debian tools the checks use: shellcheck (ansible-test sanity), the CA bundle (real certificates
# for the tests), Samba as an Active Directory domain controller (the real directory the inventory
# tests query; ldb-tools loads computer objects in bulk; also the lab realm's KDC). Kerberos on the
# controller: kinit (krb5-user; the winrm plugin runs it), and what building pykerberos, gssapi and
# krb5 from PyPI needs (no Linux wheels: libkrb5-dev's krb5-config and headers, gcc, Python's headers).
# faketime: the lab's Kerberos test of a host whose clock is off. Installed only when missing and when we may.
missing=()
command -v shellcheck >/dev/null || missing+=(shellcheck)
[ -d /usr/share/ca-certificates/mozilla ] || missing+=(ca-certificates)
for tool in samba:samba samba-tool:samba-ad-dc ldbadd:ldb-tools wbinfo:winbind kinit:krb5-user \
            krb5-config:libkrb5-dev gcc:gcc faketime:faketime; do
    command -v "${tool%%:*}" >/dev/null || [ -x "/usr/sbin/${tool%%:*}" ] || missing+=("${tool#*:}")
done
"$python" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    || missing+=(python3-dev)
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
    if ! command -v krb5-config >/dev/null; then
        echo "bootstrap: pykerberos, gssapi and krb5 build from source and need MIT Kerberos' headers: install" \
             "libkrb5-dev and gcc (Debian/Ubuntu) or krb5-devel and gcc (RHEL), or run this as root" >&2
        exit 1
    fi
    echo "== setting up $VENV (one time, a few minutes: the Kerberos libraries build from source)"
    "$python" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r requirements-dev.txt
    echo "$want" > "$stamp"
fi
mkdir -p build/collections/ansible_collections/apexone
ln -sfn "$ROOT" build/collections/ansible_collections/apexone/upgrade
