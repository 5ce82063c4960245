#!/usr/bin/env bash
# The main job on the built-in simulated lab: a fresh lab, then the preflight, as ops would run it.
# The lab hosts answer on a loopback WS-Management endpoint (tests/lab/endpoint/) that this script
# starts and stops; Ansible reaches them with its real winrm plugin, NTLM and message encryption.
# The lab is built to have blockers, so the play reports them without failing (apexone_fail_on_blockers=false).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/bootstrap.sh"
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$ROOT"
export APEXONE_LAB_DIR="$ROOT/build/lab"
python tests/lab/endpoint/serve.py stop --lab-dir "$APEXONE_LAB_DIR"
rm -rf "$APEXONE_LAB_DIR"
mkdir -p "$APEXONE_LAB_DIR"
python tests/lab/endpoint/serve.py start --lab-dir "$APEXONE_LAB_DIR"
trap 'python tests/lab/endpoint/serve.py stop --lab-dir "$APEXONE_LAB_DIR"' EXIT
export ANSIBLE_CONFIG="$ROOT/tests/lab/ansible.cfg"
ansible-playbook playbooks/preflight.yml \
    -e apexone_report_dir="$ROOT/build/reports" -e apexone_backup_dir="$ROOT/build/backups" \
    -e apexone_server_upgrade_date=2026-12-10 -e apexone_fail_on_blockers=false "$@"
echo
echo "Per host, counted by the lab endpoint: remote executions, HTTP requests, bytes on the wire, WinRS shells"
python - "$APEXONE_LAB_DIR" <<'PY'
import json, os, sys
folder = os.path.join(sys.argv[1], "counts")
for name in sorted(os.listdir(folder)):
    if name.endswith(".json"):
        with open(os.path.join(folder, name)) as handle:
            data = json.load(handle)
        print("  %-22s %d execution(s), %d requests, %d bytes to the host, %d from it, %d shell(s) opened, %d left open" % (
            name[:-5], data["executions"], data["http_requests"], data["wire_bytes_to_host"],
            data["wire_bytes_from_host"], data["shells_opened"], data["shells_open"]))
PY
echo
echo "Report: $(find "$ROOT/build/reports" -name 'preflight-*.html' | sort | tail -1)"
