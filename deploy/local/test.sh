#!/usr/bin/env bash
# The README's test command: install everything, start the real engines, run every test, stop them.
#   deploy/local/test.sh [pytest arguments]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
bash deploy/local/setup.sh
started=0
cleanup() {
    [ "$started" = 1 ] && bash deploy/local/engines.sh down || true
}
trap cleanup EXIT
started=1
bash deploy/local/engines.sh up
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
.venv/bin/python -m pytest "$@"
