#!/usr/bin/env bash
# Installs what the README's commands need into .venv (quick when nothing changed) and links
# the working tree where Ansible finds collections.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
python=${PYTHON:-python3}
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
