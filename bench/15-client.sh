#!/usr/bin/env bash
# 15-client: what one core buys with libeddy's HTTP client, and the crawler.
#
# Part "throughput": requests per CLIENT CPU-second against one fast local
# server (nginx, one worker, `return 200`; lesson 06's epoll server when
# nginx is missing) pinned to core 0, the client pinned to core 1,
# keep-alive, at concurrency 1, 10, 100 and 1,000 (CELLS), side by side:
#
#   eddy         bench/client_eddy.c: libeddy's client, N tasks awaiting fetches
#   curl_multi   bench/client_curl_multi.c: libcurl's multi interface, N easy handles
#   tornado      bench/tornado_client.py simple: Tornado's AsyncHTTPClient
#   tornado_curl bench/tornado_client.py curl: Tornado's client on pycurl
#   wrk          wrk -t1 -cN: no client logic at all, the ceiling
#
# Each client runs DURATION (5) seconds, RUNS (3) times, and its CPU time
# is its own (getrusage in the program; for wrk, utime+stime from /proc),
# so the figure does not depend on which side ran out of core first. The
# programs also print the memory per request in flight (VmRSS mid-run,
# less VmRSS before, over N).
#
# Part "crawl": lesson 15's crawl on the crawl site (tests/fixtures/
# crawlsite.c, --plain, 100 ms per page) with 1, 10, 100 and 1,000
# workers, each crawl bounded to 20 pages per worker: pages per second
# against the ideal, workers / latency. Then the crawlers of lessons 09
# (callbacks) and 10 (hand-made coroutines) and lesson 15's with the same
# 10 workers, on the page server's 50-page site at 100 ms.
#
# Writes bench/results/15-client.csv (every run), 15-client-summary.csv,
# 15-crawl.csv and 15-client.png.
#
#   DURATION=5 RUNS=3 [CELLS="1 10 100 1000"] [PARTS="throughput crawl"] bench/15-client.sh
set -euo pipefail
BUILD=${BUILD:-build}
RESULTS=${RESULTS:-bench/results}
DURATION=${DURATION:-5}
RUNS=${RUNS:-3}
CELLS=${CELLS:-"1 10 100 1000"}
PARTS=${PARTS:-"throughput crawl"}
has() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
mkdir -p "$RESULTS" "$BUILD/bench"

for f in lessons/15-async-http-client/crawl lessons/06-epoll/server fixtures/crawlsite fixtures/pageserver lib/libeddy.a; do
    [ -e "$BUILD/$f" ] || { echo "missing $BUILD/$f: run make"; exit 1; }
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

. bench/lib.sh
bench_header
echo "settings: DURATION=${DURATION}s RUNS=$RUNS CELLS=\"$CELLS\", fd limit $(ulimit -n)"
bench_pinning "the client"

# ------------------------------------------------------------ the clients
CC_=${CC:-cc}
"$CC_" -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -I"$BUILD/include" bench/client_eddy.c \
    -o "$BUILD/bench/client_eddy" "$BUILD/lib/libeddy.a" \
    $(pkg-config --libs libevent zlib jansson libcrypto libevent_openssl libssl) -lpthread
CLIENTS=(eddy)
if pkg-config --exists libcurl; then
    "$CC_" -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra bench/client_curl_multi.c \
        -o "$BUILD/bench/client_curl_multi" $(pkg-config --cflags --libs libcurl)
    CLIENTS+=(curl_multi)
else
    echo "skipping curl_multi: libcurl4-openssl-dev is not installed"
fi
if "$PY" -c 'import tornado' 2>/dev/null; then
    CLIENTS+=(tornado)
    if "$PY" -c 'import pycurl' 2>/dev/null; then CLIENTS+=(tornado_curl); else echo "skipping tornado_curl: python3-pycurl is not installed"; fi
else
    echo "skipping tornado: python3-tornado is not installed"
fi
command -v wrk >/dev/null && CLIENTS+=(wrk) || echo "skipping wrk: not installed"

# client_cmd NAME N URL - the command line of client NAME at concurrency N.
client_cmd() {
    case $1 in
    eddy) echo "$BUILD/bench/client_eddy $2 $DURATION $3" ;;
    curl_multi) echo "$BUILD/bench/client_curl_multi $2 $DURATION $3" ;;
    tornado) echo "$PY bench/tornado_client.py simple $2 $DURATION $3" ;;
    tornado_curl) echo "$PY bench/tornado_client.py curl $2 $DURATION $3" ;;
    wrk) echo "wrk -t1 -c$2 -d${DURATION}s --timeout 5s $3" ;;
    esac
}

NGINX=$(command -v nginx || ls /usr/sbin/nginx 2>/dev/null || true)
server_cmd() {
    case $1 in
    epoll06) echo "$BUILD/lessons/06-epoll/server --port $2 --max-conns 30000" ;;
    nginx) nginx_hello_cmd "$2" ;;
    esac
}
SERVER=epoll06
[ -n "$NGINX" ] && SERVER=nginx

# field NAME LINE - NAME=value from a client's output line.
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

if has throughput; then
csv=$RESULTS/15-client.csv
echo "client,concurrency,run,requests,errors,wall_s,client_cpu_s,req_per_cpu_s,req_per_s,bytes_per_request_in_flight,load1" >"$csv"
echo
echo "== throughput: requests per client CPU-second against $SERVER, keep-alive, $RUNS runs of ${DURATION}s"
echo "   server: ${PIN_S[*]} $(server_cmd "$SERVER" PORT | sed "s|$tmp|\$TMP|g")"
for s in "${CLIENTS[@]}"; do echo "   $s: ${PIN_C[*]} $(client_cmd "$s" N http://127.0.0.1:PORT/)"; done
echo
printf '%-13s %5s %3s %9s %6s %8s %9s %12s %10s %10s  %s\n' client conc run requests errors "wall s" "cpu s" "req/cpu-s" "req/s" "B/in-flt" load
start_server "$SERVER"
for n in $CELLS; do
    for c in "${CLIENTS[@]}"; do
        for run in $(seq "$RUNS"); do
            cmd=$(client_cmd "$c" "$n" "http://127.0.0.1:$port/")
            if [ "$c" = wrk ]; then
                # wrk prints no CPU time of its own: read it from /proc at its end.
                # shellcheck disable=SC2086
                "${PIN_C[@]}" $cmd >"$tmp/client.out" 2>&1 &
                wpid=$!
                cpu=0
                while kill -0 "$wpid" 2>/dev/null; do
                    t=$(cpu_ticks "$wpid" 2>/dev/null || echo 0)
                    [ "${t:-0}" -gt 0 ] && cpu=$t
                    sleep 0.2
                done
                wait "$wpid" || true
                reqs=$(awk '/requests in/ { print $1 }' "$tmp/client.out")
                errs=$(awk '/Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 } /Non-2xx/ { e += $NF } END { print e + 0 }' "$tmp/client.out")
                wall=$DURATION
                cpu_s=$(awk -v t="$cpu" -v hz="$HZ" 'BEGIN { printf "%.3f", t / hz }')
                line="requests=${reqs:-0} errors=$errs wall=$wall cpu=$cpu_s bytes_per_request_in_flight=0"
            else
                # shellcheck disable=SC2086
                line=$("${PIN_C[@]}" $cmd 2>&1 | tail -1)
            fi
            reqs=$(field requests "$line"); errs=$(field errors "$line"); wall=$(field wall "$line")
            cpu=$(field cpu "$line"); mem=$(field bytes_per_request_in_flight "$line")
            per=$(awk -v r="${reqs:-0}" -v c="${cpu:-0}" 'BEGIN { printf "%.0f", (c > 0 ? r / c : 0) }')
            rps=$(awk -v r="${reqs:-0}" -v w="${wall:-0}" 'BEGIN { printf "%.0f", (w > 0 ? r / w : 0) }')
            load=$(cut -d' ' -f1 /proc/loadavg)
            printf '%-13s %5s %3s %9s %6s %8s %9s %12s %10s %10s  %s\n' "$c" "$n" "$run" "${reqs:-0}" "${errs:-0}" "${wall:-0}" "${cpu:-0}" "$per" "$rps" "${mem:-0}" "$load"
            echo "$c,$n,$run,${reqs:-0},${errs:-0},${wall:-0},${cpu:-0},$per,$rps,${mem:-0},$load" >>"$csv"
        done
    done
done
stop_server

summary=$RESULTS/15-client-summary.csv
awk -F, 'NR > 1 { k = $1 "," $2; n[k]++; per[k, n[k]] = $8; rps[k, n[k]] = $9; mem[k, n[k]] = $10
                   if (!(k in seen)) { seen[k] = 1; order[++m] = k } }
    function med(a, k, c,   i, j, t, v) { for (i = 1; i <= c; i++) v[i] = a[k, i] + 0
        for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        return c % 2 ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2 }
    END { print "client,concurrency,req_per_cpu_s,req_per_s,bytes_per_request_in_flight,eddy_vs_this_per_cpu"
        for (i = 1; i <= m; i++) { k = order[i]; P[k] = med(per, k, n[k]) }
        for (i = 1; i <= m; i++) { k = order[i]; split(k, f, ","); e = "eddy," f[2]
            printf "%s,%.0f,%.0f,%.0f,%.2f\n", k, P[k], med(rps, k, n[k]), med(mem, k, n[k]), P[k] ? P[e] / P[k] : 0 } }' "$csv" >"$summary"
echo
echo "== medians of $RUNS runs ($summary); the last column is eddy's figure divided by this client's"
printf '%-13s %5s %12s %10s %10s %12s\n' client conc "req/cpu-s" "req/s" "B/in-flt" "eddy/this"
tail -n +2 "$summary" | while IFS=, read -r c n p r m x; do
    printf '%-13s %5s %12s %10s %10s %12s\n' "$c" "$n" "$p" "$r" "$m" "$x"
done
echo
awk -F, '$2 == 100 && $1 == "curl_multi" { printf "   at c100: eddy / libcurl multi = %.2fx (target >= 1.0)\n", $6 }
         $2 == 100 && $1 == "tornado" { printf "   at c100: eddy / Tornado (simple) = %.1fx (target >= 20)\n", $6 }
         $2 == 100 && $1 == "tornado_curl" { printf "   at c100: eddy / Tornado (curl) = %.1fx\n", $6 }' "$summary"
fi # throughput

# ------------------------------------------------------------ the crawler
if has crawl; then
crawl_csv=$RESULTS/15-crawl.csv
echo "crawler,workers,site,pages,errors,seconds,pages_per_s,ideal_pages_per_s,ratio" >"$crawl_csv"
LAT=100
echo
echo "== crawl: lesson 15's crawl on the crawl site, ${LAT} ms per page, 20 pages per worker"
server_cmd() { echo "$BUILD/fixtures/crawlsite --port $2 --pages 30000 --fanout 50 --delay ${LAT}ms --plain"; }
echo "   server: ${PIN_S[*]} $(server_cmd x PORT)"
echo "   crawl:  ${PIN_C[*]} $BUILD/lessons/15-async-http-client/crawl --workers N --max-pages 20N http://127.0.0.1:PORT/page/0"
printf '   %-8s %7s %7s %7s %9s %11s %13s %7s\n' crawler workers pages errors seconds "pages/s" "ideal N/lat" ratio
start_server crawlsite /page/1
for n in 1 10 100 1000; do
    "${PIN_C[@]}" "$BUILD/lessons/15-async-http-client/crawl" --workers "$n" --max-pages $((20 * n)) \
        "http://127.0.0.1:$port/page/0" >"$tmp/crawl.out" 2>/dev/null || true
    read -r pages errors secs < <(awk '/ pages, / { print $1, $5, $8 }' "$tmp/crawl.out")
    awk -v c=eddy15 -v n="$n" -v p="$pages" -v e="$errors" -v s="$secs" -v lat="$LAT" 'BEGIN {
        r = (p + e) / s; ideal = n * 1000 / lat
        printf "   %-8s %7d %7d %7d %9.2f %11.0f %13.0f %7.2f\n", c, n, p, e, s, r, ideal, r / ideal
        printf "%s,%d,crawlsite,%d,%d,%.3f,%.1f,%.0f,%.3f\n", c, n, p, e, s, r, ideal, r / ideal >> "'"$crawl_csv"'" }'
done
stop_server

echo
echo "   the same crawl in lessons 09, 10 and 15, 10 at a time, on the page server's 50-page site at ${LAT} ms"
server_cmd() { echo "$BUILD/fixtures/pageserver --port $2 --delay ${LAT}ms --pages 50"; }
start_server pageserver /site/0
for c in 09 10 15; do
    t0=$(date +%s.%N)
    case $c in
    09) "${PIN_C[@]}" "$BUILD/lessons/09-callbacks/crawl" --max 10 --limit 1000 "http://127.0.0.1:$port/site/0" >"$tmp/c.out" 2>&1 || true ;;
    10) "${PIN_C[@]}" "$BUILD/lessons/10-coroutines/crawl" --max 10 --limit 1000 "http://127.0.0.1:$port/site/0" >"$tmp/c.out" 2>&1 || true ;;
    15) "${PIN_C[@]}" "$BUILD/lessons/15-async-http-client/crawl" --workers 10 "http://127.0.0.1:$port/site/0" >"$tmp/c.out" 2>&1 || true ;;
    esac
    t1=$(date +%s.%N)
    pages=$(grep -oE '^[0-9]+ pages' "$tmp/c.out" | tail -1 | cut -d' ' -f1)
    awk -v c="lesson$c" -v p="${pages:-0}" -v a="$t0" -v b="$t1" -v lat="$LAT" 'BEGIN { s = b - a
        printf "   %-8s %7d %7d %7s %9.2f %11.0f %13.0f %7.2f\n", c, 10, p, "-", s, p / s, 10 * 1000 / lat, p / s / (10 * 1000 / lat)
        printf "%s,10,pageserver,%d,0,%.3f,%.1f,100,%.3f\n", c, p, s, p / s, p / s / 100 >> "'"$crawl_csv"'" }'
done
stop_server
fi # crawl

echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

if has throughput && command -v gnuplot >/dev/null; then
    png=$RESULTS/15-client.png
    awk -F, 'NR > 1 { v[$1, $2] = $3; if (!($1 in s)) { s[$1] = 1; so[++ns] = $1 } if (!($2 in c)) { c[$2] = 1; co[++nc] = $2 } }
        END { printf "concurrency"; for (i = 1; i <= ns; i++) printf " %s", so[i]; print ""
              for (j = 1; j <= nc; j++) { printf "c%s", co[j]; for (i = 1; i <= ns; i++) printf " %s", v[so[i], co[j]] + 0; print "" } }' \
        "$summary" >"$tmp/plot.dat"
    ncols=$(head -1 "$tmp/plot.dat" | wc -w)
    gnuplot <<EOF
set terminal pngcairo size 900,500 noenhanced
set output "$png"
set title "HTTP client: requests per client CPU-second (median of $RUNS x ${DURATION}s, client on one core)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "requests / client CPU-second (log scale)"
set format y "%.1s%c"
set logscale y
set key top left
set grid ytics
plot for [i=2:$ncols] "$tmp/plot.dat" using i:xtic(1) title columnheader(i)
EOF
    echo "plot: $png"
fi
