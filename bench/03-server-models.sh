#!/usr/bin/env bash
# 03-server-models: the hello servers under wrk, model by model (lesson 03,
# and lessons 04-06 when they are built).
#
# For every server: wrk on 127.0.0.1 at each concurrency (default 1 10 100
# 1000) for DURATION seconds (default 5), then the idle case: IDLE (default
# 1000) connections that connect and say nothing, held open by
# build/fixtures/idleconns, beside wrk with 10 active ones. Each run starts
# a fresh server. Halfway through each run a probe (curl, 2 s limit) asks
# for / on a new connection: wrk's own figures count only answered
# requests, so a server that never gets round to most connections can look
# fast; the probe shows whether a newcomer is served at all (with DURATION
# of 4 or more it gives up before wrk ends, so "timeout" means never
# answered while the load ran). Also recorded:
# context switches per request (the whole machine's, from /proc/stat) and
# the server's memory, PSS summed over it and its children, at the probe.
#
# Server and wrk are pinned to different cores with taskset when there are
# two. Writes bench/results/03-server-models.csv and .png, prints each run's
# wrk summary and a table.
#
#   DURATION=5 CONCURRENCY="1 10 100 1000" IDLE=1000 bench/03-server-models.sh
#   MODELS="thread epoll" limits the run to those models.
set -euo pipefail
BUILD=${BUILD:-build}
RESULTS=${RESULTS:-bench/results}
DURATION=${DURATION:-5}
CONCURRENCY=${CONCURRENCY:-1 10 100 1000}
IDLE=${IDLE:-1000}
mkdir -p "$RESULTS"

command -v wrk >/dev/null || { echo "wrk is not installed: scripts/deps.sh core bench"; exit 1; }
[ -x "$BUILD/fixtures/idleconns" ] || { echo "missing $BUILD/fixtures/idleconns: run make"; exit 1; }

# Every connection is a file descriptor, on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "fd limit: $(ulimit -n)"

. bench/lib.sh
bench_pinning "wrk, curl and idleconns" # the server with all its processes and threads
[ ${#PIN_S[@]} -gt 0 ] || echo "pinning: none (taskset missing or a single core)"

# The servers: name, model, binary, extra arguments.
SERVERS=()
L3=$BUILD/lessons/03-server-models/server
for model in iterative fork thread prefork; do
    SERVERS+=("03-server-models|$model|$L3|--model $model")
done
for pair in 04-select:select 05-poll:poll 06-epoll:epoll; do
    lesson=${pair%%:*} model=${pair#*:}
    bin=$BUILD/lessons/$lesson/server
    if [ -x "$bin" ]; then
        SERVERS+=("$lesson|$model|$bin|")
    else
        echo "skipping $lesson: $bin is not built"
    fi
done

# start_server BIN ARGS - start it on a free port; sets server_pid and port.
# start_server replaces bench/lib.sh's: these servers take --port 0 and print
# the port. Each server gets its own log file: with `cmd >log &` the truncation happens
# in the child, later, and a shared log could still show the last server's
# port. The port is read from the "listening on" line only.
runs=0
start_server() {
    runs=$((runs + 1))
    local log=$tmp/server.$runs.log
    # shellcheck disable=SC2086
    "${PIN_S[@]}" "$1" $2 --port 0 >"$log" 2>&1 &
    server_pid=$!
    port=
    for _ in $(seq 100); do
        port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$log" 2>/dev/null | head -1 || true)
        [ -n "$port" ] && return 0
        sleep 0.05
    done
    echo "server $1 $2 did not start:"; cat "$log"; exit 1
}

# stop_server (bench/lib.sh): SIGTERM, which the process models pass to
# their children, then SIGKILL.

# pss_kib PID - Pss of PID and its children, summed, in KiB.
pss_kib() {
    local total=0 p v
    for p in "$1" $(ps --ppid "$1" -o pid= 2>/dev/null); do
        v=$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

# to_ms VALUE - wrk's "19.00us" / "2.71ms" / "1.20s" in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0;
        else if (v ~ /m$/) printf "%.3f", v * 60000; else if (v ~ /s$/) printf "%.3f", v * 1000;
        else print "NA" }'
}

ctxt() { awk '/^ctxt/ { print $2 }' /proc/stat; }

csv=$RESULTS/03-server-models.csv
echo "server,model,concurrency,idle,req_s,p50_ms,p99_ms,requests,errors,probe_ms,cs_per_req,pss_kib" >"$csv"

# run NAME MODEL CONNECTIONS IDLE - one wrk run against the running server.
run() {
    local name=$1 model=$2 c=$3 idle=$4 url="http://127.0.0.1:$port/"
    local half=$((DURATION / 2 > 0 ? DURATION / 2 : 1))
    rm -f "$tmp/probe" "$tmp/pss"
    (
        sleep "$half"
        pss_kib "$server_pid" >"$tmp/pss"
        "${PIN_C[@]}" curl -s -o /dev/null -m 2 -w '%{time_total}' "$url" >"$tmp/probe" 2>/dev/null ||
            echo timeout >"$tmp/probe"
    ) &
    local prober=$!
    local cmd=("${PIN_C[@]}" wrk -t1 -c"$c" -d"${DURATION}s" --timeout 2s --latency "$url")
    local cs0 cs1
    cs0=$(ctxt)
    local rc=0
    "${cmd[@]}" >"$tmp/wrk.out" 2>&1 || rc=$?
    cs1=$(ctxt)
    wait "$prober" || true
    echo "--- $name $model, $c connections, $idle idle: ${cmd[*]}"
    if grep -q 'requests in' "$tmp/wrk.out"; then
        sed -n '/Latency Distribution/,$p' "$tmp/wrk.out" | grep -vE 'Transfer/sec' | sed 's/^/    /' || true
    else # wrk itself failed: show what it said, record the run as empty
        echo "    wrk exited with status $rc:"
        sed 's/^/    /' "$tmp/wrk.out"
    fi

    local reqs rps p50 p99 errs probe pss cs
    reqs=$(sed -n 's/^ *\([0-9][0-9]*\) requests in.*/\1/p' "$tmp/wrk.out")
    reqs=${reqs:-0}
    rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$tmp/wrk.out")
    p50=NA p99=NA
    if [ "$reqs" -gt 0 ]; then
        p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out")")
        p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")")
    fi
    errs=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1+\2+\3+\4/p' "$tmp/wrk.out")
    errs=$((${errs:-0}))
    probe=$(cat "$tmp/probe" 2>/dev/null || echo NA)
    [ "$probe" != timeout ] && [ "$probe" != NA ] && probe=$(awk -v s="$probe" 'BEGIN { printf "%.1f", s * 1000 }')
    pss=$(cat "$tmp/pss" 2>/dev/null || echo NA)
    cs=NA
    [ "$reqs" -gt 0 ] && cs=$(awk -v d=$((cs1 - cs0)) -v r="$reqs" 'BEGIN { printf "%.2f", d / r }')
    echo "    probe: $probe ms   server PSS: $pss KiB   context switches/request: $cs"
    echo "$name,$model,$c,$idle,${rps:-0},$p50,$p99,$reqs,$errs,$probe,$cs,$pss" >>"$csv"
}

echo "duration: ${DURATION}s per run; concurrency: $CONCURRENCY; idle case: $IDLE idle + 10 active"
for entry in "${SERVERS[@]}"; do
    IFS='|' read -r name model bin args <<<"$entry"
    case " ${MODELS:-$model} " in *" $model "*) ;; *) continue ;; esac
    for c in $CONCURRENCY; do
        start_server "$bin" "$args"
        run "$name" "$model" "$c" 0
        stop_server
    done

    start_server "$bin" "$args"
    "${PIN_C[@]}" "$BUILD/fixtures/idleconns" --port "$port" --count "$IDLE" >"$tmp/idle.log" 2>&1 &
    holder_pid=$!
    for _ in $(seq 300); do
        grep -q holding "$tmp/idle.log" && break
        kill -0 "$holder_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "--- $name $model: $(head -1 "$tmp/idle.log")"
    run "$name" "$model" 10 "$IDLE"
    kill "$holder_pid" 2>/dev/null || true
    wait "$holder_pid" 2>/dev/null || true
    holder_pid=
    stop_server
done

echo
echo "results ($csv):"
column -s, -t <"$csv" 2>/dev/null || cat "$csv"

if command -v gnuplot >/dev/null; then
    png=$RESULTS/03-server-models.png
    models=$(tail -n +2 "$csv" | cut -d, -f2 | awk '!seen[$0]++' | tr '\n' ' ')
    for m in $models; do
        # concurrency runs only; an unanswered probe is drawn at the 2000 ms limit
        awk -F, -v m="$m" '$2 == m && $4 == 0 {
            print $3, $5, ($7 == "NA" ? "NaN" : $7), ($10 == "timeout" ? 2000 : $10) }' "$csv" >"$tmp/$m.dat"
    done
    {
        echo "set terminal pngcairo size 1500,480 font ',10'"
        echo "set output '$png'"
        echo "set multiplot layout 1,3 title 'lesson 03 hello servers under wrk, 127.0.0.1, ${DURATION}s per point ($(nproc) cores)'"
        echo "set logscale x; set xlabel 'concurrent connections'; set key top left; set grid"
        echo "set xtics (1, 10, 100, 1000)"
        echo "set title 'requests/s (answered)'; set ylabel 'req/s'; set yrange [0:*]"
        printf "plot "; for m in $models; do printf "'%s' using 1:2 with linespoints title '%s', " "$tmp/$m.dat" "$m"; done; echo "1/0 notitle"
        echo "set title 'p99 latency of answered requests'; set ylabel 'ms'; set logscale y; set yrange [*:*]"
        printf "plot "; for m in $models; do printf "'%s' using 1:3 with linespoints title '%s', " "$tmp/$m.dat" "$m"; done; echo "1/0 notitle"
        echo "set title 'a new client during the run (2000 = not answered)'; set ylabel 'ms'"
        echo "set yrange [0.1:100000]" # room above the 2000 line for the key
        printf "plot "; for m in $models; do printf "'%s' using 1:4 with linespoints title '%s', " "$tmp/$m.dat" "$m"; done; echo "1/0 notitle"
        echo "unset multiplot"
    } >"$tmp/plot.gp"
    gnuplot "$tmp/plot.gp" && echo "plot: $png"
else
    echo "gnuplot not installed: no plot"
fi
