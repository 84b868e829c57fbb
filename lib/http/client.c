/*
 * client - the client, its queue of fetches, requests and redirects; the
 * two ways to wait for a fetch (see client.h).
 *
 * A fetch starts by copying the request. It waits in a FIFO queue while
 * max_clients fetches hold a slot (or its host has max_per_host
 * connections), then takes a slot and asks client_conn.c for a
 * connection. Once connected it writes the request head and body, and
 * feeds what arrives to a client_reader (client_response.c). When the
 * response is complete the connection goes back to the pool, and the
 * fetch either follows a redirect (a new request on the same slot) or
 * ends: its response is handed to the done callback through a deferred
 * event, so done never runs inside a call that started or cancelled
 * something, and a fetch awaited from a task resolves a future.
 *
 * Every way a fetch can end goes through finish(), which stops its
 * timers, closes or returns its connection, gives back its slot and
 * starts the next queued fetch. What a fetch is made of (the copied
 * request, its target, the head it writes) is client_request.c's.
 */
#include "client_internal.h"

#include <eddy/async/future.h>
#include <eddy/base/log.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>
#include <time.h>

double client_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------ the client */

void eddy_http_client_config_defaults(eddy_http_client_config *c)
{
    *c = (eddy_http_client_config){
        .max_clients = 10,
        .max_per_host = 0,
        .idle_timeout_ms = 30000,
        .max_idle = 100,
    };
}

eddy_http_client *eddy_http_client_new(const eddy_http_client_config *cfg)
{
    eddy_http_client *c = calloc(1, sizeof *c);
    if (!c) {
        errno = ENOMEM;
        return NULL;
    }
    eddy_http_client_config_defaults(&c->cfg);
    if (cfg)
        c->cfg = *cfg;
    if (c->cfg.max_clients <= 0)
        c->cfg.max_clients = 10;
    if (c->cfg.idle_timeout_ms <= 0)
        c->cfg.idle_timeout_ms = 30000;
    if (c->cfg.max_idle <= 0)
        c->cfg.max_idle = 100;
    c->scratch = (eddy_buf)EDDY_BUF_INIT;
    c->base = eddy_loop_base();
    /* resolv.conf and /etc/hosts; the DNS socket keeps no loop alive while
     * no lookup is waiting. */
    if (c->base)
        c->dns = evdns_base_new(c->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
                                             EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    c->ca_file = cfg && cfg->ca_file ? strdup(cfg->ca_file) : NULL;
    c->user_agent = strdup(cfg && cfg->user_agent ? cfg->user_agent : "eddy/0.1");
    if (!c->base || !c->dns || !c->user_agent || (cfg && cfg->ca_file && !c->ca_file)) {
        eddy_error("http client: cannot set up (%s)", !c->dns ? "evdns" : "out of memory");
        eddy_http_client_free(c);
        errno = ENOMEM;
        return NULL;
    }
    c->cfg.ca_file = c->ca_file;
    c->cfg.user_agent = c->user_agent;
    if (c->ca_file && !client_tls_ctx(c)) { /* a bad CA file is a set-up error: say it now */
        eddy_error("http client: %s", c->error);
        eddy_http_client_free(c);
        errno = EINVAL;
        return NULL;
    }
    return c;
}

void eddy_http_client_free(eddy_http_client *c)
{
    if (!c)
        return;
    while (c->queue_head)
        eddy_http_call_cancel(c->queue_head);
    while (c->active)
        eddy_http_call_cancel(c->active);
    while (c->delivering)
        eddy_http_call_cancel(c->delivering);
    client_pool_free(c);
    if (c->dns)
        evdns_base_free(c->dns, 0);
    if (c->ssl)
        SSL_CTX_free(c->ssl);
    eddy_buf_free(&c->scratch);
    free(c->ca_file);
    free(c->user_agent);
    free(c);
}

void eddy_http_client_stats_get(const eddy_http_client *c, eddy_http_client_stats *out)
{
    *out = c->stats;
    out->idle = c->idle_total;
}

/* ------------------------------------------------------------ lists */

static void list_push(eddy_http_call **head, eddy_http_call **tail, eddy_http_call *call)
{
    call->q_next = NULL;
    call->q_prev = tail ? *tail : NULL;
    if (tail) {
        if (*tail)
            (*tail)->q_next = call;
        else
            *head = call;
        *tail = call;
    } else { /* a list without a tail: push at the front */
        call->q_next = *head;
        if (*head)
            (*head)->q_prev = call;
        *head = call;
    }
}

static void list_remove(eddy_http_call **head, eddy_http_call **tail, eddy_http_call *call)
{
    if (call->q_prev)
        call->q_prev->q_next = call->q_next;
    else
        *head = call->q_next;
    if (call->q_next)
        call->q_next->q_prev = call->q_prev;
    else if (tail)
        *tail = call->q_prev;
    call->q_next = call->q_prev = NULL;
}

/* ------------------------------------------------------------ ending a fetch */

static void on_deliver(evutil_socket_t fd, short what, void *arg);

/* finish - the one way a fetch ends: resp (NULL: an error response is
 * made from error and text) becomes its result, delivered from the loop. */
static void finish(eddy_http_call *call, eddy_http_response *resp, int error, const char *text)
{
    eddy_http_client *c = call->client;
    event_del(&call->request_timer);
    event_del(&call->connect_timer);
    if (call->conn) {
        client_conn *conn = call->conn;
        call->conn = NULL;
        conn->call = NULL;
        client_conn_close(conn); /* its response was not read to the end */
    }
    if (call->reader_ready) {
        client_reader_free(&call->reader);
        call->reader_ready = 0;
    }
    if (call->queued) {
        list_remove(&c->queue_head, &c->queue_tail, call);
        call->queued = 0;
        c->stats.queued--;
    }
    if (call->has_slot) {
        list_remove(&c->active, NULL, call);
        call->has_slot = 0;
        c->stats.active--;
    }
    if (!resp && (resp = client_response_new()) != NULL)
        client_response_fail(resp, error, text);
    if (resp) {
        resp->url = strdup(call->url ? call->url : "");
        resp->redirects = call->redirects;
        resp->reused = call->reused;
        double now = client_now_ms();
        resp->time_ms = now - call->t_start;
        resp->queue_ms = (call->t_slot ? call->t_slot : now) - call->t_start;
    }
    call->result = resp;
    call->delivering = 1;
    list_push(&c->delivering, NULL, call);
    event_active(&call->deliver, EV_TIMEOUT, 0);
    client_dispatch(c);
}

static void on_deliver(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_http_call *call = arg;
    list_remove(&call->client->delivering, NULL, call);
    call->delivering = 0;
    eddy_http_response *resp = call->result;
    call->result = NULL;
    eddy_http_done_fn done = call->done;
    void *done_arg = call->done_arg;
    client_call_free(call); /* before done: done may free the client */
    done(resp, done_arg);
}

void client_call_failed(eddy_http_call *call, int error, const char *text)
{
    finish(call, NULL, error, text);
}

static void on_request_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_http_call *call = arg;
    char text[120];
    snprintf(text, sizeof text, "request timeout after %ld ms%s", call->request_timeout_ms,
             call->queued ? " (still queued: max_clients fetches were running)" : "");
    finish(call, NULL, ETIME, text);
}

static void on_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    eddy_http_call *call = arg;
    char text[120];
    snprintf(text, sizeof text, "connect timeout after %ld ms", call->connect_timeout_ms);
    finish(call, NULL, ETIMEDOUT, text);
}

/* ------------------------------------------------------------ sending */

void client_call_connecting(eddy_http_call *call)
{
    struct timeval tv = {call->connect_timeout_ms / 1000, (call->connect_timeout_ms % 1000) * 1000};
    evtimer_add(&call->connect_timer, &tv);
}

void client_call_connected(eddy_http_call *call)
{
    event_del(&call->connect_timer);
    eddy_buf *out = &call->client->scratch;
    eddy_buf_clear(out);
    call->reused = call->conn->requests > 0;
    if (client_call_write_head(call, out) < 0 || (call->body && eddy_buf_append(out, call->body, call->body_len) < 0) ||
        client_conn_send(call->conn, out->data, out->len) < 0) {
        finish(call, NULL, ENOMEM, "out of memory for the request");
        return;
    }
    if (out->cap > 65536) { /* one large upload must not pin its memory for good */
        eddy_buf_free(out);
    }
}

/* ------------------------------------------------------------ receiving */

/* on_head - the reader has a final head: a redirect to follow has its
 * body read and dropped; otherwise the caller's callbacks take over. */
static int on_head(void *owner, const eddy_http_message *head)
{
    eddy_http_call *call = owner;
    int s = head->status;
    const eddy_str *loc = eddy_http_header_get(head, "location");
    free(call->redirect_to);
    call->redirect_to = NULL;
    call->redirect_error = NULL;
    if (call->follow && loc && (s == 301 || s == 302 || s == 303 || s == 307 || s == 308)) {
        eddy_buf to = EDDY_BUF_INIT;
        if (call->max_redirects < 0)
            call->redirect_error = "redirect not allowed (max_redirects < 0)";
        else if (call->redirects >= call->max_redirects)
            call->redirect_error = "too many redirects";
        else if (eddy_url_resolve(call->url, strlen(call->url), loc->p, loc->len, &to) < 0 || !to.data)
            call->redirect_error = "malformed Location in a redirect"; /* EPROTO, not ELOOP */
        else
            call->redirect_to = eddy_buf_detach(&to, NULL);
        eddy_buf_free(&to);
        return HEAD_DISCARD_BODY;
    }
    if (call->header_cb && call->header_cb(head, call->cb_arg) != 0)
        return HEAD_ABORT;
    call->reader.body_cb = call->body_cb;
    call->reader.cb_arg = call->cb_arg;
    return HEAD_KEEP;
}

static void begin_request(eddy_http_call *call);

/* follow - the redirect's body is read: aim at its Location and go again. */
static void follow(eddy_http_call *call, int status)
{
    char *to = call->redirect_to;
    call->redirect_to = NULL;
    call->redirects++;
    int loop = client_call_remember_url(call, to);
    if (loop != 0) {
        free(to);
        finish(call, NULL, loop < 0 ? EPROTO : ELOOP,
               loop < 0 ? "redirect to a URL that cannot be fetched" : "redirect loop");
        return;
    }
    /* 303 is always "now GET it"; 301 and 302 turn a POST into a GET as
     * browsers do; 307 and 308 repeat the request as it was. */
    int to_get = (status == 303 && strcmp(call->method, "HEAD") != 0) ||
                 ((status == 301 || status == 302) && strcmp(call->method, "POST") == 0);
    if (to_get) {
        char *get = strdup("GET");
        if (get) {
            free(call->method);
            call->method = get;
        }
        free(call->body);
        call->body = NULL;
        call->body_len = 0;
    }
    const char *why = client_call_set_target(call, to);
    free(to);
    if (why) {
        finish(call, NULL, EINVAL, why);
        return;
    }
    begin_request(call);
}

/* response_done - the reader has the whole response. */
static void response_done(eddy_http_call *call)
{
    eddy_http_client *c = call->client;
    client_conn *conn = call->conn;
    call->conn = NULL;
    client_conn_release(conn, client_reader_keep_alive(&call->reader));
    c->stats.requests++;
    eddy_http_response *resp = client_reader_take(&call->reader);
    int status = resp ? resp->status : 0;
    client_reader_free(&call->reader);
    call->reader_ready = 0;
    if (call->redirect_error) {
        char text[120];
        int malformed = strncmp(call->redirect_error, "malformed", 9) == 0;
        snprintf(text, sizeof text, "%s (after %d redirects)", call->redirect_error, call->redirects);
        eddy_http_response_free(resp);
        finish(call, NULL, malformed ? EPROTO : ELOOP, text);
    } else if (call->redirect_to) {
        eddy_http_response_free(resp);
        follow(call, status);
    } else if (!resp) {
        finish(call, NULL, ENOMEM, "out of memory");
    } else {
        finish(call, resp, 0, NULL);
    }
}

int client_call_data(eddy_http_call *call)
{
    struct evbuffer *in = bufferevent_get_input(call->conn->bev);
    enum reader_state st = call->reader.state;
    while ((st == READ_HEAD || st == READ_BODY) && evbuffer_get_length(in) > 0) {
        struct evbuffer_iovec vec[8];
        int n = evbuffer_peek(in, -1, NULL, vec, 8);
        size_t taken = 0;
        for (int i = 0; i < n && i < 8; i++) {
            size_t used;
            st = client_reader_feed(&call->reader, vec[i].iov_base, vec[i].iov_len, &used);
            taken += used;
            if (used < vec[i].iov_len || (st != READ_HEAD && st != READ_BODY))
                break;
        }
        evbuffer_drain(in, taken);
        if (taken == 0)
            break;
    }
    if (st == READ_ERROR)
        finish(call, NULL, call->reader.error, call->reader.error_text);
    else if (st == READ_DONE)
        response_done(call);
    return st == READ_HEAD || st == READ_BODY;
}

void client_call_closed(eddy_http_call *call, int error, const char *text)
{
    client_conn *conn = call->conn;
    /* A pooled connection the server had closed meanwhile: nothing came
     * back. Try once more on a new one, if repeating is harmless. */
    if (call->reused && call->reader.bytes_in == 0 && call->reader.state == READ_HEAD &&
        !call->retried && client_method_idempotent(call->method)) {
        call->conn = NULL;
        conn->call = NULL;
        client_conn_close(conn);
        call->retried = 1;
        call->fresh_only = 1;
        call->client->stats.retried++;
        client_reader_free(&call->reader);
        call->reader_ready = 0;
        begin_request(call);
        return;
    }
    if (error) {
        finish(call, NULL, error, text);
        return;
    }
    enum reader_state st = client_reader_eof(&call->reader);
    if (st == READ_DONE)
        response_done(call);
    else
        finish(call, NULL, call->reader.error, call->reader.error_text);
}

/* ------------------------------------------------------------ starting */

static void begin_request(eddy_http_call *call)
{
    if (client_reader_init(&call->reader, call->method, call->decompress, call->max_body) < 0) {
        finish(call, NULL, ENOMEM, "out of memory");
        return;
    }
    call->reader_ready = 1;
    call->reader.on_head = on_head;
    call->reader.owner = call;
    call->reused = 0;
    if (client_conn_get(call) < 0)
        finish(call, NULL, ENOMEM, "out of memory for a connection");
}

void client_dispatch(eddy_http_client *c)
{
    while (c->stats.active < c->cfg.max_clients) {
        eddy_http_call *call = c->queue_head;
        while (call && !client_host_can_open(c, call->host_key))
            call = call->q_next;
        if (!call)
            return;
        list_remove(&c->queue_head, &c->queue_tail, call);
        call->queued = 0;
        c->stats.queued--;
        call->has_slot = 1;
        c->stats.active++;
        list_push(&c->active, NULL, call);
        call->t_slot = client_now_ms();
        begin_request(call);
    }
}

eddy_http_call *eddy_http_fetch_cb(eddy_http_client *c, const eddy_http_request *req,
                                   eddy_http_done_fn done, void *arg)
{
    const char *why = NULL;
    eddy_http_call *call = client_call_new(c, req, &why);
    if (!call) {
        errno = ENOMEM;
        return NULL;
    }
    evtimer_assign(&call->request_timer, c->base, on_request_timeout, call);
    evtimer_assign(&call->connect_timer, c->base, on_connect_timeout, call);
    event_assign(&call->deliver, c->base, -1, 0, on_deliver, call);
    call->done = done;
    call->done_arg = arg;
    if (why) {
        finish(call, NULL, strcmp(why, "out of memory") == 0 ? ENOMEM : EINVAL, why);
        return call;
    }
    struct timeval tv = {call->request_timeout_ms / 1000, (call->request_timeout_ms % 1000) * 1000};
    evtimer_add(&call->request_timer, &tv);
    call->queued = 1;
    c->stats.queued++;
    list_push(&c->queue_head, &c->queue_tail, call);
    client_dispatch(c);
    return call;
}

void eddy_http_call_cancel(eddy_http_call *call)
{
    eddy_http_client *c = call->client;
    if (call->delivering) {
        list_remove(&c->delivering, NULL, call);
        eddy_http_response_free(call->result);
        client_call_free(call);
        return;
    }
    finish(call, NULL, ECANCELED, "cancelled");
    /* finish queued the delivery: take it back, nobody is to be called */
    list_remove(&c->delivering, NULL, call);
    eddy_http_response_free(call->result);
    client_call_free(call);
}

/* ------------------------------------------------------------ from a task */

static void resolve_future(eddy_http_response *resp, void *arg)
{
    eddy_future_resolve(arg, 0, resp);
}

/* quote:begin eddy-http-fetch */
int eddy_http_fetch(eddy_http_client *c, const eddy_http_request *req, eddy_http_response **resp)
{
    *resp = NULL;
    if (!eddy_task_current())
        return EPERM;
    if (eddy_task_cancelled())
        return ECANCELED;
    eddy_future *f = eddy_future_new();
    if (!f)
        return ENOMEM;
    eddy_http_call *call = eddy_http_fetch_cb(c, req, resolve_future, f);
    if (!call) {
        eddy_future_resolve(f, ENOMEM, NULL);
        eddy_future_release(f);
        return ENOMEM;
    }
    void *value = NULL;
    int rc = eddy_future_await(f, -1, &value);
    if (rc == 0) { /* the fetch ended (the call is gone) */
        eddy_future_release(f);
        *resp = value;
        return *resp ? (*resp)->error : ENOMEM;
    }
    /* The task was cancelled first: the fetch stops, and its future,
     * which done will now never resolve, is resolved here. */
    eddy_http_call_cancel(call);
    eddy_future_resolve(f, rc, NULL);
    eddy_future_release(f);
    return rc;
}
/* quote:end eddy-http-fetch */
