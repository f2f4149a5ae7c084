#!/usr/bin/env bash
# A private S3 server (versitygw, a real S3 gateway over a local directory) for tests and benchmarks.
#
#   deploy/local/engines/versitygw.sh {start|stop|restart|status}
#
# The binary is built once per version with `go install` (about 5 minutes on 2 cores) into
# "${XDG_CACHE_HOME:-$HOME/.cache}/parley/versitygw-<version>/", outside the repo clone, so CI clones
# on the same machine reuse it. Objects, logs and the state live in
# "${PARLEY_ENGINES_DIR:-<repo>/.engines}/versitygw/"; the variables tests need go to
# "${PARLEY_ENGINES_DIR}/versitygw.env". The port and the generated root keys are kept in the state,
# so a restart comes back on the same port with the same keys. Tests make a bucket of their own.
# `--keep-alive`: without it versitygw answers every request with `Connection: close`, so each
# S3 part paid a new TCP connection (real S3 and MinIO keep connections open).
set -euo pipefail

NAME=versitygw
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PIDFILE="$DIR/versitygw.pid"
PROC_MATCH=versitygw
TIMEOUT="${PARLEY_ENGINE_TIMEOUT:-60}"
BASE_PORT=27900
VERSION=v1.8.0
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/parley/versitygw-$VERSION"
BIN="$CACHE/versitygw"

new_state() {
    (umask 077 && printf 'PORT=%s\nACCESS_KEY=%s\nSECRET_KEY=%s\n' \
        "$(pick_port $BASE_PORT)" "$(gen_pass | head -c 20)" "$(gen_pass)" >"$STATE")
}
load_state() {
    mkdir -p "$DIR/data"
    read_state
}

# Builds the pinned version once; a half-finished build never lands where $BIN is looked for.
build() {
    [ -x "$BIN" ] && return 0
    command -v go >/dev/null || die "Go is needed once to build versitygw $VERSION (go install)"
    mkdir -p "$CACHE"
    local tmp
    tmp="$(mktemp -d "$CACHE/build.XXXXXX")"
    echo "$NAME: building versitygw $VERSION (once, a few minutes; log $CACHE/build.log)"
    # GOTOOLCHAIN=auto: a Go older than versitygw's go.mod (1.25) fetches that toolchain via the module proxy.
    if ! GOTOOLCHAIN=auto GOFLAGS=-mod=mod GOBIN="$tmp" go install "github.com/versity/versitygw/cmd/versitygw@$VERSION" \
        >"$CACHE/build.log" 2>&1; then
        rm -rf "$tmp"
        die "go install failed; see $CACHE/build.log"
    fi
    mv "$tmp/versitygw" "$BIN"
    rm -rf "$tmp"
}

ready() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null; }

address() { echo "127.0.0.1:$PORT"; }

write_env() {
    write_env_file "PARLEY_TEST_S3_ENDPOINT=http://127.0.0.1:$PORT" \
        "PARLEY_TEST_S3_ACCESS_KEY=$ACCESS_KEY" \
        "PARLEY_TEST_S3_SECRET_KEY=$SECRET_KEY" \
        "PARLEY_TEST_S3_REGION=us-east-1" \
        "PARLEY_TEST_VERSITYGW_SCRIPT=$HERE/$NAME.sh"
}

start() {
    build
    load_state
    if alive; then
        write_env
        echo "$NAME: already running on 127.0.0.1:$PORT"
        return 0
    fi
    port_busy "$PORT" && die "port $PORT is taken by another process; remove $STATE to pick a new one"
    ROOT_ACCESS_KEY="$ACCESS_KEY" ROOT_SECRET_KEY="$SECRET_KEY" \
        setsid "$BIN" --port "127.0.0.1:$PORT" --quiet --keep-alive posix "$DIR/data" \
        </dev/null >>"$DIR/versitygw.log" 2>&1 9>&- &
    echo $! >"$PIDFILE"
    wait_until "not ready after ${TIMEOUT}s; see $DIR/versitygw.log" ready
    write_env
    echo "$NAME: started on 127.0.0.1:$PORT"
}

dispatch "$@"
