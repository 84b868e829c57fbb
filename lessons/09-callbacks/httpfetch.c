/*
 * httpfetch - lesson 09: an HTTP GET as a state machine of callbacks; see
 * httpfetch.h.
 *
 * Lesson 01's blocking fetch was one function that read top to bottom:
 * connect, send, read until EOF, return the result. Here the same steps are
 * cut apart at every point where it would have waited, and each piece is a
 * callback the loop calls when the socket is ready:
 *
 *   fetch_start --> on_connected --> on_writable --> on_readable --> done
 *                    (writable)       (writable)      (readable, many
 *                                                      times, then EOF)
 *
 * What the blocking function kept in local variables (the socket, the
 * bytes sent, the bytes received, the start time, where to report back)
 * must survive between the pieces, so it moves into struct fetch on the
 * heap: the "state machine struct" every callback program grows.
 */
#include "httpfetch.h"
#include "response.h"

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* quote:begin struct-fetch */
/* One fetch in progress: what a blocking fetch kept on its stack. */
struct fetch {
    loop *l;
    enum { CONNECTING, SENDING, RECEIVING } state; /* for a reader or a debugger */
    char url[2048];
    char host[256], port[8], path[2048];
    int fd;
    struct addrinfo *addrs, *next_addr; /* next_addr: the next one to try */
    char req[2560];                     /* the request, and how much of it is sent */
    size_t req_len, sent;
    struct response r;   /* the bytes received so far */
    double t0;           /* now_ms() at fetch_start() */
    char error[300];     /* "" until something fails */
    fetch_done_fn *done; /* where the result goes: the caller's stack is gone */
    void *arg;
};
/* quote:end struct-fetch */

static void on_connected(loop *l, int fd, int events, void *arg);
static void on_writable(loop *l, int fd, int events, void *arg);
static void on_readable(loop *l, int fd, int events, void *arg);

/* now_ms - the monotonic clock in ms, finer than the loop's whole ms. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* parse_url - split http://host[:port][/path] into f; 0, or -1. */
static int parse_url(struct fetch *f, const char *url)
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *host = url + 7;
    size_t hlen = strcspn(host, ":/");
    if (hlen == 0 || hlen >= sizeof f->host)
        return -1;
    memcpy(f->host, host, hlen);
    f->host[hlen] = '\0';
    const char *rest = host + hlen;
    strcpy(f->port, "80");
    if (*rest == ':') {
        size_t plen = strspn(rest + 1, "0123456789");
        if (plen == 0 || plen >= sizeof f->port || (rest[1 + plen] && rest[1 + plen] != '/'))
            return -1;
        memcpy(f->port, rest + 1, plen);
        f->port[plen] = '\0';
        rest += 1 + plen;
    }
    int n = snprintf(f->path, sizeof f->path, "%s", *rest ? rest : "/");
    return n < (int)sizeof f->path ? 0 : -1;
}

/* quote:begin finish */
/* finish - the fetch is over: hand the result to the done callback, then
 * free everything. what/err say what failed (what NULL: it succeeded). */
static void finish(struct fetch *f, const char *what, int err)
{
    if (what && err)
        snprintf(f->error, sizeof f->error, "%s: %s", what, strerror(err));
    else if (what)
        snprintf(f->error, sizeof f->error, "%s", what);
    if (f->fd >= 0) {
        loop_unwatch(f->l, f->fd);
        close(f->fd);
    }
    bool ok = !f->error[0];
    struct fetch_result res = {
        .url = f->url,
        .status = ok ? f->r.status : 0,
        .body = ok ? f->r.data + f->r.body_off : NULL,
        .body_len = ok ? f->r.len - f->r.body_off : 0,
        .ms = now_ms() - f->t0,
        .error = ok ? NULL : f->error,
    };
    f->done(f->l, &res, f->arg); /* the only way back to whoever started us */
    if (f->addrs)
        freeaddrinfo(f->addrs);
    response_free(&f->r);
    free(f);
}
/* quote:end finish */

/* on_failed_early - a timer callback: report an error found inside
 * fetch_start(). Calling done from fetch_start() itself would run the
 * caller's "after" code before fetch_start() has even returned to it. */
static void on_failed_early(loop *l, long id, void *arg)
{
    (void)l, (void)id;
    finish(arg, NULL, 0);
}

/* fail_early - note what went wrong and report it from the loop. */
static int fail_early(struct fetch *f, const char *what, int err)
{
    snprintf(f->error, sizeof f->error, "%s%s%s", what, err ? ": " : "", err ? strerror(err) : "");
    if (loop_timer_add(f->l, 0, 0, on_failed_early, f) < 0) {
        free(f);
        return -1;
    }
    return 0;
}

/* start_connect - start connecting to the next address; when the socket
 * becomes writable the loop calls on_connected. 0, or -1 if no address is
 * left (err: why the last one failed). */
static int start_connect(struct fetch *f, int err)
{
    for (struct addrinfo *ai = f->next_addr; ai; ai = ai->ai_next) {
        f->next_addr = ai->ai_next;
        int fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if ((connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS ||
             errno == EINTR) &&
            loop_watch(f->l, fd, LOOP_WRITE, on_connected, f) == 0) {
            f->fd = fd;
            f->state = CONNECTING;
            return 0;
        }
        err = errno;
        close(fd);
    }
    errno = err;
    return -1;
}

/* quote:begin fetch-start */
int fetch_start(loop *l, const char *url, fetch_done_fn *done, void *arg)
{
    struct fetch *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *f = (struct fetch){.l = l, .fd = -1, .t0 = now_ms(), .done = done, .arg = arg};
    snprintf(f->url, sizeof f->url, "%s", url);
    if (parse_url(f, url) < 0)
        return fail_early(f, "not an http://host[:port]/path URL", 0);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    int rc = getaddrinfo(f->host, f->port, &hints, &f->addrs); /* blocks on real DNS */
    if (rc != 0) {
        char what[300];
        snprintf(what, sizeof what, "cannot resolve %s: %s", f->host, gai_strerror(rc));
        f->addrs = NULL;
        return fail_early(f, what, 0);
    }
    f->req_len = (size_t)snprintf(f->req, sizeof f->req,
                                  "GET %s HTTP/1.0\r\nHost: %s:%s\r\nUser-Agent: eddy-fetch\r\n"
                                  "Connection: close\r\n\r\n",
                                  f->path, f->host, f->port);
    f->next_addr = f->addrs;
    if (start_connect(f, ECONNREFUSED) < 0)
        return fail_early(f, "connect", errno);
    return 0; /* started, not done: the result comes later, to `done` */
}
/* quote:end fetch-start */

/* quote:begin on-connected */
/* on_connected - the socket is writable: the handshake is over, one way or
 * the other. */
static void on_connected(loop *l, int fd, int events, void *arg)
{
    struct fetch *f = arg;
    (void)events;
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) { /* refused, unreachable: try the next address */
        loop_unwatch(l, fd);
        close(fd);
        f->fd = -1;
        if (start_connect(f, err) < 0)
            finish(f, "connect", errno);
        return;
    }
    f->state = SENDING;
    loop_watch(l, fd, LOOP_WRITE, on_writable, f); /* the next state's callback */
    on_writable(l, fd, LOOP_WRITE, f);             /* and try sending at once */
}
/* quote:end on-connected */

/* on_writable - send as much of the request as the socket takes. */
static void on_writable(loop *l, int fd, int events, void *arg)
{
    struct fetch *f = arg;
    (void)events;
    while (f->sent < f->req_len) {
        ssize_t n = send(fd, f->req + f->sent, f->req_len - f->sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; /* the send buffer is full: the loop calls us again */
        if (n < 0) {
            finish(f, "send", errno);
            return;
        }
        f->sent += (size_t)n;
    }
    f->state = RECEIVING;
    if (loop_watch(l, fd, LOOP_READ, on_readable, f) < 0)
        finish(f, "watch", errno);
}

/* quote:begin on-readable */
/* on_readable - some of the response has arrived: keep it, and finish on
 * EOF. Called many times for one response. */
static void on_readable(loop *l, int fd, int events, void *arg)
{
    struct fetch *f = arg;
    (void)l, (void)events;
    int rc = response_read(fd, &f->r);
    if (rc == 0)
        return; /* more to come: stay registered, the loop calls again */
    if (rc < 0)
        finish(f, errno == EPROTO ? "not an HTTP/1.x response" : "recv",
               errno == EPROTO ? 0 : errno);
    else
        finish(f, NULL, 0);
}
/* quote:end on-readable */
