#!/usr/bin/env bash
# A private Redis for tests and benchmarks.
#
#   deploy/local/engines/redis.sh {start|stop|restart|status}
#
# Data, config and logs live in "${PARLEY_ENGINES_DIR:-<repo>/.engines}/redis/"; the variables tests
# need go to "${PARLEY_ENGINES_DIR}/redis.env". The port (a free non-default loopback port, picked on
# the first start) and the generated password are kept in the data dir, so a restart comes back on
# the same port with the same credentials. `start` reuses an instance this script already started;
# `stop` stops only that instance. Nothing is persisted (no RDB, no AOF): a restart loses every key,
# which is what the fault tests want to see survived.
set -euo pipefail

NAME=redis
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
ENGINES_DIR="${PARLEY_ENGINES_DIR:-$REPO/.engines}"
DIR="$ENGINES_DIR/$NAME"
ENV_FILE="$ENGINES_DIR/$NAME.env"
STATE="$DIR/state"
PIDFILE="$DIR/redis.pid"
TIMEOUT="${PARLEY_ENGINE_TIMEOUT:-60}"
BASE_PORT=26379

die() { echo "$NAME.sh: $*" >&2; exit 1; }
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }
pick_port() {
    local p=$1
    while port_busy "$p"; do
        p=$((p + 1))
        [ "$p" -lt $(($1 + 500)) ] || die "no free port in $1..$p"
    done
    echo "$p"
}
gen_pass() { head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }

load_state() {
    mkdir -p "$DIR/data"
    chmod 700 "$DIR"
    if [ ! -f "$STATE" ]; then
        (umask 077 && printf 'PORT=%s\nPASSWORD=%s\n' "$(pick_port $BASE_PORT)" "$(gen_pass)" >"$STATE")
    fi
    # shellcheck disable=SC1090
    . "$STATE"
}

running_pid() {
    [ -f "$PIDFILE" ] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

ping() { REDISCLI_AUTH="$PASSWORD" timeout 5 redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; }

write_env() {
    (umask 077 && cat >"$ENV_FILE" <<EOF
PARLEY_ENGINES_DIR=$ENGINES_DIR
PARLEY_TEST_REDIS_URL=redis://:$PASSWORD@127.0.0.1:$PORT/0
PARLEY_TEST_REDIS_SCRIPT=$HERE/$NAME.sh
EOF
    )
}

start() {
    load_state
    if running_pid >/dev/null && ping; then
        write_env
        echo "$NAME: already running on 127.0.0.1:$PORT"
        return 0
    fi
    port_busy "$PORT" && die "port $PORT is taken by another process; remove $STATE to pick a new one"
    (umask 077 && cat >"$DIR/redis.conf" <<EOF
bind 127.0.0.1
protected-mode yes
port $PORT
requirepass $PASSWORD
daemonize yes
pidfile $PIDFILE
logfile $DIR/redis.log
dir $DIR/data
save ""
appendonly no
maxclients 4000
EOF
    )
    redis-server "$DIR/redis.conf" </dev/null >>"$DIR/redis.log" 2>&1 9>&-
    local deadline=$((SECONDS + TIMEOUT))
    until ping; do
        [ $SECONDS -lt $deadline ] || die "not ready after ${TIMEOUT}s; see $DIR/redis.log"
        sleep 0.2
    done
    write_env
    echo "$NAME: started on 127.0.0.1:$PORT"
}

stop() {
    local pid
    if ! pid="$(running_pid)"; then
        echo "$NAME: not running"
        return 0
    fi
    kill -TERM "$pid"
    local deadline=$((SECONDS + TIMEOUT))
    while kill -0 "$pid" 2>/dev/null; do
        if [ $SECONDS -ge $deadline ]; then
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    rm -f "$PIDFILE"
    echo "$NAME: stopped"
}

status() {
    [ -f "$STATE" ] || { echo "$NAME: never started"; return 3; }
    load_state
    if running_pid >/dev/null && ping; then
        echo "$NAME: running on 127.0.0.1:$PORT"
    else
        echo "$NAME: stopped"
        return 3
    fi
}

mkdir -p "$ENGINES_DIR"
exec 9>"$ENGINES_DIR/$NAME.lock"
flock -w "$TIMEOUT" 9 || die "another $NAME.sh holds $ENGINES_DIR/$NAME.lock"
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    restart) stop && start ;;
    status) status ;;
    *) echo "usage: $0 {start|stop|restart|status}" >&2; exit 2 ;;
esac
