#!/usr/bin/env bash
# A local Parley cluster: the production engines, N replicas and HAProxy in front, on loopback.
#
#   deploy/local/cluster.sh up [N] [F]    engines (reused if running), N replicas (default 3), HAProxy,
#                                         and F upload replicas (default 0, see below)
#   deploy/local/cluster.sh down          stop the replicas and HAProxy, drop this cluster's database,
#                                         indices, exchange and keys (the engines keep running)
#   deploy/local/cluster.sh add [files]   one more replica (or upload replica), put into the running
#                                         HAProxy (no restart)
#   deploy/local/cluster.sh remove [rK|fK] drain one replica gracefully (default: the newest), stop it
#   deploy/local/cluster.sh status        the balancer's address and each replica's state
#
# State lives in "${PARLEY_CLUSTER_DIR:-<engines dir>/cluster}/" (mode 700):
#   cluster.env        the PARLEY_* settings every replica shares: a private MySQL database, ES
#                      prefix, AMQP exchange and Redis prefix, and a JWT secret generated per `up`
#                      (never committed, never printed)
#   lb.env             LB_URL, LB_PORT, LB_PID, LB_SOCKET (HAProxy's runtime API, admin level)
#   replicas/rK.env    NAME, PORT, PID, LOG of each live replica; the file goes when it stops
#   rK.log, haproxy.log
# HAProxy holds PARLEY_CLUSTER_SLOTS (default 10) server slots `parley/r1..rN`; `add` points a
# free slot at a new replica through the runtime API (`set server … addr`, `state ready`) and
# waits until HAProxy's own health check on /readyz says UP; `remove` sets the slot to `drain`
# (no new connections), sends SIGTERM (the replica says `reconnect` to its sockets, finishes
# in-flight work and exits), then puts the slot back in maintenance.
# Upload replicas are the same server in slots `parley_files/f1..fN`: HAProxy sends them every
# `/api/v1/files…` request while one is up (haproxy.cfg says why). Every replica shares one data
# directory, so the local blob store is one store here; production replicas share an S3 bucket.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
ENGINES_DIR="${PARLEY_ENGINES_DIR:-$REPO/.engines}"
DIR="${PARLEY_CLUSTER_DIR:-$ENGINES_DIR/cluster}"
PYTHON="${PARLEY_PYTHON:-$REPO/.venv/bin/python}"
SLOTS="${PARLEY_CLUSTER_SLOTS:-10}"
TIMEOUT="${PARLEY_CLUSTER_TIMEOUT:-60}"
HAPROXY_CFG="$REPO/deploy/haproxy/haproxy.cfg"
ENGINES=(mariadb redis rabbitmq elasticsearch)

die() { echo "cluster.sh: $*" >&2; exit 1; }
say() { echo "cluster: $*"; }

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# One command to HAProxy's runtime API; prints the answer.
lb() {
    # shellcheck disable=SC1091
    . "$DIR/lb.env"
    "$PYTHON" - "$LB_SOCKET" "$*" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while chunk := s.recv(65536):
    out += chunk
sys.stdout.write(out.decode())
PY
}

# HAProxy's backend of a slot: rK in `parley`, fK (upload replicas) in `parley_files`.
backend_of() { case "$1" in f*) echo parley_files ;; *) echo parley ;; esac; }

# The slot's state as HAProxy's stats say: UP, DOWN, MAINT, DRAIN, "no check"...
slot_status() {
    lb "show stat" | awk -F, -v b="$(backend_of "$1")" -v s="$1" '$1 == b && $2 == s { print $18 }'
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

wait_until() { # SECONDS WHAT COMMAND...
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@"; do
        [ $SECONDS -lt $deadline ] || die "timed out after ${limit}s waiting for $what"
        sleep 0.1
    done
}

# ---------------------------------------------------------------- shared settings of this cluster
write_cluster_env() {
    for e in "${ENGINES[@]}"; do
        bash "$HERE/engines/$e.sh" start >/dev/null || die "engine $e did not start"
    done
    (umask 077 && PARLEY_ENGINES_DIR="$ENGINES_DIR" "$PYTHON" - >"$DIR/cluster.env" <<'PY'
# Private namespaces on the shared engines, and one JWT key for every replica of this cluster.
import os, pathlib, secrets
from urllib.parse import urlsplit, urlunsplit

import pymysql

found = {}
for f in sorted(pathlib.Path(os.environ["PARLEY_ENGINES_DIR"]).glob("*.env")):
    for line in f.read_text().splitlines():
        k, sep, v = line.partition("=")
        if sep and k.startswith("PARLEY_TEST_"):
            found[k] = v.strip()
for k in ("MYSQL_URL", "ELASTICSEARCH_URL", "AMQP_URL", "REDIS_URL"):
    if f"PARLEY_TEST_{k}" not in found:
        raise SystemExit(f"cluster.sh: PARLEY_TEST_{k} missing: the engine did not start")
run = f"cluster_{secrets.token_hex(5)}"
db = urlsplit(found["PARLEY_TEST_MYSQL_URL"])
conn = pymysql.connect(host=db.hostname, port=db.port, user=db.username, password=db.password or "")
with conn.cursor() as cur:
    cur.execute(f"CREATE DATABASE `{run}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
conn.close()
settings = {
    "PARLEY_DATABASE_URL": urlunsplit(db._replace(path=f"/{run}")),
    "PARLEY_ELASTICSEARCH_URL": found["PARLEY_TEST_ELASTICSEARCH_URL"],
    "PARLEY_ELASTICSEARCH_PREFIX": run,
    "PARLEY_AMQP_URL": found["PARLEY_TEST_AMQP_URL"],
    "PARLEY_AMQP_EXCHANGE": f"{run}.events",
    "PARLEY_REDIS_URL": found["PARLEY_TEST_REDIS_URL"],
    "PARLEY_REDIS_PREFIX": run,
    "PARLEY_JWT_SECRET": secrets.token_urlsafe(48),
    "PARLEY_JWT_KID": f"k{secrets.token_hex(4)}",
    "PARLEY_CLUSTER_RUN": run,
}
for k, v in settings.items():
    print(f"{k}={v}")
PY
    ) || die "could not prepare the cluster's namespaces"
    # Extra settings for every replica (e.g. limits for load tests) pass through from the caller.
    env | grep -E '^PARLEY_(LOGIN_PER|REGISTER_PER|SENDS_PER|WS_FRAMES|WS_PER_USER|WS_UNAUTH|REQUEST_DEADLINE|DRAIN_|LOG_LEVEL|DB_POOL)' \
        >>"$DIR/cluster.env" || true
}

# ---------------------------------------------------------------- replicas
free_slot() { # PREFIX: r (replicas) or f (upload replicas)
    local k
    for k in $(seq 1 "$SLOTS"); do
        [ -f "$DIR/replicas/$1$k.env" ] || { echo "$1$k"; return 0; }
    done
    die "all $SLOTS slots are taken (PARLEY_CLUSTER_SLOTS)"
}

ready() { curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$1/readyz"; }
lb_up() { [ "$(slot_status "$1")" = "UP" ]; }

# Start one replica in a free slot; `try` again (up to 3 times) if it exits at start, as an
# orchestrator would: an engine that is restarting refuses the first connection.
start_replica() { # [PREFIX]: r (default) or f
    local name port pid log try backend
    name="$(free_slot "${1:-r}")"
    backend="$(backend_of "$name")"
    log="$DIR/$name.log"
    mkdir -p "$DIR/data"
    for try in 1 2 3; do
        port="$(free_port)"
        (
            set -a
            # shellcheck disable=SC1091
            . "$DIR/cluster.env"
            set +a
            export PARLEY_REPLICA_ID="$name-$port"
            export PARLEY_PROXIES_COUNT=1  # HAProxy is in front: its X-Forwarded-For is the client
            cd "$REPO"
            exec setsid "$PYTHON" -m backend --host 127.0.0.1 --port "$port" --data-dir "$DIR/data" \
                </dev/null >>"$log" 2>&1 9>&-
        ) &
        pid=$!
        printf 'NAME=%s\nPORT=%s\nPID=%s\nLOG=%s\n' "$name" "$port" "$pid" "$log" >"$DIR/replicas/$name.env"
        local deadline=$((SECONDS + TIMEOUT))
        until ready "$port"; do
            alive "$pid" || break
            [ $SECONDS -lt $deadline ] || die "$name not ready after ${TIMEOUT}s; see $log"
            sleep 0.1
        done
        alive "$pid" && break
        rm -f "$DIR/replicas/$name.env"
        [ "$try" -lt 3 ] || die "$name exited at start 3 times; see $log"
        echo "cluster: $name exited at start (try $try); starting it again" >&2
        sleep 1
    done
    lb "set server $backend/$name addr 127.0.0.1 port $port" >/dev/null
    lb "set server $backend/$name state ready" >/dev/null
    wait_until "$TIMEOUT" "HAProxy to see $name UP" lb_up "$name"
    say "$name ready on 127.0.0.1:$port (pid $pid)"
}

stop_replica() { # NAME: graceful (drain in HAProxy, SIGTERM, wait for the exit)
    local name=$1 NAME PORT PID LOG backend
    [ -f "$DIR/replicas/$name.env" ] || die "no replica $name"
    backend="$(backend_of "$name")"
    # shellcheck disable=SC1090
    . "$DIR/replicas/$name.env"
    lb "set server $backend/$name state drain" >/dev/null || true
    if alive "$PID"; then
        kill -TERM "$PID"
        local deadline=$((SECONDS + TIMEOUT))
        while alive "$PID"; do
            if [ $SECONDS -ge $deadline ]; then
                echo "cluster: $name did not exit in ${TIMEOUT}s; killing it" >&2
                kill -KILL "$PID" 2>/dev/null || true
            fi
            sleep 0.1
        done
    fi
    lb "set server $backend/$name state maint" >/dev/null || true
    lb "set server $backend/$name addr 127.0.0.1 port 1" >/dev/null || true
    rm -f "$DIR/replicas/$name.env"
    say "$name stopped"
}

newest_replica() {
    # shellcheck disable=SC2012
    ls -t "$DIR"/replicas/*.env 2>/dev/null | head -n 1 | xargs -r basename | sed 's/\.env$//'
}

# ---------------------------------------------------------------- HAProxy
lb_running() {
    [ -f "$DIR/lb.env" ] || return 1
    # shellcheck disable=SC1091
    . "$DIR/lb.env"
    alive "$LB_PID"
}

lb_started() { alive "$1" || die "HAProxy exited; see $DIR/haproxy.log"; test -S "$2"; }

start_lb() {
    local port sock pid
    port="${PARLEY_CLUSTER_PORT:-$(free_port)}"
    sock="$DIR/haproxy.sock"
    rm -f "$sock"
    (
        export PARLEY_LB_BIND="127.0.0.1:$port" PARLEY_LB_STATS_SOCKET="$sock" \
            PARLEY_LB_SLOTS="$SLOTS" PARLEY_LB_SERVER_ADDR="127.0.0.1:1" PARLEY_LB_SLOT_STATE=disabled \
            PARLEY_LB_FILES_SLOTS="$SLOTS" PARLEY_LB_FILES_ADDR="127.0.0.1:1" PARLEY_LB_FILES_STATE=disabled
        haproxy -c -q -f "$HAPROXY_CFG" || exit 1
        exec setsid haproxy -W -f "$HAPROXY_CFG" </dev/null >>"$DIR/haproxy.log" 2>&1 9>&-
    ) &
    pid=$!
    printf 'LB_URL=http://127.0.0.1:%s\nLB_PORT=%s\nLB_PID=%s\nLB_SOCKET=%s\n' \
        "$port" "$port" "$pid" "$sock" >"$DIR/lb.env"
    wait_until 15 "HAProxy's runtime API (see $DIR/haproxy.log)" lb_started "$pid" "$sock"
    wait_until 15 "HAProxy on $port" curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$port/lb-healthz"
    say "HAProxy on http://127.0.0.1:$port (pid $pid)"
}

# ---------------------------------------------------------------- commands
up() {
    local n=${1:-3} files=${2:-0}
    command -v haproxy >/dev/null || die "haproxy is not installed (deploy/local/apt/cluster.txt)"
    lb_running && die "a cluster already runs in $DIR (cluster.sh down first)"
    mkdir -p "$DIR/replicas"
    chmod 700 "$DIR"
    rm -f "$DIR"/replicas/*.env
    write_cluster_env
    start_lb
    # One after another: the first applies the schema migrations before the others start.
    for _ in $(seq 1 "$n"); do start_replica r; done
    for _ in $(seq 1 "$files"); do start_replica f; done
    status
}

down() {
    local f
    for f in "$DIR"/replicas/*.env; do
        [ -f "$f" ] || continue
        stop_replica "$(basename "$f" .env)"
    done
    if lb_running; then
        kill -TERM "$LB_PID"
        wait_until 15 "HAProxy to exit" bash -c "! kill -0 $LB_PID 2>/dev/null"
        say "HAProxy stopped"
    fi
    rm -f "$DIR/lb.env" "$DIR/haproxy.sock"
    drop_namespaces
}

# `up` always makes new namespaces, so `down` drops this cluster's: its database, Elasticsearch
# indices and templates, AMQP exchange and Redis keys (the engines themselves keep running).
drop_namespaces() {
    [ -f "$DIR/cluster.env" ] || return 0
    (
        set -a
        # shellcheck disable=SC1091
        . "$DIR/cluster.env"
        set +a
        "$PYTHON" - <<'PY'
import asyncio, json, os, urllib.request
from urllib.parse import urlsplit

import aio_pika, pymysql, redis

run = os.environ["PARLEY_CLUSTER_RUN"]

def warn(what, exc):
    print(f"cluster: could not drop the {what} of {run}: {type(exc).__name__}")

try:
    db = urlsplit(os.environ["PARLEY_DATABASE_URL"])
    conn = pymysql.connect(host=db.hostname, port=db.port, user=db.username, password=db.password or "")
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{run}`")
    conn.close()
except Exception as exc:
    warn("database", exc)

es = os.environ["PARLEY_ELASTICSEARCH_URL"].rstrip("/")
def call(method, path):
    req = urllib.request.Request(es + path, method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")
try:
    for row in call("GET", f"/_cat/indices/{run}-*?format=json&expand_wildcards=all"):
        call("DELETE", f"/{row['index']}")
    templates = call("GET", f"/_index_template/{run}-*").get("index_templates", [])
    for t in templates:
        call("DELETE", f"/_index_template/{t['name']}")
except Exception as exc:
    warn("Elasticsearch indices", exc)

async def drop_exchange():
    conn = await aio_pika.connect(os.environ["PARLEY_AMQP_URL"], timeout=10)
    async with conn:
        channel = await conn.channel()
        await channel.exchange_delete(os.environ["PARLEY_AMQP_EXCHANGE"])
try:
    asyncio.run(drop_exchange())
except Exception as exc:
    warn("AMQP exchange", exc)

try:
    r = redis.Redis.from_url(os.environ["PARLEY_REDIS_URL"], socket_timeout=10)
    keys = list(r.scan_iter(match=f"{os.environ['PARLEY_REDIS_PREFIX']}*", count=1000))
    for i in range(0, len(keys), 500):
        r.delete(*keys[i:i + 500])
except Exception as exc:
    warn("Redis keys", exc)
PY
    ) || true
    rm -f "$DIR/cluster.env"
    say "namespaces dropped"
}

status() {
    lb_running || { echo "cluster: not running"; return 3; }
    echo "cluster: HAProxy $LB_URL (pid $LB_PID)"
    local f NAME PORT PID LOG
    for f in "$DIR"/replicas/*.env; do
        [ -f "$f" ] || continue
        # shellcheck disable=SC1090
        . "$f"
        local state="exited"
        alive "$PID" && state="running"
        echo "cluster: $NAME 127.0.0.1:$PORT pid $PID $state, HAProxy: $(slot_status "$NAME")"
    done
}

mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock -w "$((TIMEOUT * 2))" 9 || die "another cluster.sh holds $DIR/.lock"
case "${1:-}" in
    up) up "${2:-3}" "${3:-0}" ;;
    down) down ;;
    add)
        lb_running || die "no cluster runs in $DIR"
        case "${2:-}" in "") start_replica r ;; files) start_replica f ;; *) die "add [files]" ;; esac
        ;;
    remove)
        lb_running || die "no cluster runs in $DIR"
        target="${2:-$(newest_replica)}"
        [ -n "$target" ] || die "no replica to remove"
        stop_replica "$target"
        ;;
    status) status ;;
    *) echo "usage: $0 {up [N] [F]|down|add [files]|remove [rK|fK]|status}" >&2; exit 2 ;;
esac
