#!/usr/bin/env bash
# Download, on the host, the Debian packages PKG... need beyond what the base image already has:
#   deploy/containers/debs.sh DEST PKG...      (PKG may be a local .deb path)
# Containers have no usable network here, so images and install tests get their .debs this way.
# apt resolves against the base image's own dpkg status (exactly its missing dependencies); the
# result is cached outside the clone by base version and package list, then copied into DEST.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="$1"; shift
BASE_TAR="$(bash "$HERE/base-image.sh" --tarball)"
key="$(printf '%s\n' "$BASE_TAR" "$@" | sha256sum | cut -c1-16)"
CACHE="${PARLEY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}/debs/$key"
if [ ! -f "$CACHE/.complete" ]; then
    mkdir -p "$CACHE/partial" "$CACHE/state"
    tar -xOf "$BASE_TAR" ./var/lib/dpkg/status >"$CACHE/state/status"
    # Debug::NoLocking: a download into a private cache needs no lock on the host's dpkg.
    apt-get install -y -qq --download-only --no-install-recommends \
        -o Dir::State::status="$CACHE/state/status" -o Dir::Cache::archives="$CACHE" \
        -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@" >&2
    rm -rf "$CACHE/partial" "$CACHE/state"
    touch "$CACHE/.complete"
fi
rm -rf "$DEST"
mkdir -p "$DEST"
cp "$CACHE"/*.deb "$DEST"/ 2>/dev/null || true
