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
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PIDFILE="$DIR/mariadbd.pid"
PROC_MATCH=mariadbd
SOCKET="$DIR/mariadbd.sock"
TIMEOUT="${PARLEY_ENGINE_TIMEOUT:-90}"
BASE_PORT=23306
OS_USER="$(id -un)"

new_state() {
    (umask 077 && printf 'PORT=%s\nPASSWORD=%s\n' "$(pick_port $BASE_PORT)" "$(gen_pass)" >"$STATE")
}

# The admin account authenticates by the OS user over the private socket: no admin password exists.
admin() { timeout 30 mariadb --no-defaults --socket="$SOCKET" -u "$OS_USER"; }
ready() { timeout 5 mariadb-admin --no-defaults --socket="$SOCKET" -u "$OS_USER" ping >/dev/null 2>&1; }

address() { echo "127.0.0.1:$PORT"; }

write_env() {
    write_env_file "PARLEY_TEST_MYSQL_URL=mysql://parley:$PASSWORD@127.0.0.1:$PORT/parley" \
        "PARLEY_TEST_MARIADB_SCRIPT=$HERE/$NAME.sh"
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
    if alive; then
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
    wait_until "not ready after ${TIMEOUT}s; see $DIR/error.log" ready
    provision
    write_env
    echo "$NAME: started on 127.0.0.1:$PORT"
}

dispatch "$@"
