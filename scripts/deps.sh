#!/usr/bin/env bash
# deps.sh - install the Debian packages the project needs, or say how.
#
# The one list of the project's packages, grouped so that each make target
# pulls only what it uses: `make test` needs "core", `make fuzz` and
# `make valgrind` add "tools", `make bench` adds "bench", `make diagrams`
# asks for "docs". A package several groups need lists them all: bench,docs.
#
#   scripts/deps.sh [group ...]     groups: core tools bench cross docs all (default: core)
#
# Checks with dpkg-query (fast when everything is there). When something is
# missing: as root, runs `apt-get update` once and installs it; otherwise
# prints the exact apt-get line and exits 1.
set -euo pipefail

# package            group  why
PACKAGES="
gcc                  core   the C compiler
make                 core   the build
pkg-config           core   compiler flags of the libraries below
libevent-dev         core   event loop, bufferevents, evdns, TLS bufferevents (lib/, lessons 11+)
zlib1g-dev           core   gzip responses, WebSocket permessage-deflate
libcriterion-dev     core   the test framework
libssl-dev           core   TLS, SHA-1/HMAC, scrypt, secure random
libsqlite3-dev       core   the embedded default database
libmariadb-dev       core   MariaDB Connector/C: the server database's non-blocking client
mariadb-server       core   the private mariadbd the database tests start (scripts/mariadb.sh)
libhiredis-dev       core   Redis's C client and its libevent adapter: pub/sub across processes, the kv store
redis-server         core   the private redis-server the Redis tests start (scripts/redis.sh), and redis-cli
libjansson-dev       core   JSON bodies, template contexts
python3              core   scripts: the course quote check
openssl              core   the client's TLS tests make a throwaway CA with it
nginx-light          core   a real server the client is tested against (and the nginx reference server)
python3-tornado      core   Tornado, a real server the client is tested against (and the reference server)
curl                 core   a real client the form and upload tests post with (curl -F); bench/18-upload.sh
python3-websockets   core   Python's websockets: a WebSocket client of our server, a server for our client
libcmark-dev         core   CommonMark's C library: the forum renders posts and answers written in Markdown
nodejs               core   Node, to run the ws package: a WebSocket client and server (npm step below)
chromium             core   the headless browser of lesson 19's chat test and the forum's browser walks, driven by playwright-core (npm step below)
fonts-wqy-microhei   core   a CJK font, so the browser tests' screenshots show the forum's Chinese text instead of boxes
clang                tools  libFuzzer targets (make fuzz), CC=clang builds
libclang-rt-14-dev   tools  clang's sanitizer and fuzzer runtimes
valgrind             tools  make valgrind
gcc-aarch64-linux-gnu cross make check-aarch64: the aarch64 context switch, cross-built
qemu-user            cross  make check-aarch64: runs it
libc6-dev-arm64-cross cross make check-aarch64: the C library it links
wrk                  bench  HTTP load generator
gnuplot-nox          bench,docs PNG plots of benchmark CSVs; the book's timeline drawing
graphviz             docs   the book's diagrams (docs/diagrams/*.dot)
libwebsockets-dev    bench  libwebsockets, the C reference server in bench/19-websocket.sh
libcurl4-openssl-dev bench  libcurl's multi interface, the C client the HTTP client is compared with
python3-pycurl       bench  Tornado's curl_httpclient, in the client benchmark
python3-aiomysql     bench  Tornado's MariaDB twin in bench/16-db.sh
"

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(core)

wanted=()
for g in "${groups[@]}"; do
    case "$g" in
    core | tools | bench | cross | docs | all) ;;
    *) echo "deps.sh: unknown group '$g' (core, tools, bench, cross, docs, all)" >&2; exit 2 ;;
    esac
    while read -r pkg grp _; do
        [ -n "$pkg" ] || continue
        if [ "$g" = all ]; then wanted+=("$pkg"); continue; fi
        case ",$grp," in *",$g,"*) wanted+=("$pkg") ;; esac
    done <<<"$PACKAGES"
done

# npm step: Node's ws package, pinned by tests/fixtures/ws_node/package-lock.json,
# into tests/fixtures/ws_node/node_modules (ignored by git). Without npm or
# the network the Node peer tests skip, saying so; nothing here fails.
node_peers() {
    local dir
    dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/fixtures/ws_node"
    [ -f "$dir/node_modules/ws/package.json" ] && return 0
    if ! command -v npm >/dev/null 2>&1; then
        echo "deps.sh: npm not found: the tests against Node's ws will skip" >&2
        return 0
    fi
    echo "deps.sh: npm ci in tests/fixtures/ws_node (Node's ws)" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2) ||
        echo "deps.sh: npm ci failed: the tests against Node's ws will skip" >&2
}
# npm step: playwright-core (no browser download: it drives the chromium
# package above), pinned by tests/fixtures/chat_browser/package-lock.json,
# for lesson 19's two-page chat test and the forum's browser walks
# (tests/forum/browser.c); without it those tests skip.
browser_driver() {
    local dir
    dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/fixtures/chat_browser"
    [ -f "$dir/node_modules/playwright-core/package.json" ] && return 0
    command -v npm >/dev/null 2>&1 || return 0 # said once above
    echo "deps.sh: npm ci in tests/fixtures/chat_browser (playwright-core)" >&2
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2) ||
        echo "deps.sh: npm ci failed: lesson 19's and the forum's browser tests will skip" >&2
}
for g in "${groups[@]}"; do
    case "$g" in core | all) node_peers; browser_driver; break ;; esac
done

# One dpkg-query call for all of them: installed ones print "ii"-style status.
missing=()
status=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${wanted[@]}" 2>/dev/null || true)
for pkg in "${wanted[@]}"; do
    if ! grep -qE "^${pkg}(:[a-z0-9]+)? ii" <<<"$status"; then missing+=("$pkg"); fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
    echo "Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
