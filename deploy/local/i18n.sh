#!/usr/bin/env bash
# Compile the translations (assets/i18n/*.ts) into assets/i18n/qm/*.qm, which is ignored build
# output: the app and the PyInstaller bundle (which takes the whole assets/ tree) load them from
# there. Run by deploy/local/setup.sh and packaging/pyinstaller/build.sh; cheap, so always rebuilt.
#   deploy/local/i18n.sh [OUT_DIR]
#   deploy/local/i18n.sh --update [DIR]   refresh assets/i18n/parley_{ru,en}.ts from the sources
#       (lupdate), then translate the new entries (pyside6-linguist or by hand); with DIR, update
#       copies in DIR instead (the test that finds untranslated strings does that)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
if [ "${1:-}" = "--update" ]; then
    cd "$ROOT"
    TS="assets/i18n"
    if [ -n "${2:-}" ]; then cp assets/i18n/*.ts "$2"/ && TS="$2"; fi
    # No line numbers in the .ts: moving code must not change (or conflict in) the translations.
    mapfile -d '' sources < <(find desktop/ui desktop/core -name '*.py' ! -name '__init__.py' \
        -print0 | sort -z)
    "$VENV/bin/pyside6-lupdate" "${sources[@]}" -silent -no-obsolete -locations none \
        -target-language ru_RU -ts "$TS/parley_ru.ts"
    # English is the source language; its catalogue only gives the plural forms ("1 message").
    "$VENV/bin/pyside6-lupdate" "${sources[@]}" -silent -no-obsolete -locations none -pluralonly \
        -target-language en_US -ts "$TS/parley_en.ts"
    exit 0
fi
OUT="${1:-$ROOT/assets/i18n/qm}"
mkdir -p "$OUT"
for ts in "$ROOT"/assets/i18n/*.ts; do
    name="$(basename "$ts" .ts)"
    "$VENV/bin/pyside6-lrelease" -silent "$ts" -qm "$OUT/$name.qm"
done
