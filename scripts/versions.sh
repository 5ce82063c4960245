#!/usr/bin/env bash
# Every ansible-core the collection supports (meta/runtime.yml), each in a virtualenv of its own: the runner's
# tests (tests/unit/plugins/plugin_utils/test_remote.py, test_adapter.py), the transport tests through that
# version's real winrm and psrp plugins against the lab, and one playbook on both transports. The full suite
# runs on the version of requirements-dev.txt. Usage: scripts/versions.sh [--setup-only] [2.16 2.17 ...]
# (--setup-only makes the virtualenvs and runs nothing: the test command does that while pytest runs.)
set -euo pipefail
setup_only=false
if [ "${1:-}" = "--setup-only" ]; then
    setup_only=true
    shift
fi
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$ROOT"
versions=("$@")
if [ ${#versions[@]} -eq 0 ]; then
    for file in tests/versions/core-*.txt; do
        name=$(basename "$file" .txt)
        versions+=("${name#core-}")
    done
fi
tests=(tests/unit/plugins/plugin_utils/test_remote.py tests/unit/plugins/plugin_utils/test_adapter.py
       tests/unit/plugins/plugin_utils/test_runner_transports.py tests/playbook/test_versions.py)
summary=()
rm -f build/versions-*.row
# ansible.posix (the playbook tests' JSON callback) from the main virtualenv's ansible package: it supports
# ansible-core 2.15 and later
collections=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
for version in "${versions[@]}"; do
    spec="tests/versions/core-$version.txt"
    python_version=$(sed -n 's/^# python: *//p' "$spec")
    python=""
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$python_version".*/bin/python "$(command -v "python$python_version" || true)"; do
        if [ -z "$python" ] && [ -n "$candidate" ] && "$candidate" -c 'import venv' >/dev/null 2>&1; then
            python=$candidate
        fi
    done
    if [ -z "$python" ]; then
        echo "ansible-core $version needs Python $python_version, which this machine lacks" >&2
        exit 1
    fi
    venv="$ROOT/build/venvs/core-$version"
    want=$(cat "$spec" tests/versions/common.txt | sha256sum | cut -d' ' -f1)
    if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
        echo "== ansible-core $version: setting up $venv (Python $python_version)"
        rm -rf "$venv"
        "$python" -m venv "$venv"
        if ! "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$spec" > "build/versions-$version-pip.log" 2>&1; then
            cat "build/versions-$version-pip.log" >&2
            exit 1
        fi
        echo "$want" > "$venv/.requirements.sha256"
    fi
    if $setup_only; then
        continue
    fi
    installed=$("$venv/bin/python" -c 'import ansible, winrm, pypsrp; from importlib.metadata import version as v; print(v("ansible-core"), v("pywinrm"), v("pypsrp"))')
    echo "== ansible-core $version ($installed, Python $python_version): started (build/versions-$version.log)"
    # Two versions at a time: most of a run is waiting on the lab's provoked timeouts (the fault table).
    while [ "$(jobs -rp | wc -l)" -ge "${APEXONE_VERSIONS_PARALLEL:-2}" ]; do
        wait -n || true
    done
    (
        started=$SECONDS
        # The version's own ansible-playbook comes first on PATH; the lab's collections (ansible.posix and the like,
        # from the ansible package) stay those of the main virtualenv.
        if PATH="$venv/bin:$PATH" APEXONE_LAB_COLLECTIONS="$collections" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
                "${tests[@]}" > "build/versions-$version.log" 2>&1; then
            result="passed"
        else
            result="FAILED"
        fi
        counts=$(grep -Eo '[0-9]+ (passed|failed|error)' "build/versions-$version.log" | tr '\n' ' ')
        echo "| $version | $installed | Python $python_version | $result: $counts| $((SECONDS - started)) s |" \
            > "build/versions-$version.row"
    ) &
done
wait
for version in "${versions[@]}"; do
    if [ -f "build/versions-$version.row" ]; then
        summary+=("$(cat "build/versions-$version.row")")
    else
        summary+=("| $version | | | FAILED: no result | |")
    fi
    if grep -q FAILED "build/versions-$version.row" 2>/dev/null; then
        tail -n 15 "build/versions-$version.log"
    fi
done
if $setup_only; then
    exit 0
fi
printf '\n| ansible-core | installed (core, pywinrm, pypsrp) | Python | tests | time |\n|---|---|---|---|---|\n'
printf '%s\n' "${summary[@]}"
if printf '%s\n' "${summary[@]}" | grep -q FAILED; then
    echo "some versions failed: see build/versions-<version>.log" >&2
    exit 1
fi
