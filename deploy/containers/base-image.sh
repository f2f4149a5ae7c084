#!/usr/bin/env bash
# The Debian base image every Parley container starts from, made here (no registry is reachable):
#   deploy/containers/base-image.sh            prints the image name; builds it once per machine
#   deploy/containers/base-image.sh --tarball  prints the cached root file system tarball instead
# `debootstrap --variant=minbase bookworm` from the mirror apt is configured with, plus Debian's
# python3 (3.11, the backend's version) so image builds need no network. The root file system
# tarball is cached by version outside the clone; the image is reused while `podman image exists`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PODMAN="$HERE/podman.sh"
# Bump BASE_VERSION when the package list changes: a new tarball and a new image tag.
BASE_VERSION=1
SUITE=bookworm
INCLUDE=python3,python3-venv,ca-certificates
IMAGE="localhost/parley-base:$SUITE-$BASE_VERSION"
CACHE="${PARLEY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}/base"
TARBALL="$CACHE/$SUITE-minbase-$BASE_VERSION.tar"

mirror() {
    # The first Debian mirror apt uses for this suite (deb822 .sources, then one-line .list).
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v s="$SUITE" '
            /^URIs:/ {u=$2} /^Suites:/ {for (i=2;i<=NF;i++) if ($i==s) ok=1}
            /^$/ {if (ok && u) {print u; exit} ok=0; u=""}
            END {if (ok && u) print u}' "$f" | head -n1
    done
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk -v s="$SUITE" '$1=="deb" {for (i=2;i<=NF;i++) if ($i==s) {print ($2 ~ /^\[/ ? $3 : $2); exit}}' || true
}

if [ "${1:-}" = "--tarball" ] && [ -s "$TARBALL" ]; then
    echo "$TARBALL"
    exit 0
fi
if [ "${1:-}" != "--tarball" ] && "$PODMAN" image exists "$IMAGE"; then
    echo "$IMAGE"
    exit 0
fi
if [ ! -s "$TARBALL" ]; then
    MIRROR="$(mirror | head -n1)"
    [ -n "$MIRROR" ] || { echo "base-image: no $SUITE mirror in /etc/apt/sources.list(.d)" >&2; exit 1; }
    mkdir -p "$CACHE"
    ROOTFS="$(mktemp -d "$CACHE/rootfs.XXXXXX")"
    trap 'rm -rf "$ROOTFS" "$TARBALL.tmp"' EXIT
    echo "base-image: debootstrap $SUITE from $MIRROR" >&2
    debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$ROOTFS" "$MIRROR" >&2
    # Nothing of the build host's apt state or caches in the image.
    rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*
    tar -C "$ROOTFS" --numeric-owner -cf "$TARBALL.tmp" .
    mv "$TARBALL.tmp" "$TARBALL"
fi
if [ "${1:-}" = "--tarball" ]; then
    echo "$TARBALL"
    exit 0
fi
"$PODMAN" import --change 'CMD ["/bin/bash"]' "$TARBALL" "$IMAGE" >&2
echo "$IMAGE"
