#!/usr/bin/env bash
# pg.sh: a throw-away PostgreSQL cluster for tests and benchmarks.
#   scripts/pg.sh start   creates a cluster in a temp dir (owned by postgres),
#                         starts it on a free port (socket in that dir, TCP on
#                         127.0.0.1), creates database yibao and prints its
#                         postgresql:// URI on stdout.
#   scripts/pg.sh stop [DIR]  stops the cluster and removes its dir.
# Installs nothing (scripts/deps.sh installs postgresql). The cluster of a
# `start` is remembered per process group, so `stop` from the same test run
# finds it; several runs at once each get their own cluster and port.
set -euo pipefail
state_dir=${TMPDIR:-/tmp}
key=$(ps -o pgid= $$ | tr -d ' ')
state="$state_dir/yibao-pg.$key"
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "pg.sh: PostgreSQL is not installed (run scripts/deps.sh)" >&2; exit 1; }
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }

free_port() {
    local p
    for p in $(shuf -i 20000-60000 -n 50); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
    done
    return 1
}

start() {
    local dir port
    dir=$(mktemp -d "$state_dir/yibao-pg-XXXXXX")
    chmod 755 "$dir"
    chown postgres:postgres "$dir" 2>/dev/null || true
    as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
    # max_connections 300: make test runs two suites at once, each server
    # holding a dozen connections and the load generators more
    for attempt in 1 2 3; do
        port=$(free_port)
        if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=300" \
            start >/dev/null 2>&1; then
            break
        fi
        port=""
    done
    [ -n "$port" ] || { cat "$dir/server.log" >&2; rm -rf "$dir"; exit 1; }
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres yibao
    echo "$dir" >>"$state"
    echo "postgresql://postgres@127.0.0.1:$port/yibao"
}

stop_dir() {
    local dir=$1
    [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}

stop() {
    if [ $# -gt 0 ]; then stop_dir "$1"; return; fi
    [ -f "$state" ] || return 0
    while read -r dir; do stop_dir "$dir"; done <"$state"
    rm -f "$state"
}

case "${1:-}" in
    start) start ;;
    stop) shift; stop "$@" ;;
    *) echo "usage: scripts/pg.sh start | stop [DIR]" >&2; exit 2 ;;
esac
