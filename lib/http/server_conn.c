/*
 * server_conn - a connection's life: accept, read, parse, run the request
 * function, write, time out. Part of the server; see server.c for the
 * map, server_response.c for what the request function calls and
 * server_recycle.c for the pools and the end of a connection.
 *
 * A connection is one small struct with one libevent event, re-armed for
 * reading or writing and carrying the connection's current timeout. Its
 * input buffer comes from a pool when bytes arrive and goes back when the
 * connection is idle again, so the thousands of idle keep-alive
 * connections a busy server holds cost a few hundred bytes each.
 *
 * Requests are taken from the input in order: parse a head, read its body,
 * run the request function in a task, and only then look at the next
 * pipelined request. Responses go into the connection's output buffer and
 * the buffer is written once per batch of requests, so sixteen pipelined
 * requests cost one write. While a request's task waits, its head stays
 * where it was parsed: the input buffer is never compacted under it.
 *
 * The functions below come in the order a request meets them.
 */
#include "server_internal.h"

#include <eddy/async/future.h>
#include <eddy/base/buf.h>
#include <eddy/base/log.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void conn_event(evutil_socket_t fd, short what, void *arg);
static int read_in(struct conn *c);
static void process(struct conn *c);
static void arm(struct conn *c);
static void protocol_error(struct conn *c, int status, const char *reason);

static long ms_since(struct event_base *base, const struct timeval *then)
{
    struct timeval now;
    event_base_gettimeofday_cached(base, &now);
    return (long)((now.tv_sec - then->tv_sec) * 1000 + (now.tv_usec - then->tv_usec) / 1000);
}

/* A handler may take its time; reading only notices a hang-up. */
static const struct timeval handler_day = {86400, 0};
enum { HANDLER_DAY_MS = 86400 * 1000 };

/* add_timed - add c's event with a timeout ms long: tv when given (one
 * of libevent's common timeouts, whose fields are not its length, or
 * the handler's day), else made from ms. */
static void add_timed(struct conn *c, const struct timeval *tv, long ms)
{
    struct timeval made = {ms / 1000, (ms % 1000) * 1000};
    c->timeout_ms = ms;
    c->handler_day = tv == &handler_day;
    event_add(&c->ev, tv ? tv : &made);
}

/* ------------------------------------------------------------ accept */

void eddy_conn_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *addr,
                      int len, void *arg)
{
    (void)l;
    eddy_server *s = arg;
    if (s->accept_trouble)
        eddy_server_accepting_again(s); /* server.c: out of descriptors */
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->fd = fd;
    c->server = s;
    if ((size_t)len <= sizeof c->peer)
        memcpy(&c->peer, addr, (size_t)len);
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    if (++s->connections >= s->cfg.max_connections && !s->listener_paused) {
        evconnlistener_disable(s->listener); /* the rest wait in the backlog */
        s->listener_paused = 1;
    }
    event_assign(&c->ev, s->base, fd, EV_READ | EV_PERSIST, conn_event, c);
    c->interest = EV_READ;
    add_timed(c, s->header_tv, s->cfg.header_timeout_ms);
}

/* ------------------------------------------------------------ events */

/* conn_event - the one callback of a connection: readable, writable, or
 * its timeout passed. */
static void conn_event(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    struct conn *c = arg;
    eddy_server *s = c->server;
    if (c->lingering) {
        char sink[4096];
        ssize_t n;
        while ((n = recv(c->fd, sink, sizeof sink, 0)) > 0)
            ;
        int drained = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
        if ((what & EV_TIMEOUT) || drained || ms_since(s->base, &c->head_started) > LINGER_TOTAL_MS)
            eddy_conn_close(c);
        return;
    }
    if (what & EV_TIMEOUT) {
        if (c->interest == EV_READ && c->state == IN_HANDLER && !c->handler_day) {
            /* a timeout armed before the handler began (see arm) */
            add_timed(c, &handler_day, HANDLER_DAY_MS);
        } else if (c->interest == EV_WRITE || c->state == IN_HANDLER) {
            eddy_conn_close(c);
        } else if (c->state == READ_BODY || (c->in && c->in_end > c->in_start)) {
            protocol_error(c, 408, c->state == READ_BODY ? "request body not received in time"
                                                         : "request head not received in time");
            eddy_conn_flush(c);
        } else if (ms_since(s->base, &c->idle_since) < s->cfg.idle_timeout_ms) {
            /* armed sooner than the idle timeout ends (see arm): the rest */
            add_timed(c, NULL, s->cfg.idle_timeout_ms - ms_since(s->base, &c->idle_since));
        } else {
            eddy_conn_close(c); /* idle keep-alive connection */
        }
        return;
    }
    if (what & EV_WRITE) {
        if (eddy_conn_flush(c) < 0 || c->closing)
            return; /* closed (and maybe freed), or on its way out */
        if (!c->out && !c->req) { /* caught up: take the pipelined requests waiting */
            process(c);
            eddy_conn_flush(c);
        }
        return;
    }
    if (read_in(c) < 0) {
        c->dead = 1;
        if (c->req && c->req->task)
            eddy_task_cancel(c->req->task); /* the client left mid-request */
        eddy_conn_close(c);
        return;
    }
    if (c->state != IN_HANDLER)
        process(c);
    if (!c->dead && c->req == NULL && c->in == NULL && s->stopping)
        c->closing = 1;
    eddy_conn_flush(c);
}

/* read_in - read what the socket has; 0, or -1 when the peer is gone. */
static int read_in(struct conn *c)
{
    eddy_server *s = c->server;
    if (!c->in) {
        if (!(c->in = eddy_conn_take_input(s)))
            return 0; /* out of memory: try again on the next event */
        c->in_start = c->in_end = 0;
    }
    /* Make room by sliding unprocessed bytes down, but never over the head
     * of the request being read or handled: its strings point there. */
    size_t floor = c->state == READ_HEAD ? 0 : c->keep;
    if (c->in_end == s->in_size && c->in_start > floor) {
        memmove(c->in + floor, c->in + c->in_start, c->in_end - c->in_start);
        c->in_end -= c->in_start - floor;
        c->in_start = floor;
    }
    if (c->in_end == s->in_size) {
        if (c->state == READ_HEAD) { /* a head larger than any allowed */
            if (memchr(c->in + c->in_start, '\n', c->in_end - c->in_start))
                protocol_error(c, 431, "request header fields too large");
            else
                protocol_error(c, 414, "request line too long");
            return 0;
        }
        c->read_paused = 1; /* pipelined data waits until the handler is done */
        return 0;
    }
    for (;;) {
        ssize_t n = recv(c->fd, c->in + c->in_end, s->in_size - c->in_end, 0);
        if (n > 0) {
            c->in_end += (size_t)n;
            return 0;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1; /* 0: the client closed; or ECONNRESET */
    }
}

/* ------------------------------------------------------------ requests */

static int begin_request(struct conn *c, eddy_http_message *head);
static int read_body(struct conn *c);
static void start_handler(struct conn *c);

/* quote:begin process */
/* process - handle whatever complete requests the input holds, in order. */
static void process(struct conn *c)
{
    eddy_server *s = c->server;
    c->in_process = 1;
    while (!c->closing && !c->dead && !c->takeover) {
        if (c->state == IN_HANDLER) {
            if (c->req && c->req->task)
                break; /* its task is waiting; request_done carries on */
            if (!c->req)
                c->state = READ_HEAD;
            else {
                start_handler(c);
                continue;
            }
        }
        size_t avail = c->in ? c->in_end - c->in_start : 0;
        if (c->state == READ_HEAD) {
            if (!avail)
                break;
            if (c->scanned == 0)
                event_base_gettimeofday_cached(s->base, &c->head_started);
            if (!c->req && !(c->req = eddy_conn_take_request(s))) {
                protocol_error(c, 503, "out of memory");
                break;
            }
            eddy_http_limits lim = {s->cfg.max_line, s->cfg.max_headers, s->cfg.max_header_bytes};
            ssize_t n = eddy_http_parse_request(c->in + c->in_start, avail, c->scanned,
                                                &c->req->head, &lim);
            if (n == EDDY_HTTP_INCOMPLETE) {
                c->scanned = avail;
                break;
            }
            if (n == EDDY_HTTP_INVALID) {
                protocol_error(c, c->req->head.error_status, c->req->head.error_reason);
                break;
            }
            c->in_start += (size_t)n;
            c->scanned = 0;
            if (begin_request(c, &c->req->head) < 0)
                break;
            continue;
        }
        if (c->state == READ_BODY) {
            int rc = read_body(c);
            if (rc < 0)
                break;
            if (rc == 0)
                break;
            c->state = IN_HANDLER;
        }
    }
    c->in_process = 0;
    /* Give the input block back when nothing in it is still needed. */
    if (c->in && c->in_start == c->in_end && !(c->req && c->state != READ_HEAD)) {
        eddy_conn_give_input(s, c->in);
        c->in = NULL;
        c->in_start = c->in_end = 0;
    }
    if (c->req && c->state == READ_HEAD && !(c->in && c->in_end > c->in_start)) {
        eddy_conn_give_request(s, c->req); /* kept for a head that never came */
        c->req = NULL;
    }
}
/* quote:end process */

/* begin_request - a head was parsed: set up the request and its body. */
static int begin_request(struct conn *c, eddy_http_message *head)
{
    eddy_server *s = c->server;
    eddy_req *r = c->req;
    r->conn = c;
    r->status = 200;
    r->sent_body = 0;
    r->headers_sent = r->chunked_out = r->finished = r->close_after = 0;
    r->task = NULL;
    r->ip[0] = '\0';
    r->is_head = head->method.len == 4 && memcmp(head->method.p, "HEAD", 4) == 0;
    r->close_after = !head->keep_alive || s->stopping;
    if (s->cfg.access_log)
        clock_gettime(CLOCK_MONOTONIC, &r->started);
    r->streaming = r->body_done = 0;
    if (head->body != EDDY_BODY_NONE && s->stream_body && s->stream_body(r, s->stream_body_arg))
        r->streaming = 1; /* server_stream.c: the request function reads it */
    if (!r->streaming && head->body == EDDY_BODY_LENGTH &&
        head->content_length > s->cfg.max_body_bytes) {
        protocol_error(c, 413, "request body too large");
        return -1;
    }
    r->body_left = head->body == EDDY_BODY_LENGTH ? head->content_length : 0;
    eddy_chunked_init(&r->chunked);
    r->chunked.max_trailer_bytes = s->cfg.max_header_bytes;
    if (head->expect_continue && head->body != EDDY_BODY_NONE &&
        c->in_end - c->in_start == 0 && output(c)) {
        eddy_buf_append_str(c->out, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    c->state = head->body == EDDY_BODY_NONE || r->streaming ? IN_HANDLER : READ_BODY;
    c->keep = c->in_start; /* the head ends here */
    if (r->streaming)
        c->read_paused = 1; /* the task reads the socket now, not the connection's event */
    return 0;
}

/* read_body - move body bytes from the input into the request; 1 when the
 * body is complete, 0 for more, -1 after a protocol error was queued. */
static int read_body(struct conn *c)
{
    eddy_req *r = c->req;
    size_t avail = c->in_end - c->in_start;
    const char *p = c->in + c->in_start;
    size_t max = c->server->cfg.max_body_bytes;
    if (r->head.body == EDDY_BODY_LENGTH) {
        size_t take = avail < r->body_left ? avail : (size_t)r->body_left;
        if (eddy_buf_append(&r->body, p, take) < 0) {
            protocol_error(c, 503, "out of memory");
            return -1;
        }
        c->in_start += take;
        r->body_left -= take;
        return r->body_left == 0;
    }
    while (avail) {
        eddy_str data;
        int done;
        ssize_t n = eddy_chunked_parse(&r->chunked, p, avail, &data, &done);
        if (n < 0) {
            protocol_error(c, 400, r->chunked.error_reason);
            return -1;
        }
        if (r->body.len + data.len > max) {
            protocol_error(c, 413, "request body too large");
            return -1;
        }
        if (data.len && eddy_buf_append(&r->body, data.p, data.len) < 0) {
            protocol_error(c, 503, "out of memory");
            return -1;
        }
        p += n;
        avail -= (size_t)n;
        c->in_start += (size_t)n;
        if (done)
            return 1;
    }
    return 0;
}

/* protocol_error - answer a request we could not even parse, then close. */
static void protocol_error(struct conn *c, int status, const char *reason)
{
    eddy_server *s = c->server;
    if (!output(c)) {
        c->dead = 1;
        return;
    }
    const char *phrase = eddy_status_reason(status);
    eddy_buf_printf(c->out,
                    "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                    "Content-Length: %zu\r\nConnection: close\r\n\r\n%d %s: %s\n",
                    status, phrase, eddy_server_date(s->base),
                    strlen(phrase) + strlen(reason) + 7, status, phrase, reason);
    char ip[INET6_ADDRSTRLEN] = "?";
    eddy_conn_peer_ip(c, ip);
    eddy_warn("%d %s from %s: %s", status, phrase, ip, reason);
    c->closing = 1;
    if (c->req && !c->req->task) {
        eddy_conn_give_request(s, c->req);
        c->req = NULL;
    }
}

/* quote:begin task-per-request */
static void handler_entry(void *arg);
static void request_done(void *arg);

/* standard_method - one of the methods RFC 9110 and 5789 define, spelled
 * as they define it (methods are case-sensitive). CONNECT never gets
 * here: the parser answers it 501. */
static int standard_method(eddy_str m)
{
    switch (m.len) {
    case 3:
        return memcmp(m.p, "GET", 3) == 0 || memcmp(m.p, "PUT", 3) == 0;
    case 4:
        return memcmp(m.p, "HEAD", 4) == 0 || memcmp(m.p, "POST", 4) == 0;
    case 5:
        return memcmp(m.p, "PATCH", 5) == 0 || memcmp(m.p, "TRACE", 5) == 0;
    case 6:
        return memcmp(m.p, "DELETE", 6) == 0;
    case 7:
        return memcmp(m.p, "OPTIONS", 7) == 0;
    default:
        return 0;
    }
}

/* start_handler - run the request function; it may finish right here. */
static void start_handler(struct conn *c)
{
    eddy_req *r = c->req;
    c->state = IN_HANDLER;
    if (!c->server->cfg.extension_methods && !standard_method(r->head.method)) {
        eddy_send_error(r, 501, "unknown method"); /* RFC 9110 9.1 */
        request_done(r);
        return;
    }
    int finished;
    r->task = eddy_task_run(handler_entry, r, request_done, r, &finished);
    if (!r->task && !finished) {
        eddy_send_error(r, 503, "out of memory");
        request_done(r);
    }
}

static void handler_entry(void *arg)
{
    eddy_req *r = arg;
    /* Known from the task's first turn on, not only once eddy_task_run
     * returns: a client gone during that turn (the handler's first write
     * fails) must find the task to cancel (eddy_conn_close), not have
     * the connection freed under the running handler. */
    r->task = eddy_task_current();
    r->conn->server->fn(r, r->conn->server->arg);
}

static void request_done(void *arg)
{
    eddy_req *r = arg;
    struct conn *c = r->conn;
    eddy_server *s = c->server;
    if (r->streaming && !r->body_done)
        r->close_after = 1; /* the rest of the body cannot be told from a next request */
    if (!r->finished)
        eddy_finish(r);
    else if (r->close_after)
        c->closing = 1;
    if (c->takeover && r->status != 101)
        eddy_conn_hand_over(c); /* no switch after all: tell the taker, keep serving */
    r->task = NULL;
    c->req = NULL;
    c->state = READ_HEAD;
    c->keep = 0;
    c->read_paused = 0;
    eddy_conn_give_request(s, r);
    if (c->in_process)
        return; /* process() goes on from here */
    if (c->dead) {
        eddy_conn_close(c);
        return;
    }
    process(c);
    eddy_conn_flush(c);
}
/* quote:end task-per-request */

void eddy_conn_peer_ip(const struct conn *c, char out[INET6_ADDRSTRLEN])
{
    const struct sockaddr_in6 *p = &c->peer;
    if (p->sin6_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)p)->sin_addr, out,
                  INET6_ADDRSTRLEN);
    else
        inet_ntop(AF_INET6, &p->sin6_addr, out, INET6_ADDRSTRLEN);
}


/* ------------------------------------------------------------ writing */

/* quote:begin flush-out */
/* eddy_conn_flush - write what the output holds; arm for the rest. */
int eddy_conn_flush(struct conn *c)
{
    eddy_server *s = c->server;
    if (c->dead)
        return -1;
    while (c->out && c->out->len) {
        ssize_t n = send(c->fd, c->out->data, c->out->len, MSG_NOSIGNAL);
        if (n > 0) {
            eddy_buf_consume(c->out, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        c->dead = 1; /* EPIPE, ECONNRESET: the client is gone */
        break;
    }
    if (c->takeover && !c->req && !c->dead) {
        eddy_conn_hand_over(c); /* the 101 is out (or its rest handed on) */
        return -1;
    }
    if (c->out && c->out->len == 0) {
        eddy_conn_give_output(s, c->out);
        c->out = NULL;
    }
    if (c->dead) {
        eddy_conn_close(c); /* may free c: the caller must not look at it again */
        return -1;
    }
    if (c->closing && !c->out && !(c->req && c->req->task)) {
        /* Closing with unread input would make the kernel answer it with a
         * reset, which can destroy the response we just sent (a 408 or 413
         * to a client still sending). So: shut our side, drain theirs for
         * a moment, then close — nginx's lingering close. */
        if (c->lingering || shutdown(c->fd, SHUT_WR) < 0) {
            eddy_conn_close(c);
            return -1;
        }
        c->lingering = 1;
        event_base_gettimeofday_cached(s->base, &c->head_started);
        if (c->req && !c->req->task) {
            eddy_conn_give_request(s, c->req);
            c->req = NULL;
        }
        arm(c);
        return 0;
    }
    if (!c->out && s->stopping && !c->req && !(c->in && c->in_end > c->in_start)) {
        eddy_conn_close(c); /* stopping: an idle connection goes now */
        return -1;
    }
    arm(c);
    return 0;
}
/* quote:end flush-out */

/* arm - watch c for what it needs next, with the timeout that applies.
 *
 * A keep-alive request goes from idle to its handler and back, and each
 * change of timeout is an event_add that moves the connection's event
 * from one of libevent's timer queues to another, touching its
 * neighbours there (other connections, long out of the cache when a
 * hundred are busy). So, as nginx does with its timers, a pending
 * timeout that cannot fire later than the new one would is left alone:
 * for the handler (given a day) and for idling. libevent starts a
 * persistent event's timeout again each time the event fires, so the
 * pending one ends at most its length from now. When it fires,
 * conn_event looks at what the connection is doing and arms what is
 * left: the idle timeout still counts from when the connection went
 * idle. */
static void arm(struct conn *c)
{
    eddy_server *s = c->server;
    short want;
    const struct timeval *tv = NULL; /* NULL: made from ms */
    long ms;

    if (c->lingering) {
        want = EV_READ;
        ms = LINGER_IDLE_MS;
    } else if (c->out && c->out->len) {
        want = EV_WRITE;
        tv = s->write_tv;
        ms = s->cfg.write_timeout_ms;
    } else if (c->read_paused) {
        event_del(&c->ev);
        return;
    } else {
        want = EV_READ;
        bool pending = c->interest == EV_READ && event_pending(&c->ev, EV_TIMEOUT, NULL);
        if (c->state == IN_HANDLER) {
            if (pending) /* it fires within a day */
                return;
            tv = &handler_day;
            ms = HANDLER_DAY_MS;
        } else if (c->state == READ_BODY || (c->in && c->in_end > c->in_start)) {
            long limit = c->state == READ_BODY ? s->cfg.body_timeout_ms : s->cfg.header_timeout_ms;
            ms = limit - ms_since(s->base, &c->head_started);
            if (ms < 0)
                ms = 0;
        } else {
            event_base_gettimeofday_cached(s->base, &c->idle_since);
            if (pending && c->timeout_ms <= s->cfg.idle_timeout_ms)
                return;
            tv = s->idle_tv;
            ms = s->cfg.idle_timeout_ms;
        }
    }
    if (want != c->interest) {
        event_del(&c->ev);
        event_assign(&c->ev, s->base, c->fd, want | EV_PERSIST, conn_event, c);
        c->interest = want;
    }
    add_timed(c, tv, ms);
}
