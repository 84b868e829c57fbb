# private-server.sh - what scripts/mariadb.sh and scripts/redis.sh share:
# sourced by them, never run. Both keep a server's files in "$dir" (its
# pid in $dir/pid, its port in $dir/port).

# free_port - a TCP port on 127.0.0.1 that nobody listens on now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# stop_server STEPS - stop the server in $dir: SIGTERM, then up to STEPS
# times 50 ms for it to finish, then SIGKILL.
stop_server() {
    [ -f "$dir/pid" ] || return 0
    local pid
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq "$1"); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/pid"
}

# watch_owner PID - when PID is set, a watcher stops the server (and
# removes $dir) once process PID is gone, so a test run that crashes
# leaves no server behind. The caller defines stop.
watch_owner() {
    [ -n "${1:-}" ] || return 0
    local owner=$1
    (
        while kill -0 "$owner" 2>/dev/null && [ -f "$dir/pid" ]; do sleep 1; done
        [ -f "$dir/pid" ] && stop && rm -rf "$dir"
    ) </dev/null >/dev/null 2>&1 &
    disown
}
