#!/usr/bin/env bash
# Build localhost/haproxy:2.6.12 (see Dockerfile beside this script); prints the image name.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
VERSION=2.6.12-1+deb12u4
TAG="localhost/haproxy:2.6.12"
PODMAN="$REPO/deploy/containers/podman.sh"
cd "$REPO"
if "$PODMAN" image exists "$TAG"; then echo "$TAG"; exit 0; fi
BASE="$(bash deploy/containers/base-image.sh)"
bash deploy/containers/debs.sh build/haproxy-debs "haproxy=$VERSION"
"$PODMAN" build --network=none --format docker --quiet --build-arg BASE_IMAGE="$BASE" \
    -f deploy/containers/haproxy/Dockerfile -t "$TAG" . >&2
echo "$TAG"
