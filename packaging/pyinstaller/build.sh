#!/usr/bin/env bash
# Build the one-folder desktop bundle into dist/parley (ignored) and print its path:
#   bash packaging/pyinstaller/build.sh
# Skipped when nothing it is made from changed (spec, desktop/, assets/, the pinned packages);
# PyInstaller's work folder is cached outside the clone, so a rebuild reuses its analysis.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
cd "$ROOT"
VENV="$VENV" deploy/local/i18n.sh  # compiled .qm files go into assets/, which the bundle takes
key="$( (cat packaging/pyinstaller/parley.spec packaging/pyinstaller/launch.py pyproject.toml
        find desktop assets -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum) \
        | sha256sum | cut -c1-16)"
WORK="${PARLEY_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/parley}/pyinstaller"
STAMP="$ROOT/dist/.parley-bundle-key"
if [ -x dist/parley/parley ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$key" ]; then
    echo "$ROOT/dist/parley"
    exit 0
fi
rm -f "$STAMP"
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN --distpath "$ROOT/dist" --workpath "$WORK" \
    packaging/pyinstaller/parley.spec >&2
echo "$key" >"$STAMP"
echo "$ROOT/dist/parley"
