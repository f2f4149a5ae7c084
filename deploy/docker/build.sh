#!/usr/bin/env bash
# Build the backend image with podman, without network:
#   deploy/docker/build.sh [TAG]      (default parley-backend:dev); prints the image name
# Makes the base image once per machine, stages the host-fetched wheels, then
# `podman build --network=none --format docker` (docker format: HEALTHCHECK survives).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TAG="${1:-localhost/parley-backend:dev}"
cd "$REPO"
BASE="$(bash deploy/containers/base-image.sh)"
bash deploy/docker/wheels.sh >&2
# The backend's native libraries (libvips, libmagic), pinned in deploy/local/apt/files.txt.
mapfile -t native < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' deploy/local/apt/files.txt | grep .)
bash deploy/containers/debs.sh build/debs "${native[@]}" >&2
bash deploy/containers/podman.sh build --network=none --format docker --quiet \
    --build-arg BASE_IMAGE="$BASE" -f deploy/docker/Dockerfile -t "$TAG" . >&2
echo "$TAG"
