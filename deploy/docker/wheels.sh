#!/usr/bin/env bash
# Fetch the backend's wheels on the host (image builds run with --network=none) and stage them in
# build/wheels/ of the clone, the build context the Dockerfile copies from:
#   deploy/docker/wheels.sh
# Exactly deploy/docker/requirements.txt, hashes checked by pip; cached outside the clone by the
# file's own hash, so a warm run downloads nothing.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REQ="$REPO/deploy/docker/requirements.txt"
SDIST="$REPO/deploy/docker/requirements-sdist.txt"  # source-only packages, built here
key="$(cat "$REQ" "$SDIST" | sha256sum | cut -c1-16)"
CACHE="${PARLEY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}/wheels/$key"
if [ ! -f "$CACHE/.complete" ]; then
    mkdir -p "$CACHE"
    "$REPO/.venv/bin/python" -m pip download -q --only-binary=:all: --require-hashes --no-deps \
        -d "$CACHE" -r "$REQ"
    # pyvips is pure Python (cffi's ABI mode over the image's libvips): built once, the sdist's
    # hash checked by pip.
    "$REPO/.venv/bin/python" -m pip wheel -q --no-deps --require-hashes -w "$CACHE/built" -r "$SDIST"
    touch "$CACHE/.complete"
fi
STAGE="$REPO/build/wheels"
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp -l "$CACHE"/*.whl "$STAGE"/ 2>/dev/null || cp "$CACHE"/*.whl "$STAGE"/
mkdir -p "$STAGE/built"
cp "$CACHE"/built/*.whl "$STAGE/built"/
echo "wheels: $(ls "$STAGE" | wc -l) in build/wheels (cache $CACHE)"
