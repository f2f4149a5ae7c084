#!/usr/bin/env bash
# A private Elasticsearch 8.x node (one JVM, built from Maven Central jars) for tests and benchmarks.
#
#   deploy/local/engines/elasticsearch.sh {start|stop|restart|status|reset}
#
# `reset` stops the node, deletes its data (every index and template) and starts it again.
#
# The launcher lives in deploy/elasticsearch/ (pom.xml + ParleyLocalNode); `start` builds it with Maven
# when its sources changed (jars go to deploy/elasticsearch/target/, ignored; Maven's own cache is
# ~/.m2 unless PARLEY_MAVEN_REPO names another). Home, data, pid and logs live in
# "${PARLEY_ENGINES_DIR:-<repo>/.engines}/elasticsearch/" (the node's log: logs/parley-es.log; the
# JVM's own output before that: node.log); the variables tests need go to
# "${PARLEY_ENGINES_DIR}/elasticsearch.env":
#   PARLEY_TEST_ELASTICSEARCH_URL=http://127.0.0.1:<port>
# The ports (free, loopback only) are picked on the first start and kept, so a restart comes back on
# the same port with the same data. `start` reuses a node this script already started and waits until
# the cluster is yellow or green; `stop` stops only that node (SIGTERM: the node flushes and exits).
# Security is off (X-Pack is not loaded); the node listens on 127.0.0.1 only. Heap: -Xmx1g.
set -euo pipefail

NAME=elasticsearch
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
LAUNCHER="$REPO/deploy/elasticsearch"
PIDFILE="$DIR/node.pid"
LOG="$DIR/node.log"
TIMEOUT="${PARLEY_ENGINE_TIMEOUT:-120}"
HEAP="${PARLEY_ELASTICSEARCH_HEAP:-1g}"
MAIN=org.elasticsearch.node.ParleyLocalNode
PROC_MATCH="$MAIN"
BASE_PORT=29200
USAGE="{start|stop|restart|status|reset}"

# No password here, so the state file is not made private.
new_state() {
    local http transport
    http="$(pick_port $BASE_PORT)"
    transport="$(pick_port $((BASE_PORT + 100)) "$http")"
    printf 'PORT=%s\nTRANSPORT_PORT=%s\n' "$http" "$transport" >"$STATE"
}

url() { echo "http://127.0.0.1:$PORT"; }
address() { url; }

# Yellow or green: every primary shard is assigned, so writes to existing indices can succeed.
ready() {
    curl -sf --max-time 3 "$(url)/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null |
        grep -q '"status":"\(yellow\|green\)"'
}

write_env() {
    cat >"$ENV_FILE" <<EOT
PARLEY_ENGINES_DIR=$ENGINES_DIR
PARLEY_TEST_ELASTICSEARCH_URL=$(url)
PARLEY_TEST_ELASTICSEARCH_SCRIPT=$HERE/$NAME.sh
EOT
}

build() {
    local stamp="$LAUNCHER/target/.parley-built"
    if [ -f "$stamp" ] && [ -z "$(find "$LAUNCHER/pom.xml" "$LAUNCHER/src" -newer "$stamp" -print -quit)" ]; then
        return 0
    fi
    echo "$NAME: building the launcher (Maven; the first build downloads about 80 MB)"
    local repo_args=()
    [ -n "${PARLEY_MAVEN_REPO:-}" ] && repo_args=("-Dmaven.repo.local=$PARLEY_MAVEN_REPO")
    (cd "$LAUNCHER" && mvn -B -q "${repo_args[@]}" -DskipTests package) >"$DIR/build.log" 2>&1 ||
        die "the Maven build failed; see $DIR/build.log"
    touch "$stamp"
}

start() {
    load_state
    if alive; then
        write_env
        echo "$NAME: already running on $(url)"
        return 0
    fi
    if ! running_pid >/dev/null; then
        port_busy "$PORT" && die "port $PORT is taken by another process; remove $STATE to pick a new one"
        build
        mkdir -p "$DIR/home" "$DIR/data" "$DIR/logs" "$DIR/tmp"
        setsid java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -Djava.io.tmpdir="$DIR/tmp" \
            -Dlog4j2.formatMsgNoLookups=true -Dfile.encoding=UTF-8 \
            -cp "$LAUNCHER/target/classes:$LAUNCHER/target/lib/*" "$MAIN" \
            -Epath.home="$DIR/home" -Epath.data="$DIR/data" -Epath.logs="$DIR/logs" \
            -Ehttp.port="$PORT" -Etransport.port="$TRANSPORT_PORT" \
            </dev/null >>"$LOG" 2>&1 9>&- &
        echo $! >"$PIDFILE"
    fi
    local deadline=$((SECONDS + TIMEOUT))
    until ready; do
        running_pid >/dev/null || die "the node exited; see $LOG and $DIR/logs/parley-es.log"
        [ $SECONDS -lt $deadline ] || die "not yellow/green after ${TIMEOUT}s; see $DIR/logs/parley-es.log"
        sleep 0.5
    done
    write_env
    echo "$NAME: started on $(url)"
}

more_actions() {
    case "${1:-}" in
        reset) stop && rm -rf "$DIR/data" && start ;;
        *) usage ;;
    esac
}

dispatch "$@"
