# shellcheck shell=bash
# Sourced by the other scripts: the project's virtualenv, and the collection where Ansible
# and Python look for it (build/collections/ansible_collections/apexone/upgrade -> this tree).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/build/collections"
export PYTHONPATH="$ROOT/build/collections${PYTHONPATH:+:$PYTHONPATH}"
export ANSIBLE_NOCOLOR="${ANSIBLE_NOCOLOR:-1}"
export PYTHONDONTWRITEBYTECODE=1
