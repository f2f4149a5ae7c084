#!/usr/bin/env bash
# Build the desktop bundle and start it once: it must reach its sign-in page and exit cleanly.
# Usage: bash packaging/pyinstaller/smoke.sh   (from anywhere; needs the dev extra installed)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
cd "$ROOT"
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
    "$ROOT/packaging/pyinstaller/parley.spec"
BUNDLE="$ROOT/dist/parley"
echo "bundle: $(du -sh "$BUNDLE" | cut -f1) in $BUNDLE"
CONFIG="$(mktemp -d)"
trap 'rm -rf "$CONFIG"' EXIT
OUT="$(QT_QPA_PLATFORM=offscreen PARLEY_CONFIG_DIR="$CONFIG" \
    timeout 60 "$BUNDLE/parley" --quit-when-ready --server http://127.0.0.1:9)"
if [[ "$OUT" != "ready chats=0" ]]; then
    echo "frozen app did not start: $OUT" >&2
    exit 1
fi
if find "$BUNDLE" -iname '*WebEngine*' | grep -q .; then
    echo "QtWebEngine ended up in the bundle" >&2
    exit 1
fi
echo "frozen app started: $OUT"
