#!/usr/bin/env bash
# 21-forum: the forum (lesson 21) under load, against the same pages in
# Tornado on the same MariaDB.
#
# Content: bench/ref/seed_forum.py's rows (20 groups with covers, a post
# with 50 comments and their replies) written into the tables the forum
# makes on its first start, in a private MariaDB (scripts/mariadb.sh).
# Three reads, keep-alive, wrk -t1 -c100, each server pinned to core 0 and
# wrk to core 1 (mariadbd runs where the kernel puts it; its CPU is not
# counted, only the app process's):
#
#   groups-page   GET /            the group list page
#   post-page     GET /post/1001   a post with 50 comments (a signed-in member:
#                                  the forum's session cookie, Tornado's token)
#   groups-json   GET /groups/     the JSON group list
#
#   eddy   lesson 21's forum, one process
#   trn    bench/ref/tornado_forum.py: Tornado 6 + aiomysql, the course's way
#
# For each run (the two servers in turn, RUNS times): requests per
# second, p50/p99 latency and the app process's CPU time (utime+stime of
# all its threads, from /proc), giving requests per app-CPU-second; the
# summary's ratios (of the medians) are eddy / Tornado
# (target >= 20 per CPU-second). Then, on the forum alone:
#
#   mixed  USERS (1,000) simulated users on keep-alive connections, each
#          request a member's token, 0-200 ms of thought between clicks:
#          reads and writes of the JSON API (bench/ref/forum_mixed.lua),
#          for MIXED_DURATION seconds: p50/p99 and errors (must be 0)
#   idle   IDLE (10,000) notification WebSockets held open and silent
#          (bench/ref/ws_idle.py): VmRSS growth / IDLE = bytes per socket
#
# Writes bench/results/21-forum.csv (every run), 21-forum-summary.csv,
# 21-forum-mixed.csv, 21-forum-idle.csv and 21-forum.png.
#
# PARTS picks what runs (default all three): PARTS=mixed runs the mixed
# workload alone, on the same database, content and members.
#
#   DURATION=5 RUNS=3 USERS=1000 MIXED_DURATION=10 IDLE=10000 [PARTS="throughput mixed idle"] bench/21-forum.sh
set -euo pipefail
BUILD=${BUILD:-build}
RESULTS=${RESULTS:-bench/results}
DURATION=${DURATION:-5}
RUNS=${RUNS:-3}
USERS=${USERS:-1000}
MIXED_DURATION=${MIXED_DURATION:-10}
IDLE=${IDLE:-10000}
MEMBERS=${MEMBERS:-50}
PARTS=${PARTS:-"throughput mixed idle"}
has() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
mkdir -p "$RESULTS"

command -v wrk >/dev/null || { echo "wrk is not installed: scripts/deps.sh core bench"; exit 1; }
FORUM=$BUILD/lessons/21-forum/forum
[ -x "$FORUM" ] || { echo "missing $FORUM: run make"; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge $((IDLE + USERS + 200)) ] || { echo "fd limit $(ulimit -n) is below IDLE + USERS"; exit 1; }

. bench/lib.sh
bench_header
echo "settings: DURATION=${DURATION}s RUNS=$RUNS USERS=$USERS MIXED_DURATION=${MIXED_DURATION}s IDLE=$IDLE PARTS=\"$PARTS\", fd limit $(ulimit -n)"
bench_pinning "wrk and the socket holder"

# ------------------------------------------------------------ the database
DB_URL=$(scripts/mariadb.sh start "$tmp/mariadb" 2>"$tmp/mariadb.err") ||
    { echo "mariadb: not available, nothing to measure: $(tail -1 "$tmp/mariadb.err")"; exit 1; }
echo "mariadb:  a private mariadbd at ${DB_URL#*@}"
stop_mariadb() { scripts/mariadb.sh stop "$tmp/mariadb" >/dev/null 2>&1 || true; }
trap 'stop_mariadb; bench_cleanup' EXIT
sql() { mariadb --no-defaults -uroot --socket="$tmp/mariadb/sock" eddy_test "$@"; }

SECRET=bench-secret-0123456789abcdef0123456789
MEDIA=$tmp/media
mkdir -p "$MEDIA"
"$PY" bench/ref/seed_forum.py --covers "$MEDIA" # the seed's cover-N.png

# server_cmd NAME PORT - the command line that starts NAME on PORT
# (EDDY_EXTRA: more flags for the forum).
server_cmd() {
    case $1 in
    eddy) echo "$FORUM --port $2 --db $DB_URL --media-dir $MEDIA --secret $SECRET --access-log=false --max-connections 30000 --sms-daily-per-ip=0 --sms-cooldown=0 --scrypt-log2-n 10${EDDY_EXTRA:+ $EDDY_EXTRA}" ;;
    trn) echo "$PY bench/ref/tornado_forum.py --port $2 --db $DB_URL --secret $SECRET" ;;
    esac
}

# The forum makes its tables on its first start; then the content goes in.
start_server eddy /groups/
stop_server
"$PY" bench/ref/seed_forum.py 20 50 | sql
echo "content:  $(sql -N -e 'SELECT COUNT(*) FROM community_group') groups, post 1001 with $(sql -N -e 'SELECT COUNT(*) FROM post_comment WHERE post_id = 1001 AND parent_comment_id IS NULL') comments"

# member MOBILE ADDRESS - register MOBILE through the forum's API on $port
# from ADDRESS (a loopback address of its own: the forum limits codes and
# sign-ins per address, as it should, and these are different people), the
# code from the server's log; make them a member of group 1001; print
# "id token".
member() {
    local mobile=$1 code= answer id token
    local curl=(curl -s --interface "$2")
    "${curl[@]}" -o /dev/null -H 'Content-Type: application/json' -d "{\"mobile\":\"$mobile\"}" "http://127.0.0.1:$port/code/"
    for _ in $(seq 100); do
        code=$(sed -n "s/.*sms to $mobile: [^0-9]*\([0-9]\{4,8\}\).*/\1/p" "$tmp/server.log" | tail -1)
        [ -n "$code" ] && break
        sleep 0.1
    done
    answer=$("${curl[@]}" -H 'Content-Type: application/json' \
        -d "{\"mobile\":\"$mobile\",\"code\":\"$code\",\"password\":\"bench-password\"}" "http://127.0.0.1:$port/register/")
    id=$("$PY" -c 'import json, sys; print(json.loads(sys.argv[1]).get("id", ""))' "$answer" 2>/dev/null || true)
    [ -n "$id" ] || { echo "registering $mobile (code '$code') failed: $answer" >&2; tail -5 "$tmp/server.log" >&2; return 1; }
    sql -e "INSERT INTO community_group_member (user_id, community_id, status, apply_reason, handle_time) VALUES ($id, 1001, 'agree', 'bench', NOW())"
    answer=$("${curl[@]}" -H 'Content-Type: application/json' -d "{\"mobile\":\"$mobile\",\"password\":\"bench-password\"}" \
        "http://127.0.0.1:$port/login/")
    token=$("$PY" -c 'import json, sys; print(json.loads(sys.argv[1]).get("token", ""))' "$answer" 2>/dev/null || true)
    [ -n "$token" ] || { echo "signing $mobile in failed: $answer" >&2; return 1; }
    echo "$id $token"
}

# The members: MEMBERS accounts for the mixed workload, the first also
# signed in on the pages (the session cookie the post page needs).
start_server eddy /groups/
: >"$tmp/tokens"
for i in $(seq "$MEMBERS"); do
    member "$(printf '1580000%04d' "$i")" "127.0.$((i / 200)).$((10 + i % 200))" >>"$tmp/members"
done
cut -d' ' -f2 "$tmp/members" >"$tmp/tokens"
first_id=$(head -1 "$tmp/members" | cut -d' ' -f1)
curl -s -c "$tmp/jar" -b "$tmp/jar" -o "$tmp/signin.html" "http://127.0.0.1:$port/signin"
xsrf=$(sed -n 's/.*name="_xsrf" value="\([^"]*\)".*/\1/p' "$tmp/signin.html" | head -1)
curl -s -c "$tmp/jar" -b "$tmp/jar" -o /dev/null --data-urlencode "_xsrf=$xsrf" \
    --data-urlencode "mobile=15800000001" --data-urlencode "password=bench-password" "http://127.0.0.1:$port/signin"
stop_server
EDDY_COOKIE=$(awk -F'\t' 'NF == 7 { printf "%s%s=%s", n++ ? "; " : "", $6, $7 }' "$tmp/jar")
TRN_TOKEN=$("$PY" bench/ref/tornado_forum.py --token "$first_id" --secret "$SECRET")
echo "members:  $(wc -l <"$tmp/tokens") signed up through the API, members of group 1001"

if has throughput; then
SERVERS=(eddy)
if "$PY" -c 'import tornado, aiomysql, jwt' 2>/dev/null; then SERVERS+=(trn)
else echo "skipping Tornado: python3-tornado, python3-aiomysql or python3-jwt is not installed"; fi

CELLS=(groups-page post-page groups-json)
cell_path() { case $1 in groups-page) echo / ;; post-page) echo /post/1001 ;; groups-json) echo /groups/ ;; esac; }
# auth_header SERVER CELL - the header that signs the member in, if the cell needs one.
auth_header() {
    [ "$2" = post-page ] || return 0
    case $1 in eddy) echo "Cookie: $EDDY_COOKIE" ;; trn) echo "tsessionid: $TRN_TOKEN" ;; esac
}

# ------------------------------------------------------------ what each answers
echo
echo "== what each server answers (checked before measuring)"
declare -A SKIP
for s in "${SERVERS[@]}"; do
    start_server "$s" /groups/
    for c in "${CELLS[@]}"; do
        h=$(auth_header "$s" "$c")
        code=$(curl -s -o "$tmp/$s-$c.out" -w '%{http_code}' ${h:+-H "$h"} "http://127.0.0.1:$port$(cell_path "$c")")
        printf '   %-5s %-12s %3s %7d bytes, %3d comments/cards, md5 %s\n' "$s" "$c" "$code" "$(wc -c <"$tmp/$s-$c.out")" \
            "$(grep -c -E 'class="(comment|card)"' "$tmp/$s-$c.out" || true)" "$(md5sum <"$tmp/$s-$c.out" | cut -c1-12)"
        [ "$code" = 200 ] || SKIP[$s-$c]=$code
    done
    stop_server
done

# ------------------------------------------------------------ throughput
csv=$RESULTS/21-forum.csv
echo "$THROUGHPUT_COLUMNS" >"$csv"
echo
echo "== throughput: wrk -t1 -c100 --latency -d${DURATION}s, $RUNS runs, a fresh server per run"
echo "   commands (PORT is a free port picked per run):"
for s in "${SERVERS[@]}"; do echo "     $s: ${PIN_S[*]} $(server_cmd "$s" PORT | sed "s|$tmp|TMP|g; s|eddy:eddy@|eddy:***@|")"; done
echo "     wrk:  ${PIN_C[*]} wrk -t1 -c100 -d${DURATION}s --latency [-H 'Cookie: ...' | -H 'tsessionid: ...'] http://127.0.0.1:PORT/PATH"
echo
throughput_table_header
# Run by run, each server in turn: a slow minute of a shared machine
# then falls on both, not on one server's runs.
for c in "${CELLS[@]}"; do
    for s in "${SERVERS[@]}"; do
        [ -z "${SKIP[$s-$c]:-}" ] || echo "   $s $c: skipped, it answered ${SKIP[$s-$c]}"
    done
    for run in $(seq "$RUNS"); do
        for s in "${SERVERS[@]}"; do
            [ -z "${SKIP[$s-$c]:-}" ] || continue
            h=$(auth_header "$s" "$c")
            start_server "$s" /groups/
            throughput_run "$s" "$c" "$run" "$csv" yes "${PIN_C[@]}" wrk -t1 -c100 -d"${DURATION}s" --latency \
                ${h:+-H "$h"} "http://127.0.0.1:$port$(cell_path "$c")"
        done
    done
done

summary=$RESULTS/21-forum-summary.csv
throughput_summary "$csv" trn >"$summary"
echo
echo "== medians of $RUNS runs ($summary)"
printf '%-6s %-12s %10s %12s %9s %9s %13s %12s\n' server page "req/s" "req/cpu-s" "p50 ms" "p99 ms" "per-cpu/trn" "req/s/trn"
tail -n +2 "$summary" | while IFS=, read -r s c rps per l5 l9 x y; do
    printf '%-6s %-12s %10s %12s %9s %9s %13s %12s\n' "$s" "$c" "$rps" "$per" "$l5" "$l9" "$x" "$y"
done
echo
awk -F, 'NR > 1 && $1 == "eddy" && $7 > 0 { printf "   %-12s the forum / Tornado: %.1fx per app-CPU-second (target >= 20), %.1fx req/s\n", $2, $7, $8 }' "$summary"
fi # throughput

# ------------------------------------------------------------ mixed workload
if has mixed; then
mixed=$RESULTS/21-forum-mixed.csv
echo "server,users,seconds,requests,req_per_s,p50_ms,p99_ms,errors,server_cpu_s,load1" >"$mixed"
echo
echo "== mixed workload: $USERS simulated users, ${MIXED_DURATION}s (bench/ref/forum_mixed.lua)"
echo "   ${PIN_C[*]} wrk -t1 -c$USERS -d${MIXED_DURATION}s --latency -s bench/ref/forum_mixed.lua http://127.0.0.1:PORT/"
# the access log at level warning: a line for each answer that is not 2xx (and
# nothing for the others), so an error says which request it was and why
EDDY_EXTRA="--access-log=true --logging=warning" start_server eddy /groups/
t0=$(cpu_ticks "$server_pid")
FORUM_TOKENS=$tmp/tokens "${PIN_C[@]}" wrk -t1 -c"$USERS" -d"${MIXED_DURATION}s" --timeout 10s --latency \
    -s bench/ref/forum_mixed.lua "http://127.0.0.1:$port/" >"$tmp/mixed.out" 2>&1 || true
t1=$(cpu_ticks "$server_pid")
stop_server
reqs=$(awk '/requests in/ { print $1 }' "$tmp/mixed.out")
rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$tmp/mixed.out")
p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$tmp/mixed.out")")
p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$tmp/mixed.out")")
errs=$(awk '/Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 } /Non-2xx/ { e += $NF } END { print e + 0 }' "$tmp/mixed.out")
cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$HZ" 'BEGIN { printf "%.2f", (b - a) / hz }')
echo "   $reqs requests, $rps req/s, p50 ${p50} ms, p99 ${p99} ms, errors $errs, forum CPU ${cpu} s"
if [ "$errs" != 0 ]; then
    echo "   errors! wrk said:"
    sed 's/^/     /' "$tmp/mixed.out"
    echo "   the forum logged (count, line without its time, numbers as N):"
    sed -E 's/^[^ ]+ [^ ]+ //; s/[0-9]+(\.[0-9]+)?/N/g' "$tmp/server.log" | sort | uniq -c | sort -rn | head -20 | sed 's/^/     /'
fi
echo "eddy,$USERS,$MIXED_DURATION,${reqs:-0},${rps:-0},$p50,$p99,$errs,$cpu,$(cut -d' ' -f1 /proc/loadavg)" >>"$mixed"
echo "   rows written: $(sql -N -e 'SELECT COUNT(*) FROM post WHERE title = "Written under load"') posts, $(sql -N -e 'SELECT COUNT(*) FROM post_comment WHERE content = "A comment from the mixed workload"') comments"
fi # mixed

# ------------------------------------------------------------ idle notification sockets
if has idle; then
idle_csv=$RESULTS/21-forum-idle.csv
echo "server,sockets,failed,rss_before_kib,rss_after_kib,bytes_per_socket" >"$idle_csv"
echo
echo "== $IDLE idle notification sockets (bench/ref/ws_idle.py): VmRSS after - before, / $IDLE"
start_server eddy /groups/
before=$(rss_kib "$server_pid")
"${PIN_C[@]}" "$PY" bench/ref/ws_idle.py "$port" "$IDLE" "$tmp/tokens" >"$tmp/idle.log" 2>&1 &
holder_pid=$!
for _ in $(seq 1200); do grep -qs '^open' "$tmp/idle.log" && break; kill -0 "$holder_pid" 2>/dev/null || break; sleep 0.1; done
sleep 1
after=$(rss_kib "$server_pid")
opened=$(sed -n 's/^open \([0-9]*\) failed \([0-9]*\)/\1/p' "$tmp/idle.log")
failed=$(sed -n 's/^open \([0-9]*\) failed \([0-9]*\)/\2/p' "$tmp/idle.log")
kill "$holder_pid" 2>/dev/null || true
wait "$holder_pid" 2>/dev/null || true
holder_pid=
stop_server
per=$(awk -v a="$after" -v b="$before" -v n="${opened:-0}" 'BEGIN { printf "%.0f", n ? (a - b) * 1024 / n : 0 }')
echo "   ${opened:-0} open (${failed:-?} failed): VmRSS ${before} KiB -> ${after} KiB, $per bytes per socket"
[ -n "$opened" ] || { echo "   the holder said:"; sed 's/^/     /' "$tmp/idle.log"; }
echo "eddy,${opened:-0},${failed:-0},$before,$after,$per" >>"$idle_csv"
fi # idle

# ------------------------------------------------------------ plot
if has throughput && command -v gnuplot >/dev/null; then
    png=$RESULTS/21-forum.png
    awk -F, 'NR > 1 { v[$2, $1] = $4; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
        END { for (i = 1; i <= n; i++) print order[i], v[order[i], "eddy"] + 0, v[order[i], "trn"] + 0 }' "$summary" >"$tmp/plot.dat"
    gnuplot <<GP
set terminal pngcairo size 900,500 noenhanced
set output "$png"
set title "Forum vs Tornado + aiomysql, one MariaDB: requests per app-CPU-second (median of $RUNS x ${DURATION}s, c100)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "requests / app CPU-second (log scale)"
set logscale y
set grid ytics
plot "$tmp/plot.dat" using 2:xtic(1) title "eddy (lesson 21)", "" using 3 title "Tornado"
GP
    echo "plot: $png"
fi

echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
