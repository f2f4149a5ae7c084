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
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
PIDFILE="$DIR/rabbit.pid"
PROC_MATCH=beam
TIMEOUT="${PARLEY_ENGINE_TIMEOUT:-120}"
BIN=/usr/lib/rabbitmq/bin
USAGE="{start|stop|restart|status|vhost-add NAME|vhost-delete NAME}"

new_state() {
    (umask 077 && printf 'PORT=%s\nDIST_PORT=%s\nEPMD_PORT=%s\nPASSWORD=%s\n' \
        "$(pick_port 27672)" "$(pick_port 28672)" "$(pick_port 24369)" "$(gen_pass)" >"$STATE")
}

load_state() {
    mkdir -p "$DIR/home" "$DIR/mnesia" "$DIR/log"
    read_state
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

# A cheap readiness check: the AMQP listener answers (rabbitmqctl costs a whole Erlang VM).
ready() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null; }
ctl() { timeout "$TIMEOUT" "$BIN/rabbitmqctl" -n "$NODE" "$@"; }

address() { echo "127.0.0.1:$PORT (node $NODE)"; }

write_env() {
    write_env_file "PARLEY_TEST_AMQP_URL=amqp://parley:$PASSWORD@127.0.0.1:$PORT/" \
        "PARLEY_TEST_RABBITMQ_SCRIPT=$HERE/$NAME.sh"
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
    if alive; then
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
    wait_until "AMQP port $PORT not open after ${TIMEOUT}s; see $DIR/log/" ready
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
    await_exit "$pid"
    # The private epmd (on our own port) has no other node; stop it too.
    epmd -port "$EPMD_PORT" -kill >/dev/null 2>&1 || true
    echo "$NAME: stopped"
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

more_actions() {
    case "${1:-}" in
        vhost-add) vhost_add "${2:?vhost name}" ;;
        vhost-delete) vhost_delete "${2:?vhost name}" ;;
        *) usage ;;
    esac
}

dispatch "$@"
