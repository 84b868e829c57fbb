#!/usr/bin/env bash
# exercises.sh - run the exercises' tests; the engine of `make progress`,
# `make check-exercises`, `make check-solutions` and part of `make test`.
#
#   exercises.sh progress        how far a student is, and the next hint
#   exercises.sh check TREE      run every exercise's tests against TREE
#                                (exercises or solutions), with full output
#   exercises.sh prove           every solution passes AND every stub fails
#
# exercises/MANIFEST has one line per exercise, tab-separated:
#   id (its folder name)   files the student edits   hint
# Test binaries are built by make: $BUILD/extests/<tree>/<id>.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MANIFEST=exercises/MANIFEST
out=$(mktemp)
trap 'rm -f "$out"' EXIT

ids=() files=() hints=()
while IFS=$'\t' read -r id f hint; do
    case "$id" in '' | '#'*) continue ;; esac
    ids+=("$id") files+=("$f") hints+=("$hint")
done < <(grep -v '^#' "$MANIFEST" | sort) # lesson order, whatever order lines were added in

# run_tests TREE ID - run one test binary; its output lands in $out.
run_tests() {
    local bin="$BUILD/extests/$1/$2"
    if [ ! -x "$bin" ]; then
        echo "(does not compile: see $BUILD/progress-build.log or run make check-$1)" >"$out"
        return 127
    fi
    local jobs=-j2
    [ -n "${TEST_WRAPPER:-}" ] && jobs=-j1 # valgrind reports are unreadable in parallel
    # shellcheck disable=SC2086
    ${TEST_WRAPPER:-} "$bin" --short-filename $jobs --timeout 120 >"$out" 2>&1
}

# failures - the lines of $out that say which test failed and why.
failures() {
    sed -e 's/\x1b\[[0-9;]*m//g' "$out" |
        grep -aE '^\[FAIL\]|CRASH|Timed out|Timeout|does not compile|^\[----\]   +[^ ]' |
        grep -av 'The expression' | sed -e 's/^\[----\] *//' | head -n 10
}

case "${1:-}" in
progress)
    done_count=0 next=-1 lines=()
    for i in "${!ids[@]}"; do
        if run_tests exercises "${ids[$i]}"; then
            done_count=$((done_count + 1))
            lines+=("  [ pass ] ${ids[$i]}")
        else
            lines+=("  [ todo ] ${ids[$i]}")
            if [ $next -lt 0 ]; then next=$i; cp "$out" "$out.next"; fi
        fi
    done
    echo "Exercises: $done_count/${#ids[@]} done"
    printf '%s\n' "${lines[@]}"
    if [ $next -ge 0 ]; then
        echo
        echo "Next: ${ids[$next]}"
        for f in ${files[$next]//,/ }; do echo "  edit:  exercises/${ids[$next]}/$f"; done
        echo "  hint:  ${hints[$next]}"
        echo "  tests: tests/exercises/${ids[$next]}.c"
        echo "  what fails now:"
        mv "$out.next" "$out"
        failures | sed 's/^/    /'
        echo "  run \`make check-exercises\` for the full output, \`make progress\` again when done."
    else
        echo
        echo "All exercises pass. Well done."
    fi
    rm -f "$out.next"
    ;;
check)
    tree=${2:?tree: exercises or solutions}
    bad=()
    for id in "${ids[@]}"; do
        echo "== $tree/$id"
        run_tests "$tree" "$id"
        rc=$?
        cat "$out"
        [ $rc -eq 0 ] || bad+=("$id")
    done
    if [ ${#bad[@]} -gt 0 ]; then
        echo "$tree: ${#bad[@]} of ${#ids[@]} failing: ${bad[*]}"
        exit 1
    fi
    echo "$tree: all ${#ids[@]} pass"
    ;;
prove)
    stubs_ok=0 stubs_bad=0 rc_all=0
    for id in "${ids[@]}"; do
        if [ ! -f "tests/exercises/$id.c" ]; then
            echo "exercise $id is in $MANIFEST but tests/exercises/$id.c is missing"
            rc_all=1
            continue
        fi
        echo "-- solutions/$id"
        run_tests solutions "$id" || { echo "SOLUTION FAILS: solutions/$id does not pass its tests"; rc_all=1; }
        cat "$out"
        if run_tests exercises "$id"; then
            echo "STUB PASSES: exercises/$id passes all its tests, so they cannot tell a stub from a solution"
            stubs_bad=$((stubs_bad + 1)) rc_all=1
        else
            echo "stub exercises/$id fails its tests, as it should: $(failures | head -n 1)"
            stubs_ok=$((stubs_ok + 1))
        fi
    done
    for t in tests/exercises/*.c; do
        [ -e "$t" ] || continue
        id=$(basename "$t" .c)
        if ! printf '%s\n' "${ids[@]}" | grep -qx "$id"; then
            echo "tests/exercises/$id.c has no line in $MANIFEST"; rc_all=1
        fi
    done
    echo "[====] Synthesis: Tested: $((stubs_ok + stubs_bad)) | Passing: $stubs_ok | Failing: $stubs_bad | Crashing: 0"
    exit $rc_all
    ;;
*)
    echo "usage: $0 progress | check exercises|solutions | prove" >&2
    exit 2
    ;;
esac
