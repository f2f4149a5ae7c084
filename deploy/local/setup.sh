#!/usr/bin/env bash
# Install what Parley needs on a Debian machine, idempotently:
#   deploy/local/setup.sh            Debian packages of every deploy/local/apt/*.txt + the venv (all extras)
#   deploy/local/setup.sh --run      only what running the messenger needs (Qt libraries + the venv)
# Debian packages are pinned in deploy/local/apt/*.txt; if a pinned version has left the mirror, the
# current one is installed instead and a warning says so. Python packages are pinned in pyproject.toml.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"

lists=(deploy/local/apt/*.txt)
[ "${1:-}" = "--run" ] && lists=(deploy/local/apt/desktop.txt)

wanted=()
for f in "${lists[@]}"; do
    while read -r line; do
        line="${line%%#*}"; line="${line//[[:space:]]/}"
        [ -n "$line" ] && wanted+=("$line")
    done <"$f"
done

missing=()
for pkg in "${wanted[@]}"; do
    name="${pkg%%=*}"
    dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${#missing[@]} Debian packages"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
        echo "setup: WARNING: a pinned version is no longer offered; installing the current ones" >&2
        $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]%%=*}" >/dev/null
    fi
    # The Debian services must not hold the default ports: our engines run privately.
    for svc in mariadb redis-server rabbitmq-server haproxy; do
        if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
            $SUDO systemctl stop "$svc" || true
        fi
    done
fi

PY="${PARLEY_PYTHON:-python3.11}"
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
stamp=.venv/.parley-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade "pip==26.3"
    .venv/bin/python -m pip install -q -e '.[backend,desktop,dev]'
    touch "$stamp"
fi
deploy/local/i18n.sh  # the .qm translations are build output
echo "setup: ready (.venv)"
