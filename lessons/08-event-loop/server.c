/*
 * server - lesson 08: the hello server of lessons 04-06, on the event loop.
 *
 * Lessons 04-06 wrote the wait-then-find-out-whose-fd-it-was loop by hand,
 * once per multiplexer. Here the loop is loop.c's, and this file only says
 * what to do *when* something happens: a connection arrives (on_accept),
 * a connection is readable or writable (on_conn_ready), a /slow request's
 * second is up (on_slow), it is time to print statistics (on_stats),
 * Ctrl-C was pressed (on_signal_pipe). Each is a callback; none of them
 * ever blocks, so one thread serves everyone.
 *
 *   server [--port N] [--address A] [--backend select|epoll] [--sleep-slow]
 *
 * `/` answers "Hello, world!\n"; `/slow` answers "Hello, slow world!\n"
 * after one second, by setting a timer rather than sleeping, so nobody
 * else waits; any other path is 404; methods other than GET and HEAD get
 * 405. HTTP/1.1 keeps connections open unless the client says
 * "Connection: close", HTTP/1.0 closes unless it asks for keep-alive;
 * pipelined requests are answered in order; anything malformed gets 400
 * and the connection is closed. Ctrl-C (or SIGTERM) prints a summary.
 *
 * --sleep-slow answers /slow the wrong way, with sleep(1) inside the
 * callback, to show what one blocking call does to everybody else.
 */
#include "loop.h"
#include "../03-server-models/request.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
    IN_CAP = 8192,        /* the largest request head we accept */
    OUT_HIGH = 64 * 1024, /* stop answering pipelined requests above this */
    SLOW_MS = 1000,       /* how long /slow makes its client wait */
    STATS_MS = 5000,      /* how often to print what happened */
};

/* One client connection: everything that must survive between callbacks
 * lives here, because the stack of a callback is gone when it returns. */
struct conn {
    int fd;
    long id;
    char in[IN_CAP]; /* bytes read and not yet parsed */
    size_t in_len;
    char *out; /* responses waiting to be sent: out[sent..len) */
    size_t out_len, out_sent, out_cap;
    long slow_timer;   /* a /slow being waited for (0: none); requests behind it wait too */
    bool slow_keep;    /* how to answer that /slow: keep the connection open? */
    bool slow_head;    /* ... HEAD, without the body? */
    int slow_minor;    /* ... to HTTP/1.0 or 1.1? */
    long long slow_at; /* when the /slow arrived, to print how long it took */
    bool eof;          /* the client has shut down its side */
    bool closing;      /* answer what is queued, then close */
    long requests;
    struct conn *prev, *next; /* every open connection, to close them at exit */
};

static struct conn *conns; /* the list of open connections */
static long conns_open, conns_total, requests_total, last_requests_printed = -1;
static bool sleep_slow;               /* --sleep-slow: answer /slow with sleep(), to see why not */
static int signal_pipe[2] = {-1, -1}; /* the signal handler writes, the loop reads */

static void on_conn_ready(loop *l, int fd, int events, void *arg);
static void step(loop *l, struct conn *c);

/* listen_on - a non-blocking listening socket on address:port, or -1. */
static int listen_on(const char *address, int port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &addr.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", address);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("socket");
        return -1;
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 128) < 0) {
        perror("bind/listen");
        close(fd);
        return -1;
    }
    return fd;
}

/* close_conn - forget c everywhere the loop knows it, then close it. */
static void close_conn(loop *l, struct conn *c)
{
    if (c->slow_timer)
        loop_timer_cancel(l, c->slow_timer); /* or it would fire on freed memory */
    loop_unwatch(l, c->fd);                  /* before close(): see loop.h */
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->out);
    free(c);
    conns_open--;
}

/* quote:begin on-accept */
/* on_accept - the listening socket is readable: take every waiting
 * connection and register a callback for each. */
static void on_accept(loop *l, int lfd, int events, void *arg)
{
    (void)events, (void)arg;
    for (int i = 0; i < 64; i++) { /* a bounded batch: let others run too */
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                fprintf(stderr, "accept: %s\n", strerror(errno)); /* e.g. EMFILE */
            return;
        }
        struct conn *c = calloc(1, sizeof *c);
        if (!c || loop_watch(l, fd, LOOP_READ, on_conn_ready, c) < 0) {
            fprintf(stderr, "cannot serve fd %d: %s\n", fd, strerror(errno));
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->id = ++conns_total;
        c->next = conns;
        if (conns)
            conns->prev = c;
        conns = c;
        conns_open++;
    }
}
/* quote:end on-accept */

/* read_some - read what has arrived into c->in; 0, or -1 if the connection
 * is broken. EOF only sets c->eof: requests already read still get answers. */
static int read_some(struct conn *c)
{
    while (c->in_len < IN_CAP) {
        ssize_t n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        if (n == 0) {
            c->eof = true;
            return 0;
        }
        c->in_len += (size_t)n;
    }
    return 0;
}

/* quote:begin on-conn */
/* on_conn_ready - c's socket is readable and/or writable. */
static void on_conn_ready(loop *l, int fd, int events, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    if ((events & LOOP_READ) && read_some(c) < 0) {
        close_conn(l, c); /* reset by the peer: nobody to answer */
        return;
    }
    step(l, c); /* answer what can be answered, send what can be sent */
}
/* quote:end on-conn */

/* respond - queue one response on c (head_only: HEAD, no body). */
static void respond(struct conn *c, int status, const char *body, bool keep, int minor,
                    bool head_only)
{
    const char *reason = status == 200   ? "OK"
                         : status == 404 ? "Not Found"
                         : status == 405 ? "Method Not Allowed"
                         : status == 503 ? "Service Unavailable"
                                         : "Bad Request";
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s\r\n",
                     status, reason, strlen(body),
                     !keep        ? "Connection: close\r\n"
                     : minor == 0 ? "Connection: keep-alive\r\n"
                                  : "");
    size_t body_len = head_only ? 0 : strlen(body);
    size_t need = c->out_len + (size_t)n + body_len;
    if (need > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 1024;
        while (cap < need)
            cap *= 2;
        char *out = realloc(c->out, cap);
        if (!out) { /* no memory for the answer: give up on this client */
            c->closing = true;
            return;
        }
        c->out = out;
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, head, (size_t)n);
    memcpy(c->out + c->out_len + (size_t)n, body, body_len);
    c->out_len = need;
    if (!keep)
        c->closing = true;
}

/* quote:begin on-slow */
/* on_slow - a /slow request's second is up: answer it, then carry on with
 * whatever the client pipelined behind it. */
static void on_slow(loop *l, long id, void *arg)
{
    struct conn *c = arg;
    (void)id;
    c->slow_timer = 0;
    respond(c, 200, "Hello, slow world!\n", c->slow_keep, c->slow_minor, c->slow_head);
    printf("conn %ld: /slow answered after %lld ms\n", c->id, loop_now_ms() - c->slow_at);
    step(l, c);
}
/* quote:end on-slow */

/* quote:begin process */
/* process - answer every whole request in c->in, in order. Stops at a
 * /slow (its answer must go out before the ones behind it) and when
 * enough output is queued (a client that pipelines but never reads must
 * not make us buffer without limit). */
static void process(loop *l, struct conn *c)
{
    while (!c->slow_timer && !c->closing && c->out_len - c->out_sent < OUT_HIGH) {
        struct http_request req;
        ssize_t n = http_parse(c->in, c->in_len, &req);
        if (n == 0 && c->in_len < IN_CAP)
            return;   /* not a whole request yet: wait for more bytes */
        if (n <= 0) { /* malformed, or a head too large to ever fit */
            respond(c, 400, "Bad request\n", false, 1, false);
            printf("conn %ld: malformed request, answered 400 and closing\n", c->id);
            return;
        }
        c->requests++;
        requests_total++;
        bool head = req.method_len == 4 && memcmp(req.method, "HEAD", 4) == 0;
        bool get = req.method_len == 3 && memcmp(req.method, "GET", 3) == 0;
        bool keep = req.keep_alive;
        int minor = req.minor_version;
        if (!get && !head) {
            respond(c, 405, "Only GET and HEAD\n", keep, minor, head);
        } else if (req.path_len == 5 && memcmp(req.path, "/slow", 5) == 0 && sleep_slow) {
            sleep(SLOW_MS / 1000); /* the mistake: the whole server sleeps */
            respond(c, 200, "Hello, slow world!\n", keep, minor, head);
        } else if (req.path_len == 5 && memcmp(req.path, "/slow", 5) == 0) {
            /* A timer, not sleep(): everyone else carries on meanwhile. */
            c->slow_timer = loop_timer_add(l, SLOW_MS, 0, on_slow, c);
            c->slow_keep = keep, c->slow_head = head, c->slow_minor = minor;
            c->slow_at = loop_now_ms();
            if (c->slow_timer < 0) { /* no memory for a timer: say so, close */
                c->slow_timer = 0;
                respond(c, 503, "Try again later\n", false, minor, head);
            }
        } else if (req.path_len == 1 && req.path[0] == '/') {
            respond(c, 200, "Hello, world!\n", keep, minor, head);
        } else {
            respond(c, 404, "Not found\n", keep, minor, head);
        }
        memmove(c->in, c->in + n, c->in_len - (size_t)n); /* consume the request */
        c->in_len -= (size_t)n;
    }
}
/* quote:end process */

/* flush - send what the socket takes now; 0, or -1 if it is broken. */
static int flush(struct conn *c)
{
    while (c->out_sent < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        c->out_sent += (size_t)n;
    }
    c->out_len = c->out_sent = 0; /* all gone: reuse the buffer from the start */
    return 0;
}

/* quote:begin step */
/* step - after anything happened on c: answer, send, then tell the loop
 * what c waits for next (or close it). Write interest only while output
 * waits, or the loop would call us for ever on an always-writable socket. */
static void step(loop *l, struct conn *c)
{
    process(l, c);
    if (flush(c) < 0) {
        close_conn(l, c);
        return;
    }
    bool output_waits = c->out_sent < c->out_len;
    if ((c->closing || c->eof) && !output_waits && !c->slow_timer) {
        close_conn(l, c); /* everything asked for has been answered */
        return;
    }
    int events = output_waits ? LOOP_WRITE : 0;
    if (!c->eof && !c->closing && c->in_len < IN_CAP)
        events |= LOOP_READ;
    if (loop_watch(l, c->fd, events, on_conn_ready, c) < 0)
        close_conn(l, c);
}
/* quote:end step */

/* on_stats - a repeating timer: print what happened, when anything did. */
static void on_stats(loop *l, long id, void *arg)
{
    (void)id, (void)arg;
    if (requests_total == last_requests_printed)
        return;
    struct loop_stats s;
    loop_get_stats(l, &s);
    printf("%ld connections open, %ld accepted, %ld requests; loop: %lu rounds, %lu fd callbacks, "
           "%lu timer callbacks\n",
           conns_open, conns_total, requests_total, s.rounds, s.io_calls, s.timer_calls);
    last_requests_printed = requests_total;
}

/* quote:begin signals */
/* on_signal - the handler may do almost nothing safely, and certainly not
 * call into the loop; it writes one byte into a pipe the loop watches. */
static void on_signal(int sig)
{
    int saved = errno;
    char b = (char)sig;
    if (write(signal_pipe[1], &b, 1) < 0) { /* full: a byte is already waiting */
    }
    errno = saved;
}

/* on_signal_pipe - back in the loop, where anything may be done: stop. */
static void on_signal_pipe(loop *l, int fd, int events, void *arg)
{
    (void)events, (void)arg;
    char b;
    if (read(fd, &b, 1) == 1)
        printf("signal %d: stopping\n", b);
    loop_stop(l);
}
/* quote:end signals */

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--port N] [--address A] [--backend select|epoll] [--sleep-slow]\n",
            prog);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *address = "127.0.0.1", *backend = "epoll";
    int port = 8000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--address") == 0 && i + 1 < argc)
            address = argv[++i];
        else if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc)
            backend = argv[++i];
        else if (strcmp(argv[i], "--sleep-slow") == 0)
            sleep_slow = true;
        else
            usage(argv[0]);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN); /* a vanished client is an error from send(), not a signal */
    if (pipe2(signal_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
        perror("pipe2");
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    loop *l = loop_new(backend);
    if (!l) {
        fprintf(stderr, "loop_new(%s): %s\n", backend, strerror(errno));
        usage(argv[0]);
    }
    int lfd = listen_on(address, port);
    if (lfd < 0)
        return 1;
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    getsockname(lfd, (struct sockaddr *)&sa, &len);

    /* quote:begin main-loop */
    if (loop_watch(l, lfd, LOOP_READ, on_accept, NULL) < 0 ||
        loop_watch(l, signal_pipe[0], LOOP_READ, on_signal_pipe, NULL) < 0 ||
        loop_timer_add(l, STATS_MS, STATS_MS, on_stats, NULL) < 0) {
        perror("loop");
        return 1;
    }
    printf("listening on http://%s:%d/ (backend %s; Ctrl-C prints the summary)\n", address,
           ntohs(sa.sin_port), loop_backend_name(l));
    int rc = loop_run(l); /* from here on, everything happens in callbacks */
    /* quote:end main-loop */
    if (rc < 0)
        perror("loop_run");
    last_requests_printed = -1;
    on_stats(l, 0, NULL); /* the summary */
    while (conns)
        close_conn(l, conns);
    loop_free(l);
    close(lfd);
    return rc < 0 ? 1 : 0;
}
