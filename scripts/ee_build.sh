#!/usr/bin/env bash
# Builds the execution environment of execution-environment.yml with ansible-builder and podman.
#   bash scripts/ee_build.sh debian   # on a Debian base made here (scripts/ee_base.sh): no registry needed
#   bash scripts/ee_build.sh ubi9     # as written: registry.access.redhat.com's ubi9/python-311 and Galaxy
# Both build the same definition; the Debian form only swaps the base image and passes the build
# arguments that base needs (its interpreter, apt-get, Galaxy left alone: microsoft.ad is in the base).
# Cached by hashes (a rebuild compiles the Kerberos wheels: many minutes on two cores):
#   - ansible-builder builds the image again only when something that decides what it installs changes:
#     the definition, the collection's metadata (meta/execution-environment.yml, meta/ee-*.txt,
#     requirements.txt, galaxy.yml), the base, the build arguments or ansible-builder itself;
#   - the collection's own code is then installed on that image as the build installs it (ansible-galaxy
#     from the tarball), one thin layer tagged by the tarball's content.
# Writes the image's name to build/ee/image-<form>.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
form=${1:-debian}
if [ "$(id -u)" != 0 ]; then
    echo "ee_build: run as root (podman as root with runc, as CI runs; the job folder is handed to the image's user)" >&2
    exit 1
fi
bash "$here/bootstrap.sh" ee
# shellcheck source=scripts/env.sh
source "$here/env.sh"
cd "$ROOT"
export CONTAINERS_CONF="$here/ee_containers.conf"
mkdir -p build/ee
rm -f "build/ee/image-$form.txt"

case "$form" in
    debian)
        bash "$here/ee_base.sh"
        base=$(cat build/ee/base-image.txt)
        build_args=(--build-arg "EE_BASE_IMAGE=$base" --build-arg PYCMD=/opt/ee-python/bin/python3
                    --build-arg PKGMGR=/usr/bin/apt-get --build-arg ANSIBLE_GALAXY_CLI_COLLECTION_OPTS=--offline)
        ;;
    ubi9)
        base=$(python -c 'import yaml; print(yaml.safe_load(open("execution-environment.yml"))["images"]["base_image"]["name"])')
        if ! podman pull -q "$base" >build/ee/pull-ubi9.log 2>&1; then
            echo "ee_build: cannot pull $base (log: build/ee/pull-ubi9.log). The ubi9 form needs that registry and" >&2
            echo "Ansible Galaxy (for microsoft.ad); where neither is reachable, build the Debian form: make ee" >&2
            exit 1
        fi
        build_args=()
        ;;
    *)
        echo "usage: ee_build.sh [debian|ubi9]" >&2
        exit 2
        ;;
esac

# The collection as Galaxy would ship it (galaxy.yml's build_ignore applies), under the name the
# definition installs it from.
rm -rf build/ee/dist
ansible-galaxy collection build --force --output-path build/ee/dist . >/dev/null
cp build/ee/dist/apexone-upgrade-*.tar.gz build/ee/apexone-upgrade.tar.gz
collection_key=$(tar -xzOf build/ee/apexone-upgrade.tar.gz MANIFEST.json FILES.json | sha256sum | cut -c1-12)

key=$( { cat execution-environment.yml meta/execution-environment.yml meta/ee-requirements.txt meta/ee-bindep.txt \
             requirements.txt galaxy.yml; printf '%s\n' "$form" "$base" "${build_args[@]}"; \
         ansible-builder --version; } | sha256sum | cut -c1-12)
built="localhost/apexone-upgrade-ee:$form-$key"
image="$built-$collection_key"
if podman image exists "$image"; then
    echo "== $image is built already (same definition, metadata, base and collection)"
elif podman image exists "$built"; then
    echo "== $built is built already; the collection's code as of now goes on top"
    user=$(podman image inspect --format '{{.Config.User}}' "$built")
    rm -rf build/ee/layer && mkdir -p build/ee/layer
    cp build/ee/apexone-upgrade.tar.gz build/ee/layer/
    printf '%s\n' "FROM $built" "USER root" "COPY apexone-upgrade.tar.gz /tmp/apexone-upgrade.tar.gz" \
        "RUN ansible-galaxy collection install --offline --no-deps --force -p /usr/share/ansible/collections /tmp/apexone-upgrade.tar.gz && rm /tmp/apexone-upgrade.tar.gz" \
        "USER ${user:-1000}" >build/ee/layer/Containerfile
    podman build -t "$image" build/ee/layer >build/ee/layer.log 2>&1 \
        || { tail -20 build/ee/layer.log >&2; echo "ee_build: the collection did not install on $built" >&2; exit 1; }
else
    echo "== ansible-builder build $built (log: build/ee/build-$form.log)"
    started=$SECONDS
    set +e
    ansible-builder build -f execution-environment.yml -c build/ee/context -t "$built" \
        --container-runtime podman "${build_args[@]}" --extra-build-cli-args=--network=host -v 3 \
        2>&1 | tee "build/ee/build-$form.log" | grep --line-buffered -E '^(\[[0-9]+/[0-9]+\] )?STEP [0-9]+/[0-9]+: (FROM|RUN)'
    status=${PIPESTATUS[0]}
    set -e
    if [ "$status" != 0 ]; then
        tail -30 "build/ee/build-$form.log" >&2
        echo "ee_build: ansible-builder build failed (exit $status); the whole log is build/ee/build-$form.log" >&2
        exit 1
    fi
    echo "== built in $((SECONDS - started))s"
    podman tag "$built" "$image"
fi
echo "$image" >"build/ee/image-$form.txt"
echo "== image: $image"
