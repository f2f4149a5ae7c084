# shellcheck shell=bash
# What the engine scripts in this folder share; each of them sources it right after setting NAME:
#
#   set -euo pipefail
#   NAME=<engine>
#   # shellcheck source-path=SCRIPTDIR source=common.sh
#   . "$(dirname "${BASH_SOURCE[0]}")/common.sh"
#
# This file sets HERE, REPO, ENGINES_DIR, DIR, ENV_FILE and STATE from NAME. The script then sets
#   PIDFILE      the pid file of the server it starts
#   PROC_MATCH   a pattern that /proc/<pid>/cmdline of that server matches (a reused pid is not ours)
#   TIMEOUT      seconds to wait for a start, a stop or the lock
# defines
#   new_state    writes $STATE (ports, password) on the first start; load_state sources it
#   ready        succeeds when the server answers
#   address      where it listens, as `status` prints it
#   start
# may redefine load_state (to make more directories or derive variables; it calls read_state), stop
# (when SIGTERM is not how the server stops) and more_actions (actions beyond start|stop|restart|status;
# USAGE lists them), and ends with `dispatch "$@"`. Servers are started with `9>&-`: fd 9 holds the lock.

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2034  # REPO is for the scripts
REPO="$(cd "$HERE/../../.." && pwd)"
ENGINES_DIR="${PARLEY_ENGINES_DIR:-$REPO/.engines}"
DIR="$ENGINES_DIR/$NAME"
ENV_FILE="$ENGINES_DIR/$NAME.env"
STATE="$DIR/state"
USAGE="{start|stop|restart|status}"

die() { echo "$NAME.sh: $*" >&2; exit 1; }
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }

# The first free port from $1 on (at most 500 tried), other than $2 (a port picked a moment ago).
pick_port() {
    local p=$1
    while port_busy "$p" || [ "$p" = "${2:-}" ]; do
        p=$((p + 1))
        [ "$p" -lt $(($1 + 500)) ] || die "no free port in $1..$p"
    done
    echo "$p"
}
gen_pass() { head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }

# Makes $DIR (private), writes $STATE on the first call, reads it.
read_state() {
    mkdir -p "$DIR"
    chmod 700 "$DIR"
    if [ ! -f "$STATE" ]; then
        new_state
    fi
    # shellcheck disable=SC1090
    . "$STATE"
}
load_state() { read_state; }

# The pid of the server this script started, if it is still running.
running_pid() {
    [ -f "$PIDFILE" ] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    grep -q "$PROC_MATCH" "/proc/$pid/cmdline" 2>/dev/null || return 1
    echo "$pid"
}
alive() { running_pid >/dev/null && ready; }

# Runs the command (and its arguments) every 0.2 s until it succeeds; dies with $1 after $TIMEOUT s.
wait_until() {
    local message=$1
    shift
    local deadline=$((SECONDS + TIMEOUT))
    until "$@"; do
        [ $SECONDS -lt $deadline ] || die "$message"
        sleep 0.2
    done
}

# Waits up to $TIMEOUT s for process $1 to exit (SIGKILL after that), then forgets the pid file.
await_exit() {
    local pid=$1
    local deadline=$((SECONDS + TIMEOUT))
    while kill -0 "$pid" 2>/dev/null; do
        if [ $SECONDS -ge $deadline ]; then
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    rm -f "$PIDFILE"
}

# Writes $ENV_FILE, private (the URLs carry passwords): PARLEY_ENGINES_DIR, then the lines given.
write_env_file() {
    (umask 077 && printf '%s\n' "PARLEY_ENGINES_DIR=$ENGINES_DIR" "$@" >"$ENV_FILE")
}

stop() {
    local pid
    if ! pid="$(running_pid)"; then
        echo "$NAME: not running"
        return 0
    fi
    kill -TERM "$pid"
    await_exit "$pid"
    echo "$NAME: stopped"
}

# Exit status 3 when stopped (or never started).
status() {
    [ -f "$STATE" ] || { echo "$NAME: never started"; return 3; }
    load_state
    if alive; then
        echo "$NAME: running on $(address)"
    else
        echo "$NAME: stopped"
        return 3
    fi
}

usage() { echo "usage: $0 $USAGE" >&2; exit 2; }
more_actions() { usage; }

# The command line, under the engine's lock: one run of this engine's script at a time per engines dir.
dispatch() {
    mkdir -p "$ENGINES_DIR"
    exec 9>"$ENGINES_DIR/$NAME.lock"
    flock -w "$TIMEOUT" 9 || die "another $NAME.sh holds $ENGINES_DIR/$NAME.lock"
    case "${1:-}" in
        start) start ;;
        stop) stop ;;
        restart) stop && start ;;
        status) status ;;
        *) more_actions "$@" ;;
    esac
}
