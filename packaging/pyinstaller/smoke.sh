#!/usr/bin/env bash
# Build the desktop bundle and start it twice: it must reach its sign-in page and exit cleanly,
# then pass `--smoke-test` (main window + a QtWebEngine view loading a packaged page).
# Usage: bash packaging/pyinstaller/smoke.sh   (from anywhere; needs the dev extra installed)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUNDLE="$(bash "$ROOT/packaging/pyinstaller/build.sh")"
echo "bundle: $(du -sh "$BUNDLE" | cut -f1) in $BUNDLE"
CONFIG="$(mktemp -d)"
trap 'rm -rf "$CONFIG"' EXIT
export QT_QPA_PLATFORM=offscreen PARLEY_CONFIG_DIR="$CONFIG"
OUT="$(timeout 60 "$BUNDLE/parley" --quit-when-ready --server http://127.0.0.1:9)"
if [[ "$OUT" != "ready chats=0" ]]; then
    echo "frozen app did not start: $OUT" >&2
    exit 1
fi
# As root Chromium's sandbox cannot start: tell QtWebEngine so (a user account needs nothing).
[ "$(id -u)" -ne 0 ] || export QTWEBENGINE_DISABLE_SANDBOX=1
timeout 120 "$BUNDLE/parley" --smoke-test --server http://127.0.0.1:9
echo "frozen app started: $OUT; smoke test passed"
