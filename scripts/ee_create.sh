#!/usr/bin/env bash
# ansible-builder create for meta/execution-environment.yml (no container engine needed). The file
# names requirements.txt relative to the collection root, as ansible-builder reads it from an
# installed collection; create reads it relative to the file, so both are staged side by side.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$ROOT"
rm -rf build/ee build/ee-definition
mkdir -p build/ee-definition
cp meta/execution-environment.yml requirements.txt build/ee-definition/
ansible-builder create -f build/ee-definition/execution-environment.yml -c build/ee
# the context must carry exactly the collection's Python requirements
diff <(grep -v '^#' requirements.txt) <(grep -v '^#' build/ee/_build/requirements.txt)
echo "ok: build/ee/Dockerfile with requirements.txt"
