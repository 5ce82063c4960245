#!/usr/bin/env bash
# Every test of the collection, in the order a failure is cheapest to read.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/bootstrap.sh"
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$ROOT"
started=$SECONDS
step() { printf '\n== [%ss] %s\n' "$((SECONDS - started))" "$*"; }

step "pytest: decisions, runner, PowerShell scripts (syntax, 5.1, param blocks), lab, playbooks on the lab"
pytest | tee build/pytest.log
tests=$(grep -Eo '[0-9]+ passed' build/pytest.log | tail -1 | cut -d' ' -f1)

step "every ansible-core the collection supports (tests/versions/): the runner, the transports, one playbook"
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
bash "$here/ee_preflight.sh" debian

step "molecule test (the lab scenario)"
molecule test

printf '\n== all checks passed in %ss\n' "$((SECONDS - started))"
echo "pytest: ${tests} passed, 0 failed"
