#!/usr/bin/env bash
# bench/publish.sh - make the plots of the last benchmark run the book's
# reference plots; `make plots` calls it.
#
#   bench/publish.sh [name ...]     default: every bench/results/NN-*.png
#   NOTE='why this run' bench/publish.sh 12
#
# bench/results/ is not tracked: it describes whatever machine ran last.
# This copies, for each benchmark, the plot and what says where it came
# from into docs/plots/, which is tracked:
#
#   docs/plots/NN-name.png   the plot
#   docs/plots/NN-name.txt   machine, date, load, commit, exact command
#                            (bench/run.sh's NN-name.run), and NOTE if given
#   docs/plots/NN-name.log   everything the benchmark printed: every run's
#                            raw figures, the server and load commands
#
# A plot made by running a script directly (not through bench/run.sh or
# `make bench`) has no .run file and is refused: nobody could tell later
# how it was made.
set -euo pipefail
cd "$(dirname "$0")/.."
RESULTS=${RESULTS:-bench/results}
OUT=${OUT:-docs/plots}
mkdir -p "$OUT"

pngs=()
if [ $# -gt 0 ]; then
    for name in "$@"; do
        found=("$RESULTS/$name"*.png)
        [ -e "${found[0]}" ] || { echo "publish: no plot $RESULTS/$name*.png: run make bench BENCH=$name first" >&2; exit 2; }
        pngs+=("${found[@]}")
    done
else
    for p in "$RESULTS"/[0-9][0-9]-*.png; do [ -e "$p" ] && pngs+=("$p"); done
fi
[ ${#pngs[@]} -gt 0 ] || { echo "publish: no plots in $RESULTS: run make bench first" >&2; exit 2; }

for png in "${pngs[@]}"; do
    name=$(basename "$png" .png)
    run=$RESULTS/$name.run log=$RESULTS/$name.log
    if [ ! -f "$run" ] || [ ! -f "$log" ]; then
        echo "publish: $png has no $run and $log (run it through make bench or bench/run.sh)" >&2
        exit 2
    fi
    if [ "$run" -nt "$png" ] || [ "$png" -nt "$log" ]; then
        echo "publish: $png does not belong to the last run recorded in $run and $log" >&2
        exit 2
    fi
    cp "$png" "$OUT/$name.png"
    cp "$log" "$OUT/$name.log"
    {
        cat "$run"
        [ -n "${NOTE:-}" ] && echo "note:    $NOTE"
    } >"$OUT/$name.txt"
    echo "published $OUT/$name.png  ($(sed -n 's/^date: *//p' "$run"))"
done
echo "Describe each new plot in $OUT/README.md and commit $OUT/."
