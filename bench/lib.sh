# bench/lib.sh - what the server benchmarks share; sourced, not run.
#
# A script that sources it gets a temporary folder in $tmp, defines
# server_cmd NAME PORT (the command line that starts NAME on PORT) and sets
# PIN_S/PIN_C with bench_pinning. Then start_server / stop_server run one
# server at a time ($server_pid, $port), and cpu_ticks / rss_kib read what
# the server and all its processes used, from /proc. throughput_run measures
# one wrk run against the server's CPU time and throughput_summary takes the
# medians and the ratios to a reference server.

# The run's temporary folder, removed at exit together with the server and
# the idle-connection holder if either is still running ($server_pid,
# $holder_pid: set while they run).
tmp=$(mktemp -d)
server_pid= holder_pid=
bench_cleanup() {
    [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap bench_cleanup EXIT

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

# wrk's script for pipelining: 16 requests per write (lesson 06 teaches it).
PIPELINE=lessons/06-epoll/pipeline.lua

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

# ---------------------------------------------------------------- throughput runs
HZ=$(getconf CLK_TCK) # /proc's CPU times are in these ticks

# The throughput CSV: one row per wrk run, in the columns below.
THROUGHPUT_COLUMNS=server,cell,run,requests,req_per_s,server_cpu_s,req_per_cpu_s,p50_ms,p99_ms,errors,load1

# throughput_table_header - the heading of the rows throughput_run prints.
throughput_table_header() {
    printf '%-8s %-7s %3s %10s %10s %9s %12s %9s %9s  %s\n' server cell run requests "req/s" "cpu s" "req/cpu-s" "p50 ms" "p99 ms" "load"
}

# throughput_run NAME CELL RUN CSV PERCENTILES WRK-COMMAND... - run wrk
# against the server started with start_server, reading the server's CPU
# time before and after; stop the server; print the run's row and append
# it to CSV. PERCENTILES is "no" where wrk's latencies mean nothing (it
# times a pipelined batch as one request): they are recorded as NA.
throughput_run() {
    local s=$1 cell=$2 run=$3 csv=$4 percentiles=$5
    shift 5
    local t0 t1 load reqs rps p50 p99 errs cpu per
    t0=$(cpu_ticks "$server_pid")
    "$@" >"$tmp/wrk.out" 2>&1 || true
    t1=$(cpu_ticks "$server_pid")
    load=$(cut -d' ' -f1 /proc/loadavg)
    stop_server
    reqs=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
    rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$tmp/wrk.out")
    p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out")")
    p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")")
    [ "$percentiles" = no ] && p50=NA p99=NA
    errs=$(awk '/Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 } /Non-2xx/ { e += $NF } END { print e + 0 }' "$tmp/wrk.out")
    cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
    per=$(awk -v r="${reqs:-0}" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }')
    printf '%-8s %-7s %3d %10s %10.0f %9s %12s %9s %9s  %s%s\n' "$s" "$cell" "$run" "${reqs:-0}" \
        "${rps:-0}" "$cpu" "$per" "$p50" "$p99" "$load" "$([ "${errs:-0}" != 0 ] && echo "  errors: $errs")"
    echo "$s,$cell,$run,${reqs:-0},${rps:-0},$cpu,$per,$p50,$p99,${errs:-0},$load" >>"$csv"
}

# throughput_summary CSV REF - the medians of each server's runs in each
# cell, and their ratios to server REF in the same cell (per CPU-second,
# then per second), as CSV on stdout. NA percentiles stay NA.
throughput_summary() {
    awk -F, -v ref="$2" 'NR > 1 { k = $1 "," $2; n[k]++; rps[k, n[k]] = $5; per[k, n[k]] = $7; p50[k, n[k]] = $8; p99[k, n[k]] = $9
                       if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
        function med(a, k, c,   i, j, t, v) { for (i = 1; i <= c; i++) v[i] = a[k, i] + 0
            for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
            return c % 2 ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2 }
        END { print "server,cell,req_per_s,req_per_cpu_s,p50_ms,p99_ms,per_cpu_vs_" ref ",rps_vs_" ref
            for (i = 1; i <= m; i++) { k = order[i]
                R[k] = med(rps, k, n[k]); P[k] = med(per, k, n[k])
                L5[k] = p50[k, 1] == "NA" ? "NA" : sprintf("%.3f", med(p50, k, n[k]))
                L9[k] = p99[k, 1] == "NA" ? "NA" : sprintf("%.3f", med(p99, k, n[k])) }
            for (i = 1; i <= m; i++) { k = order[i]; split(k, f, ","); r = ref "," f[2]
                printf "%s,%.0f,%.0f,%s,%s,%.2f,%.2f\n", k, R[k], P[k], L5[k], L9[k],
                    P[r] ? P[k] / P[r] : 0, R[r] ? R[k] / R[r] : 0 } }' "$1"
}

# nginx_hello_cmd PORT - the command line of a one-worker nginx that answers
# "Hello, world!" on 127.0.0.1:PORT, its configuration written under $tmp:
# the reference for the hello benchmark (12) and the client benchmark (15).
nginx_hello_cmd() {
    mkdir -p "$tmp/nginx"
    cat >"$tmp/nginx/nginx.conf" <<EOF
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes 1;
worker_rlimit_nofile 40000;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 30000; }
http {
    access_log off;
    keepalive_requests 1000000000;
    keepalive_timeout 120s;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 127.0.0.1:$1 backlog=4096;
        location / { default_type text/plain; return 200 "Hello, world!\n"; }
    }
}
EOF
    echo "$NGINX -p $tmp/nginx -c $tmp/nginx/nginx.conf -e $tmp/nginx/error.log"
}
