#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection staged at .../ansible_collections/apexone/upgrade
# (ansible-test refuses a symlink), outside this work tree so git does not hide the files from it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
stage_root="${TMPDIR:-/tmp}/apexone-upgrade-sanity-$(printf %s "$ROOT" | sha256sum | cut -c1-12)"
stage="$stage_root/ansible_collections/apexone/upgrade"
rm -rf "$stage_root"
mkdir -p "$stage"
# What git tracks or would track, as it is in the working tree (a file deleted there is left out).
git ls-files -z --cached --others --exclude-standard \
    | python -c 'import os, sys; sys.stdout.write("".join(p + "\0" for p in sys.stdin.read().split("\0") if p and os.path.isfile(p)))' \
    | tar --null -T - -cf - | tar -xf - -C "$stage"

# ansible-test downloads get-pip from a host outside the package registries; use the stand-in.
pip_versions=$(python - <<'PY'
import re, ansible_test, os
path = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
print(" ".join(sorted(set(re.findall(r"pip='([0-9.]+)'", open(path).read())))))
PY
)
mkdir -p "$HOME/.ansible/test/cache"
for version in $pip_versions; do
    cp scripts/offline_get_pip.py "$HOME/.ansible/test/cache/get_pip_${version//./_}.py"
done

python_version=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cd "$stage"
ansible-test sanity --venv --python "$python_version" --color no "$@"
