/*
 * redis - the connection: opening it from a URL, reconnecting with a
 * growing pause, commands awaited by tasks or answered to callbacks,
 * and subscribing. See redis.h.
 *
 * hiredis does the protocol and keeps the queue of callbacks in the
 * order commands were written, so many tasks can have commands in flight
 * on one connection. Each hiredis context is one attempt at a
 * connection: when it fails or breaks, hiredis frees it (after running
 * every waiting callback with no reply) and this file makes a new one
 * after a pause.
 */
#include <eddy/data/redis.h>

#include <eddy/async/future.h>
#include <eddy/base/log.h>
#include <eddy/base/url.h>

#include <errno.h>
#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/libevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct eddy_redis {
    char *host;
    int port;
    char *user;     /* NULL: AUTH with the password alone */
    char *password; /* NULL: no AUTH */
    long db;
    char *redacted;
    eddy_redis_options o;
    struct event_base *base;
    redisAsyncContext *ac; /* the current attempt; NULL while pausing */
    int connected;
    int was_up; /* a connection has been up before */
    int warned; /* this outage has been logged */
    int closing;
    long pause_ms; /* the next pause before reconnecting */
    struct event *retry_timer;
    struct event *connect_timer;
    void (*on_connect)(void *arg);
    void *on_connect_arg;
    eddy_redis_reply_fn on_message;
    void *on_message_arg;
};

/* ------------------------------------------------------------ replies */

static size_t round_up(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* extra_size - the bytes a copy of r needs beyond its own node. */
static size_t extra_size(const redisReply *r)
{
    size_t n = 0;
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
        r->type == REDIS_REPLY_ERROR)
        n += round_up(r->len + 1);
    if (r->type == REDIS_REPLY_ARRAY) {
        n += round_up(r->elements * sizeof(eddy_redis_reply));
        for (size_t i = 0; i < r->elements; i++)
            n += extra_size(r->element[i]);
    }
    return n;
}

/* fill - copy r into node, taking room from *room. */
static void fill(eddy_redis_reply *node, const redisReply *r, char **room)
{
    *node = (eddy_redis_reply){.type = EDDY_REDIS_NIL};
    switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
        node->type = r->type == REDIS_REPLY_STRING   ? EDDY_REDIS_STRING
                     : r->type == REDIS_REPLY_STATUS ? EDDY_REDIS_STATUS
                                                     : EDDY_REDIS_ERROR;
        node->str = *room;
        node->len = r->len;
        memcpy(node->str, r->str, r->len);
        node->str[r->len] = '\0';
        *room += round_up(r->len + 1);
        break;
    case REDIS_REPLY_INTEGER:
        node->type = EDDY_REDIS_INTEGER;
        node->integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        node->type = EDDY_REDIS_ARRAY;
        node->elements = r->elements;
        node->element = (eddy_redis_reply *)(void *)*room;
        *room += round_up(r->elements * sizeof(eddy_redis_reply));
        for (size_t i = 0; i < r->elements; i++)
            fill(&node->element[i], r->element[i], room);
        break;
    default:
        break;
    }
}

/* copy_reply - r as one malloc'ed block, or NULL. */
static eddy_redis_reply *copy_reply(const redisReply *r)
{
    size_t head = round_up(sizeof(eddy_redis_reply));
    char *block = malloc(head + extra_size(r));
    if (!block)
        return NULL;
    char *room = block + head;
    fill((eddy_redis_reply *)(void *)block, r, &room);
    return (eddy_redis_reply *)(void *)block;
}

void eddy_redis_reply_free(eddy_redis_reply *reply)
{
    free(reply);
}

/* ------------------------------------------------------------ connecting */

static void start_connect(eddy_redis *r);

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    start_connect(arg);
}

/* pause_then_retry - the attempt is over: try again after the pause, and
 * make the next pause longer. */
static void pause_then_retry(eddy_redis *r)
{
    r->ac = NULL;
    r->connected = 0;
    if (r->closing)
        return;
    event_del(r->connect_timer);
    struct timeval tv = {r->pause_ms / 1000, (r->pause_ms % 1000) * 1000};
    evtimer_add(r->retry_timer, &tv);
    r->pause_ms = r->pause_ms * 2 > r->o.retry_max_ms ? r->o.retry_max_ms : r->pause_ms * 2;
}

static void on_connected(const redisAsyncContext *ac, int status)
{
    eddy_redis *r = ac->data;
    event_del(r->connect_timer);
    if (status != REDIS_OK) {
        if (!r->warned) /* once per outage: the retries would fill the log */
            eddy_warn("redis %s: cannot connect (trying again): %s", r->redacted, ac->errstr);
        else
            eddy_debug("redis %s: cannot connect: %s", r->redacted, ac->errstr);
        r->warned = 1;
        pause_then_retry(r); /* hiredis frees ac */
        return;
    }
    r->connected = 1;
    r->warned = 0;
    r->pause_ms = r->o.retry_min_ms;
    if (r->was_up) /* the first connection is no news; a new one after a loss is */
        eddy_info("redis %s: connected again", r->redacted);
    r->was_up = 1;
    if (r->on_connect)
        r->on_connect(r->on_connect_arg);
}

static void on_disconnected(const redisAsyncContext *ac, int status)
{
    eddy_redis *r = ac->data;
    if (r->closing)
        return;
    if (status != REDIS_OK)
        eddy_warn("redis %s: connection lost: %s", r->redacted, ac->errstr);
    pause_then_retry(r); /* hiredis frees ac */
}

/* on_connect_timeout - the attempt took too long: drop it (its buffered
 * commands get no reply) and pause. */
static void on_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    eddy_redis *r = arg;
    if (!r->ac || r->connected)
        return;
    eddy_warn("redis %s: no connection within %ld ms", r->redacted, r->o.connect_timeout_ms);
    redisAsyncContext *ac = r->ac;
    r->ac = NULL;
    redisAsyncFree(ac);
    pause_then_retry(r);
}

/* on_setup_reply - the answer to AUTH or SELECT: only worth a log line. */
static void on_setup_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    const redisReply *rep = reply;
    if (rep && rep->type == REDIS_REPLY_ERROR)
        eddy_error("redis %s: %s refused: %s", ((eddy_redis *)ac->data)->redacted,
                   (const char *)privdata, rep->str);
}

static void start_connect(eddy_redis *r)
{
    redisAsyncContext *ac = redisAsyncConnect(r->host, r->port);
    if (!ac || ac->err) {
        if (!r->warned)
            eddy_warn("redis %s: cannot connect (trying again): %s", r->redacted,
                      ac ? ac->errstr : "out of memory");
        r->warned = 1;
        if (ac)
            redisAsyncFree(ac);
        pause_then_retry(r);
        return;
    }
    ac->data = r;
    if (redisLibeventAttach(ac, r->base) != REDIS_OK) {
        redisAsyncFree(ac);
        pause_then_retry(r);
        return;
    }
    redisAsyncSetConnectCallback(ac, on_connected);
    redisAsyncSetDisconnectCallback(ac, on_disconnected);
    r->ac = ac;
    /* Written before any command of the program's, so they run first. */
    if (r->password) {
        const char *argv[3] = {"AUTH", r->user ? r->user : r->password, r->password};
        size_t lens[3] = {4, strlen(argv[1]), strlen(r->password)};
        int argc = r->user ? 3 : 2;
        redisAsyncCommandArgv(ac, on_setup_reply, (void *)"AUTH", argc, argv, lens);
    }
    if (r->db) {
        char num[24];
        snprintf(num, sizeof num, "%ld", r->db);
        const char *argv[2] = {"SELECT", num};
        size_t lens[2] = {6, strlen(num)};
        redisAsyncCommandArgv(ac, on_setup_reply, (void *)"SELECT", 2, argv, lens);
    }
    struct timeval tv = {r->o.connect_timeout_ms / 1000, (r->o.connect_timeout_ms % 1000) * 1000};
    evtimer_add(r->connect_timer, &tv);
}

/* ------------------------------------------------------------ opening */

/* parse_url - "redis://[user][:password]@host[:port][/db]" into r; 0 or -1. */
static int parse_url(eddy_redis *r, const char *url)
{
    eddy_url u;
    if (eddy_url_parse(url, strlen(url), &u) < 0 || !eddy_str_case_eq(u.scheme, "redis") ||
        !u.authority.p)
        return -1;
    if (u.userinfo.p) {
        const char *colon = memchr(u.userinfo.p, ':', u.userinfo.len);
        if (!colon) /* "redis://secret@host": the password alone */
            r->password = eddy_url_decode_dup(u.userinfo.p, u.userinfo.len);
        else {
            size_t ulen = (size_t)(colon - u.userinfo.p);
            r->user = ulen ? eddy_url_decode_dup(u.userinfo.p, ulen) : NULL;
            r->password = eddy_url_decode_dup(colon + 1, u.userinfo.len - ulen - 1);
            if (ulen && !r->user)
                return -1;
        }
        if (!r->password)
            return -1;
    }
    if (u.port_number == 0)
        return -1;
    r->host = u.host.len ? strndup(u.host.p, u.host.len) : strdup("127.0.0.1");
    r->port = u.port_number > 0 ? u.port_number : 6379;
    if (u.path.len > 1) {
        char *end;
        r->db = strtol(u.path.p + 1, &end, 10);
        if (end != u.path.p + u.path.len || r->db < 0)
            return -1;
    }
    return r->host ? 0 : -1;
}

/* redact - the URL with the password replaced by "***". */
static char *redact(const char *url)
{
    const char *scheme = strstr(url, "://"), *at = strrchr(url, '@');
    if (!scheme || !at)
        return strdup(url);
    const char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
    const char *secret = colon ? colon + 1 : scheme + 3;
    size_t n = strlen(url) + 4;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%.*s***%s", (int)(secret - url), url, at);
    return out;
}

static long or_default(long v, long dflt)
{
    return v ? v : dflt;
}

eddy_redis *eddy_redis_open(const char *url, const eddy_redis_options *options)
{
    eddy_redis *r = calloc(1, sizeof *r);
    if (!r) {
        errno = ENOMEM;
        return NULL;
    }
    eddy_redis_options o = options ? *options : (eddy_redis_options){0};
    r->o.connect_timeout_ms = or_default(o.connect_timeout_ms, 3000);
    r->o.command_timeout_ms = or_default(o.command_timeout_ms, 5000);
    r->o.retry_min_ms = or_default(o.retry_min_ms, 100);
    r->o.retry_max_ms = or_default(o.retry_max_ms, 5000);
    if (r->o.retry_max_ms < r->o.retry_min_ms)
        r->o.retry_max_ms = r->o.retry_min_ms;
    r->pause_ms = r->o.retry_min_ms;
    int err = EINVAL;
    if (!url || parse_url(r, url) < 0) {
        eddy_error("redis: cannot read the URL (redis://[:password@]host[:port][/db])");
        goto fail;
    }
    err = ENOMEM;
    r->redacted = redact(url);
    r->base = eddy_loop_base();
    if (!r->redacted || !r->base)
        goto fail;
    r->retry_timer = evtimer_new(r->base, on_retry, r);
    r->connect_timer = evtimer_new(r->base, on_connect_timeout, r);
    if (!r->retry_timer || !r->connect_timer)
        goto fail;
    start_connect(r);
    return r;
fail:
    eddy_redis_close(r);
    errno = err;
    return NULL;
}

void eddy_redis_close(eddy_redis *r)
{
    if (!r)
        return;
    r->closing = 1;
    if (r->ac) {
        redisAsyncContext *ac = r->ac;
        r->ac = NULL;
        redisAsyncFree(ac); /* every waiting callback runs, with no reply */
    }
    if (r->retry_timer)
        event_free(r->retry_timer);
    if (r->connect_timer)
        event_free(r->connect_timer);
    free(r->host);
    free(r->user);
    free(r->password);
    free(r->redacted);
    free(r);
}

int eddy_redis_connected(const eddy_redis *r)
{
    return r->connected;
}

const char *eddy_redis_url_redacted(const eddy_redis *r)
{
    return r->redacted;
}

void eddy_redis_on_connect(eddy_redis *r, void (*fn)(void *arg), void *arg)
{
    r->on_connect = fn;
    r->on_connect_arg = arg;
}

void eddy_redis_on_message(eddy_redis *r, eddy_redis_reply_fn fn, void *arg)
{
    r->on_message = fn;
    r->on_message_arg = arg;
}

/* ------------------------------------------------------------ sending */

/* send_argv - write one command on the current attempt; 0, or -1 with errno. */
static int send_argv(eddy_redis *r, redisCallbackFn *cb, void *privdata, const eddy_redis_arg *args,
                     size_t n)
{
    if (n == 0 || n > 1024 * 1024) {
        errno = EINVAL;
        return -1;
    }
    if (!r->ac) {
        errno = ECONNREFUSED;
        return -1;
    }
    const char *argv_small[16];
    size_t lens_small[16];
    const char **argv = argv_small;
    size_t *lens = lens_small;
    if (n > 16) {
        argv = malloc(n * sizeof *argv);
        lens = malloc(n * sizeof *lens);
        if (!argv || !lens) {
            free(argv);
            free(lens);
            errno = ENOMEM;
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        argv[i] = args[i].p ? args[i].p : "";
        lens[i] = args[i].len;
    }
    int rc = redisAsyncCommandArgv(r->ac, cb, privdata, (int)n, argv, lens);
    if (n > 16) {
        free(argv);
        free(lens);
    }
    if (rc != REDIS_OK) {
        errno = r->ac->c.err == REDIS_ERR_OOM ? ENOMEM : ECONNREFUSED;
        return -1;
    }
    return 0;
}

/* An awaited command. The task and the reply callback share it: whichever
 * of the two is left last frees it (the callback, when the task gave up
 * on a timeout or cancellation first). */
struct command {
    eddy_future *future;
    eddy_redis_reply *reply;
    int answered;  /* the callback has run */
    int abandoned; /* the task has gone */
};

static void on_command_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    struct command *c = privdata;
    c->answered = 1;
    if (c->abandoned) {
        eddy_future_resolve(c->future, ECANCELED, NULL);
        free(c);
        return;
    }
    int err = 0;
    if (!reply)
        err = ECONNREFUSED;
    else if (!(c->reply = copy_reply(reply)))
        err = ENOMEM;
    else if (c->reply->type == EDDY_REDIS_ERROR)
        err = EIO;
    eddy_future_resolve(c->future, err, NULL);
}

int eddy_redis_command(eddy_redis *r, eddy_redis_reply **out, const eddy_redis_arg *args, size_t n)
{
    *out = NULL;
    if (!eddy_task_current())
        return EPERM;
    if (eddy_task_cancelled())
        return ECANCELED;
    struct command *c = calloc(1, sizeof *c);
    if (!c || !(c->future = eddy_future_new())) {
        free(c);
        return ENOMEM;
    }
    if (send_argv(r, on_command_reply, c, args, n) < 0) {
        int err = errno;
        eddy_future_resolve(c->future, err, NULL);
        eddy_future_release(c->future);
        free(c);
        return err;
    }
    int rc = eddy_future_await(c->future, r->o.command_timeout_ms, NULL);
    eddy_future_release(c->future);
    if (!c->answered) { /* timed out or cancelled: the callback frees c later */
        c->abandoned = 1;
        return rc;
    }
    if (rc == 0 || rc == EIO)
        *out = c->reply;
    else
        eddy_redis_reply_free(c->reply);
    free(c);
    return rc;
}

/* A callback's command. */
struct callback {
    eddy_redis_reply_fn fn;
    void *arg;
};

static void on_callback_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    struct callback *cb = privdata;
    eddy_redis_reply *copy = reply ? copy_reply(reply) : NULL;
    if (cb->fn)
        cb->fn(cb->arg, copy);
    eddy_redis_reply_free(copy);
    free(cb);
}

int eddy_redis_send(eddy_redis *r, eddy_redis_reply_fn fn, void *arg, const eddy_redis_arg *args,
                    size_t n)
{
    struct callback *cb = malloc(sizeof *cb);
    if (!cb) {
        errno = ENOMEM;
        return -1;
    }
    *cb = (struct callback){fn, arg};
    if (send_argv(r, on_callback_reply, cb, args, n) < 0) {
        free(cb);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ subscribing */

/* on_push - every reply of a subscribing connection: hiredis keeps this
 * callback per channel and calls it for each message on it. privdata is
 * the connection, which outlives its contexts. */
static void on_push(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)ac;
    eddy_redis *r = privdata;
    if (!reply || !r->on_message || r->closing)
        return;
    eddy_redis_reply *copy = copy_reply(reply);
    if (!copy) {
        eddy_error("redis %s: out of memory: a message was dropped", r->redacted);
        return;
    }
    r->on_message(r->on_message_arg, copy);
    eddy_redis_reply_free(copy);
}

int eddy_redis_subscribe(eddy_redis *r, const char *channel, size_t len)
{
    return send_argv(r, on_push, r,
                     EDDY_REDIS_ARGS(EDDY_REDIS_STR("SUBSCRIBE"), EDDY_REDIS_BYTES(channel, len)));
}

int eddy_redis_unsubscribe(eddy_redis *r, const char *channel, size_t len)
{
    return send_argv(
        r, on_push, r,
        EDDY_REDIS_ARGS(EDDY_REDIS_STR("UNSUBSCRIBE"), EDDY_REDIS_BYTES(channel, len)));
}
