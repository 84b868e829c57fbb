#!/usr/bin/env bash
# exercises.sh - build and run the exercises' tests; the engine of
# `make progress`, `make hint`, `make check-exercises`, `make check-solutions`
# and part of `make test`.
#
#   exercises.sh progress [EX]    how far a student is, and what fails in the
#                                 next exercise (or in EX only: 06, 06-epoll)
#   exercises.sh hint EX [LEVEL]  EX's hints, one step more on each call
#   exercises.sh check TREE       run every exercise's tests against TREE
#                                 (exercises or solutions), with full output
#   exercises.sh prove            every solution passes AND every stub fails
#
# exercises/MANIFEST has one line per exercise, tab-separated:
#   id (its folder name)   files the student edits
# and exercises/<id>/hints.txt its hints, one step per paragraph.
#
# progress, hint and `check exercises` build the student's side here, one
# exercise at a time, through $MAKE: the old test binary is deleted first,
# so a file that no longer compiles shows as "does not compile" with the
# compiler's first error, never as the result of an earlier version.
# `check solutions` and prove use the binaries `make all` built.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
MANIFEST=exercises/MANIFEST
out=$(mktemp)
trap 'rm -f "$out" "$out.tap" "$out.next" "$out.next.tap"' EXIT

ids=() files=()
while IFS=$'\t' read -r id f _; do
    case "$id" in '' | '#'*) continue ;; esac
    ids+=("$id") files+=("$f")
done < <(grep -v '^#' "$MANIFEST" | sort) # lesson order, whatever order lines were added in

# find_exercise EX - the index in ids of EX (06, 6, 06-epoll or epoll), or
# a message and exit 2.
find_exercise() {
    local ex=$1 i
    [ -n "$ex" ] || { echo "which exercise? e.g. EX=06 (see exercises/MANIFEST)" >&2; exit 2; }
    for i in "${!ids[@]}"; do
        local id=${ids[$i]} num=${ids[$i]%%-*}
        if [ "$ex" = "$id" ] || [ "$ex" = "$num" ] || [ "$ex" = "${id#*-}" ] ||
            { [[ $ex =~ ^[0-9]+$ ]] && [[ $num =~ ^[0-9]+$ ]] && [ "$((10#$ex))" = "$((10#$num))" ]; }; then
            echo "$i"
            return
        fi
    done
    echo "no exercise '$ex'; there are: ${ids[*]}" >&2
    exit 2
}

# build ID - build the student's test binary for ID afresh; 0 if it built.
# The compiler's output is kept in $BUILD/progress/ID.log.
build() {
    local bin="$BUILD/extests/exercises/$1" log="$BUILD/progress/$1.log" jobs=
    mkdir -p "$BUILD/progress"
    rm -f "$bin"
    # -j2 unless an outer `make -jN` already shares its job slots with us.
    case "${MAKEFLAGS:-}" in *jobserver*) ;; *) jobs=-j2 ;; esac
    "$MAKE" --no-print-directory $jobs "$bin" >"$log" 2>&1 && [ -x "$bin" ]
}

# first_error ID - the compiler's (or linker's) first error for ID, with
# the source line and caret gcc prints under it.
first_error() {
    local log="$BUILD/progress/$1.log"
    awk '
        shown == 0 && /(: (fatal )?error: )|undefined reference|No rule to make target/ { shown = 1; n = 0 }
        shown == 1 { print; if (++n == 3 || /\^/) exit }
    ' "$log" | cut -c1-160
}

# run_tests TREE ID - run one test binary; its output lands in $out, and
# the same results, grouped by test, in $out.tap.
run_tests() {
    local bin="$BUILD/extests/$1/$2"
    rm -f "$out.tap"
    if [ ! -x "$bin" ]; then
        echo "(no test binary $bin: run make first)" >"$out"
        return 127
    fi
    local jobs=-j2
    [ -n "${TEST_WRAPPER:-}" ] && jobs=-j1 # valgrind reports are unreadable in parallel
    # shellcheck disable=SC2086
    ${TEST_WRAPPER:-} "$bin" --short-filename $jobs --timeout 120 --tap="$out.tap" >"$out" 2>&1
}

# counts - "P of T tests pass" from the synthesis line in $out.
counts() {
    sed -e 's/\x1b\[[0-9;]*m//g' "$out" |
        sed -n 's/.*Synthesis: Tested: \([0-9]*\) | Passing: \([0-9]*\) |.*/\2 of \1 tests pass/p' | tail -n 1
}

# failures [MAX] - each failed test in $out.tap, with where and why, at
# most MAX tests (default 5). Criterion's TAP report keeps each test's
# messages together, which its console output run with -j2 does not.
failures() {
    [ -f "$out.tap" ] || { head -n 5 "$out" | sed 's/^/    /'; return; }
    awk -v max="${1:-5}" '
        /^not ok - / {
            n++; failed = 1; lines = 0
            name = $0; sub(/^not ok - /, "", name); sub(/ +\([0-9.]+s\)$/, "", name)
            if (n <= max) print "    " name
            next
        }
        /^ok - / { failed = 0; next }
        failed && n <= max && /^  - [^ ]+:[0-9]+: / { where = $2; next }
        failed && n <= max && /^      / && lines < 3 {
            m = $0; sub(/^ +/, "", m); sub(/^Assertion failed: /, "", m)
            print "      " where " " substr(m, 1, 150); where = ""; lines++
        }
        END { if (n > max) printf "    ... and %d more\n", n - max }
    ' "$out.tap"
}

# hint_steps ID - how many steps exercises/ID/hints.txt has (0 if none).
hint_steps() {
    local f="exercises/$1/hints.txt"
    [ -f "$f" ] || { echo 0; return; }
    awk 'BEGIN { RS = "" } !/^#/ { n++ } END { print n + 0 }' "$f"
}

# hint_text ID N - step N of ID's hints.
hint_text() {
    awk -v want="$2" 'BEGIN { RS = "" } !/^#/ && ++n == want { print }' "exercises/$1/hints.txt"
}

# hint_level ID - the last step shown for ID ($BUILD/hints/ID), 0 if none.
hint_level() {
    local level
    level=$(cat "$BUILD/hints/$1" 2>/dev/null)
    [[ $level =~ ^[0-9]+$ ]] && echo "$level" || echo 0
}

# show_hints ID UPTO - steps 1..UPTO of ID's hints, indented.
show_hints() {
    local id=$1 upto=$2 steps s
    steps=$(hint_steps "$id")
    for ((s = 1; s <= upto && s <= steps; s++)); do
        echo "  hint $s of $steps:"
        hint_text "$id" "$s" | sed 's/^/    /'
    done
}

# try I - build exercise I and run its tests (output in $out); prints
# pass, fail or broken (does not compile).
try() {
    if ! build "${ids[$1]}"; then
        echo broken
    elif run_tests exercises "${ids[$1]}"; then
        echo pass
    else
        echo fail
    fi
}

# focus I RESULT [TITLE] - what try said of exercise I (its test output in
# $out): its failures and its hints so far, under TITLE.
focus() {
    local i=$1 id=${ids[$1]} num=${ids[$1]%%-*} level f
    echo "${3:-Exercise} $id"
    for f in ${files[$i]//,/ }; do echo "  edit:  exercises/$id/$f"; done
    echo "  tests: tests/exercises/$id.c"
    if [ "$2" = broken ]; then
        echo "  does not compile; the first error:"
        first_error "$id" | sed 's/^/    /'
        echo "  (the whole compiler output: $BUILD/progress/$id.log)"
    elif [ "$2" = pass ]; then
        echo "  all $(counts | sed 's/.* of \([0-9]*\) tests pass/\1/') tests pass. Well done."
        return 0
    else
        echo "  what fails now ($(counts)):"
        failures 5
    fi
    level=$(hint_level "$id")
    [ "$level" -lt 1 ] && level=1
    show_hints "$id" "$level"
    if [ "$level" -lt "$(hint_steps "$id")" ]; then
        echo "  \`make hint EX=$num\` for the next hint; \`make progress EX=$num\` again after a change."
    else
        echo "  \`make progress EX=$num\` again after a change; \`make check-exercises\` shows every test's output."
    fi
    return 1
}

case "${1:-}" in
progress)
    if [ -n "${2:-}" ]; then
        i=$(find_exercise "$2") || exit 2
        focus "$i" "$(try "$i")"
        exit 0
    fi
    done_count=0 next=-1 next_result= lines=()
    for i in "${!ids[@]}"; do
        id=${ids[$i]}
        result=$(try "$i")
        case $result in
        pass)
            done_count=$((done_count + 1))
            lines+=("  [ pass ] $id") ;;
        broken) lines+=("$(printf '  [ todo ] %-22s does not compile' "$id")") ;;
        *) lines+=("$(printf '  [ todo ] %-22s %s' "$id" "$(counts)")") ;;
        esac
        if [ "$result" != pass ] && [ $next -lt 0 ]; then
            next=$i next_result=$result
            cp "$out" "$out.next"
            cp "$out.tap" "$out.next.tap" 2>/dev/null
        fi
    done
    echo "Exercises: $done_count/${#ids[@]} done"
    printf '%s\n' "${lines[@]}"
    echo
    if [ $next -ge 0 ]; then
        mkdir -p "$BUILD/progress"
        echo "${ids[$next]}" >"$BUILD/progress/next"
        mv "$out.next" "$out"
        mv "$out.next.tap" "$out.tap" 2>/dev/null
        focus "$next" "$next_result" "Next: exercise"
        echo "  (\`make progress EX=NN\` works on exercise NN alone.)"
    else
        echo "All exercises pass. Well done."
    fi
    ;;
hint)
    ex=${2:-}
    [ -z "$ex" ] && ex=$(cat "$BUILD/progress/next" 2>/dev/null)
    i=$(find_exercise "$ex") || exit 2
    id=${ids[$i]} num=${ids[$i]%%-*}
    steps=$(hint_steps "$id")
    if [ "$steps" -eq 0 ]; then
        echo "exercise $id has no hints (exercises/$id/hints.txt)"
        exit 1
    fi
    level=${3:-}
    if [ -z "$level" ]; then
        level=$(($(hint_level "$id") + 1))
    elif ! [[ $level =~ ^[0-9]+$ ]] || [ "$level" -lt 1 ]; then
        echo "LEVEL is a step number, 1 to $steps" >&2
        exit 2
    fi
    [ "$level" -gt "$steps" ] && level=$steps
    mkdir -p "$BUILD/hints"
    echo "$level" >"$BUILD/hints/$id"
    echo "Exercise $id"
    show_hints "$id" "$level"
    if [ "$level" -lt "$steps" ]; then
        echo "  \`make hint EX=$num\` again for step $((level + 1)); \`make progress EX=$num\` to test your file."
    else
        echo "  That was the last step. The lesson's own version is in solutions/$id/: look at it"
        echo "  after a real try, then close it and write yours. (\`make hint EX=$num LEVEL=1\` starts over.)"
    fi
    ;;
check)
    tree=${2:?tree: exercises or solutions}
    bad=()
    for id in "${ids[@]}"; do
        echo "== $tree/$id"
        if [ "$tree" = exercises ] && ! build "$id"; then
            cat "$BUILD/progress/$id.log"
            echo "$tree/$id does not compile"
            bad+=("$id")
            continue
        fi
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
        if [ "$(hint_steps "$id")" -lt 2 ]; then
            echo "exercise $id needs hints in steps: exercises/$id/hints.txt, two paragraphs or more"
            rc_all=1
        fi
        echo "-- solutions/$id"
        run_tests solutions "$id" || { echo "SOLUTION FAILS: solutions/$id does not pass its tests"; rc_all=1; }
        cat "$out"
        if run_tests exercises "$id"; then
            echo "STUB PASSES: exercises/$id passes all its tests, so they cannot tell a stub from a solution"
            stubs_bad=$((stubs_bad + 1)) rc_all=1
        else
            echo "stub exercises/$id fails its tests, as it should: $(failures 1 | head -n 1 | sed 's/^ *//')"
            stubs_ok=$((stubs_ok + 1))
        fi
    done
    for t in tests/exercises/*.c; do
        [ -e "$t" ] || continue
        id=$(basename "$t" .c)
        # (grep -q would stop reading early; under pipefail printf then dies of SIGPIPE)
        if ! printf '%s\n' "${ids[@]}" | grep -x "$id" >/dev/null; then
            echo "tests/exercises/$id.c has no line in $MANIFEST"; rc_all=1
        fi
    done
    echo "[====] Synthesis: Tested: $((stubs_ok + stubs_bad)) | Passing: $stubs_ok | Failing: $stubs_bad | Crashing: 0"
    exit $rc_all
    ;;
*)
    echo "usage: $0 progress [EX] | hint EX [LEVEL] | check exercises|solutions | prove" >&2
    exit 2
    ;;
esac
