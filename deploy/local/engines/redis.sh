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
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PIDFILE="$DIR/redis.pid"
PROC_MATCH=redis-server
TIMEOUT="${PARLEY_ENGINE_TIMEOUT:-60}"
BASE_PORT=26379

new_state() {
    (umask 077 && printf 'PORT=%s\nPASSWORD=%s\n' "$(pick_port $BASE_PORT)" "$(gen_pass)" >"$STATE")
}
load_state() {
    mkdir -p "$DIR/data"
    read_state
}

ready() { REDISCLI_AUTH="$PASSWORD" timeout 5 redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; }

address() { echo "127.0.0.1:$PORT"; }

write_env() {
    write_env_file "PARLEY_TEST_REDIS_URL=redis://:$PASSWORD@127.0.0.1:$PORT/0" \
        "PARLEY_TEST_REDIS_SCRIPT=$HERE/$NAME.sh"
}

start() {
    load_state
    if alive; then
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
    wait_until "not ready after ${TIMEOUT}s; see $DIR/redis.log" ready
    write_env
    echo "$NAME: started on 127.0.0.1:$PORT"
}

dispatch "$@"
