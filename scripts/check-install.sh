#!/usr/bin/env bash
# check-install.sh - a program built outside the tree against the installed
# library compiles, links and serves (part of `make test`, through
# `make check-install`).
#
#   1. `make install DESTDIR=STAGE PREFIX=/usr/local` writes only under
#      STAGE: the archive, eddy.pc, eddy.h and the public header of every
#      layer (no _internal.h); `make uninstall` with the same DESTDIR
#      removes them all again.
#   2. `make install PREFIX=TMP` into a temporary prefix, then
#      lessons/13-framework/hello.c is compiled with nothing but
#      `pkg-config --cflags --libs [--static] eddy` (PKG_CONFIG_PATH
#      pointing at TMP), as a user's program would be: no -I into the tree.
#   3. The program runs on 127.0.0.1, port 0; GET / must answer
#      "Hello, world", and SIGTERM must stop it with status 0.
#
# Environment (the Makefile's check-install target sets it): MAKE, CC,
# PROG_CFLAGS (flags for the program: the project's warnings, and the
# sanitizer flags when the library was built with them). The last line is
# "install: ok" or "install: FAILED (why)"; the exit status says the same.
set -uo pipefail
cd "$(dirname "$0")/.."

MAKE=${MAKE:-make}
CC=${CC:-cc}
PROG_CFLAGS=${PROG_CFLAGS:--std=c11 -Wall -Wextra -Wpedantic -Werror}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/eddy-install.XXXXXX")
server=
cleanup() {
    if [ -n "$server" ]; then
        kill -KILL "$server" 2>/dev/null
        wait "$server" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "install: FAILED ($*)"
    exit 1
}

# ---------------------------------------------------------------- 1. DESTDIR
stage=$tmp/stage
$MAKE --no-print-directory -s install DESTDIR="$stage" PREFIX=/usr/local >"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log"; fail "make install DESTDIR=... failed"; }
for f in lib/libeddy.a lib/pkgconfig/eddy.pc include/eddy/eddy.h include/eddy/web/app_run.h \
    include/eddy/base/buf.h include/eddy/async/future.h include/eddy/http/server.h; do
    [ -f "$stage/usr/local/$f" ] || fail "make install did not write /usr/local/$f under DESTDIR"
done
outside=$(find "$stage" -mindepth 1 -maxdepth 1 ! -name usr)
[ -z "$outside" ] || fail "make install wrote outside PREFIX: $outside"
internal=$(find "$stage" -name '*_internal.h')
[ -z "$internal" ] || fail "a private header was installed: $internal"
grep -qx 'prefix=/usr/local' "$stage/usr/local/lib/pkgconfig/eddy.pc" ||
    fail "eddy.pc does not say prefix=/usr/local"
$MAKE --no-print-directory -s uninstall DESTDIR="$stage" PREFIX=/usr/local >"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log"; fail "make uninstall failed"; }
left=$(find "$stage" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"

# ---------------------------------------------------------------- 2. build
prefix=$tmp/prefix
$MAKE --no-print-directory -s install DESTDIR= PREFIX="$prefix" >"$tmp/make.log" 2>&1 ||
    { cat "$tmp/make.log"; fail "make install PREFIX=... failed"; }
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
for mode in --static ""; do
    # shellcheck disable=SC2086
    flags=$(pkg-config --cflags --libs $mode eddy) || fail "pkg-config $mode eddy failed"
    # The flags are words; the source is the lesson's, compiled from a copy
    # outside the tree so that nothing finds a header beside it.
    cp lessons/13-framework/hello.c "$tmp/hello.c"
    # shellcheck disable=SC2086
    $CC $PROG_CFLAGS "$tmp/hello.c" -o "$tmp/hello" $flags >"$tmp/cc.log" 2>&1 ||
        { cat "$tmp/cc.log"; fail "hello.c does not build with pkg-config $mode: $CC ... $flags"; }
done

# ---------------------------------------------------------------- 3. run
"$tmp/hello" --port 0 --access-log=false >"$tmp/out" 2>&1 &
server=$!
port=
for _ in $(seq 100); do # 5 s at most
    port=$(sed -n 's|^listening on http://127\.0\.0\.1:\([0-9]*\)/$|\1|p' "$tmp/out")
    [ -n "$port" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.05
done
[ -n "$port" ] || { cat "$tmp/out"; fail "the installed hello did not say where it listens"; }
answer=$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" >&3
    cat <&3' _ "$port" | tr -d '\r')
case $answer in
"HTTP/1.1 200 OK"*$'\n\n'"Hello, world") ;;
*) fail "GET / answered: $answer" ;;
esac
kill -TERM "$server"
status=
for _ in $(seq 100); do # 5 s at most
    if ! kill -0 "$server" 2>/dev/null; then
        wait "$server"
        status=$?
        break
    fi
    sleep 0.05
done
server_pid=$server
server=
[ -n "$status" ] || { server=$server_pid; fail "SIGTERM did not stop the installed hello"; }
[ "$status" -eq 0 ] || { cat "$tmp/out"; fail "the installed hello exited $status after SIGTERM"; }

echo "install: ok (make install, pkg-config eddy, hello built outside the tree, served / on port $port)"
