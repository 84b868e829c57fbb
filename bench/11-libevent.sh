#!/usr/bin/env bash
# 11-libevent: what libevent costs next to the hand-written servers.
#
# Three measurements, each against lesson 11's libevent server and its
# evhttp twin, lesson 06's epoll server and lesson 08's server on the
# hand-made loop (those that are built), each run on a fresh server:
#
#  1. Memory per idle connection: the server's VmRSS before and after
#     IDLE (default 2000) connections are opened by build/fixtures/idleconns
#     and held, divided by IDLE. Three kinds of idle: "nothing" (connect
#     and say nothing) and "partial" (half a request, so input buffers
#     exist), held by idleconns; "served" (one request each, answer read,
#     then silent: a keep-alive connection between clicks), held by a small
#     Python client.
#     Kernel socket memory is the same for every server and not counted.
#  2. System calls per request: the server under `strace -c -f` while a
#     small Python client makes 10 keep-alive connections x 200 requests,
#     one at a time (skipped when strace is missing). Exact, and not
#     disturbed by whatever else the machine is doing.
#  3. Throughput under wrk, 1 thread, CONNS (default 50) keep-alive
#     connections for DURATION (default 5) seconds: one request at a time,
#     then 16 pipelined per write (lessons/06-epoll/pipeline.lua). RUNS (default 3)
#     rounds, the servers taking turns within each round so that a busy
#     moment of the machine hits them all; the median is what is plotted.
#
# Server and wrk are pinned to different cores when there are two. Prints
# every run's raw figures and the exact commands; writes
# bench/results/11-libevent.csv and .png.
#
#   DURATION=5 CONNS=50 IDLE=2000 RUNS=3 bench/11-libevent.sh
set -euo pipefail
BUILD=${BUILD:-build}
RESULTS=${RESULTS:-bench/results}
DURATION=${DURATION:-5}
CONNS=${CONNS:-50}
IDLE=${IDLE:-2000}
RUNS=${RUNS:-3}
mkdir -p "$RESULTS"

command -v wrk >/dev/null || { echo "wrk is not installed: scripts/deps.sh core bench"; exit 1; }
[ -x "$BUILD/fixtures/idleconns" ] || { echo "missing $BUILD/fixtures/idleconns: run make"; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "machine: $(uname -srm), $(nproc) cores; fd limit $(ulimit -n); libevent $(pkg-config --modversion libevent 2>/dev/null || echo '?')"

. bench/lib.sh
bench_pinning "wrk and idleconns"

SERVERS=()
for pair in 11-libevent/server:libevent 11-libevent/evhttp:evhttp 06-epoll/server:epoll \
    08-event-loop/server:loop08; do
    lesson=${pair%%:*} name=${pair#*:}
    bin=$BUILD/lessons/$lesson
    if [ -x "$bin" ]; then SERVERS+=("$name|$bin"); else echo "skipping $lesson: $bin is not built"; fi
done

# start_server - replaces bench/lib.sh's: these servers take --port 0 and print the port.
start_server() {
    "${PIN_S[@]}" "$1" --port 0 >"$tmp/server.log" 2>&1 &
    server_pid=$!
    port=
    for _ in $(seq 100); do
        port=$(sed -n 's/.*127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/server.log" | head -1)
        [ -n "$port" ] && return 0
        sleep 0.05
    done
    echo "server $1 did not start:"; cat "$tmp/server.log"; exit 1
}

csv=$RESULTS/11-libevent.csv
echo "server,test,value,unit" >"$csv"

cat >"$tmp/served.py" <<'PY'
# served.py PORT N - N connections, one request each, answers read; then
# print "holding" and keep them open, silent, until killed.
import resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE)[1:] * 2)
port, n = int(sys.argv[1]), int(sys.argv[2])
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
    socks.append(s)
for s in socks:
    got = b""
    while not got.endswith(b"Hello, world!\n"):
        got += s.recv(4096)
print("served.py: %d connections served once, holding them" % n, flush=True)
time.sleep(600)
PY

echo
echo "== memory per idle connection ($IDLE connections, VmRSS after - before)"
for entry in "${SERVERS[@]}"; do
    IFS='|' read -r name bin <<<"$entry"
    for mode in nothing partial served; do
        start_server "$bin"
        sleep 0.2
        before=$(rss_kib "$server_pid")
        cmd=("${PIN_C[@]}" "$BUILD/fixtures/idleconns" --port "$port" --count "$IDLE" --send "$mode")
        [ "$mode" = served ] && cmd=("${PIN_C[@]}" python3 "$tmp/served.py" "$port" "$IDLE")
        "${cmd[@]}" >"$tmp/idle.log" 2>&1 &
        holder_pid=$!
        for _ in $(seq 300); do
            grep -q holding "$tmp/idle.log" && break
            kill -0 "$holder_pid" 2>/dev/null || break
            sleep 0.1
        done
        sleep 0.5 # let the server accept and read the last of them
        after=$(rss_kib "$server_pid")
        per=$(awk -v a="$after" -v b="$before" -v n="$IDLE" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }')
        printf '%-9s %-8s RSS %6d -> %6d KiB: %5d bytes per connection   (%s)\n' \
            "$name" "$mode" "$before" "$after" "$per" "${cmd[*]/$tmp\//}"
        echo "$name,idle_$mode,$per,bytes_per_conn" >>"$csv"
        kill "$holder_pid" 2>/dev/null || true
        wait "$holder_pid" 2>/dev/null || true
        holder_pid=
        stop_server
    done
done

echo
echo "== system calls per request (strace -c -f; client: 10 connections x 200 requests, one at a time)"
cat >"$tmp/client.py" <<'PY'
import socket, sys
port, conns, per = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(conns)]
for _ in range(per):
    for s in socks:
        s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
    for s in socks:
        got = b""
        while not got.endswith(b"Hello, world!\n"):
            got += s.recv(4096)
for s in socks:
    s.close()
PY
if command -v strace >/dev/null && command -v python3 >/dev/null; then
    for entry in "${SERVERS[@]}"; do
        IFS='|' read -r name bin <<<"$entry"
        strace -c -f -o "$tmp/strace.out" "$bin" --port 0 >"$tmp/server.log" 2>&1 &
        strace_pid=$!
        port=
        for _ in $(seq 100); do
            port=$(sed -n 's/.*127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$tmp/server.log" | head -1)
            [ -n "$port" ] && break
            sleep 0.05
        done
        python3 "$tmp/client.py" "$port" 10 200
        kill -TERM "$(pgrep -P "$strace_pid" | head -1)" 2>/dev/null || true
        wait "$strace_pid" 2>/dev/null || true
        # per request: every call but the start-up and shutdown ones, / 2000
        line=$(awk '$NF ~ /^(read|readv|recvfrom|write|writev|sendto|sendmsg|ioctl|epoll_ctl|epoll_wait|poll|select)$/ {
                   calls[$NF] = $4; total += $4 }
                 END { printf "%.2f", total / 2000; for (c in calls) printf " %s=%.2f", c, calls[c] / 2000 }' "$tmp/strace.out")
        per=${line%% *} detail=${line#* }
        printf '%-9s %5s system calls per request: %s   (strace -c -f %s --port 0)\n' "$name" "$per" "$detail" "$bin"
        echo "$name,syscalls_per_request,$per,calls" >>"$csv"
    done
else
    echo "strace or python3 missing: skipped"
fi

echo
echo "== wrk, $CONNS connections, ${DURATION}s per run, $RUNS rounds"
for round in $(seq "$RUNS"); do
    for kind in keepalive pipeline16; do
        for entry in "${SERVERS[@]}"; do
            IFS='|' read -r name bin <<<"$entry"
            start_server "$bin"
            url="http://127.0.0.1:$port/"
            cmd=("${PIN_C[@]}" wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 2s)
            [ "$kind" = pipeline16 ] && cmd+=(-s "$PIPELINE")
            cmd+=("$url")
            "${cmd[@]}" >"$tmp/wrk.out" 2>&1 || true
            rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$tmp/wrk.out")
            lat=$(awk '$1 == "Latency" { print $2 }' "$tmp/wrk.out")
            errs=$(grep -E 'Socket errors|Non-2xx' "$tmp/wrk.out" | tr -s ' ' || true)
            printf 'round %d  %-9s %-10s %10.0f req/s   latency avg %-8s %s  (%s)\n' "$round" "$name" \
                "$kind" "${rps:-0}" "${lat:-NA}" "$errs" "${cmd[*]}"
            echo "$name,${kind}_run$round,${rps:-0},req_per_s" >>"$csv"
            stop_server
        done
    done
done

echo
echo "medians over $RUNS rounds:"
for entry in "${SERVERS[@]}"; do
    IFS='|' read -r name bin <<<"$entry"
    for kind in keepalive pipeline16; do
        med=$(awk -F, -v n="$name" -v k="${kind}_run" '$1 == n && index($2, k) == 1 { print $3 }' "$csv" |
            sort -g | awk '{ v[NR] = $1 } END { printf "%.0f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
        printf '  %-9s %-10s %10s req/s\n' "$name" "$kind" "$med"
        echo "$name,${kind}_median,$med,req_per_s" >>"$csv"
    done
done

echo
echo "results ($csv):"
column -s, -t <"$csv" 2>/dev/null || cat "$csv"

if command -v gnuplot >/dev/null; then
    png=$RESULTS/11-libevent.png
    names=$(tail -n +2 "$csv" | cut -d, -f1 | awk '!seen[$0]++' | tr '\n' ' ')
    for t in idle_nothing idle_partial idle_served keepalive_median pipeline16_median syscalls_per_request; do
        awk -F, -v t="$t" '$2 == t { print $1, $3 }' "$csv" >"$tmp/$t.dat"
    done
    {
        echo "set terminal pngcairo size 1500,420 font ',10'"
        echo "set output '$png'"
        echo "set multiplot layout 1,3 title 'lesson 11: libevent vs hand-written loops, 127.0.0.1 ($(nproc) cores)'"
        echo "set style data histograms; set style fill solid 0.8 border -1; set boxwidth 0.9"
        echo "set grid ytics; set yrange [0:*]; set key top left"
        echo "set title 'memory per idle connection ($IDLE held)'; set ylabel 'bytes'"
        echo "plot '$tmp/idle_nothing.dat' using 2:xtic(1) title 'connected, silent', '$tmp/idle_partial.dat' using 2 title 'half a request', '$tmp/idle_served.dat' using 2 title 'served once, then silent'"
        echo "set title 'system calls per request (one at a time)'; set ylabel 'calls'"
        echo "plot '$tmp/syscalls_per_request.dat' using 2:xtic(1) title 'strace -c'"
        echo "set key top right"
        echo "set title 'wrk, $CONNS connections, ${DURATION}s, median of $RUNS'; set ylabel 'requests/s'"
        echo "plot '$tmp/keepalive_median.dat' using 2:xtic(1) title 'keep-alive', '$tmp/pipeline16_median.dat' using 2 title '16 pipelined'"
        echo "unset multiplot"
    } >"$tmp/plot.gp"
    gnuplot "$tmp/plot.gp" && echo "plot: $png"
fi
