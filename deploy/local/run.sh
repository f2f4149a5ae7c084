#!/usr/bin/env bash
# The README's run command: the server on the embedded default and the desktop app pointed at it.
#   deploy/local/run.sh            (PARLEY_PORT, PARLEY_DATA_DIR change where the server listens/keeps data)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"
bash deploy/local/setup.sh --run
PORT="${PARLEY_PORT:-8080}"
DATA="${PARLEY_DATA_DIR:-$REPO/.data}"
.venv/bin/parley-server --host 127.0.0.1 --port "$PORT" --data-dir "$DATA" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
    kill -0 $server 2>/dev/null || { echo "run: the server did not start" >&2; exit 1; }
    sleep 0.1
done
echo "run: server on http://127.0.0.1:$PORT (data in $DATA)"
if [ "${PARLEY_SERVER_ONLY:-}" = 1 ]; then
    wait $server
else
    PARLEY_SERVER_URL="http://127.0.0.1:$PORT" .venv/bin/parley
fi
