#!/usr/bin/env bash
# 18-upload: a 100 MB upload streamed to disk, and what it costs in memory.
#
# Builds bench/upload_server.c on libeddy, starts it on 127.0.0.1, and
# posts one multipart/form-data upload of SIZE_MB (100) megabytes of
# random bytes with curl -F. The framework streams the body through the
# multipart parser into a spool file as it arrives; the handler saves it
# with eddy_upload_save. Printed: the server's resident memory before the
# upload (VmRSS), its peak during it (VmHWM, the high-water mark since the
# server started), after it (VmRSS), the time curl took, and whether the
# bytes on disk match what was sent (cmp). The peak should stay a few MB
# above the start, however large SIZE_MB is.
#
# Writes bench/results/18-upload.csv (one row per run).
#
#   SIZE_MB=100 RUNS=1 bench/18-upload.sh
set -euo pipefail
BUILD=${BUILD:-build}
RESULTS=${RESULTS:-bench/results}
SIZE_MB=${SIZE_MB:-100}
RUNS=${RUNS:-1}
mkdir -p "$RESULTS" "$BUILD/bench"
command -v curl >/dev/null || { echo "curl is not installed: scripts/deps.sh core"; exit 1; }
[ -e "$BUILD/lib/libeddy.a" ] || { echo "missing $BUILD/lib/libeddy.a: run make"; exit 1; }

. bench/lib.sh
bench_header

CC_=${CC:-cc}
"$CC_" -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -I"$BUILD/include" bench/upload_server.c \
    -o "$BUILD/bench/upload_server" "$BUILD/lib/libeddy.a" \
    $(pkg-config --libs libevent zlib jansson libcrypto libevent_openssl libssl sqlite3 libmariadb) -lpthread

mkdir -p "$tmp/spool" "$tmp/saved"
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$tmp/upload.bin"

server_cmd() {
    echo "$BUILD/bench/upload_server --port $2 --access-log=false --save-dir $tmp/saved --upload-dir $tmp/spool"
}
kib() { awk -v f="$1" '$1 == f":" { print $2 }' "/proc/$server_pid/status"; }

csv="$RESULTS/18-upload.csv"
echo "size_mb,run,rss_before_kib,peak_hwm_kib,rss_after_kib,seconds,match,load1" >"$csv"
printf '%-4s %12s %12s %12s %8s %s\n' run "rss before" "peak (HWM)" "rss after" seconds "bytes on disk"
for run in $(seq "$RUNS"); do
    start_server upload /
    before=$(kib VmRSS)
    t0=$(date +%s.%N)
    answer=$(curl -sS -F "file=@$tmp/upload.bin;type=application/octet-stream" \
        "http://127.0.0.1:$port/upload")
    t1=$(date +%s.%N)
    peak=$(kib VmHWM)
    after=$(kib VmRSS)
    load=$(cut -d' ' -f1 /proc/loadavg)
    stop_server
    name=${answer%% *}
    if [ -n "$name" ] && cmp -s "$tmp/upload.bin" "$tmp/saved/$name"; then match=yes; else match="NO ($answer)"; fi
    [ -z "$(ls -A "$tmp/spool")" ] || match="$match, spool not emptied"
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    printf '%-4s %9s kB %9s kB %9s kB %8s %s\n' "$run" "$before" "$peak" "$after" "$secs" "$match"
    echo "$SIZE_MB,$run,$before,$peak,$after,$secs,${match%% *},$load" >>"$csv"
    rm -f "$tmp/saved"/*
done
echo "wrote $csv"
