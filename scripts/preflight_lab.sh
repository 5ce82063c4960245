#!/usr/bin/env bash
# The main job on the built-in simulated lab: a fresh lab, then the playbook, as ops would run it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/bootstrap.sh"
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$ROOT"
export APEXONE_LAB_DIR="$ROOT/build/lab"
rm -rf "$APEXONE_LAB_DIR"
mkdir -p "$APEXONE_LAB_DIR"
export ANSIBLE_CONFIG="$ROOT/tests/lab/ansible.cfg"
ansible-playbook tests/lab/plays/certificates.yml "$@"
echo
echo "Remote executions per host (counted by the lab):"
python - "$APEXONE_LAB_DIR" <<'PY'
import json, os, sys
folder = os.path.join(sys.argv[1], "counts")
for name in sorted(os.listdir(folder)):
    if name.endswith(".json"):
        data = json.load(open(os.path.join(folder, name)))
        print("  %-22s %d execution(s), %d bytes sent, %d received" % (
            name[:-5], data["executions"], data["bytes_sent"], data["bytes_received"]))
PY
