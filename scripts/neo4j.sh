#!/usr/bin/env bash
# Local Neo4j Community 5.26 server for development and CI (embedded DBMS + Bolt, built from
# Maven Central by scripts/neo4j/pom.xml; no Neo4j tarball, no Docker).
#
#   scripts/neo4j.sh build|start|stop|status|restart
#
# Bolt: bolt://127.0.0.1:$CHAINKG_NEO4J_PORT (7687), user neo4j, password $CHAINKG_NEO4J_PASSWORD
# (chainkg-dev-pw); neo4j:// routing URIs work too. Each port has its own home, .neo4j/<port>/
# (data/ with the password digest, logs/, neo4j.log, neo4j.pid), so servers on two ports of one
# checkout (say a dev server on 7687 and a test server on another port) never share anything;
# every command acts on the server of $CHAINKG_NEO4J_PORT only.
# Other knobs: CHAINKG_NEO4J_HEAP (max heap, 2g), CHAINKG_NEO4J_PAGECACHE_MB (256),
# CHAINKG_NEO4J_START_TIMEOUT (seconds, 120), JAVA_HOME (Java 17 or 21; default: java on PATH).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=$ROOT/scripts/neo4j
TARGET=$SRC/target
STAMP=$TARGET/.chainkg-build-ok          # written only after a successful build
PORT=${CHAINKG_NEO4J_PORT:-7687}
HOMES=$ROOT/.neo4j                       # one home per port below it
HOME_DIR=$HOMES/$PORT                    # Neo4j home: data/, logs/ (debug.log, ...)
PID_FILE=$HOME_DIR/neo4j.pid
LOG_FILE=$HOME_DIR/neo4j.log             # stdout/stderr of the server (user log)
DEFAULT_PORT=7687
HEAP=${CHAINKG_NEO4J_HEAP:-2g}  # loads commit in batches of 10,000 rows; 2g leaves room for big catalogs
START_TIMEOUT=${CHAINKG_NEO4J_START_TIMEOUT:-120}
STOP_TIMEOUT=60
READY_MARK='chainkg-neo4j: READY'         # printed by Neo4jServer once logins work
MAIN_CLASS=chainkg.Neo4jServer
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

log() { printf 'neo4j.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $PORT =~ ^[0-9]+$ ]] || die "CHAINKG_NEO4J_PORT must be a port number, not '$PORT'"

# --- Ctrl-C / SIGTERM -------------------------------------------------------------------------
# Background children of a script ignore SIGINT, so the trap forwards the stop itself: it kills
# a running mvn, and a server that this invocation launched but that is not ready yet (a
# half-started server would otherwise linger). A server that is up is left alone.
CHILD=""            # pid of a running mvn
LAUNCHED=""         # pid of a server this invocation started and is still waiting for
on_signal() {
    local sig=$1
    trap - INT TERM
    log "interrupted (SIG$sig)"
    if [[ -n $CHILD ]]; then kill -TERM "$CHILD" 2>/dev/null || true; fi
    if [[ -n $LAUNCHED ]]; then
        log "stopping the server that was still starting (pid $LAUNCHED)"
        stop_pid "$LAUNCHED" || true
        rm -f "$PID_FILE"
    fi
    [[ $sig == INT ]] && exit 130 || exit 143
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM

# --- build ------------------------------------------------------------------------------------
up_to_date() {
    [[ -f $STAMP && -f $TARGET/chainkg-neo4j.jar && -d $TARGET/lib ]] || return 1
    [[ -z $(find "$SRC/pom.xml" "$SRC/src" -newer "$STAMP" -print -quit) ]]
}

build() {
    if up_to_date; then
        log "build: up to date ($TARGET)"
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not found (Debian: apt-get install -y maven)"
    log "build: mvn package in $SRC (first run downloads ~130 MB from Maven Central)"
    rm -f "$STAMP"
    rm -rf "${TARGET:?}/lib" # copy-dependencies never deletes jars of an old Neo4j version
    local started=$SECONDS
    (cd "$SRC" && exec mvn -q -B package >&2) &  # progress and errors to stderr
    CHILD=$!
    if ! wait "$CHILD"; then CHILD=""; die "build failed (see mvn output above)"; fi
    CHILD=""
    touch "$STAMP"
    log "build: done in $((SECONDS - started)) s"
}

# --- process helpers --------------------------------------------------------------------------
# A pid counts only if it is alive and is our server (pid files can outlive a reboot).
is_server_pid() {
    local pid=$1
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$MAIN_CLASS"
}

running_pid() {
    local pid
    [[ -f $PID_FILE ]] || return 1
    pid=$(<"$PID_FILE")
    is_server_pid "$pid" || return 1
    printf '%s\n' "$pid"
}

# True when something on the port speaks Bolt: send the Bolt handshake (magic 0x6060B017 and
# version proposals 5.8..5.0, 4.4..4.2) and expect a non-zero version back.
bolt_answers() {
    local reply
    { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
    printf '\x60\x60\xb0\x17\x00\x08\x08\x05\x00\x02\x04\x04\x00\x00\x00\x00\x00\x00\x00\x00' >&3
    reply=$(timeout 5 head -c 4 <&3 | od -An -tx1 | tr -d ' \n') || true
    exec 3<&- 3>&-
    [[ -n $reply && $reply != 00000000 ]]
}

port_in_use() {
    { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
    exec 3<&- 3>&-
}

log_tail() {
    log "last lines of $LOG_FILE (details: $HOME_DIR/logs/debug.log):"
    tail -n 40 "$LOG_FILE" >&2 2>/dev/null || true
}

# SIGTERM runs the JVM shutdown hook (managementService.shutdown()); wait for it to finish.
stop_pid() {
    local pid=$1 waited=0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null; do
        if ((waited >= STOP_TIMEOUT * 10)); then
            log "server (pid $pid) did not stop within ${STOP_TIMEOUT} s; killing it (next start recovers)"
            kill -KILL "$pid" 2>/dev/null || true
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
}

# --- commands ---------------------------------------------------------------------------------
wait_ready() {
    local pid=$1 started=$SECONDS
    while true; do
        if ! is_server_pid "$pid"; then
            log_tail
            rm -f "$PID_FILE"
            die "server exited during startup"
        fi
        if grep -q "$READY_MARK" "$LOG_FILE" 2>/dev/null && bolt_answers; then
            log "ready: bolt://127.0.0.1:$PORT (pid $pid, $((SECONDS - started)) s)"
            return 0
        fi
        if ((SECONDS - started >= START_TIMEOUT)); then
            log_tail
            if [[ $pid == "$LAUNCHED" ]]; then # ours: do not leave a stuck server holding the port
                log "stopping the server that did not become ready (pid $pid)"
                stop_pid "$pid" || true
                rm -f "$PID_FILE"
                LAUNCHED=""
            fi
            die "Bolt did not answer on 127.0.0.1:$PORT within $START_TIMEOUT s"
        fi
        sleep 0.5
    done
}

start() {
    local pid
    if pid=$(running_pid); then
        log "already running on port $PORT (pid $pid)"
        wait_ready "$pid" # returns at once if up; waits if another start is still in progress
        return 0
    fi
    build
    command -v "$JAVA" >/dev/null || die "java not found (Debian: apt-get install -y openjdk-17-jre-headless)"
    if port_in_use; then
        die "127.0.0.1:$PORT is already in use by another process (set CHAINKG_NEO4J_PORT?)"
    fi
    mkdir -p "$HOME_DIR"
    if [[ -f $LOG_FILE ]]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi
    log "starting Neo4j on 127.0.0.1:$PORT (home $HOME_DIR, log $LOG_FILE)"
    # setsid: own session, so closing the terminal or Ctrl-C in it does not hit the server.
    # The inner shell records its pid and then becomes java (exec), so the pid file is java's.
    # --add-opens are the ones Neo4j's own launcher passes (page cache and native file access).
    rm -f "$PID_FILE"
    # shellcheck disable=SC2016 # $$ and $@ are for the inner shell
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
        "$JAVA" -Xms512m "-Xmx$HEAP" -XX:+ExitOnOutOfMemoryError \
        -Dfile.encoding=UTF-8 -Dio.netty.tryReflectionSetAccessible=true \
        --add-opens=java.base/java.nio=ALL-UNNAMED \
        --add-opens=java.base/java.io=ALL-UNNAMED \
        --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
        -cp "$TARGET/chainkg-neo4j.jar:$TARGET/lib/*" "$MAIN_CLASS" "$HOME_DIR" \
        </dev/null >"$LOG_FILE" 2>&1 &
    LAUNCHED=$!
    # The inner shell writes the pid file within milliseconds; $! is the same pid anyway.
    for _ in 1 2 3 4 5 6 7 8 9 10; do [[ -s $PID_FILE ]] && break; sleep 0.1; done
    [[ -s $PID_FILE ]] || echo "$LAUNCHED" >"$PID_FILE"
    LAUNCHED=$(<"$PID_FILE")
    wait_ready "$LAUNCHED"
    LAUNCHED=""
}

stop() {
    local pid
    if ! pid=$(running_pid); then
        log "not running on port $PORT"
        rm -f "$PID_FILE"
        return 0
    fi
    log "stopping the server on port $PORT (pid $pid)"
    local started=$SECONDS rc=0
    stop_pid "$pid" || rc=$?
    rm -f "$PID_FILE"
    ((rc == 0)) && log "stopped in $((SECONDS - started)) s"
    return "$rc"
}

status() {
    local pid
    if pid=$(running_pid); then
        if bolt_answers; then
            log "running (pid $pid, home $HOME_DIR), Bolt answers on 127.0.0.1:$PORT"
        else
            log "running (pid $pid, home $HOME_DIR), Bolt not answering yet on 127.0.0.1:$PORT"
        fi
        return 0
    fi
    log "not running on port $PORT (home $HOME_DIR)"
    return 3
}

case ${1:-} in
    build) build ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    restart) stop && start ;;
    *)
        echo "usage: $0 build|start|stop|status|restart" >&2
        exit 2
        ;;
esac
