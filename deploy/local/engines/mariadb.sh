#!/usr/bin/env bash
# A private MariaDB (MySQL protocol) for tests and benchmarks.
#
#   deploy/local/engines/mariadb.sh {start|stop|restart|status}
#
# Data, socket and logs live in "${PARLEY_ENGINES_DIR:-<repo>/.engines}/mariadb/"; the variables tests
# need go to "${PARLEY_ENGINES_DIR}/mariadb.env":
#   PARLEY_TEST_MYSQL_URL=mysql://parley:<password>@127.0.0.1:<port>/parley
# The `parley` account may create and drop databases: every test run makes its own. The port (free,
# non-default, loopback only, picked on the first start) and the generated password are kept in the
# data dir, so a restart comes back on the same port with the same credentials. `start` reuses an
# instance this script already started; `stop` stops only that instance. Commits are durable
# (InnoDB defaults: the redo log is flushed at every commit).
set -euo pipefail

NAME=mariadb
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
ENGINES_DIR="${PARLEY_ENGINES_DIR:-$REPO/.engines}"
DIR="$ENGINES_DIR/$NAME"
ENV_FILE="$ENGINES_DIR/$NAME.env"
STATE="$DIR/state"
PIDFILE="$DIR/mariadbd.pid"
SOCKET="$DIR/mariadbd.sock"
TIMEOUT="${PARLEY_ENGINE_TIMEOUT:-90}"
BASE_PORT=23306
OS_USER="$(id -un)"

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
    mkdir -p "$DIR"
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
    grep -q mariadbd "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

# The admin account authenticates by the OS user over the private socket: no admin password exists.
admin() { timeout 30 mariadb --no-defaults --socket="$SOCKET" -u "$OS_USER"; }
ping() { timeout 5 mariadb-admin --no-defaults --socket="$SOCKET" -u "$OS_USER" ping >/dev/null 2>&1; }

write_env() {
    (umask 077 && cat >"$ENV_FILE" <<EOF
PARLEY_ENGINES_DIR=$ENGINES_DIR
PARLEY_TEST_MYSQL_URL=mysql://parley:$PASSWORD@127.0.0.1:$PORT/parley
PARLEY_TEST_MARIADB_SCRIPT=$HERE/$NAME.sh
EOF
    )
}

install_db() {
    [ -d "$DIR/data/mysql" ] && return 0
    rm -rf "$DIR/data"
    mariadb-install-db --no-defaults --datadir="$DIR/data" --user="$OS_USER" \
        --auth-root-authentication-method=socket --auth-root-socket-user="$OS_USER" \
        --skip-test-db >"$DIR/install.log" 2>&1 || die "mariadb-install-db failed; see $DIR/install.log"
}

provision() {
    [ -f "$DIR/provisioned" ] && return 0
    admin <<EOF
CREATE USER IF NOT EXISTS 'parley'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
CREATE USER IF NOT EXISTS 'parley'@'localhost' IDENTIFIED BY '$PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'parley'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'parley'@'localhost';
CREATE DATABASE IF NOT EXISTS parley CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
EOF
    touch "$DIR/provisioned"
}

start() {
    load_state
    if running_pid >/dev/null && ping; then
        write_env
        echo "$NAME: already running on 127.0.0.1:$PORT"
        return 0
    fi
    port_busy "$PORT" && die "port $PORT is taken by another process; remove $STATE to pick a new one"
    install_db
    setsid mariadbd --no-defaults \
        --datadir="$DIR/data" --socket="$SOCKET" --pid-file="$PIDFILE" \
        --port="$PORT" --bind-address=127.0.0.1 --skip-name-resolve --user="$OS_USER" \
        --log-error="$DIR/error.log" \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        --max-connections=1000 --innodb-buffer-pool-size=256M --innodb-log-file-size=256M \
        </dev/null >>"$DIR/stdout.log" 2>&1 9>&- &
    local deadline=$((SECONDS + TIMEOUT))
    until ping; do
        [ $SECONDS -lt $deadline ] || die "not ready after ${TIMEOUT}s; see $DIR/error.log"
        sleep 0.2
    done
    provision
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
