#!/usr/bin/env bash
# A private RabbitMQ node for tests and benchmarks.
#
#   deploy/local/engines/rabbitmq.sh {start|stop|restart|status}
#   deploy/local/engines/rabbitmq.sh {vhost-add|vhost-delete} NAME
#
# Mnesia, logs, config and the Erlang cookie (HOME) live in
# "${PARLEY_ENGINES_DIR:-<repo>/.engines}/rabbitmq/"; the variables tests need go to
# "${PARLEY_ENGINES_DIR}/rabbitmq.env":
#   PARLEY_TEST_AMQP_URL=amqp://parley:<password>@127.0.0.1:<port>/
#   PARLEY_TEST_RABBITMQ_SCRIPT=<this script>   (the restart fault test calls stop/start)
# The AMQP, distribution and epmd ports (free, non-default, loopback only, picked on the first start)
# and the generated password are kept in the data dir, so a restart comes back on the same port with
# the same credentials. `start` reuses a node this script already started; `stop` stops only that
# node and the private epmd it brought up.
#
# Debian's /usr/sbin wrappers `su` to the rabbitmq user and drop every RABBITMQ_* variable when run as
# root, so this calls the scripts under /usr/lib/rabbitmq/bin directly.
set -euo pipefail

NAME=rabbitmq
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
ENGINES_DIR="${PARLEY_ENGINES_DIR:-$REPO/.engines}"
DIR="$ENGINES_DIR/$NAME"
ENV_FILE="$ENGINES_DIR/$NAME.env"
STATE="$DIR/state"
PIDFILE="$DIR/rabbit.pid"
TIMEOUT="${PARLEY_ENGINE_TIMEOUT:-120}"
BIN=/usr/lib/rabbitmq/bin

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
    mkdir -p "$DIR/home" "$DIR/mnesia" "$DIR/log"
    chmod 700 "$DIR"
    if [ ! -f "$STATE" ]; then
        (umask 077 && printf 'PORT=%s\nDIST_PORT=%s\nEPMD_PORT=%s\nPASSWORD=%s\n' \
            "$(pick_port 27672)" "$(pick_port 28672)" "$(pick_port 24369)" "$(gen_pass)" >"$STATE")
    fi
    # shellcheck disable=SC1090
    . "$STATE"
    NODE="parley$PORT@localhost"
    export HOME="$DIR/home"
    export RABBITMQ_NODENAME="$NODE"
    export RABBITMQ_USE_LONGNAME=false
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT="$PORT"
    export RABBITMQ_DIST_PORT="$DIST_PORT"
    # Erlang distribution listens on every interface by default: loopback only.
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export ERL_EPMD_PORT="$EPMD_PORT"
    export ERL_EPMD_ADDRESS=127.0.0.1
    export RABBITMQ_MNESIA_BASE="$DIR/mnesia"
    export RABBITMQ_LOG_BASE="$DIR/log"
    export RABBITMQ_PID_FILE="$PIDFILE"
    export RABBITMQ_CONFIG_FILE="$DIR/rabbitmq"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
    export RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"
}

running_pid() {
    [ -f "$PIDFILE" ] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    grep -q beam "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}

# A cheap readiness check: the AMQP listener answers (rabbitmqctl costs a whole Erlang VM).
amqp_up() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null; }
ctl() { timeout "$TIMEOUT" "$BIN/rabbitmqctl" -n "$NODE" "$@"; }

write_env() {
    (umask 077 && cat >"$ENV_FILE" <<EOF
PARLEY_ENGINES_DIR=$ENGINES_DIR
PARLEY_TEST_AMQP_URL=amqp://parley:$PASSWORD@127.0.0.1:$PORT/
PARLEY_TEST_RABBITMQ_SCRIPT=$HERE/$NAME.sh
EOF
    )
}

write_config() {
    : >"$RABBITMQ_CONF_ENV_FILE"
    echo '[].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
    # default_user is created on the first boot of an empty Mnesia only; later boots keep it.
    (umask 077 && cat >"$DIR/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$PORT
default_vhost = /
default_user = parley
default_pass = $PASSWORD
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
loopback_users = none
disk_free_limit.absolute = 50MB
log.console = false
log.file.level = warning
EOF
    )
}

start() {
    load_state
    if running_pid >/dev/null && amqp_up; then
        write_env
        echo "$NAME: already running on 127.0.0.1:$PORT"
        return 0
    fi
    for p in "$PORT" "$DIST_PORT"; do
        port_busy "$p" && die "port $p is taken by another process; remove $STATE to pick new ones"
    done
    write_config
    "$BIN/rabbitmq-server" -detached </dev/null >>"$DIR/log/stdout.log" 2>&1 9>&-
    ctl wait "$PIDFILE" --timeout "$TIMEOUT" >/dev/null 2>>"$DIR/log/ctl.log" \
        || die "not ready after ${TIMEOUT}s; see $DIR/log/"
    local deadline=$((SECONDS + TIMEOUT))
    until amqp_up; do
        [ $SECONDS -lt $deadline ] || die "AMQP port $PORT not open after ${TIMEOUT}s; see $DIR/log/"
        sleep 0.2
    done
    write_env
    echo "$NAME: started on 127.0.0.1:$PORT (node $NODE)"
}

stop() {
    load_state
    local pid
    if ! pid="$(running_pid)"; then
        echo "$NAME: not running"
        return 0
    fi
    # `stop <pidfile>` returns once the OS process has exited.
    ctl stop "$PIDFILE" >/dev/null 2>>"$DIR/log/ctl.log" || true
    local deadline=$((SECONDS + TIMEOUT))
    while kill -0 "$pid" 2>/dev/null; do
        if [ $SECONDS -ge $deadline ]; then
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    rm -f "$PIDFILE"
    # The private epmd (on our own port) has no other node; stop it too.
    epmd -port "$EPMD_PORT" -kill >/dev/null 2>&1 || true
    echo "$NAME: stopped"
}

status() {
    [ -f "$STATE" ] || { echo "$NAME: never started"; return 3; }
    load_state
    if running_pid >/dev/null && amqp_up; then
        echo "$NAME: running on 127.0.0.1:$PORT (node $NODE)"
    else
        echo "$NAME: stopped"
        return 3
    fi
}

vhost_add() {
    load_state
    ctl add_vhost "$1" >/dev/null
    ctl set_permissions -p "$1" parley '.*' '.*' '.*' >/dev/null
    echo "$NAME: vhost $1 ready"
}

vhost_delete() {
    load_state
    ctl delete_vhost "$1" >/dev/null
    echo "$NAME: vhost $1 deleted"
}

mkdir -p "$ENGINES_DIR"
exec 9>"$ENGINES_DIR/$NAME.lock"
flock -w "$TIMEOUT" 9 || die "another $NAME.sh holds $ENGINES_DIR/$NAME.lock"
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    restart) stop && start ;;
    status) status ;;
    vhost-add) vhost_add "${2:?vhost name}" ;;
    vhost-delete) vhost_delete "${2:?vhost name}" ;;
    *) echo "usage: $0 {start|stop|restart|status|vhost-add NAME|vhost-delete NAME}" >&2; exit 2 ;;
esac
