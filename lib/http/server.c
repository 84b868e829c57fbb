/*
 * server - HTTP/1.1 connections on the loop; see server.h. This file
 * makes, runs, stops and frees a server; the work is in three others.
 *
 * A request's way through the server, file by file:
 *
 *   server.c           eddy_server_listen opens the listening socket and
 *                      hands each new connection to ...
 *   server_conn.c      ... the connection: eddy_conn_accept, then on every
 *                      event read_in, process (parse the head with
 *                      http_parser.c, read the body), start_handler (the
 *                      request function runs in a task), request_done,
 *                      eddy_conn_flush (write the output, arm the timeout
 *                      that applies next), and in the end eddy_conn_close.
 *   server_recycle.c   the pools of buffers and requests a connection
 *                      takes and gives back, and its end: eddy_conn_close,
 *                      the hand-over of a switched protocol, the freeing.
 *   server_response.c  what the request function calls: the request's
 *                      fields, status and headers, eddy_write, eddy_flush
 *                      (chunks), eddy_send_file, eddy_finish (gzip), and
 *                      eddy_send_error (error pages), each writing into
 *                      the connection's output for server_conn.c to send.
 *   server_workers.c   eddy_fork_processes: several processes, each with
 *                      its own loop and server, on one port.
 *
 * server_internal.h holds the structs they share. Each file reads top to
 * bottom in the order a request meets its functions.
 */
#include "server_internal.h"

#include <eddy/async/future.h>
#include <eddy/base/buf.h>
#include <eddy/base/log.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static void catch_signals(eddy_server *s);
static void raise_fd_limit(eddy_server *s);
static void accept_failed(struct evconnlistener *l, void *arg);
static void accept_again(evutil_socket_t fd, short what, void *arg);

/* ------------------------------------------------------------ config */

void eddy_server_config_defaults(eddy_server_config *c)
{
    *c = (eddy_server_config){
        .address = "127.0.0.1",
        .port = 8888,
        .backlog = 1024,
        .max_line = 8192,
        .max_headers = 100,
        .max_header_bytes = 16384,
        .max_body_bytes = 10 * 1024 * 1024,
        .header_timeout_ms = 10000,
        .body_timeout_ms = 60000,
        .idle_timeout_ms = 60000,
        .write_timeout_ms = 60000,
        .max_connections = 10000,
        .access_log = 1,
        .stop_timeout_ms = 10000,
        .gzip = 1,
        .gzip_min_bytes = 1024,
        .handle_signals = 1,
    };
}

/* ------------------------------------------------------------ the server */

eddy_server *eddy_server_new(const eddy_server_config *cfg, eddy_request_fn fn, void *arg)
{
    eddy_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (cfg)
        s->cfg = *cfg;
    else
        eddy_server_config_defaults(&s->cfg);
    s->fn = fn;
    s->arg = arg;
    s->base = eddy_loop_base();
    s->in_size = s->cfg.max_header_bytes + 4096;
    s->free_inputs = calloc(POOL_KEEP, sizeof *s->free_inputs);
    s->free_outputs = calloc(POOL_KEEP, sizeof *s->free_outputs);
    if (!s->base || !s->free_inputs || !s->free_outputs) {
        free(s->free_inputs);
        free(s->free_outputs);
        free(s);
        return NULL;
    }
    /* Every connection shares a handful of durations: libevent keeps such
     * "common timeouts" in queues instead of its heap, O(1) to re-arm. */
    struct timeval tv;
    tv = (struct timeval){s->cfg.idle_timeout_ms / 1000, (s->cfg.idle_timeout_ms % 1000) * 1000};
    s->idle_tv = event_base_init_common_timeout(s->base, &tv);
    tv = (struct timeval){s->cfg.header_timeout_ms / 1000,
                          (s->cfg.header_timeout_ms % 1000) * 1000};
    s->header_tv = event_base_init_common_timeout(s->base, &tv);
    tv = (struct timeval){s->cfg.write_timeout_ms / 1000, (s->cfg.write_timeout_ms % 1000) * 1000};
    s->write_tv = event_base_init_common_timeout(s->base, &tv);
    evtimer_assign(&s->accept_pause, s->base, accept_again, s);
    s->reserve_fd = -1;
    return s;
}

int eddy_server_listen(eddy_server *s)
{
    raise_fd_limit(s);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, s->cfg.address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)s->cfg.port);
        len = sizeof *v4;
    } else if (inet_pton(AF_INET6, s->cfg.address, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)s->cfg.port);
        len = sizeof *v6;
    } else {
        snprintf(s->error, sizeof s->error, "not an IP address: %s", s->cfg.address);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(s->error, sizeof s->error, "socket: %s", strerror(errno));
        return -1;
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (s->cfg.reuse_port)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
        snprintf(s->error, sizeof s->error, "bind %s:%d: %s", s->cfg.address, s->cfg.port,
                 strerror(errno));
        close(fd);
        return -1;
    }
    s->listener = evconnlistener_new(s->base, eddy_conn_accept, s, LEV_OPT_CLOSE_ON_FREE,
                                     s->cfg.backlog, fd);
    if (!s->listener) {
        snprintf(s->error, sizeof s->error, "listen %s:%d: %s", s->cfg.address, s->cfg.port,
                 strerror(errno));
        close(fd);
        return -1;
    }
    evconnlistener_set_error_cb(s->listener, accept_failed);
    s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    getsockname(fd, (struct sockaddr *)&ss, &len);
    s->port = ntohs(ss.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
    catch_signals(s);
    return 0;
}

/* ------------------------------------------------------------ out of descriptors */

/* Each connection is a file descriptor, and a process has a limit
 * (ulimit -n). Reaching it, accept() fails with EMFILE while the
 * connection stays in the backlog, so the listening socket stays readable:
 * a server that simply retries spins at 100 % CPU and logs the failure in
 * a loop. Like nginx, this one stops accepting for a moment instead, and
 * sheds the connection that has waited longest, accepting it with a
 * descriptor kept in reserve for this and closing it at once, so that its
 * client is told rather than left hanging. */
enum {
    ACCEPT_PAUSE_MS = 100,   /* how long accepting stops after a failure */
    ACCEPT_REPORT_MS = 1000, /* one log line per this much trouble at most */
    FD_MARGIN = 32,          /* descriptors besides connections: stdio, loop, pool, files */
};

/* raise_fd_limit - lift the soft descriptor limit to the hard one when
 * max_connections would not fit under it, and say so if even the hard
 * limit is too low. */
static void raise_fd_limit(eddy_server *s)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)s->cfg.max_connections + FD_MARGIN;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
        return;
    struct rlimit raised = {rl.rlim_max == RLIM_INFINITY ? want : rl.rlim_max, rl.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
        rl.rlim_cur = raised.rlim_cur;
    if (rl.rlim_cur < want)
        eddy_warn("max_connections %d needs about %lu file descriptors, but this process may "
                  "open %lu (ulimit -n; hard limit %lu): once they are used up, accepting "
                  "pauses until connections close",
                  s->cfg.max_connections, (unsigned long)want, (unsigned long)rl.rlim_cur,
                  (unsigned long)rl.rlim_max);
}

/* report_due - whether a line about accepting may be logged now: one per
 * ACCEPT_REPORT_MS at most, whatever the failures and recoveries in
 * between. When it is, the counters start again. */
static int report_due(eddy_server *s)
{
    struct timeval now;
    event_base_gettimeofday_cached(s->base, &now);
    long since = (long)((now.tv_sec - s->accept_reported.tv_sec) * 1000 +
                        (now.tv_usec - s->accept_reported.tv_usec) / 1000);
    if (s->accept_reported.tv_sec && since < ACCEPT_REPORT_MS)
        return 0;
    s->accept_reported = now;
    return 1;
}

/* accept_failed - the listener's accept() failed (libevent retries
 * EAGAIN and EINTR itself): pause, shed one connection if descriptors
 * ran out, and report now and then. */
static void accept_failed(struct evconnlistener *l, void *arg)
{
    eddy_server *s = arg;
    int err = EVUTIL_SOCKET_ERROR();
    evconnlistener_disable(l);
    s->accept_paused = 1;
    s->accept_pauses++;
    if ((err == EMFILE || err == ENFILE) && s->reserve_fd >= 0) {
        close(s->reserve_fd);
        int fd = accept4(evconnlistener_get_fd(l), NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            close(fd);
            s->accept_shed++;
        }
        s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    if (report_due(s)) {
        eddy_warn("accept: %s (%d connection(s) open): pausing new connections for %d ms at a "
                  "time; %ld pause(s), %ld waiting connection(s) shed since the last report",
                  strerror(err), s->connections, ACCEPT_PAUSE_MS, s->accept_pauses,
                  s->accept_shed);
        s->accept_pauses = s->accept_shed = 0;
    }
    s->accept_trouble = 1;
    struct timeval tv = {0, ACCEPT_PAUSE_MS * 1000};
    evtimer_add(&s->accept_pause, &tv);
}

/* accept_again - the pause is over: listen again, unless max_connections
 * holds the listener off (then the next close does it). */
static void accept_again(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_server *s = arg;
    s->accept_paused = 0;
    if (s->listener && !s->listener_paused)
        evconnlistener_enable(s->listener);
}

void eddy_server_accepting_again(eddy_server *s)
{
    if (!report_due(s))
        return; /* said soon enough, with the next line */
    eddy_info("accept: accepting again (%d connection(s) open; %ld pause(s), %ld connection(s) "
              "shed since the last report)",
              s->connections, s->accept_pauses, s->accept_shed);
    s->accept_pauses = s->accept_shed = 0;
    s->accept_trouble = 0;
}

int eddy_server_port(const eddy_server *s) { return s->port; }

const char *eddy_server_error(const eddy_server *s) { return s->error; }

int eddy_server_connections(const eddy_server *s) { return s->connections; }

/* ------------------------------------------------------------ running and stopping */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    eddy_server *s = arg;
    eddy_info("%s: stopping (%d connection(s) open)", sig == SIGTERM ? "SIGTERM" : "SIGINT",
              s->connections);
    eddy_server_stop(s);
}

/* catch_signals - SIGTERM/SIGINT stop the server gracefully. */
static void catch_signals(eddy_server *s)
{
    if (!s->cfg.handle_signals || s->signals[0])
        return;
    signal(SIGPIPE, SIG_IGN);
    int sigs[2] = {SIGTERM, SIGINT};
    for (int i = 0; i < 2; i++) {
        s->signals[i] = evsignal_new(s->base, sigs[i], on_signal, s);
        if (s->signals[i])
            evsignal_add(s->signals[i], NULL);
    }
}

int eddy_server_run(eddy_server *s)
{
    if (!s->listener && !s->stopping && eddy_server_listen(s) < 0)
        return -1;
    signal(SIGPIPE, SIG_IGN); /* send() says MSG_NOSIGNAL; sendfile() cannot */
    catch_signals(s);
    int rc = event_base_dispatch(s->base);
    for (int i = 0; i < 2; i++) {
        if (s->signals[i])
            event_free(s->signals[i]);
        s->signals[i] = NULL;
    }
    if (rc < 0) {
        snprintf(s->error, sizeof s->error, "event loop failed");
        return -1;
    }
    return 0;
}

static void stop_deadline_passed(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_server *s = arg;
    eddy_warn("stop: %d connection(s) still busy after %ld ms, closing them", s->connections,
              s->cfg.stop_timeout_ms);
    for (struct conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        eddy_conn_close(c);
    }
    event_base_loopbreak(s->base);
}

/* quote:begin stop */
void eddy_server_stop(eddy_server *s)
{
    if (s->stopping)
        return;
    s->stopping = 1;
    if (s->listener) {
        evconnlistener_free(s->listener);
        s->listener = NULL;
    }
    event_del(&s->accept_pause);
    for (struct conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        int busy = c->req || (c->out && c->out->len) || (c->in && c->in_end > c->in_start);
        if (!busy)
            eddy_conn_close(c);
        else
            c->closing = c->req == NULL && !(c->in && c->in_end > c->in_start);
    }
    if (s->connections == 0) {
        event_base_loopbreak(s->base);
        return;
    }
    evtimer_assign(&s->stop_deadline, s->base, stop_deadline_passed, s);
    s->deadline_armed = 1;
    struct timeval tv = {s->cfg.stop_timeout_ms / 1000, (s->cfg.stop_timeout_ms % 1000) * 1000};
    evtimer_add(&s->stop_deadline, &tv);
}
/* quote:end stop */

void eddy_server_free(eddy_server *s)
{
    if (!s)
        return;
    for (int i = 0; i < 2; i++)
        if (s->signals[i])
            event_free(s->signals[i]);
    if (s->listener)
        evconnlistener_free(s->listener);
    s->listener = NULL;
    event_del(&s->accept_pause);
    if (s->reserve_fd >= 0)
        close(s->reserve_fd);
    for (struct conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        eddy_conn_close(c);
    }
    if (s->deadline_armed)
        event_del(&s->stop_deadline);
    while (s->free_input_count)
        free(s->free_inputs[--s->free_input_count]);
    while (s->free_output_count) {
        eddy_buf *b = s->free_outputs[--s->free_output_count];
        eddy_buf_free(b);
        free(b);
    }
    while (s->spare_body_count)
        eddy_buf_free(&s->spare_bodies[--s->spare_body_count]);
    for (eddy_req *r = s->free_requests, *next; r; r = next) {
        next = r->next_free;
        eddy_buf_free(&r->body);
        eddy_buf_free(&r->headers);
        eddy_buf_free(&r->out);
        eddy_arena_free(&r->arena);
        free(r);
    }
    free(s->free_inputs);
    free(s->free_outputs);
    free(s);
}
