/*
 * server_recycle - where a connection's memory comes from and goes back
 * to: the server's pools of input buffers, output buffers and requests,
 * and the end of a connection (closed, handed over to another protocol,
 * or lost), which returns all it holds. Part of the server; see
 * server_conn.c for the rest of a connection's life.
 *
 * The pools are why an idle connection is cheap: its buffers and request
 * go back the moment it has nothing in flight, and the next busy
 * connection takes them without a malloc.
 */
#include "server_internal.h"

#include <eddy/async/future.h>
#include <eddy/base/buf.h>

#include <stdlib.h>
#include <unistd.h>

/* ------------------------------------------------------------ pools */

char *eddy_conn_take_input(eddy_server *s)
{
    if (s->free_input_count)
        return s->free_inputs[--s->free_input_count];
    return malloc(s->in_size);
}

void eddy_conn_give_input(eddy_server *s, char *in)
{
    if (s->free_input_count < POOL_KEEP)
        s->free_inputs[s->free_input_count++] = in;
    else
        free(in);
}

void eddy_conn_give_output(eddy_server *s, eddy_buf *b)
{
    eddy_buf_clear(b);
    if (s->free_output_count < POOL_KEEP && b->cap <= 1024 * 1024) {
        s->free_outputs[s->free_output_count++] = b;
    } else {
        eddy_buf_free(b);
        free(b);
    }
}

eddy_req *eddy_conn_take_request(eddy_server *s)
{
    eddy_req *r = s->free_requests;
    if (r) {
        s->free_requests = r->next_free;
        return r;
    }
    return calloc(1, sizeof *r);
}

void eddy_conn_give_request(eddy_server *s, eddy_req *r)
{
    eddy_arena_reset(&r->arena);
    r->data = NULL;
    eddy_buf_clear(&r->body);
    eddy_buf_clear(&r->headers);
    eddy_buf_clear(&r->out);
    r->next_free = s->free_requests;
    s->free_requests = r;
}

/* ------------------------------------------------------------ closing */

static void forget(struct conn *c);

int eddy_request_take_over(eddy_req *r, eddy_takeover_fn fn, void *arg)
{
    struct conn *c = r->conn;
    if (c->takeover)
        return -1;
    c->takeover = fn;
    c->takeover_arg = arg;
    return 0;
}

void eddy_conn_hand_over(struct conn *c)
{
    eddy_takeover_fn fn = c->takeover;
    void *arg = c->takeover_arg;
    c->takeover = NULL;
    if (c->dead || c->req) { /* lost, or not a 101: the connection stays the server's */
        fn(-1, NULL, 0, NULL, 0, arg);
        return;
    }
    event_del(&c->ev);
    const char *in = c->in ? c->in + c->in_start : NULL;
    size_t in_len = c->in ? c->in_end - c->in_start : 0;
    fn(c->fd, in, in_len, c->out ? c->out->data : NULL, c->out ? c->out->len : 0, arg);
    forget(c);
}

void eddy_conn_close(struct conn *c)
{
    c->dead = 1;
    if (c->req && c->req->task) {
        /* The task holds the request: it is freed when the task ends. */
        eddy_task_cancel(c->req->task);
        event_del(&c->ev);
        return;
    }
    event_del(&c->ev);
    close(c->fd);
    c->fd = -1;
    forget(c);
}

/* forget - free c and everything it holds but its socket. */
static void forget(struct conn *c)
{
    eddy_server *s = c->server;
    if (c->takeover) { /* lost before it could switch: the taker learns it */
        eddy_takeover_fn fn = c->takeover;
        c->takeover = NULL;
        fn(-1, NULL, 0, NULL, 0, c->takeover_arg);
    }
    if (c->req)
        eddy_conn_give_request(s, c->req);
    if (c->in)
        eddy_conn_give_input(s, c->in);
    if (c->out)
        eddy_conn_give_output(s, c->out);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
    s->connections--;
    if (s->listener_paused && s->listener && s->connections < s->cfg.max_connections) {
        if (!s->accept_paused) /* out of descriptors: the pause's timer will */
            evconnlistener_enable(s->listener);
        s->listener_paused = 0;
    }
    if (s->stopping && s->connections == 0) {
        if (s->deadline_armed)
            event_del(&s->stop_deadline);
        event_base_loopbreak(s->base);
    }
}
