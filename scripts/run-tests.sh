#!/usr/bin/env bash
# run-tests.sh - run every suite of `make test` and end with one synthesis line.
#
# Runs, in order: each Criterion binary in $TEST_BINS (lib, lessons, course,
# forum), the exercise proof (every solution passes, every stub fails), the
# lib/ layering check (scripts/check-layers.py), the install check (make
# check-install: a program built against the installed library serves),
# the shell blocks of the READMEs and course.md marked runnable
# (scripts/run-blocks.py, one test per block) and the course's code quotes
# check. Each part's own output is shown; the last line adds them up in
# Criterion's format, and the exit status is non-zero when anything failed. $TEST_WRAPPER (e.g. valgrind) prefixes each binary.
set -uo pipefail
cd "$(dirname "$0")/.."

tested=0 passing=0 failing=0 crashing=0
failed_parts=()
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# our_leaks FILE - how many LeakSanitizer reports in FILE name a frame of
# ours. Under make san a leak does not change a test's exit status
# (LSAN_OPTIONS=exitcode=0) and is judged here instead: Criterion 2.4's
# runner leaves one allocation of its own behind when tests with different
# timeouts run in parallel, and its library has no symbols to name it by,
# while a suppression of the library would hide every leak below a test
# (each of their stacks ends in Criterion's runner).
our_leaks() {
    awk '/(Direct|Indirect) leak of/ { if (inside && ours) n++; inside = 1; ours = 0; next }
         inside && /#[0-9]+ 0x/ { if ($0 !~ /libcriterion\.so|libsanitizer|asan_|interceptor/) ours = 1; next }
         inside && !/^[[:space:]]*$/ && !/#[0-9]+ 0x/ { if (ours) n++; inside = 0 }
         END { if (inside && ours) n++; print n + 0 }' "$1"
}

# add_synthesis FILE - add the counts of Criterion's synthesis line(s) in FILE.
add_synthesis() {
    local line t p f c
    while read -r line; do
        t=$(sed -n 's/.*Tested: \([0-9]*\).*/\1/p' <<<"$line")
        p=$(sed -n 's/.*Passing: \([0-9]*\).*/\1/p' <<<"$line")
        f=$(sed -n 's/.*Failing: \([0-9]*\).*/\1/p' <<<"$line")
        c=$(sed -n 's/.*Crashing: \([0-9]*\).*/\1/p' <<<"$line")
        tested=$((tested + ${t:-0})) passing=$((passing + ${p:-0}))
        failing=$((failing + ${f:-0})) crashing=$((crashing + ${c:-0}))
    done < <(grep -a 'Synthesis:' "$1")
}

for bin in ${TEST_BINS:-}; do
    echo "== suite $(basename "$bin")"
    # shellcheck disable=SC2086
    jobs=-j2
    [ -n "${TEST_WRAPPER:-}" ] && jobs=-j1 # valgrind reports are unreadable in parallel
    ${TEST_WRAPPER:-} "$bin" --short-filename $jobs --timeout 120 >"$out" 2>&1
    rc=$?
    cat "$out"
    if ! grep -qa 'Synthesis:' "$out"; then
        echo "suite $(basename "$bin") died before reporting (exit $rc)"
        crashing=$((crashing + 1)) tested=$((tested + 1))
        failed_parts+=("suite $(basename "$bin")")
        continue
    fi
    add_synthesis "$out"
    [ $rc -eq 0 ] || failed_parts+=("suite $(basename "$bin")")
    if [ -n "${TEST_LEAK_SCAN:-}" ]; then
        leaks=$(our_leaks "$out")
        if [ "$leaks" -gt 0 ]; then
            echo "suite $(basename "$bin"): $leaks leak report(s) of our code (above)"
            failed_parts+=("leaks in $(basename "$bin")")
        fi
    fi
done

echo "== exercises: every solution passes, every stub fails"
scripts/exercises.sh prove >"$out" 2>&1
rc=$?
cat "$out"
add_synthesis "$out"
[ $rc -eq 0 ] || failed_parts+=("exercises")

echo "== lib/ layers: includes point down, no module cycles"
if scripts/check-layers.py >"$out" 2>&1; then
    cat "$out"; tested=$((tested + 1)) passing=$((passing + 1))
else
    cat "$out"; tested=$((tested + 1)) failing=$((failing + 1)); failed_parts+=("layers")
fi

echo "== make install: a program outside the tree builds against it and serves"
# The make running this script keeps its jobserver to itself (a script's
# line is not a recursive make), so the one below drops it and runs alone;
# it keeps the rest of MAKEFLAGS (BUILD, SANFLAGS... under make san).
makeflags=$(sed -E 's/(^| )-j[0-9]*( |$)/ /g; s/--jobserver-(auth|fds)=[^ ]*//g' <<<"${MAKEFLAGS:-}")
if MAKEFLAGS=$makeflags make --no-print-directory check-install >"$out" 2>&1; then
    cat "$out"; tested=$((tested + 1)) passing=$((passing + 1))
else
    cat "$out"; tested=$((tested + 1)) failing=$((failing + 1)); failed_parts+=("install")
fi

# The READMEs' commands name the default build (make run-lesson, build/...):
# under make san or valgrind (another BUILD) they would rebuild it there.
echo "== commands marked runnable in README.md, course.md and the lesson READMEs"
if [ "${BUILD:-build}" != build ]; then
    echo "skipped: they run against build/, this run is BUILD=$BUILD"
elif scripts/run-blocks.py >"$out" 2>&1; then
    cat "$out"; add_synthesis "$out"
else
    cat "$out"; add_synthesis "$out"; failed_parts+=("runnable blocks")
    grep -qa 'Synthesis:' "$out" || { tested=$((tested + 1)) crashing=$((crashing + 1)); }
fi

echo "== course.md quotes match their files"
if scripts/quotes.py check >"$out" 2>&1; then
    cat "$out"; tested=$((tested + 1)) passing=$((passing + 1))
else
    cat "$out"; tested=$((tested + 1)) failing=$((failing + 1)); failed_parts+=("quotes")
fi

echo
if [ ${#failed_parts[@]} -gt 0 ]; then
    echo "FAILED: ${failed_parts[*]}"
fi
echo "[====] Synthesis: Tested: $tested | Passing: $passing | Failing: $failing | Crashing: $crashing"
[ ${#failed_parts[@]} -eq 0 ]
