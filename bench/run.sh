#!/usr/bin/env bash
# bench/run.sh - run the instructor benchmarks; `make bench` calls it.
#
#   bench/run.sh [name ...]     default: every bench/NN-*.sh, in order
#
# Each benchmark script prints its raw per-run figures, the machine and the
# exact command, and writes CSV (and, where it has a plot, a PNG through
# gnuplot) under bench/results/. Ratios against a reference measured in the
# same run are what to compare across machines, never absolute times.
#
# For each script this also keeps what a published plot needs to say where
# it came from (bench/publish.sh copies both into docs/plots/):
#   bench/results/NN-name.run   machine, date, load, commit and the exact
#                               invocation, knobs included
#   bench/results/NN-name.log   everything the script printed
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
# The knobs the scripts read from the environment; those set are recorded.
KNOBS="DURATION RUNS IDLE CELLS PARTS CONCURRENCY MODELS MAX_TIME CONNS PERF USERS MIXED_DURATION MEMBERS"

# run_header SCRIPT - the lines that say where a run's figures came from.
run_header() {
    local knobs="" k
    for k in $KNOBS; do [ -n "${!k+x}" ] && knobs+="$k=\"${!k}\" "; done
    echo "machine: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start"
    echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with local changes)')"
    echo "command: ${knobs}bash $1   (BUILD=$BUILD; make bench BENCH=... runs the same)"
}

for s in "${scripts[@]}"; do
    [ -f "$s" ] || { echo "no benchmark $s"; exit 2; }
    name=$(basename "$s" .sh)
    echo
    echo "=== $s"
    run_header "$s" | tee "$RESULTS/$name.run"
    bash "$s" 2>&1 | tee "$RESULTS/$name.log"
done
