#!/usr/bin/env bash
# 00-loopback: what one round trip over loopback costs (lesson 00).
#
# Starts lesson 00's server on a free port and runs its client for 10,000
# round trips, five times; prints each run's min/median/max and writes them
# to bench/results/00-loopback.csv. The figure the course quotes is the
# median of the medians.
set -euo pipefail
BIN=$BUILD/lessons/00-toolchain
log=$(mktemp)
"$BIN/server" --port 0 >"$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q 'listening' "$log" && break; sleep 0.1; done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)

csv=$RESULTS/00-loopback.csv
echo "run,count,min_us,median_us,max_us" >"$csv"
echo "command: $BIN/client --port $port --count 10000 ping   (5 runs)"
for run in 1 2 3 4 5; do
    line=$("$BIN/client" --port "$port" --count 10000 ping | tail -1)
    read -r min med max < <(sed -E 's/.*min ([0-9]+) us, median ([0-9]+) us, max ([0-9]+) us/\1 \2 \3/' <<<"$line")
    echo "run $run: $line"
    echo "$run,10000,$min,$med,$max" >>"$csv"
done
echo "median of medians: $(cut -d, -f4 "$csv" | tail -n +2 | sort -n | sed -n 3p) us   (csv: $csv)"
