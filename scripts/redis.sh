#!/usr/bin/env bash
# redis.sh - a private Redis server for the tests and for trying pub/sub.
#
#   scripts/redis.sh start DIR [PORT]   start one (its files in DIR); prints
#                                       its URL on stdout
#   scripts/redis.sh stop DIR           stop it
#   scripts/redis.sh url DIR            the URL of the one started in DIR
#   scripts/redis.sh cli DIR ARGS...    redis-cli on it: look at what it holds
#
# The server listens on 127.0.0.1 only, on PORT or a free port (kept in
# DIR/port, so a restart comes back on the same one), with its pid file,
# log and working folder in DIR; the URL is redis://127.0.0.1:PORT/0. It
# keeps nothing on disk (--save '' and no append-only file): what the
# tests put there is gone when it stops. No configuration file is read,
# so the machine's own Redis is never touched.
#
# With EDDY_REDIS_WATCH=PID set, a watcher stops the server (and removes
# DIR) once process PID is gone, so a test run that crashes leaves no
# server behind.
# Exits 3 with one line when redis-server is not installed, 1 with the
# log's tail when it does not start: the tests turn either into a skip.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|url|cli DIR [PORT|ARGS...]" >&2; exit 2; }

url() { echo "redis://127.0.0.1:$(cat "$dir/port")/0"; }

# alive - the server in $dir answers PING.
alive() {
    [ -s "$dir/port" ] &&
        [ "$(redis-cli -h 127.0.0.1 -p "$(cat "$dir/port")" PING 2>/dev/null)" = PONG ]
}

# shellcheck source=scripts/private-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/private-server.sh"

start() {
    for prog in redis-server redis-cli; do
        if ! command -v "$prog" >/dev/null; then
            echo "redis.sh: $prog is not installed (scripts/deps.sh core installs redis-server)" >&2
            exit 3
        fi
    done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/pid" ] && alive; then url; return; fi
    [ -n "${3:-}" ] && echo "$3" >"$dir/port"
    [ -s "$dir/port" ] || free_port >"$dir/port"
    redis-server --port "$(cat "$dir/port")" --bind 127.0.0.1 --dir "$dir" \
        --pidfile "$dir/pid" --logfile "$dir/redis.log" --daemonize no \
        --save '' --appendonly no --databases 16 \
        >>"$dir/stdout.log" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$dir/pid"
    for _ in $(seq 100); do
        alive && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if ! alive; then
        kill "$pid" 2>/dev/null || true
        rm -f "$dir/pid"
        echo "redis.sh: redis-server did not start; the end of its log:" >&2
        cat "$dir/redis.log" "$dir/stdout.log" 2>/dev/null | tail -5 >&2 || true
        exit 1
    fi
    watch_owner "${EDDY_REDIS_WATCH:-}"
    url
}

stop() { stop_server 100; }

case "$cmd" in
start) start "$@" ;;
stop) stop ;;
url) url ;;
cli) shift 2; exec redis-cli -h 127.0.0.1 -p "$(cat "$dir/port")" "$@" ;;
*) echo "usage: $0 start|stop|url|cli DIR [PORT|ARGS...]" >&2; exit 2 ;;
esac
