#!/usr/bin/env bash
# 19-websocket: lesson 19's WebSocket server beside libwebsockets, Node's
# ws, Python's websockets and Tornado: echo per server CPU-second,
# broadcast time to the last client, memory per idle WebSocket.
#
# Every server does the same two things on 127.0.0.1 (no compression
# offered or accepted): /echo sends each message back; /broadcast sends
# each message to every connection open on /broadcast, the sender
# included. Each is pinned to core 0, the load program (lesson 19's
# ws-load, plain C on epoll) to core 1, and a fresh server is started for
# every run:
#
#   eddy      lessons/19-websocket/chat (libeddy), one process
#   floor     bench/ref/ws_floor.c: not a usable server but the floor, the
#             least work any WebSocket server must do (plain epoll, per
#             read one recv and one send of framed replies, a broadcast
#             frame built once and sent to each socket): what the kernel's
#             loopback alone costs, measured in the same run
#   lws       bench/ref/ws_lws.c: libwebsockets 4, one service thread (its
#             default poll() backend)
#   node      bench/ref/ws_node.js: Node's ws (the project's package.json)
#   python    bench/ref/ws_python.py: websockets 10 on asyncio
#   tornado   bench/ref/ws_tornado.py: Tornado 6's WebSocketHandler
#
# Echo: 100 connections, DURATION seconds, small (32 bytes, text) and
# 16 KiB (binary) messages: messages per second and per server CPU-second
# (utime+stime from /proc, read by ws-load --pid). Each runs at every
# depth in DEPTHS (ws-load --depth: messages in flight per connection),
# every server at each: depth 1 sends the next message only once the last
# came back, so every message pays a whole loopback round trip of
# syscalls on both sides; depth 16 keeps 16 in flight, the first 16 sent
# in one write and each read's echoes answered in one write, as busy
# clients (or wrk's 16-request pipelining in lesson 06) do.
# Broadcast: 1,000 and 10,000 connections open and idle (CLIENTS), then
# broadcasts of 32 bytes, each timed until the last client has it: ROUNDS
# of them if set, else as many as make DELIVERIES (100,000) deliveries
# and at least 10, so that each cell uses enough server CPU for the
# kernel's 10 ms accounting ticks not to decide the figure. Reported: the
# median time to the last delivery and the server's CPU per delivered
# message. The 10,000 run also gives the server's RSS
# growth over its 10,000 idle connections: bytes per open WebSocket (the
# kernel's socket buffers are not in it).
#
# Writes bench/results/19-websocket-echo.csv and -broadcast.csv (every
# run), 19-websocket-summary.csv (medians), 19-websocket-ratios.csv
# (lesson 19 against libwebsockets, Tornado and the floor, the floor
# against Tornado, per CPU) and 19-websocket.png.
#
#   DURATION=5 RUNS=3 [DEPTHS="1 16"] [CLIENTS="1000 10000"] [ROUNDS=N] [DELIVERIES=100000] [SERVERS="eddy lws ..."] bench/19-websocket.sh
set -euo pipefail
BUILD=${BUILD:-build}
RESULTS=${RESULTS:-bench/results}
DURATION=${DURATION:-5}
RUNS=${RUNS:-3}
DEPTHS=${DEPTHS:-"1 16"}
CLIENTS=${CLIENTS:-"1000 10000"}
ROUNDS=${ROUNDS:-}
DELIVERIES=${DELIVERIES:-100000}
mkdir -p "$RESULTS" "$BUILD/bench"

LOAD=$BUILD/lessons/19-websocket/ws-load
CHAT=$BUILD/lessons/19-websocket/chat
[ -x "$LOAD" ] || { echo "missing $LOAD: run make"; exit 1; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

. bench/lib.sh
bench_header
echo "settings: DURATION=${DURATION}s RUNS=$RUNS DEPTHS=\"$DEPTHS\" CLIENTS=\"$CLIENTS\" ROUNDS=${ROUNDS:-auto} DELIVERIES=$DELIVERIES, fd limit $(ulimit -n)"
bench_pinning ws-load

# ------------------------------------------------------------ the servers
ALL=(eddy)
if ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra bench/ref/ws_floor.c -o "$BUILD/bench/ws_floor" -lcrypto; then
    ALL+=(floor)
else
    echo "skipping floor: bench/ref/ws_floor.c did not build (it needs libssl-dev)"
fi
if pkg-config --exists libwebsockets; then
    ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra bench/ref/ws_lws.c -o "$BUILD/bench/ws_lws" \
        $(pkg-config --cflags --libs libwebsockets)
    ALL+=(lws)
else
    echo "skipping lws: libwebsockets-dev is not installed (scripts/deps.sh bench)"
fi
export NODE_PATH=$PWD/tests/fixtures/ws_node/node_modules
if command -v node >/dev/null && node -e 'require("ws")' 2>/dev/null; then ALL+=(node)
else echo "skipping node: no node, or no ws in tests/fixtures/ws_node/node_modules (scripts/deps.sh installs it)"; fi
if "$PY" -c 'import websockets' 2>/dev/null; then ALL+=(python)
else echo "skipping python: python3-websockets is not installed"; fi
if "$PY" -c 'import tornado' 2>/dev/null; then ALL+=(tornado)
else echo "skipping tornado: python3-tornado is not installed"; fi
read -r -a SERVERS <<<"${SERVERS:-${ALL[*]}}"
if [[ " ${SERVERS[*]} " == *" eddy "* ]] && [ ! -x "$CHAT" ]; then echo "missing $CHAT: run make"; exit 1; fi

server_cmd() {
    case $1 in
    eddy) echo "$CHAT --port $2 --access-log=false --max-connections 30000" ;;
    floor) echo "$BUILD/bench/ws_floor --port $2" ;;
    lws) echo "$BUILD/bench/ws_lws --port $2" ;;
    node) echo "node bench/ref/ws_node.js --port $2" ;;
    python) echo "$PY bench/ref/ws_python.py --port $2" ;;
    tornado) echo "$PY bench/ref/ws_tornado.py --port $2" ;;
    esac
}

echo "   commands (PORT is a free port picked per run):"
for s in "${SERVERS[@]}"; do echo "     $s: ${PIN_S[*]} $(server_cmd "$s" PORT)"; done
echo "     load: ${PIN_C[*]} $LOAD echo ws://127.0.0.1:PORT/echo -c 100 -s SIZE -d $DURATION --depth DEPTH --pid PID"
echo "           ${PIN_C[*]} $LOAD broadcast ws://127.0.0.1:PORT/broadcast -c N -r ROUNDS --pid PID"

# field NAME LINE - the value of NAME=... in one of ws-load's result lines.
field() { sed -n "s/.*[ :]$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# ------------------------------------------------------------ echo
echo_csv=$RESULTS/19-websocket-echo.csv
echo "server,size,run,messages,msg_per_s,server_cpu_s,msg_per_cpu_s,load1,depth" >"$echo_csv"
echo
echo "== echo: 100 connections, DEPTHS \"$DEPTHS\" messages in flight each, ${DURATION}s, $RUNS runs"
printf '%-8s %6s %5s %3s %10s %10s %8s %12s  %s\n' server size depth run messages "msg/s" "cpu s" "msg/cpu-s" load
for depth in $DEPTHS; do
for size in 32 16384; do
    flags=()
    [ "$size" = 16384 ] && flags=(--binary)
    for s in "${SERVERS[@]}"; do
        for run in $(seq "$RUNS"); do
            start_server "$s" /echo
            line=$("${PIN_C[@]}" "$LOAD" echo "ws://127.0.0.1:$port/echo" -c 100 -s "$size" -d "$DURATION" \
                --depth "$depth" "${flags[@]}" --pid "$server_pid" 2>&1 | tail -1) || true
            stop_server
            load=$(cut -d' ' -f1 /proc/loadavg)
            if [[ $line != echo:* ]]; then echo "   $s: $line"; continue; fi
            m=$(field messages "$line") r=$(field msg_per_s "$line") c=$(field server_cpu_s "$line") p=$(field msg_per_cpu_s "$line")
            printf '%-8s %6s %5s %3d %10s %10s %8s %12s  %s\n' "$s" "$size" "$depth" "$run" "$m" "$r" "$c" "$p" "$load"
            echo "$s,$size,$run,$m,$r,$c,$p,$load,$depth" >>"$echo_csv"
        done
    done
done
done

# ------------------------------------------------------------ broadcast and idle memory
bc_csv=$RESULTS/19-websocket-broadcast.csv
echo "server,clients,run,rounds,last_ms_median,last_ms_max,server_cpu_s,us_per_delivery,open_s,idle_bytes_per_conn,load1" >"$bc_csv"
echo
echo "== broadcast: N idle connections, then broadcasts of 32 bytes (${ROUNDS:-DELIVERIES / N, at least 10} of them), each timed to the last client"
printf '%-8s %7s %3s %10s %10s %9s %10s %8s %12s\n' server clients run "median ms" "max ms" "cpu s" "us/deliv" "open s" "idle B/conn"
for n in $CLIENTS; do
    rounds=${ROUNDS:-$((DELIVERIES / n > 10 ? DELIVERIES / n : 10))}
    for s in "${SERVERS[@]}"; do
        for run in $(seq "$RUNS"); do
            start_server "$s" /echo
            sleep 0.5 # the server's own start-up settles before its RSS is read
            out=$("${PIN_C[@]}" "$LOAD" broadcast "ws://127.0.0.1:$port/broadcast" -c "$n" -r "$rounds" \
                --pid "$server_pid" --timeout 120 2>&1) || true
            stop_server
            load=$(cut -d' ' -f1 /proc/loadavg)
            idle=$(grep '^idle:' <<<"$out" || true) bc=$(grep '^broadcast:' <<<"$out" || true)
            if [ -z "$bc" ]; then echo "   $s at $n: $(tail -1 <<<"$out")"; continue; fi
            med=$(field last_ms_median "$bc") max=$(field last_ms_max "$bc") cpu=$(field server_cpu_s "$bc")
            us=$(field us_per_delivery "$bc") open=$(field open_s "$idle") per=$(field bytes_per_connection "$idle")
            printf '%-8s %7s %3d %10s %10s %9s %10s %8s %12s\n' "$s" "$n" "$run" "$med" "$max" "$cpu" "$us" "$open" "$per"
            echo "$s,$n,$run,$rounds,$med,$max,$cpu,$us,$open,$per,$load" >>"$bc_csv"
        done
    done
done

# ------------------------------------------------------------ summary
# Medians per server and cell (echo-SIZE at depth 1, echo-SIZE-dDEPTH
# deeper), with each cell's min and max over the runs; ratios of eddy's
# per-CPU figures to lws's and Tornado's.
summary=$RESULTS/19-websocket-summary.csv
awk -F, '
    function med(key, c,   i, j, t, v) { for (i = 1; i <= c; i++) v[i] = val[key, i] + 0
        for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        return c % 2 ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2 }
    function add(key, x) { if (!(key in n)) order[++m] = key; val[key, ++n[key]] = x }
    function lo(key, c,   i, x) { x = val[key, 1] + 0; for (i = 2; i <= c; i++) if (val[key, i] + 0 < x) x = val[key, i] + 0; return x }
    function hi(key, c,   i, x) { x = val[key, 1] + 0; for (i = 2; i <= c; i++) if (val[key, i] + 0 > x) x = val[key, i] + 0; return x }
    FNR == 1 { file++; next }
    file == 1 { cell = "echo-" $2 ($9 > 1 ? "-d" $9 : "") # depth 1 keeps the cell names of earlier runs
                add($1 "," cell ",msg_per_cpu_s", $7); add($1 "," cell ",msg_per_s", $5) }
    file == 2 { add($1 ",bcast-" $2 ",last_ms", $5); add($1 ",bcast-" $2 ",us_per_delivery", $8)
                if ($2 + 0 >= 10000) add($1 ",idle-" $2 ",bytes_per_conn", $10) }
    END { print "server,cell,measure,median,min,max"
          for (i = 1; i <= m; i++) { k = order[i]; c = n[k]
              printf "%s,%.3f,%.3f,%.3f\n", k, med(k, c), lo(k, c), hi(k, c) } }
' "$echo_csv" "$bc_csv" >"$summary"

echo
echo "== medians of $RUNS runs ($summary)"
printf '%-8s %-15s %-16s %12s %12s %12s\n' server cell measure median min max
tail -n +2 "$summary" | while IFS=, read -r s c what v lo hi; do
    printf '%-8s %-15s %-16s %12s %12s %12s\n' "$s" "$c" "$what" "$v" "$lo" "$hi"
done
echo
ratio() { # CELL MEASURE A B: A's median over B's (per-CPU: higher is better; times: B over A)
    awk -F, -v c="$1" -v w="$2" -v a="$3" -v b="$4" '$2 == c && $3 == w { v[$1] = $4 }
        END { if (v[a] > 0 && v[b] > 0) printf "%.2f", (w ~ /per_cpu/) ? v[a] / v[b] : v[b] / v[a]; else printf "NA" }' "$summary"
}
cells=()
for depth in $DEPTHS; do
    suffix=""
    [ "$depth" -gt 1 ] && suffix=-d$depth
    for size in 32 16384; do cells+=("echo-$size$suffix"); done
done
# The floor's own ratio to Tornado says what any server could reach here:
# where it is under 20, no server can meet that target on this loopback.
# The same ratios go to 19-websocket-ratios.csv (higher is better in each).
ratios=$RESULTS/19-websocket-ratios.csv
echo "cell,eddy_vs_lws,eddy_vs_tornado,eddy_vs_floor,floor_vs_tornado" >"$ratios"
for cell in "${cells[@]}"; do
    echo "$cell,$(ratio "$cell" msg_per_cpu_s eddy lws),$(ratio "$cell" msg_per_cpu_s eddy tornado),$(ratio "$cell" msg_per_cpu_s eddy floor),$(ratio "$cell" msg_per_cpu_s floor tornado)" >>"$ratios"
done
for n in $CLIENTS; do
    echo "bcast-$n,$(ratio "bcast-$n" us_per_delivery eddy lws),$(ratio "bcast-$n" us_per_delivery eddy tornado),$(ratio "bcast-$n" us_per_delivery eddy floor),$(ratio "bcast-$n" us_per_delivery floor tornado)" >>"$ratios"
done
for cell in "${cells[@]}"; do
    echo "   $cell per CPU-second: eddy $(ratio "$cell" msg_per_cpu_s eddy lws)x libwebsockets (target >= 1.0)," \
        "$(ratio "$cell" msg_per_cpu_s eddy tornado)x Tornado (target >= 20);" \
        "eddy/floor $(ratio "$cell" msg_per_cpu_s eddy floor), floor/Tornado $(ratio "$cell" msg_per_cpu_s floor tornado)x"
done
for n in $CLIENTS; do
    echo "   bcast-$n CPU per delivery: eddy $(ratio "bcast-$n" us_per_delivery eddy lws)x libwebsockets," \
        "$(ratio "bcast-$n" us_per_delivery eddy tornado)x Tornado; eddy/floor $(ratio "bcast-$n" us_per_delivery eddy floor)," \
        "floor/Tornado $(ratio "bcast-$n" us_per_delivery floor tornado)x"
done
awk -F, '$3 == "bytes_per_conn" { printf "   idle at %s: %-8s %6.0f bytes per open WebSocket%s\n", substr($2, 6), $1, $4, $1 == "eddy" ? " (target <= 1024)" : "" }' "$summary"

# ------------------------------------------------------------ plot
if command -v gnuplot >/dev/null; then
    png=$RESULTS/19-websocket.png
    deep=$(tr ' ' '\n' <<<"$DEPTHS" | sort -n | tail -1) # the deepest run is plotted beside depth 1
    awk -F, -v d="-d$deep" '$3 == "msg_per_cpu_s" { v[$1, $2] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++m] = $1 } }
        END { for (i = 1; i <= m; i++) print order[i], v[order[i], "echo-32"] + 0, v[order[i], "echo-16384"] + 0,
                  v[order[i], "echo-32" d] + 0, v[order[i], "echo-16384" d] + 0 }' \
        "$summary" >"$tmp/echo.dat"
    awk -F, '$3 == "us_per_delivery" { v[$1, $2] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++m] = $1 } }
        END { for (i = 1; i <= m; i++) print order[i], v[order[i], "bcast-1000"] + 0, v[order[i], "bcast-10000"] + 0 }' \
        "$summary" >"$tmp/bcast.dat"
    gnuplot <<EOF
set terminal pngcairo size 1100,500 noenhanced
set output "$png"
set multiplot layout 1,2 title "WebSocket servers, one core each, median of $RUNS runs"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set logscale y
set key top right
set title "echo, c100: messages per server CPU-second (higher is better)"
plot "$tmp/echo.dat" using 2:xtic(1) title "32 B, depth 1", "" using 3 title "16 KiB, depth 1", \\
     "" using 4 title "32 B, depth $deep", "" using 5 title "16 KiB, depth $deep"
set title "broadcast: server CPU per delivery, us (lower is better)"
plot "$tmp/bcast.dat" using 2:xtic(1) title "1,000 clients", "" using 3 title "10,000 clients"
unset multiplot
EOF
    echo "plot: $png"
fi

echo
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
