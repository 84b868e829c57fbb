#!/usr/bin/env bash
# 07-multiplexer: cost of one wakeup vs number of watched fds, for select,
# poll and epoll (lesson 07).
#
# Runs lesson 07's mbench over N = 10, 100, 1000, 10000 in both of its
# modes: libevent's chains (25 runs of 1 active chain, 100 writes) and
# TLPI Table 63-9's setup (runs of 100,000 monitoring operations, one random
# fd ready). Each cell (mode, N, method) is cut off after MAX_TIME seconds
# (default 3), so the whole run takes well under a minute; a cut-off run
# says how many operations it did. mbench prints the machine, the exact
# command and every run; this writes bench/results/07-multiplexer.csv and
# a log-log plot of the median time per operation, bench/results/07-multiplexer.png.
set -euo pipefail
BIN=$BUILD/lessons/07-multiplexer-bench/mbench
csv=$RESULTS/07-multiplexer.csv
png=$RESULTS/07-multiplexer.png
cmd=("$BIN" --n 10,100,1000,10000 --max-time "${MAX_TIME:-3}" --csv "$csv")
echo "command: ${cmd[*]}"
"${cmd[@]}"

# medians MODE METHOD COLUMN - "n median" per N over the runs (run 0 is the
# add), for time column 7 (wall) or 8 (CPU: other processes on the machine
# do not count, so this is the one plotted).
medians() {
    awk -F, -v mode="$1" -v method="$2" -v col="$3" \
        '$1 == mode && $2 == method && $4 > 0 { print $3, $col / $5 }' "$csv" |
        sort -k1,1n -k2,2g |
        awk '{ v[$1] = v[$1] " " $2; c[$1]++ }
             END { for (n in v) { split(substr(v[n], 2), a, " "); print n, a[int(c[n] / 2) + 1] } }' |
        sort -n
}
dat=$(mktemp -d)
trap 'rm -rf "$dat"' EXIT
for m in select poll epoll; do
    medians chains "$m" 8 >"$dat/chains-$m"
    medians tlpi "$m" 8 >"$dat/tlpi-$m"
done

if ! command -v gnuplot >/dev/null; then
    echo "gnuplot not installed: no plot (csv: $csv)"
    exit 0
fi
gnuplot <<GP
set terminal pngcairo size 1100,480 font ",10"
set output "$png"
set multiplot layout 1,2 title "select, poll and epoll on $(uname -sr), $(nproc) cores: median time per operation vs number of watched fds"
set logscale xy
set xlabel "N, watched fds"
set grid
set key top left
set xrange [5:20000]
set ylabel "CPU microseconds per event"
set title "chains (libevent test/bench.c: 1 active chain, 100 writes per run)"
plot for [m in "select poll epoll"] "$dat/chains-".m using 1:2 with linespoints lw 2 title m
set ylabel "CPU microseconds per monitoring operation"
set title "TLPI Table 63-9 setup (one random fd of N ready)"
plot for [m in "select poll epoll"] "$dat/tlpi-".m using 1:2 with linespoints lw 2 title m
unset multiplot
GP
echo "png: $png"
