#!/usr/bin/env bash
# The main job on the built-in simulated lab: a fresh lab, then the preflight, as ops would run it.
# The lab is built to have blockers, so the play reports them without failing (apexone_fail_on_blockers=false).
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
ansible-playbook playbooks/preflight.yml \
    -e apexone_report_dir="$ROOT/build/reports" -e apexone_backup_dir="$ROOT/build/backups" \
    -e apexone_server_upgrade_date=2026-12-10 -e apexone_fail_on_blockers=false "$@"
echo
echo "Remote executions per host (counted by the lab):"
python - "$APEXONE_LAB_DIR" <<'PY'
import json, os, sys
folder = os.path.join(sys.argv[1], "counts")
for name in sorted(os.listdir(folder)):
    if name.endswith(".json"):
        with open(os.path.join(folder, name)) as handle:
            data = json.load(handle)
        print("  %-22s %d execution(s), %d bytes sent, %d received" % (
            name[:-5], data["executions"], data["bytes_sent"], data["bytes_received"]))
PY
echo
echo "Report: $(find "$ROOT/build/reports" -name 'preflight-*.html' | sort | tail -1)"
