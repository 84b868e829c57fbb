#!/usr/bin/env bash
# mariadb.sh - a private MariaDB server for the tests and for trying lesson 16.
#
#   scripts/mariadb.sh start DIR [PORT]   start one (DIR/data, created on first
#                                         use); prints its URL on stdout
#   scripts/mariadb.sh stop DIR           stop it, keeping DIR/data
#   scripts/mariadb.sh url DIR            the URL of the one started in DIR
#
# The server listens on 127.0.0.1 only, on PORT or a free port (kept in
# DIR/port, so a restart comes back on the same one), with its socket, pid
# file and log in DIR, and holds a database "eddy_test" that user "eddy"
# (password "eddy") may do anything in, as in any database named eddy_*:
# the URL is
# mysql://eddy:eddy@127.0.0.1:PORT/eddy_test. It never touches the
# machine's own MariaDB (no config file is read: --no-defaults).
#
# mariadbd refuses to run as root unless told which user to be, so as root
# (CI, a container) it is told --user=root; as anyone else it runs as them.
# With EDDY_MARIADB_WATCH=PID set, a watcher stops the server (and
# removes DIR) once process PID is gone, so a test run that crashes
# leaves no server behind.
# Exits 3 with one line when mariadbd is not installed, 1 with the log's
# tail when it does not start: the tests turn either into a skip.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|url DIR [PORT]" >&2; exit 2; }

url() { echo "mysql://eddy:eddy@127.0.0.1:$(cat "$dir/port")/eddy_test"; }

# alive - the server in $dir answers on its socket.
alive() { mariadb --no-defaults -uroot --socket="$dir/sock" -e 'SELECT 1' >/dev/null 2>&1; }

# shellcheck source=scripts/private-server.sh
source "$(dirname "${BASH_SOURCE[0]}")/private-server.sh"

start() {
    for prog in mariadbd mariadb-install-db mariadb; do
        if ! command -v "$prog" >/dev/null && [ ! -x "/usr/sbin/$prog" ]; then
            echo "mariadb.sh: $prog is not installed (scripts/deps.sh core installs mariadb-server)" >&2
            exit 3
        fi
    done
    PATH=$PATH:/usr/sbin
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    as_user=()
    [ "$(id -u)" -eq 0 ] && as_user=(--user=root)
    if alive; then url; return; fi
    if [ ! -d "$dir/data/mysql" ]; then
        rm -rf "$dir/data"
        mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
            --skip-test-db --skip-name-resolve "${as_user[@]}" >"$dir/install.log" 2>&1 ||
            { echo "mariadb.sh: mariadb-install-db failed:" >&2; tail -5 "$dir/install.log" >&2; exit 1; }
        rm -f "$dir/port" "$dir/ready"
    fi
    [ -n "${3:-}" ] && echo "$3" >"$dir/port"
    [ -s "$dir/port" ] || free_port >"$dir/port"
    # Small buffers: a test database holds kilobytes, and the machine is shared.
    mariadbd --no-defaults --datadir="$dir/data" --port="$(cat "$dir/port")" --bind-address=127.0.0.1 \
        --socket="$dir/sock" --pid-file="$dir/pid" --log-error="$dir/error.log" "${as_user[@]}" \
        --skip-name-resolve --skip-log-bin --innodb-buffer-pool-size=32M --innodb-log-file-size=16M \
        --max-connections=500 --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
        >>"$dir/stdout.log" 2>&1 </dev/null &
    local pid=$!
    for _ in $(seq 300); do
        alive && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! alive; then
        kill "$pid" 2>/dev/null || true
        echo "mariadb.sh: mariadbd did not start; the end of $dir/error.log:" >&2
        tail -5 "$dir/error.log" >&2 || true
        exit 1
    fi
    if [ ! -e "$dir/ready" ]; then
        # eddy may also make databases named eddy_*: a test suite gives each
        # test one of its own, so tests running side by side never meet.
        mariadb --no-defaults -uroot --socket="$dir/sock" <<'SQL'
CREATE DATABASE IF NOT EXISTS eddy_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS 'eddy'@'127.0.0.1' IDENTIFIED BY 'eddy';
GRANT ALL ON `eddy\_%`.* TO 'eddy'@'127.0.0.1';
SQL
        touch "$dir/ready"
    fi
    watch_owner "${EDDY_MARIADB_WATCH:-}"
    url
}

stop() { stop_server 200; }

case "$cmd" in
start) start "$@" ;;
stop) stop ;;
url) url ;;
*) echo "usage: $0 start|stop|url DIR [PORT]" >&2; exit 2 ;;
esac
