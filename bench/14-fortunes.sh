#!/usr/bin/env bash
# 14-fortunes: TechEmpower's "fortunes" test - templates under load.
#
# GET /fortunes over keep-alive HTTP/1.1 on 127.0.0.1: twelve rows held in
# memory plus one added per request, sorted by message, rendered through a
# template that extends a layout, every message escaped. Two servers, the
# server pinned to core 0 and wrk to core 1:
#
#   eddy14   lesson 14's site, one process, --access-log=false
#   tornado  Tornado 6, one process (bench/tornado_fortunes.py, python3-tornado)
#
# Both answer byte-identical pages (checked before measuring). Cells: 100
# connections and 1,000 connections, RUNS (3) runs of DURATION (5) seconds
# each on a fresh server. For each run: requests per second, p50/p99
# latency (wrk --latency) and the server's CPU time (utime+stime from
# /proc/PID/stat), giving requests per server-CPU-second. Then, if perf
# works here, a short `perf record` of lesson 14 under load and its top
# symbols: where the time goes.
#
# Writes bench/results/14-fortunes.csv (every run), 14-fortunes-summary.csv
# (medians and the ratio eddy14 / tornado), 14-fortunes-perf.txt, and
# 14-fortunes.png (requests per server-CPU-second, when gnuplot is there).
#
#   DURATION=5 RUNS=3 [CELLS="c100 c1000"] [PERF=1] bench/14-fortunes.sh
set -euo pipefail
BUILD=${BUILD:-build}
RESULTS=${RESULTS:-bench/results}
DURATION=${DURATION:-5}
RUNS=${RUNS:-3}
CELLS=${CELLS:-"c100 c1000"}
PERF=${PERF:-1}
mkdir -p "$RESULTS"

command -v wrk >/dev/null || { echo "wrk is not installed: scripts/deps.sh core bench"; exit 1; }
[ -x "$BUILD/lessons/14-templates/site" ] || { echo "missing $BUILD/lessons/14-templates/site: run make"; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

. bench/lib.sh
bench_header
echo "settings: DURATION=${DURATION}s RUNS=$RUNS CELLS=\"$CELLS\", fd limit $(ulimit -n)"

bench_pinning wrk

# ------------------------------------------------------------ the servers
SERVERS=(eddy14)
if "$PY" -c 'import tornado' 2>/dev/null; then SERVERS+=(tornado); else echo "skipping tornado: python3-tornado is not installed"; fi

# server_cmd NAME PORT - the command line that starts NAME on PORT.
server_cmd() {
    case $1 in
    eddy14) echo "$BUILD/lessons/14-templates/site --port $2 --access-log=false --max-connections 30000" ;;
    tornado) echo "$PY bench/tornado_fortunes.py --port $2" ;;
    esac
}

# ------------------------------------------------------------ same page?
echo
echo "== the page each server answers (GET /fortunes)"
for s in "${SERVERS[@]}"; do
    start_server "$s" /fortunes
    curl -s "http://127.0.0.1:$port/fortunes" >"$tmp/$s.html"
    stop_server
    printf '   %-8s %5d bytes, %2d rows, md5 %s\n' "$s" "$(wc -c <"$tmp/$s.html")" \
        "$(grep -o '<tr><td>' "$tmp/$s.html" | wc -l)" "$(md5sum <"$tmp/$s.html" | cut -c1-12)"
done
if [ -f "$tmp/tornado.html" ]; then
    cmp -s "$tmp/eddy14.html" "$tmp/tornado.html" && echo "   identical" ||
        { echo "   the pages differ:"; diff "$tmp/eddy14.html" "$tmp/tornado.html" || true; }
fi

# ------------------------------------------------------------ throughput
csv=$RESULTS/14-fortunes.csv
echo "$THROUGHPUT_COLUMNS" >"$csv"

echo
echo "== throughput: wrk -t1 --latency -d${DURATION}s, $RUNS runs per cell, a fresh server per run"
echo "   commands (PORT is a free port picked per run):"
for s in "${SERVERS[@]}"; do echo "     $s: ${PIN_S[*]} $(server_cmd "$s" PORT)"; done
echo "     c100:   ${PIN_C[*]} wrk -t1 -c100 -d${DURATION}s --latency http://127.0.0.1:PORT/fortunes"
echo "     c1000:  ${PIN_C[*]} wrk -t1 -c1000 -d${DURATION}s --latency --timeout 5s http://127.0.0.1:PORT/fortunes"
echo
throughput_table_header
for cell in $CELLS; do
    for s in "${SERVERS[@]}"; do
        for run in $(seq "$RUNS"); do
            start_server "$s" /fortunes
            w=("${PIN_C[@]}" wrk -t1 --latency -d"${DURATION}s")
            case $cell in
            c100) w+=(-c100) ;;
            c1000) w+=(-c1000 --timeout 5s) ;;
            esac
            w+=("http://127.0.0.1:$port/fortunes")
            throughput_run "$s" "$cell" "$run" "$csv" yes "${w[@]}"
        done
    done
done

# Medians of the runs, and the ratio lesson 14 / Tornado in the same cell.
summary=$RESULTS/14-fortunes-summary.csv
throughput_summary "$csv" tornado >"$summary"

echo
echo "== medians of $RUNS runs ($summary)"
printf '%-8s %-7s %10s %12s %9s %9s %13s %12s\n' server cell "req/s" "req/cpu-s" "p50 ms" "p99 ms" "per-cpu/trn" "req/s/trn"
tail -n +2 "$summary" | while IFS=, read -r s c r p l5 l9 x y; do
    printf '%-8s %-7s %10s %12s %9s %9s %13s %12s\n' "$s" "$c" "$r" "$p" "$l5" "$l9" "$x" "$y"
done
echo
for cell in $CELLS; do
    awk -F, -v c="$cell" '$2 == c { p[$1] = $4; r[$1] = $3 } END { if (p["tornado"])
        printf "   %-7s lesson 14 / Tornado: %.1fx per server-CPU-second (target >= 20), %.1fx req/s\n",
            c, p["eddy14"] / p["tornado"], r["eddy14"] / r["tornado"] }' "$summary"
done

# ------------------------------------------------------------ plot
# One bar per server in each cell: the medians of requests per
# server-CPU-second, on a log scale (the two differ by some 20x).
if command -v gnuplot >/dev/null; then
    png=$RESULTS/14-fortunes.png
    awk -F, 'NR > 1 { v[$1, $2] = $4; if (!($1 in s)) { s[$1] = 1; so[++ns] = $1 } if (!($2 in c)) { c[$2] = 1; co[++nc] = $2 } }
        END { printf "server"; for (j = 1; j <= nc; j++) printf " %s", co[j]; print ""
              for (i = 1; i <= ns; i++) { printf "%s", so[i]; for (j = 1; j <= nc; j++) printf " %s", v[so[i], co[j]] + 0; print "" } }' \
        "$summary" >"$tmp/plot.dat"
    ncols=$(head -1 "$tmp/plot.dat" | wc -w)
    gnuplot <<EOF
set terminal pngcairo size 760,450 noenhanced
set output "$png"
set title "GET /fortunes: requests per server CPU-second\\n(median of $RUNS x ${DURATION}s, server on one core)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "requests / CPU-second (log scale)"
set format y "%.1s%c"
set logscale y
set yrange [1000:*]
set key top right
set grid ytics
plot for [i=2:$ncols] "$tmp/plot.dat" using i:xtic(1) title columnheader(i)
EOF
    echo "plot: $png"
fi

# ------------------------------------------------------------ where the time goes
perf_txt=$RESULTS/14-fortunes-perf.txt
if [ "$PERF" = 1 ] && command -v perf >/dev/null && perf record -o "$tmp/probe.data" -- true >/dev/null 2>&1; then
    echo
    echo "== where the time goes: perf record -g -F 999 on lesson 14's server for 3 s of wrk -c100"
    start_server eddy14 /fortunes
    "${PIN_C[@]}" wrk -t1 -c100 -d"$((DURATION > 4 ? DURATION : 4))s" "http://127.0.0.1:$port/fortunes" >"$tmp/wrk.out" 2>&1 &
    wrk_pid=$!
    sleep 0.5
    perf record -F 999 -g -o "$tmp/perf.data" -p "$server_pid" -- sleep 3 >"$tmp/perf.log" 2>&1 || true
    wait "$wrk_pid" 2>/dev/null || true
    stop_server
    # (report into files first: under pipefail, head closing a pipe would stop the script)
    perf report -i "$tmp/perf.data" --no-children --sort symbol --stdio -g none >"$tmp/sym.txt" 2>/dev/null || true
    perf report -i "$tmp/perf.data" --no-children --sort dso --stdio -g none >"$tmp/dso.txt" 2>/dev/null || true
    {
        echo "perf record -F 999 -g -p SERVER -- sleep 3 (lesson 14 under wrk -t1 -c100 /fortunes)"
        echo "by library (perf report --no-children --sort dso):"
        awk '!/^#/ && NF && n++ < 8' "$tmp/dso.txt"
        echo "top symbols, self time (perf report --no-children --sort symbol; hex = a stripped library):"
        awk '!/^#/ && NF && n++ < 25' "$tmp/sym.txt"
    } >"$perf_txt"
    sed 's/^/   /' "$perf_txt"
else
    echo
    echo "== where the time goes: perf is not available or not permitted here (PERF=$PERF); skipped"
fi

echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
