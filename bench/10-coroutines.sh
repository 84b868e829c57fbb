#!/usr/bin/env bash
# 10-coroutines: what one context switch costs (lesson 10).
#
# Runs lesson 10's switchbench: the hand-written switch (switch.c), glibc's
# swapcontext() and coro_resume()+coro_yield(), each ping-ponging between
# two stacks, in the same process, five runs of about 200 ms each. Prints
# every run's figures and writes them to bench/results/10-coroutines.csv
# (and a PNG of the medians when gnuplot is there). The figure the course
# quotes is the median of each column, and the ratio of the two switches.
set -euo pipefail
BIN=$BUILD/lessons/10-coroutines/switchbench
csv=$RESULTS/10-coroutines.csv
cmd=("$BIN" --runs 5 --ms 200)
echo "command: ${cmd[*]}"
out=$("${cmd[@]}")
echo "$out"

echo "run,coro_switch_ns,swapcontext_ns,resume_yield_ns" >"$csv"
# Run lines look like "  1      10.47 ns     259.93 ns       12.57 ns".
awk '/^ *[0-9]+ +[0-9.]+ ns/ { print $1 "," $2 "," $4 "," $6 }' <<<"$out" >>"$csv"
echo "csv: $csv ($(($(wc -l <"$csv") - 1)) runs)"

if command -v gnuplot >/dev/null; then
    png=$RESULTS/10-coroutines.png
    gnuplot <<GP
set terminal pngcairo size 640,400 font ",10"
set output '$png'
set datafile separator ','
set title 'Lesson 10: ns per context switch (each run; lower is better)'
set ylabel 'ns per switch (log scale)'
set xlabel 'run'
set logscale y
set key below
set xtics 1
set yrange [1:*]
set style data linespoints
plot '$csv' every ::1 using 1:2 title 'coro\_switch (hand-written)', \
     '' every ::1 using 1:3 title 'swapcontext (glibc)', \
     '' every ::1 using 1:4 title 'coro\_resume + coro\_yield'
GP
    echo "png: $png"
fi
