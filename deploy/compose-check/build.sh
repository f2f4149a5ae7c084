#!/usr/bin/env bash
# Build compose-check (main.go, compose-go v2.16.2 pinned in go.mod/go.sum) once per version and
# print the binary's path; cached outside the clone. Needs Go 1.24+ once, from the Go module proxy.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VERSION="v2.16.2-$(cat "$HERE/main.go" "$HERE/go.sum" | sha256sum | cut -c1-12)"
BIN="${PARLEY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}/bin/compose-check-$VERSION"
if [ ! -x "$BIN" ]; then
    command -v go >/dev/null || { echo "compose-check: Go is needed once to build it" >&2; exit 1; }
    mkdir -p "$(dirname "$BIN")"
    (cd "$HERE" && CGO_ENABLED=0 go build -trimpath -o "$BIN.tmp" .) >&2
    mv "$BIN.tmp" "$BIN"
fi
echo "$BIN"
