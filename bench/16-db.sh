#!/usr/bin/env bash
# 16-db: the message board's page under load, on SQLite and on MariaDB,
# against Tornado reading the same database.
#
# GET / of lesson 16's board: the latest 20 messages read from the
# database and rendered through a template, over keep-alive HTTP/1.1 on
# 127.0.0.1, 100 connections. Five servers, each pinned to core 0 with wrk
# on core 1 (mariadbd, when used, runs where the kernel puts it: its CPU is
# not counted, only the app process's):
#
#   eddy-sqlite   lesson 16 on SQLite (WAL; queries on the thread pool; one
#                 process, so the file is kept to itself: no lock per read)
#   eddy-mysql    lesson 16 on MariaDB (Connector/C's non-blocking API)
#   floor-sqlite  bench/ref/board_floor.c: not a usable server but the floor,
#                 the least work this page needs on SQLite (plain epoll, the
#                 same query on the same file run inline on the one thread,
#                 the same page written straight into one send per read):
#                 what the kernel's loopback and SQLite alone cost,
#                 measured in the same run
#   trn-sqlite    Tornado 6 with sqlite3 on a ThreadPoolExecutor (bench/tornado_board.py;
#                 the same unix-excl locking as eddy-sqlite)
#   trn-mysql     Tornado 6 with aiomysql on the same MariaDB
#
# All read the same 200 messages (same SQLite file, same MariaDB
# database) and answer byte-identical pages (checked before measuring).
# For each run (each server in turn, RUNS times): requests per second,
# p50/p99 latency, and the app process's CPU time (utime+stime of all its
# threads, from /proc), giving requests per app-CPU-second. Then the slow-query test: 1,000 requests
# at once, each waiting on SELECT sleep(0.1), against lesson 16 with a pool
# of P connections (bench/slow_burst.py), while /ping (no database) is
# timed every 20 ms beside them: the burst should take about 0.1 s x
# 1,000 / P and no ping should wait for it. MariaDB comes from
# scripts/mariadb.sh (a private server in a temporary folder).
#
# Writes bench/results/16-db.csv (every run), 16-db-summary.csv (medians
# and ratios to the Tornado twin on the same database; lesson 16 against
# the floor, the floor against Tornado and each server's lowest and
# highest run are printed), 16-db-slow.csv and
# 16-db.png.
#
#   DURATION=5 RUNS=3 [SLOW_N=1000] [PERF=1] bench/16-db.sh
set -euo pipefail
BUILD=${BUILD:-build}
RESULTS=${RESULTS:-bench/results}
DURATION=${DURATION:-5}
RUNS=${RUNS:-3}
SLOW_N=${SLOW_N:-1000}
PERF=${PERF:-1}
mkdir -p "$RESULTS"

command -v wrk >/dev/null || { echo "wrk is not installed: scripts/deps.sh core bench"; exit 1; }
BOARD=$BUILD/lessons/16-async-db/board
[ -x "$BOARD" ] || { echo "missing $BOARD: run make"; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

. bench/lib.sh
bench_header
echo "settings: DURATION=${DURATION}s RUNS=$RUNS SLOW_N=$SLOW_N, fd limit $(ulimit -n)"
bench_pinning wrk

# ------------------------------------------------------------ the databases
SQLITE_URL="sqlite://$tmp/board.db"
MYSQL_URL=
if MYSQL_URL=$(scripts/mariadb.sh start "$tmp/mariadb" 2>"$tmp/mariadb.err"); then
    echo "mariadb:  a private mariadbd at ${MYSQL_URL#*@}"
else
    echo "mariadb:  not available, the MariaDB servers are skipped: $(tail -1 "$tmp/mariadb.err")"
    MYSQL_URL=
fi
stop_mariadb() { [ -n "$MYSQL_URL" ] && scripts/mariadb.sh stop "$tmp/mariadb" || true; }
trap 'stop_mariadb; bench_cleanup' EXIT

# seed URL - the board makes its table; 200 messages go in through its API.
seed() {
    "$BOARD" --port 0 --db "$1" --access-log=false >"$tmp/seed.log" 2>&1 &
    local pid=$! p=
    for _ in $(seq 100); do
        p=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/seed.log")
        [ -n "$p" ] && break
        sleep 0.1
    done
    for i in $(seq 200); do
        curl -s -o /dev/null -H 'Content-Type: application/json' \
            -d "{\"name\":\"user $((i % 17))\",\"email\":\"u$i@example.com\",\"message\":\"Message number $i: <b>escaped</b> & 'quoted' \u00e9\"}" \
            "http://127.0.0.1:$p/api/messages"
    done
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}
seed "$SQLITE_URL"
[ -n "$MYSQL_URL" ] && seed "$MYSQL_URL"

SERVERS=(eddy-sqlite)
[ -n "$MYSQL_URL" ] && SERVERS+=(eddy-mysql)
mkdir -p "$BUILD/bench"
if ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra bench/ref/board_floor.c -o "$BUILD/bench/board_floor" -lsqlite3; then
    SERVERS+=(floor-sqlite)
else
    echo "skipping floor-sqlite: bench/ref/board_floor.c did not build (it needs libsqlite3-dev)"
fi
if "$PY" -c 'import tornado' 2>/dev/null; then
    SERVERS+=(trn-sqlite)
    if [ -n "$MYSQL_URL" ] && "$PY" -c 'import aiomysql' 2>/dev/null; then SERVERS+=(trn-mysql)
    else echo "skipping trn-mysql: python3-aiomysql is not installed (or no MariaDB)"; fi
else
    echo "skipping the Tornado servers: python3-tornado is not installed"
fi

# server_cmd NAME PORT - the command line that starts NAME on PORT.
server_cmd() {
    case $1 in
    eddy-sqlite) echo "$BOARD --port $2 --db $SQLITE_URL --access-log=false --max-connections 30000" ;;
    eddy-mysql) echo "$BOARD --port $2 --db $MYSQL_URL --access-log=false --max-connections 30000" ;;
    floor-sqlite) echo "$BUILD/bench/board_floor --port $2 --db ${SQLITE_URL#sqlite://}" ;;
    trn-sqlite) echo "$PY bench/tornado_board.py --port $2 --db $SQLITE_URL" ;;
    trn-mysql) echo "$PY bench/tornado_board.py --port $2 --db $MYSQL_URL" ;;
    esac
}

# ------------------------------------------------------------ same page?
echo
echo "== the page each server answers (GET /)"
for s in "${SERVERS[@]}"; do
    start_server "$s" /ping
    curl -s "http://127.0.0.1:$port/" >"$tmp/$s.html"
    stop_server
    printf '   %-12s %5d bytes, %2d messages, md5 %s\n' "$s" "$(wc -c <"$tmp/$s.html")" \
        "$(grep -o '<li>' "$tmp/$s.html" | wc -l)" "$(md5sum <"$tmp/$s.html" | cut -c1-12)"
done
for db in sqlite mysql; do
    [ -f "$tmp/eddy-$db.html" ] && [ -f "$tmp/trn-$db.html" ] || continue
    if cmp -s "$tmp/eddy-$db.html" "$tmp/trn-$db.html"; then echo "   $db: identical"
    else echo "   $db: the pages differ:"; diff "$tmp/eddy-$db.html" "$tmp/trn-$db.html" | head -20 || true; fi
done
if [ -f "$tmp/floor-sqlite.html" ]; then
    if cmp -s "$tmp/eddy-sqlite.html" "$tmp/floor-sqlite.html"; then echo "   floor: identical to lesson 16's"
    else echo "   floor: its page differs from lesson 16's:"; diff "$tmp/eddy-sqlite.html" "$tmp/floor-sqlite.html" | head -20 || true; fi
fi

# ------------------------------------------------------------ throughput
csv=$RESULTS/16-db.csv
echo "$THROUGHPUT_COLUMNS" >"$csv"
echo
echo "== throughput: wrk -t1 -c100 --latency -d${DURATION}s, $RUNS runs, a fresh server per run"
echo "   commands (PORT is a free port picked per run):"
for s in "${SERVERS[@]}"; do echo "     $s: ${PIN_S[*]} $(server_cmd "$s" PORT | sed "s|$tmp|TMP|g; s|eddy:eddy@|eddy:***@|")"; done
echo "     wrk:    ${PIN_C[*]} wrk -t1 -c100 -d${DURATION}s --latency http://127.0.0.1:PORT/"
echo
throughput_table_header
# Run by run, every server in turn: a slow minute of a shared machine
# then falls on all of them, not on one server's runs.
for run in $(seq "$RUNS"); do
    for s in "${SERVERS[@]}"; do
        start_server "$s" /ping
        # the database is the server's cell: summaries compare within it
        cell=${s#*-}
        throughput_run "$s" "$cell" "$run" "$csv" yes "${PIN_C[@]}" wrk -t1 -c100 -d"${DURATION}s" \
            --latency "http://127.0.0.1:$port/"
    done
done

# Medians, and lesson 16 / its Tornado twin on the same database.
summary=$RESULTS/16-db-summary.csv
{
    echo "server,cell,req_per_s,req_per_cpu_s,p50_ms,p99_ms,per_cpu_vs_tornado,rps_vs_tornado"
    for db in sqlite mysql; do
        grep -q "^trn-$db," "$csv" || continue
        awk -F, -v db="$db" 'NR == 1 || $2 == db' "$csv" >"$tmp/$db.csv"
        throughput_summary "$tmp/$db.csv" "trn-$db" | tail -n +2
    done
} >"$summary"
echo
echo "== medians of $RUNS runs ($summary)"
printf '%-12s %-7s %10s %12s %9s %9s %13s %12s\n' server db "req/s" "req/cpu-s" "p50 ms" "p99 ms" "per-cpu/trn" "req/s/trn"
tail -n +2 "$summary" | while IFS=, read -r s c rps per l5 l9 x y; do
    printf '%-12s %-7s %10s %12s %9s %9s %13s %12s\n' "$s" "$c" "$rps" "$per" "$l5" "$l9" "$x" "$y"
done
echo
awk -F, 'NR > 1 && $1 ~ /^eddy/ { printf "   %-7s lesson 16 / Tornado: %.1fx per app-CPU-second (target >= 20), %.1fx req/s\n", $2, $7, $8 }' "$summary"
# One run's figure moves by a sixth or so on a shared machine (the floor's
# as much as the board's), and the ratio of medians with it: the spread
# says how far to trust a pass of $RUNS runs (more runs: RUNS=9).
awk -F, 'NR > 1 { k = $1; v = $7 + 0; if (!(k in lo) || v < lo[k]) lo[k] = v; if (v > hi[k]) hi[k] = v
                  if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
    END { printf "   per run, req/app-CPU-s:"
          for (i = 1; i <= n; i++) printf " %s %d-%d%s", order[i], lo[order[i]], hi[order[i]], i < n ? ";" : "\n" }' "$csv"
# The floor's own ratio to Tornado says what any server could reach here:
# where it is under 20, no server can meet that target on this machine.
awk -F, 'NR > 1 { p[$1] = $4 }
    function r(a, b) { return p[a] > 0 && p[b] > 0 ? sprintf("%.2f", p[a] / p[b]) : "NA" }
    END { if ("floor-sqlite" in p)
              printf "   sqlite  per app-CPU-second: lesson 16 / floor %s, floor / Tornado %sx\n",
                  r("eddy-sqlite", "floor-sqlite"), r("floor-sqlite", "trn-sqlite") }' "$summary"

# ------------------------------------------------------------ the slow-query burst
slow=$RESULTS/16-db-slow.csv
echo "server,pool,requests,seconds_each,total_s,expected_s,ok,failed,ping_max_ms,ping_median_ms,pings" >"$slow"
echo
echo "== $SLOW_N requests at once, each on SELECT sleep(0.1); /ping timed every 20 ms beside them"
slow_run() { # NAME POOL EXTRA-ARGS...
    local name=$1 pool=$2
    shift 2
    SLOW_ARGS="--pool $pool $*"
    server_cmd() { echo "$BOARD --port $2 --access-log=false --max-connections 30000 $SLOW_ARGS"; }
    start_server "$name" /ping
    local out
    out=$("${PIN_C[@]}" "$PY" bench/slow_burst.py "$port" "$SLOW_N" 0.1)
    stop_server
    local expected
    expected=$(awk -v n="$SLOW_N" -v p="$pool" 'BEGIN { printf "%.2f", 0.1 * n / p }')
    echo "   $name (pool $pool): $out (expected about ${expected}s)"
    local values
    values=$(sed 's/[a-z_]*=//g; s/ /,/g' <<<"$out") # total,ok,failed,ping max,median,pings
    echo "$name,$pool,$SLOW_N,0.1,${values%%,*},$expected,${values#*,}" >>"$slow"
}
[ -n "$MYSQL_URL" ] && slow_run eddy-mysql 50 --db "$MYSQL_URL"
slow_run eddy-sqlite 32 --db "$SQLITE_URL" --threads 32

# ------------------------------------------------------------ plot
if command -v gnuplot >/dev/null; then
    png=$RESULTS/16-db.png
    tail -n +2 "$summary" | awk -F, '{ print $1, $4 }' >"$tmp/plot.dat"
    gnuplot <<EOF
set terminal pngcairo size 900,500 noenhanced
set output "$png"
set title "Message board page (20 rows + template): requests per app-CPU-second, median of $RUNS x ${DURATION}s, c100"
set style data histograms
set style fill solid 0.8 border -1
set ylabel "requests / app CPU-second (log scale)"
set logscale y
set grid ytics
set boxwidth 0.6
plot "$tmp/plot.dat" using 2:xtic(1) notitle
EOF
    echo "plot: $png"
fi

# ------------------------------------------------------------ where the time goes
if [ "$PERF" = 1 ] && command -v perf >/dev/null && perf record -o "$tmp/probe.data" -- true >/dev/null 2>&1; then
    for s in eddy-sqlite eddy-mysql; do
        [[ " ${SERVERS[*]} " == *" $s "* ]] || continue
        server_cmd() { case $1 in eddy-sqlite) echo "$BOARD --port $2 --db $SQLITE_URL --access-log=false" ;;
                                  eddy-mysql) echo "$BOARD --port $2 --db $MYSQL_URL --access-log=false" ;; esac; }
        echo
        echo "== where the time goes in $s: perf record -F 999 -g for 3 s of wrk -c100"
        start_server "$s" /ping
        "${PIN_C[@]}" wrk -t1 -c100 -d4s "http://127.0.0.1:$port/" >"$tmp/wrk.out" 2>&1 &
        wrk_pid=$!
        sleep 0.5
        perf record -F 999 -g -o "$tmp/perf.data" -p "$server_pid" -- sleep 3 >"$tmp/perf.log" 2>&1 || true
        wait "$wrk_pid" 2>/dev/null || true
        stop_server
        perf report -i "$tmp/perf.data" --no-children --sort dso --stdio -g none >"$tmp/dso.txt" 2>/dev/null || true
        perf report -i "$tmp/perf.data" --no-children --sort symbol --stdio -g none >"$tmp/sym.txt" 2>/dev/null || true
        awk '!/^#/ && NF && n++ < 8' "$tmp/dso.txt" | sed 's/^/   /'
        awk '!/^#/ && NF && n++ < 15' "$tmp/sym.txt" | sed 's/^/   /'
    done
fi

echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
