#!/usr/bin/env bash
# Every test of the collection, in the order a failure is cheapest to read.
# Most of pytest's time is spent waiting on the lab (WinRM round trips, timeouts a test provokes), so the
# suite runs in parallel workers, one test module per worker (module-scoped fixtures run once), and what needs
# no CPU of its own meanwhile (downloads, the image build) runs in the background: the virtualenvs of every
# supported ansible-core and the execution environment image. Their logs are in build/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/bootstrap.sh"
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$ROOT"
started=$SECONDS
step() { printf '\n== [%ss] %s\n' "$((SECONDS - started))" "$*"; }
background=()
trap 'for pid in "${background[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
# Waits for a background step; on failure shows the end of its log and stops.
finish() {
    local pid=$1 log=$2 what=$3
    if ! wait "$pid"; then
        tail -n 40 "$log" >&2
        echo "$what failed (log: $log)" >&2
        exit 1
    fi
}
mkdir -p build

step "in the background: the virtualenvs of every supported ansible-core (build/versions-setup.log), the execution environment image (build/ee-build.log)"
bash "$here/versions.sh" --setup-only >build/versions-setup.log 2>&1 &
versions_setup=$!
background+=("$versions_setup")
bash "$here/ee_build.sh" debian >build/ee-build.log 2>&1 &
ee_build=$!
background+=("$ee_build")

workers=${APEXONE_TEST_WORKERS:-3}
step "pytest: decisions, runner, PowerShell scripts (syntax, 5.1, param blocks), lab, playbooks on the lab ($workers workers)"
pytest -n "$workers" --dist loadfile --durations=25 | tee build/pytest.log
tests=$(grep -Eo '[0-9]+ passed' build/pytest.log | tail -1 | cut -d' ' -f1)

step "every ansible-core the collection supports (tests/versions/): the runner, the transports, one playbook"
finish "$versions_setup" build/versions-setup.log "setting up the virtualenvs of tests/versions/"
bash "$here/versions.sh"

step "ansible-doc: every module's documentation renders"
for module in plugins/modules/*.py; do
    name=$(basename "$module" .py)
    ansible-doc -t module "apexone.upgrade.$name" >/dev/null
    echo "ok: apexone.upgrade.$name"
done

step "antsibull-changelog lint"
antsibull-changelog lint

step "ansible-test sanity (staged copy)"
bash "$here/sanity.sh"

step "ansible-lint (production profile, offline)"
ansible-lint

step "execution environment: ansible-builder + podman build, the preflight inside it against the lab"
finish "$ee_build" build/ee-build.log "building the execution environment"
cat build/ee-build.log
bash "$here/ee_preflight.sh" debian

step "molecule test (the lab scenario)"
molecule test

printf '\n== all checks passed in %ss\n' "$((SECONDS - started))"
echo "pytest: ${tests} passed, 0 failed"
