#!/usr/bin/env bash
# 12-hello: the core benchmark - what one core buys with libeddy's server.
#
# Hello, world! over keep-alive HTTP/1.1 on 127.0.0.1, server pinned to
# core 0 and wrk to core 1, from these servers (each when it is there):
#
#   eddy12   lesson 12 on libeddy, one process, --access-log=false
#   epoll06  lesson 06, hand-written epoll: the per-core reference
#   nginx    one worker, `return 200`, access_log off (generated config)
#   evhttp   libevent's evhttp (bench/evhttp_hello.c, built here)
#   tornado  Tornado 6, one process (bench/tornado_hello.py, python3-tornado)
#
# Three cells - 100 connections, 1,000 connections, 100 connections with 16
# pipelined requests per write - RUNS (3) runs of DURATION (5) seconds each,
# each run on a fresh server. For each run: requests per second, p50/p99
# latency (wrk --latency) and the server's CPU time (utime+stime of all its
# processes from /proc/PID/stat), giving requests per server-CPU-second: the
# figure that does not depend on whether wrk or the server ran out of core
# first. Then memory per idle keep-alive connection (IDLE, 10,000, opened
# by build/fixtures/idleconns, VmRSS growth / IDLE) and the cost of one
# coroutine switch against swapcontext (bench/coro_switch.c on libeddy).
#
# Writes bench/results/12-hello.csv (every run), 12-hello-summary.csv
# (medians and ratios to epoll06), 12-idle.csv, 12-coro.csv, 12-hello.png.
#
#   DURATION=5 RUNS=3 IDLE=10000 [CELLS="c100 c1000 pipe16"] [PARTS="throughput idle coro"] bench/12-hello.sh
set -euo pipefail
BUILD=${BUILD:-build}
RESULTS=${RESULTS:-bench/results}
DURATION=${DURATION:-5}
RUNS=${RUNS:-3}
IDLE=${IDLE:-10000}
CELLS=${CELLS:-"c100 c1000 pipe16"}
PARTS=${PARTS:-"throughput idle coro"} # any of them, e.g. PARTS=coro for the switch alone
has() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
mkdir -p "$RESULTS" "$BUILD/bench"

command -v wrk >/dev/null || { echo "wrk is not installed: scripts/deps.sh core bench"; exit 1; }
for f in lessons/12-http-server/server lessons/06-epoll/server fixtures/idleconns lib/libeddy.a; do
    [ -e "$BUILD/$f" ] || { echo "missing $BUILD/$f: run make"; exit 1; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge $((IDLE + 100)) ] || { echo "fd limit $(ulimit -n) is below IDLE=$IDLE"; exit 1; }

. bench/lib.sh
bench_header
echo "settings: DURATION=${DURATION}s RUNS=$RUNS IDLE=$IDLE, fd limit $(ulimit -n)"

bench_pinning "wrk and idleconns"

# ------------------------------------------------------------ the servers
CC_=${CC:-cc}
EV_FLAGS=$(pkg-config --cflags --libs libevent 2>/dev/null || echo -levent)
"$CC_" -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra bench/evhttp_hello.c -o "$BUILD/bench/evhttp_hello" $EV_FLAGS
"$CC_" -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -I"$BUILD/include" bench/coro_switch.c \
    -o "$BUILD/bench/coro_switch" "$BUILD/lib/libeddy.a" $(pkg-config --libs libevent zlib) -lpthread

NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)
SERVERS=(eddy12 epoll06 evhttp)
[ -n "$NGINX" ] && SERVERS+=(nginx) || echo "skipping nginx: not installed"
if "$PY" -c 'import tornado' 2>/dev/null; then SERVERS+=(tornado); else echo "skipping tornado: python3-tornado is not installed"; fi

# server_cmd NAME PORT - the command line that starts NAME on PORT.
server_cmd() {
    case $1 in
    eddy12) echo "$BUILD/lessons/12-http-server/server --port $2 --access-log=false --max-connections 30000" ;;
    epoll06) echo "$BUILD/lessons/06-epoll/server --port $2 --max-conns 30000" ;;
    evhttp) echo "$BUILD/bench/evhttp_hello --port $2" ;;
    tornado) echo "$PY bench/tornado_hello.py --port $2" ;;
    nginx) nginx_hello_cmd "$2" ;;
    esac
}

if has throughput; then
csv=$RESULTS/12-hello.csv
echo "$THROUGHPUT_COLUMNS" >"$csv"

echo
echo "== throughput: wrk -t1 --latency -d${DURATION}s, $RUNS runs per cell, a fresh server per run"
echo "   commands (PORT is a free port picked per run):"
for s in "${SERVERS[@]}"; do echo "     $s: $(server_cmd "$s" PORT | sed "s|$tmp|\$TMP|g")"; done
[ -n "$NGINX" ] && { echo "     nginx config:"; sed 's/^/       /' "$tmp/nginx/nginx.conf" | sed "s|$tmp|\$TMP|g"; }
echo "     c100:   ${PIN_C[*]} wrk -t1 -c100 -d${DURATION}s --latency http://127.0.0.1:PORT/"
echo "     c1000:  ${PIN_C[*]} wrk -t1 -c1000 -d${DURATION}s --latency --timeout 5s http://127.0.0.1:PORT/"
echo "     pipe16: ${PIN_C[*]} wrk -t1 -c100 -d${DURATION}s --latency -s $PIPELINE http://127.0.0.1:PORT/"
echo "             (16 GET / per write;"
echo "              wrk times a batch, not a request, so pipe16 has no percentiles)"
echo
throughput_table_header
for cell in $CELLS; do
    for s in "${SERVERS[@]}"; do
        for run in $(seq "$RUNS"); do
            start_server "$s"
            w=("${PIN_C[@]}" wrk -t1 --latency -d"${DURATION}s")
            case $cell in
            c100) w+=(-c100) ;;
            c1000) w+=(-c1000 --timeout 5s) ;;
            pipe16) w+=(-c100 -s "$PIPELINE") ;;
            esac
            w+=("http://127.0.0.1:$port/")
            throughput_run "$s" "$cell" "$run" "$csv" "$([ "$cell" = pipe16 ] && echo no || echo yes)" "${w[@]}"
        done
    done
done

# Medians of the runs, and ratios to lesson 06 in the same cell.
summary=$RESULTS/12-hello-summary.csv
throughput_summary "$csv" epoll06 >"$summary"

echo
echo "== medians of $RUNS runs, and ratios to lesson 06 (epoll06) in the same cell ($summary)"
printf '%-8s %-7s %10s %12s %9s %9s %14s %12s\n' server cell "req/s" "req/cpu-s" "p50 ms" "p99 ms" "per-cpu/ep06" "req/s/ep06"
tail -n +2 "$summary" | while IFS=, read -r s c r p l5 l9 x y; do
    printf '%-8s %-7s %10s %12s %9s %9s %14s %12s\n' "$s" "$c" "$r" "$p" "$l5" "$l9" "$x" "$y"
done
echo
echo "   lesson 12 per CPU-second against the others, per cell:"
for cell in $CELLS; do
    awk -F, -v c="$cell" '$2 == c { p[$1] = $4 } END {
        printf "     %-7s vs epoll06 %.2fx (target >= 0.75)", c, p["epoll06"] ? p["eddy12"] / p["epoll06"] : 0
        if (p["evhttp"]) printf ", vs evhttp %.2fx (target >= 2)", p["eddy12"] / p["evhttp"]
        if (p["tornado"]) printf ", vs tornado %.1fx (target >= 20)", p["eddy12"] / p["tornado"]
        if (p["nginx"]) printf ", vs nginx %.2fx", p["eddy12"] / p["nginx"]
        printf "\n" }' "$summary"
done

fi # throughput

# ------------------------------------------------------------ idle memory
if has idle; then
idle_csv=$RESULTS/12-idle.csv
echo "server,connections,rss_before_kib,rss_after_kib,bytes_per_conn" >"$idle_csv"
echo
echo "== memory per idle keep-alive connection: $IDLE connections that send nothing"
echo "   ${PIN_C[*]} $BUILD/fixtures/idleconns --port PORT --count $IDLE --send nothing"
echo "   VmRSS of all the server's processes after (all accepted) - before, / $IDLE"
for s in "${SERVERS[@]}"; do
    start_server "$s"
    sleep 0.3
    before=$(rss_kib "$server_pid")
    fds0=$(fd_count "$server_pid")
    "${PIN_C[@]}" "$BUILD/fixtures/idleconns" --port "$port" --count "$IDLE" --send nothing >"$tmp/idle.log" 2>&1 &
    holder_pid=$!
    for _ in $(seq 600); do # wait until the server has accepted them all (60 s at most)
        [ "$(fd_count "$server_pid")" -ge $((fds0 + IDLE)) ] && break
        kill -0 "$holder_pid" 2>/dev/null || break
        sleep 0.1
    done
    sleep 1
    accepted=$(($(fd_count "$server_pid") - fds0))
    after=$(rss_kib "$server_pid")
    per=$(awk -v a="$after" -v b="$before" -v n="$IDLE" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }')
    printf '   %-8s RSS %7d -> %7d KiB, %5d fds more: %6d bytes per connection%s\n' "$s" "$before" "$after" \
        "$accepted" "$per" "$([ "$accepted" -lt "$IDLE" ] && echo "  (not all accepted: $(tail -1 "$tmp/idle.log"))")"
    echo "$s,$accepted,$before,$after,$per" >>"$idle_csv"
    kill "$holder_pid" 2>/dev/null || true
    wait "$holder_pid" 2>/dev/null || true
    holder_pid=
    stop_server
done

fi # idle

# ------------------------------------------------------------ coroutine switch
if has coro; then
coro_csv=$RESULTS/12-coro.csv
echo
echo "== coroutine switch: ${PIN_S[*]} $BUILD/bench/coro_switch 20000000 5"
"${PIN_S[@]}" "$BUILD/bench/coro_switch" 20000000 5 | tee "$tmp/coro.out"
echo "run,eddy_ns_per_switch,swapcontext_ns_per_switch,ratio" >"$coro_csv"
awk '$1 ~ /^[0-9]+$/ { printf "%s,%s,%s,%s\n", $1, $2, $3, $4 }' "$tmp/coro.out" >>"$coro_csv"
awk -F, 'NR > 1 { e[++n] = $2; u[n] = $3 } END {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) { if (e[j] < e[i]) { t = e[i]; e[i] = e[j]; e[j] = t } if (u[j] < u[i]) { t = u[i]; u[i] = u[j]; u[j] = t } }
    m = int((n + 1) / 2); printf "   median: eddy %.1f ns, swapcontext %.1f ns per switch: %.1fx (targets <= 15 ns, >= 20x)\n", e[m], u[m], u[m] / e[m]
    printf "   fastest: eddy %.1f ns, swapcontext %.1f ns per switch: %.1fx (on a shared machine the fastest run is the least disturbed)\n", e[1], u[1], u[1] / e[1] }' "$coro_csv"

fi # coro

echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------ plot
if has throughput && command -v gnuplot >/dev/null; then
    png=$RESULTS/12-hello.png
    awk -F, 'NR > 1 { v[$1, $2] = $4; if (!($1 in s)) { s[$1] = 1; so[++ns] = $1 } if (!($2 in c)) { c[$2] = 1; co[++nc] = $2 } }
        END { printf "server"; for (j = 1; j <= nc; j++) printf " %s", co[j]; print ""
              for (i = 1; i <= ns; i++) { printf "%s", so[i]; for (j = 1; j <= nc; j++) printf " %s", v[so[i], co[j]] + 0; print "" } }' \
        "$summary" >"$tmp/plot.dat"
    ncols=$(head -1 "$tmp/plot.dat" | wc -w)
    gnuplot <<EOF
set terminal pngcairo size 900,500 noenhanced
set output "$png"
set title "Hello, world! requests per server CPU-second (median of $RUNS x ${DURATION}s, server on one core)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "requests / CPU-second (log scale)"
set format y "%.1s%c"
set logscale y
set key top left
set grid ytics
plot for [i=2:$ncols] "$tmp/plot.dat" using i:xtic(1) title columnheader(i)
EOF
    echo "plot: $png"
fi
