#!/usr/bin/env bash
# The preflight inside the execution environment, the way AWX runs a job: ansible-runner in the image,
# the job's private data folder at /runner (thrown away after), the project folder mounted read-only at
# /runner/project (the playbook's inventory comes from it), a persistent volume for the reports at
# /srv/apexone, the host's network (the lab's WS-Management endpoint listens on 127.0.0.1).
#   bash scripts/ee_preflight.sh [debian|ubi9]
# Checks: the image holds the collection, microsoft.ad, ansible-core in the supported range and the
# Kerberos pieces; the job succeeds; its report judges every host as the same preflight run on this
# machine does; the lab endpoint saw one remote execution per host from the container.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
form=${1:-debian}
bash "$here/ee_build.sh" "$form"
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$ROOT"
image=$(cat "build/ee/image-$form.txt")
export CONTAINERS_CONF="$here/ee_containers.conf"
started=$SECONDS

echo "== what the image holds"
podman run --rm "$image" sh -c '
    set -e
    ansible --version | head -1
    "$(sed -n "1s/^#!//p" "$(command -v ansible)")" - <<PY
import ansible.release, importlib.metadata as md
version = tuple(int(part) for part in ansible.release.__version__.split(".")[:2])
assert (2, 16) <= version < (2, 22), "ansible-core %s is outside 2.16-2.21" % ansible.release.__version__
import gssapi, krb5, kerberos, winrm, pypsrp, spnego, sansldap, jsonschema, jinja2, cryptography  # noqa
for name in ("ansible-runner", "pywinrm", "pypsrp", "pyspnego", "gssapi", "krb5", "pykerberos"):
    print("%s %s" % (name, md.version(name)))
PY
    command -v kinit
    ansible-galaxy collection list apexone.upgrade 2>/dev/null | grep -E "^apexone\.upgrade "
    ansible-galaxy collection list microsoft.ad 2>/dev/null | grep -E "^microsoft\.ad "
' || { echo "ee_preflight: $image lacks something above" >&2; exit 1; }

# The lab on this machine, in the project folder so that the container sees its port file.
lab=build/ee-lab
export APEXONE_LAB_DIR="$ROOT/$lab"
python tests/lab/endpoint/serve.py stop --lab-dir "$APEXONE_LAB_DIR"
rm -rf "$APEXONE_LAB_DIR" build/ee-job build/ee-volume build/ee-controller
mkdir -p "$APEXONE_LAB_DIR" build/ee-job/env build/ee-job/project build/ee-volume
python tests/lab/endpoint/serve.py start --lab-dir "$APEXONE_LAB_DIR"
trap 'python tests/lab/endpoint/serve.py stop --lab-dir "$APEXONE_LAB_DIR"' EXIT

cat >build/ee-job/env/extravars <<'EOF'
---
apexone_report_dir: /srv/apexone/reports
apexone_backup_dir: /srv/apexone/backups
apexone_server_upgrade_date: '2026-12-10'
apexone_fail_on_blockers: false
EOF
printf -- '---\nAPEXONE_LAB_DIR: /runner/project/%s\n' "$lab" >build/ee-job/env/envvars
# The image's user (not root) owns the job folder and the volume, as on an execution node.
user=$(podman image inspect --format '{{.Config.User}}' "$image")
chown -R "${user:-1000}" build/ee-job build/ee-volume

echo "== ansible-runner run: apexone.upgrade.preflight in $image against the lab"
set +e
podman run --rm --network=host \
    -v "$ROOT/build/ee-job:/runner" -v "$ROOT:/runner/project:ro" -v "$ROOT/build/ee-volume:/srv/apexone" \
    "$image" ansible-runner run /runner -p apexone.upgrade.preflight \
    --inventory /runner/project/tests/lab/inventory.yml >build/ee-job.log 2>&1
status=$?
set -e
sed 's/\x1b\[[0-9;]*m//g; s/\r//g' build/ee-job.log | grep -E '^(PLAY RECAP|[a-z0-9-]+ +: ok=)' || true
if [ "$status" != 0 ]; then
    tail -40 build/ee-job.log >&2
    echo "ee_preflight: the job failed in the container (exit $status); its output is build/ee-job.log" >&2
    exit 1
fi

echo "== the same preflight on this machine, to compare"
ANSIBLE_CONFIG="$ROOT/tests/lab/ansible.cfg" ansible-playbook playbooks/preflight.yml \
    -e apexone_report_dir="$ROOT/build/ee-controller/reports" -e apexone_backup_dir="$ROOT/build/ee-controller/backups" \
    -e apexone_server_upgrade_date=2026-12-10 -e apexone_fail_on_blockers=false >build/ee-controller.log 2>&1 \
    || { tail -20 build/ee-controller.log >&2; echo "ee_preflight: the preflight failed on this machine" >&2; exit 1; }

python - "$APEXONE_LAB_DIR" build/ee-volume/reports build/ee-controller/reports <<'PY'
import glob, json, os, sys
lab, in_image, on_controller = sys.argv[1:]

def verdict(folder):
    reports = sorted(glob.glob(os.path.join(folder, "preflight-*.json")))
    if len(reports) != 1:
        sys.exit("ee_preflight: expected one JSON report in %s, found %d" % (folder, len(reports)))
    with open(reports[0], encoding="utf-8") as handle:
        data = json.load(handle)
    hosts = {h["host"]: (h["status"], h["findings"]) for h in data["hosts"]}
    # when each run read its first and last host differs by nature; the rest of the summary must not
    summary = {k: v for k, v in data["summary"].items() if k not in ("read_from", "read_to")}
    return reports[0], summary, hosts

report, summary, hosts = verdict(in_image)
_, summary_here, hosts_here = verdict(on_controller)
if (summary, hosts) != (summary_here, hosts_here):
    for name in sorted(set(hosts) | set(hosts_here)):
        if hosts.get(name) != hosts_here.get(name):
            print("  %s: in the image %s, on this machine %s" % (name, hosts.get(name), hosts_here.get(name)))
    sys.exit("ee_preflight: the report made in the image differs from this machine's: %s / %s" % (summary, summary_here))
executions = {}
for name in os.listdir(os.path.join(lab, "counts")):
    if not name.endswith(".json"):
        continue
    with open(os.path.join(lab, "counts", name), encoding="utf-8") as handle:
        executions[name[:-5]] = json.load(handle)["executions"]
# Each host was read twice: once from the container, once from this machine.
wrong = {name: count for name, count in executions.items() if count != 2}
if sorted(executions) != sorted(hosts) or wrong:
    sys.exit("ee_preflight: the lab saw %s remote executions per host (two expected, one per run)" % executions)
print("report made in the image: %s" % report)
print("hosts %(hosts)d: ready %(ready)d, blocked %(blocked)d, unknown %(unknown)d; the same on this machine" % summary)
PY
echo "== the execution environment ran the preflight in $((SECONDS - started))s"
