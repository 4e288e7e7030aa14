#!/usr/bin/env bash
# Local PostgreSQL 15 server for development and CI (the Debian binaries, installed with apt on
# first use; no Docker, no system cluster: this script runs its own cluster in the checkout).
#
#   scripts/postgres.sh start|stop|status|restart|url
#
# URL (SQLAlchemy + psycopg 3): postgresql+psycopg://chainkg:$CHAINKG_PG_PASSWORD@127.0.0.1:$CHAINKG_PG_PORT/chainkg
# (password chainkg-dev-pw, port 54329: off the 5432 of a system server). Role chainkg (LOGIN,
# CREATEDB, no superuser) owns database chainkg; `url` prints the URL.
# Each port has its own home, .postgres/<port>/ (data/ the cluster, run/ its unix socket,
# postgres.log), so servers on two ports of one checkout never share anything; every command
# acts on the server of $CHAINKG_PG_PORT only. The server listens on 127.0.0.1 only: TCP logins
# need the password (scram-sha-256); the unix socket (mode 0700, only the cluster's OS user can
# reach it) is how this script itself connects, as superuser postgres, without a password.
# As root the cluster belongs to the postgres system user (PostgreSQL refuses to run as root);
# otherwise to the current user.
# Other knobs: CHAINKG_PG_SHARED_BUFFERS (32MB), CHAINKG_PG_START_TIMEOUT (seconds, 60),
# CHAINKG_PG_BIN (/usr/lib/postgresql/15/bin).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${CHAINKG_PG_PORT:-54329}
PASSWORD=${CHAINKG_PG_PASSWORD:-chainkg-dev-pw}
PG_BIN=${CHAINKG_PG_BIN:-/usr/lib/postgresql/15/bin}
HOMES=$ROOT/.postgres                    # one home per port below it
HOME_DIR=$HOMES/$PORT
DATA=$HOME_DIR/data                      # the cluster (initdb'd into data.new, then renamed)
SOCK_DIR=$HOME_DIR/run                   # unix socket .s.PGSQL.<port> and its lock file
LOG_FILE=$HOME_DIR/postgres.log          # server log (pg_ctl -l)
LOCK_FILE=$HOMES/.$PORT.lock             # serialises start/stop of one port (flock)
SHARED_BUFFERS=${CHAINKG_PG_SHARED_BUFFERS:-32MB}
START_TIMEOUT=${CHAINKG_PG_START_TIMEOUT:-60}
STOP_TIMEOUT=60
APP_USER=chainkg
APP_DB=chainkg
SUPERUSER=postgres                       # the cluster's superuser (initdb -U), socket logins only

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if ! [[ $PORT =~ ^[1-9][0-9]{0,4}$ ]] || ((PORT > 65535)); then
    die "CHAINKG_PG_PORT must be a port number, not '$PORT'"
fi
# A unix socket path is at most 107 bytes (sun_path).
((${#SOCK_DIR} + ${#PORT} + 10 <= 107)) ||
    die "checkout path too long for a unix socket in $SOCK_DIR (at most 107 bytes)"

# --- who runs the server ----------------------------------------------------------------------
if [[ $(id -u) -eq 0 ]]; then
    AS_ROOT=1
    PG_OS_USER=postgres
    sudo=""
else
    AS_ROOT=""
    PG_OS_USER=$(id -un)
    sudo=sudo
fi

# Run a PostgreSQL program as the cluster's OS user (cwd: the home, which that user can read).
# 9>&-: the lock (fd 9) is not passed on; a postmaster holding it would block every later start.
as_pg() {
    if [[ -n $AS_ROOT ]]; then
        (cd "$HOME_DIR" && exec runuser -u "$PG_OS_USER" -- "$@" 9>&-)
    else
        (cd "$HOME_DIR" && exec "$@" 9>&-)
    fi
}

# --- install ----------------------------------------------------------------------------------
have_binaries() {
    [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl && -x $PG_BIN/postgres && -x $PG_BIN/psql &&
        -x $PG_BIN/pg_isready ]]
}

# The Debian package may create and start its own cluster (15/main on 5432, socket in
# /var/run/postgresql): that one is not ours and is left alone; ours has its own data dir, port
# and socket dir, so it does not matter whether the package's cluster runs.
install_postgres() {
    have_binaries && return 0
    [[ -n $AS_ROOT ]] || command -v sudo >/dev/null ||
        die "$PG_BIN/initdb missing and not root (no sudo): apt-get install -y postgresql"
    command -v apt-get >/dev/null ||
        die "$PG_BIN/initdb missing and no apt-get: install PostgreSQL 15 (or set CHAINKG_PG_BIN)"
    local started=$SECONDS pkg
    for pkg in postgresql postgresql-15; do # postgresql is 15 on Debian 12; else try the versioned one
        log "install: apt-get install $pkg (PostgreSQL 15 binaries missing in $PG_BIN)"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 ||
            die "apt-get update failed"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$pkg" >/dev/null ||
            log "install: apt-get install $pkg failed"
        if have_binaries; then
            log "install: done in $((SECONDS - started)) s"
            return 0
        fi
    done
    die "no PostgreSQL 15 in $PG_BIN after apt-get install (set CHAINKG_PG_BIN to its bin dir?)"
}

# --- state ------------------------------------------------------------------------------------
# postmaster.pid: line 1 pid, 4 port, 5 socket dir, 8 status (starting/ready/stopping).
pid_line() { sed -n "${1}p" "$DATA/postmaster.pid" 2>/dev/null || true; }

# The pid of our server on $PORT, if one runs (a stale postmaster.pid, e.g. after a reboot or
# kill -9, does not count).
running_pid() {
    local pid
    [[ -f $DATA/postmaster.pid ]] || return 1
    pid=$(pid_line 1)
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == postgres ]] || return 1
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1 # killed, not reaped yet
    [[ $(pid_line 4) == "$PORT" ]] || return 1
    printf '%s\n' "$pid"
}

accepting() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2 >/dev/null 2>&1; }

port_in_use() {
    { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
    exec 3<&- 3>&-
}

url() {
    # percent-encode the password for the URL (RFC 3986 unreserved characters stay as they are)
    local LC_ALL=C i c enc=""
    for ((i = 0; i < ${#PASSWORD}; i++)); do
        c=${PASSWORD:i:1}
        case $c in
            [a-zA-Z0-9.~_-]) enc+=$c ;;
            *) enc+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf 'postgresql+psycopg://%s:%s@127.0.0.1:%s/%s\n' "$APP_USER" "$enc" "$PORT" "$APP_DB"
}

log_tail() {
    log "last lines of $LOG_FILE:"
    tail -n 30 "$LOG_FILE" >&2 2>/dev/null || true
}

# --- Ctrl-C / SIGTERM -------------------------------------------------------------------------
# A server this invocation launched that is not ready yet is stopped (a half-started server
# would otherwise linger); a server that is up is left alone.
LAUNCHED=""
on_signal() {
    local sig=$1
    trap - INT TERM
    log "interrupted (SIG$sig)"
    if [[ -n $LAUNCHED ]]; then
        log "stopping the server that was still starting"
        as_pg "$PG_BIN/pg_ctl" stop -D "$DATA" -m immediate -s >/dev/null 2>&1 || true
    fi
    [[ $sig == INT ]] && exit 130 || exit 143
}
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM

lock() {
    mkdir -p "$HOMES"
    exec 9>"$LOCK_FILE"
    if ! flock -w "$((START_TIMEOUT + STOP_TIMEOUT))" 9; then
        die "another postgres.sh holds $LOCK_FILE"
    fi
}

# --- cluster setup ----------------------------------------------------------------------------
prepare_home() {
    mkdir -p "$HOME_DIR"
    if [[ -n $AS_ROOT ]]; then
        id -u "$PG_OS_USER" >/dev/null 2>&1 || die "no system user $PG_OS_USER (it comes with postgresql-common)"
        if [[ -e $DATA && $(stat -c %U "$DATA") != "$PG_OS_USER" ]]; then
            die "$DATA belongs to $(stat -c %U "$DATA"), not $PG_OS_USER: run as that user, or remove $HOME_DIR"
        fi
        chown "$PG_OS_USER:" "$HOME_DIR"
        runuser -u "$PG_OS_USER" -- test -w "$HOME_DIR" ||
            die "user $PG_OS_USER cannot reach $HOME_DIR (every parent directory needs o+x)"
    elif [[ ! -w $HOME_DIR || (-e $DATA && ! -O $DATA) ]]; then
        die "$HOME_DIR belongs to another user (made as root?): run as that user, or remove it"
    fi
}

initdb_cluster() {
    [[ -f $DATA/PG_VERSION ]] && return 0
    [[ ! -e $DATA ]] || die "$DATA exists but is no cluster (no PG_VERSION): remove it"
    local tmp=$HOME_DIR/data.new started=$SECONDS
    rm -rf "$tmp"
    log "initdb: new cluster in $DATA (OS user $PG_OS_USER, superuser $SUPERUSER)"
    as_pg "$PG_BIN/initdb" -D "$tmp" -U "$SUPERUSER" --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 --no-instructions >"$HOME_DIR/initdb.log" 2>&1 ||
        { tail -n 20 "$HOME_DIR/initdb.log" >&2; die "initdb failed (log: $HOME_DIR/initdb.log)"; }
    # Our settings live in chainkg.conf (rewritten at every start), included last.
    printf "\n# chainkg: scripts/postgres.sh writes chainkg.conf at every start\ninclude_if_exists = 'chainkg.conf'\n" |
        as_pg tee -a "$tmp/postgresql.conf" >/dev/null
    mv "$tmp" "$DATA" # only a complete cluster is ever called data/
    log "initdb: done in $((SECONDS - started)) s"
}

write_config() {
    # pg_hba.conf: socket logins only through the 0700 socket dir (trust), TCP with the password.
    as_pg tee "$DATA/pg_hba.conf" >/dev/null <<EOF
# written by scripts/postgres.sh at every start
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  scram-sha-256
EOF
    as_pg tee "$DATA/chainkg.conf" >/dev/null <<EOF
# written by scripts/postgres.sh at every start: a local dev/test server
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK_DIR'
unix_socket_permissions = 0700
max_connections = 100
shared_buffers = '$SHARED_BUFFERS'
password_encryption = 'scram-sha-256'
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_messages = warning
logging_collector = off
max_wal_size = '256MB'
EOF
}

# Role and database, idempotently; the password is (re)set at every start, so changing
# CHAINKG_PG_PASSWORD and running start again takes effect. The password reaches psql through
# the environment (\getenv), not its command line.
provision() {
    CHAINKG_PG_PASSWORD=$PASSWORD as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$SOCK_DIR" -p "$PORT" -U "$SUPERUSER" -d postgres >/dev/null <<EOF
\\getenv pw CHAINKG_PG_PASSWORD
SELECT 'CREATE ROLE $APP_USER' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_USER')
\\gexec
ALTER ROLE $APP_USER WITH LOGIN CREATEDB NOSUPERUSER PASSWORD :'pw';
SELECT 'CREATE DATABASE $APP_DB OWNER $APP_USER' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$APP_DB')
\\gexec
ALTER DATABASE $APP_DB OWNER TO $APP_USER;
EOF
}

wait_ready() {
    local started=$SECONDS
    until accepting; do
        if ! running_pid >/dev/null; then
            log_tail
            die "server exited during startup"
        fi
        ((SECONDS - started < START_TIMEOUT)) ||
            { log_tail; die "127.0.0.1:$PORT did not accept connections within $START_TIMEOUT s"; }
        sleep 0.2
    done
}

# --- commands ---------------------------------------------------------------------------------
start() {
    local pid started=$SECONDS
    install_postgres
    lock
    if pid=$(running_pid); then
        log "already running on port $PORT (pid $pid)"
        wait_ready
    else
        if port_in_use; then
            die "127.0.0.1:$PORT is already in use by another process (set CHAINKG_PG_PORT?)"
        fi
        prepare_home
        initdb_cluster
        write_config
        as_pg mkdir -p -m 0700 "$SOCK_DIR"
        if [[ -f $LOG_FILE ]]; then as_pg mv -f "$LOG_FILE" "$LOG_FILE.1"; fi
        log "starting PostgreSQL 15 on 127.0.0.1:$PORT (home $HOME_DIR, log $LOG_FILE)"
        LAUNCHED=1
        # pg_ctl starts the postmaster in its own session (Ctrl-C in this terminal does not
        # reach it) and -w waits until it accepts connections.
        if ! as_pg "$PG_BIN/pg_ctl" start -D "$DATA" -l "$LOG_FILE" -w -t "$START_TIMEOUT" -s \
            >/dev/null 2>"$HOME_DIR/pg_ctl.err"; then
            cat "$HOME_DIR/pg_ctl.err" >&2
            log_tail
            as_pg "$PG_BIN/pg_ctl" stop -D "$DATA" -m immediate -s >/dev/null 2>&1 || true
            die "server did not start on 127.0.0.1:$PORT"
        fi
        rm -f "$HOME_DIR/pg_ctl.err"
        wait_ready
        pid=$(running_pid) || { log_tail; die "server exited during startup"; }
    fi
    provision || die "could not create role $APP_USER / database $APP_DB"
    LAUNCHED=""
    log "ready: $(url) (pid $pid, $((SECONDS - started)) s)"
}

stop() {
    local pid started=$SECONDS
    if ! pid=$(running_pid); then
        log "not running on port $PORT"
        return 0
    fi
    lock
    log "stopping the server on port $PORT (pid $pid)"
    if ! as_pg "$PG_BIN/pg_ctl" stop -D "$DATA" -m fast -w -t "$STOP_TIMEOUT" -s; then
        log "server did not stop within $STOP_TIMEOUT s; immediate shutdown (next start recovers)"
        as_pg "$PG_BIN/pg_ctl" stop -D "$DATA" -m immediate -w -s || return 1
    fi
    log "stopped in $((SECONDS - started)) s"
}

status() {
    local pid
    if pid=$(running_pid); then
        if have_binaries && accepting; then
            log "running (pid $pid, home $HOME_DIR), accepting connections on 127.0.0.1:$PORT"
        else
            log "running (pid $pid, home $HOME_DIR), not accepting connections yet on 127.0.0.1:$PORT"
        fi
        return 0
    fi
    if [[ -d $DATA && ! -r $DATA ]]; then
        log "cannot read $DATA (it belongs to $(stat -c %U "$DATA")): run as root or as that user"
    else
        log "not running on port $PORT (home $HOME_DIR)"
    fi
    return 1
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    status) status ;;
    restart) stop && start ;;
    url) url ;;
    *)
        echo "usage: $0 start|stop|status|restart|url" >&2
        exit 2
        ;;
esac
