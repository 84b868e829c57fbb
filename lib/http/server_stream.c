/*
 * server_stream - streamed request bodies: the request function reads the
 * body itself, piece by piece, as it arrives (see server.h). Part of the
 * server; server_conn.c decides at the head whether a body streams and
 * starts the function at once.
 *
 * While a body streams, the connection's own event does not read: the
 * task reads the socket in eddy_request_read_body, into the same input
 * block the head was parsed in, and waits with eddy_wait_fd when nothing
 * is there. So bytes are taken from the kernel only as fast as the
 * function consumes them, and memory stays one input block however large
 * the body is. A piece handed out is only moved or overwritten by the
 * next call, which is why it stays valid until then.
 */
#include "server_internal.h"

#include <eddy/async/future.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

void eddy_server_set_stream_body(eddy_server *s, eddy_stream_body_fn fn, void *arg)
{
    s->stream_body = fn;
    s->stream_body_arg = arg;
}

int eddy_request_streaming(const eddy_req *r) { return r->streaming; }

/* take_buffered - the next piece among bytes already read: 1 with *piece
 * set (empty at the body's end), 0 when more must be read, -1 on a
 * malformed chunked body. */
static int take_buffered(eddy_req *r, eddy_str *piece)
{
    struct conn *c = r->conn;
    for (;;) {
        size_t avail = c->in_end - c->in_start;
        const char *p = c->in + c->in_start;
        if (r->head.body == EDDY_BODY_LENGTH) {
            if (r->body_left == 0) {
                r->body_done = 1;
                return 1;
            }
            if (!avail)
                return 0;
            size_t take = avail < r->body_left ? avail : (size_t)r->body_left;
            *piece = (eddy_str){p, take};
            c->in_start += take;
            r->body_left -= take;
            return 1;
        }
        if (!avail)
            return 0;
        eddy_str data = {NULL, 0};
        int done = 0;
        ssize_t n = eddy_chunked_parse(&r->chunked, p, avail, &data, &done);
        if (n < 0)
            return -1;
        c->in_start += (size_t)n;
        if (data.len) {
            *piece = data;
            return 1;
        }
        if (done) {
            r->body_done = 1;
            return 1;
        }
        if (n == 0)
            return 0;
    }
}

/* body_ms_left - what is left of body_timeout_ms since the head began. */
static long body_ms_left(struct conn *c)
{
    struct timeval now;
    event_base_gettimeofday_cached(c->server->base, &now);
    long spent = (long)((now.tv_sec - c->head_started.tv_sec) * 1000 +
                        (now.tv_usec - c->head_started.tv_usec) / 1000);
    long left = c->server->cfg.body_timeout_ms - spent;
    return left > 0 ? left : 0;
}

int eddy_request_read_body(eddy_req *r, eddy_str *piece)
{
    struct conn *c = r->conn;
    *piece = (eddy_str){NULL, 0};
    if (r->body_done)
        return 0;
    if (!r->streaming) { /* read whole already (or none): all of it at once */
        r->body_done = 1;
        *piece = (eddy_str){r->body.data, r->body.len};
        return 0;
    }
    if (c->dead)
        return EPIPE;
    for (;;) {
        int got = take_buffered(r, piece);
        if (got < 0) {
            r->close_after = 1;
            return EBADMSG;
        }
        if (got > 0)
            return 0;
        /* The bytes handed out before are done with, so the block is
         * reused from just after the head; a partial chunk-size line
         * moves down with it. */
        size_t rest = c->in_end - c->in_start;
        memmove(c->in + c->keep, c->in + c->in_start, rest);
        c->in_start = c->keep;
        c->in_end = c->keep + rest;
        if (c->in_end == c->server->in_size) {
            r->close_after = 1;
            return EBADMSG; /* a chunk-size line longer than the block */
        }
        ssize_t n = recv(c->fd, c->in + c->in_end, c->server->in_size - c->in_end, 0);
        if (n > 0) {
            c->in_end += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            long left = body_ms_left(c);
            int rc = left > 0 ? eddy_wait_fd(c->fd, EDDY_WAIT_READ, left) : ETIMEDOUT;
            if (rc) {
                r->close_after = 1;
                return rc;
            }
            continue;
        }
        c->dead = 1; /* the client closed or reset: nothing can be answered */
        return EPIPE;
    }
}
