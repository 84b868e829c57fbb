#!/usr/bin/env bash
# bench/run.sh - run the instructor benchmarks; `make bench` calls it.
#
#   bench/run.sh [name ...]     default: every bench/NN-*.sh, in order
#
# Each benchmark script prints its raw per-run figures, the machine and the
# exact command, and writes CSV (and, where it has a plot, a PNG through
# gnuplot) under bench/results/. Ratios against a reference measured in the
# same run are what to compare across machines, never absolute times.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export RESULTS=bench/results
mkdir -p "$RESULTS"

echo "machine: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"

scripts=()
if [ $# -gt 0 ]; then
    for name in "$@"; do scripts+=(bench/"$name"*.sh); done
else
    for s in bench/[0-9][0-9]-*.sh; do [ -e "$s" ] && scripts+=("$s"); done
fi
for s in "${scripts[@]}"; do
    [ -f "$s" ] || { echo "no benchmark $s"; exit 2; }
    echo
    echo "=== $s"
    bash "$s"
done
