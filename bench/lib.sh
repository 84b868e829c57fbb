# bench/lib.sh - what the server benchmarks share; sourced, not run.
#
# A script that sources it defines server_cmd NAME PORT (the command line
# that starts NAME on PORT) and a temporary folder in $tmp, and sets
# PIN_S/PIN_C with bench_pinning. Then start_server / stop_server run one
# server at a time ($server_pid, $port), and cpu_ticks / rss_kib read what
# the server and all its processes used, from /proc.

# bench_header - the machine and its load, printed before any figure.
bench_header() {
    echo "machine:  $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start; the machine is shared"
}

# bench_pinning WHAT - the server on core 0, the load generator (WHAT) on core 1.
bench_pinning() {
    PIN_S=() PIN_C=()
    if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
        PIN_S=(taskset -c 0) PIN_C=(taskset -c 1)
        echo "pinning:  server on core 0, $1 on core 1"
    fi
}

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server NAME [PATH] - start NAME on a free port and wait until PATH
# (default /) answers; sets $port and $server_pid.
start_server() {
    port=$(free_port)
    cmd=$(server_cmd "$1" "$port")
    # shellcheck disable=SC2086
    "${PIN_S[@]}" $cmd >"$tmp/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$port${2:-/}" && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "server $1 did not start ($cmd):"; cat "$tmp/server.log"; exit 1
}

stop_server() {
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}

# pids - the server and all its descendants (nginx's worker, fork's children).
pids() {
    local all=$1 frontier=$1 next
    while [ -n "$frontier" ]; do
        next=$(for p in $frontier; do pgrep -P "$p"; done | xargs)
        all="$all $next" frontier=$next
    done
    echo "$all"
}

cpu_ticks() { # utime+stime of every process of the server
    local t=0
    for p in $(pids "$1"); do
        t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }' || echo 0)))
    done
    echo $t
}

rss_kib() { # VmRSS of every process of the server
    local k=0
    for p in $(pids "$1"); do
        k=$((k + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
    done
    echo $k
}

fd_count() { # open files of every process of the server
    local n=0
    for p in $(pids "$1"); do n=$((n + $(ls "/proc/$p/fd" 2>/dev/null | wc -l))); done
    echo $n
}

# ms VALUE - wrk's "1.23ms" / "456.78us" / "1.02s" in milliseconds.
ms() { awk -v v="$1" 'BEGIN { u = v; sub(/[0-9.]+/, "", u); n = v + 0;
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    printf "%.3f", n }'; }
