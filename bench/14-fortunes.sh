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
# (medians and the ratio eddy14 / tornado), 14-fortunes-perf.txt.
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
HZ=$(getconf CLK_TCK)

. bench/lib.sh
bench_header
echo "settings: DURATION=${DURATION}s RUNS=$RUNS CELLS=\"$CELLS\", fd limit $(ulimit -n)"

bench_pinning wrk

tmp=$(mktemp -d)
server_pid= perf_pid=
cleanup() {
    [ -n "$perf_pid" ] && kill "$perf_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

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
echo "server,cell,run,requests,req_per_s,server_cpu_s,req_per_cpu_s,p50_ms,p99_ms,errors,load1" >"$csv"

echo
echo "== throughput: wrk -t1 --latency -d${DURATION}s, $RUNS runs per cell, a fresh server per run"
echo "   commands (PORT is a free port picked per run):"
for s in "${SERVERS[@]}"; do echo "     $s: ${PIN_S[*]} $(server_cmd "$s" PORT)"; done
echo "     c100:   ${PIN_C[*]} wrk -t1 -c100 -d${DURATION}s --latency http://127.0.0.1:PORT/fortunes"
echo "     c1000:  ${PIN_C[*]} wrk -t1 -c1000 -d${DURATION}s --latency --timeout 5s http://127.0.0.1:PORT/fortunes"
echo
printf '%-8s %-7s %3s %10s %10s %9s %12s %9s %9s  %s\n' server cell run requests "req/s" "cpu s" "req/cpu-s" "p50 ms" "p99 ms" "load"
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
            t0=$(cpu_ticks "$server_pid")
            "${w[@]}" >"$tmp/wrk.out" 2>&1 || true
            t1=$(cpu_ticks "$server_pid")
            load=$(cut -d' ' -f1 /proc/loadavg)
            stop_server
            reqs=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
            rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$tmp/wrk.out")
            p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out")")
            p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")")
            errs=$(awk '/Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 } /Non-2xx/ { e += $NF } END { print e + 0 }' "$tmp/wrk.out")
            cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
            per=$(awk -v r="${reqs:-0}" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }')
            printf '%-8s %-7s %3d %10s %10.0f %9s %12s %9s %9s  %s%s\n' "$s" "$cell" "$run" "${reqs:-0}" \
                "${rps:-0}" "$cpu" "$per" "$p50" "$p99" "$load" "$([ "${errs:-0}" != 0 ] && echo "  errors: $errs")"
            echo "$s,$cell,$run,${reqs:-0},${rps:-0},$cpu,$per,$p50,$p99,${errs:-0},$load" >>"$csv"
        done
    done
done

# Medians of the runs, and the ratio lesson 14 / Tornado in the same cell.
summary=$RESULTS/14-fortunes-summary.csv
awk -F, 'NR > 1 { k = $1 "," $2; n[k]++; rps[k, n[k]] = $5; per[k, n[k]] = $7; p50[k, n[k]] = $8; p99[k, n[k]] = $9
                   if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
    function med(a, k, c,   i, j, t, v) { for (i = 1; i <= c; i++) v[i] = a[k, i] + 0
        for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        return c % 2 ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2 }
    END { print "server,cell,req_per_s,req_per_cpu_s,p50_ms,p99_ms,per_cpu_vs_tornado,rps_vs_tornado"
        for (i = 1; i <= m; i++) { k = order[i]; R[k] = med(rps, k, n[k]); P[k] = med(per, k, n[k])
            L5[k] = med(p50, k, n[k]); L9[k] = med(p99, k, n[k]) }
        for (i = 1; i <= m; i++) { k = order[i]; split(k, f, ","); ref = "tornado," f[2]
            printf "%s,%.0f,%.0f,%.3f,%.3f,%.2f,%.2f\n", k, R[k], P[k], L5[k], L9[k],
                P[ref] ? P[k] / P[ref] : 0, R[ref] ? R[k] / R[ref] : 0 } }' "$csv" >"$summary"

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
