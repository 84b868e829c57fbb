/*
 * server - lesson 11: the hello server of lessons 03-08, on libevent.
 *
 * Same behaviour as lesson 06's epoll server and lesson 08's server on the
 * hand-made loop: "/" answers "Hello, world!", keep-alive and pipelining,
 * "/slow" answers after a second on a timer without holding anyone else
 * up, anything malformed gets 400 and a close. What changed is who does
 * the work. An evconnlistener accepts; each connection is a bufferevent,
 * which reads into an input evbuffer and writes from an output evbuffer
 * by itself, so the program never calls read(), write() or epoll_ctl():
 * it is told "there is input" and "the output went out", and answers.
 *
 *   server [--port N] [--address A] [--backend epoll|poll|select] [--max-conns N]
 *
 * --backend picks libevent's way of waiting at run time (the default is the
 * best the system has: epoll on Linux); the program does not change.
 */
#include "answer.h"
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum {
    IN_HIGH = 2 * HTTP_HEAD_MAX, /* stop reading a client whose input waits unanswered */
    OUT_MAX = 64 * 1024          /* stop answering a client that does not read */
};

/* One client: its bufferevent holds the socket and both buffers, so this
 * is only what the HTTP side needs to remember between callbacks. */
struct conn {
    struct bufferevent *bev;
    struct event *slow; /* the /slow timer, made the first time it is needed */
    struct answer_result res;
    bool parked;    /* a /slow answer is waiting for its timer */
    bool throttled; /* reading paused until the client takes its answers */
    bool eof;       /* the client has shut its side */
    bool closing;   /* close once the output is sent */
    struct conn *prev, *next;
};

static struct event_base *base;
static struct conn *conns; /* every open connection, to free them on exit */
static int max_conns = 10000;
static struct {
    long accepted, open, requests, refused, slow;
} stats;

static void conn_free(struct conn *c)
{
    if (c->slow)
        event_free(c->slow);
    bufferevent_free(c->bev); /* BEV_OPT_CLOSE_ON_FREE: closes the socket too */
    if (c->prev)
        c->prev->next = c->next;
    else
        conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
    stats.open--;
}

static void on_slow(evutil_socket_t fd, short what, void *arg);

/* quote:begin serve */
/* conn_serve - answer what has arrived, then decide what to wait for. */
static void conn_serve(struct conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    int before = c->res.answered;
    enum answer_stop stop = answer_requests(in, out, &c->res);
    stats.requests += c->res.answered - before;
    if (stop == ANSWER_SLOW) { /* a timer event answers it; nothing else moves meanwhile */
        static const struct timeval wait = {HTTP_SLOW_MS / 1000, HTTP_SLOW_MS % 1000 * 1000};
        if (!c->slow && !(c->slow = evtimer_new(base, on_slow, c))) {
            conn_free(c);
            return;
        }
        c->parked = true;
        stats.slow++;
        evtimer_add(c->slow, &wait);
        return;
    }
    if (stop == ANSWER_CLOSE || c->eof) { /* nothing more to read: close once sent */
        c->closing = true;
        bufferevent_disable(c->bev, EV_READ);
    }
    if (c->closing && evbuffer_get_length(out) == 0) {
        conn_free(c);
    } else if (!c->closing && evbuffer_get_length(out) > OUT_MAX) {
        c->throttled = true; /* on_write resumes us when the client has caught up */
        bufferevent_disable(c->bev, EV_READ);
    }
}
/* quote:end serve */

/* quote:begin callbacks */
/* on_read - the bufferevent read some bytes into its input evbuffer. */
static void on_read(struct bufferevent *bev, void *arg)
{
    (void)bev;
    struct conn *c = arg;
    if (!c->parked && !c->closing)
        conn_serve(c); /* parked: the input waits in the evbuffer for on_slow */
}

/* on_write - the output evbuffer has been sent, all of it (the write low
 * watermark is 0): close if we said we would, or resume a throttled client. */
static void on_write(struct bufferevent *bev, void *arg)
{
    (void)bev;
    struct conn *c = arg;
    if (c->closing) {
        conn_free(c);
    } else if (c->throttled && !c->parked) {
        c->throttled = false;
        if (!c->eof)
            bufferevent_enable(c->bev, EV_READ);
        conn_serve(c);
    }
}

/* on_event - end of input, an error, or a timeout on the socket. */
static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    struct conn *c = arg;
    if (what & BEV_EVENT_ERROR) {
        conn_free(c);
    } else if (what & BEV_EVENT_EOF) { /* answer what is complete, then close */
        c->eof = true;
        if (!c->parked && !c->throttled && !c->closing)
            conn_serve(c);
    }
}

/* on_slow - a /slow request's second is up: send its answer, go on with
 * the requests that queued behind it. */
static void on_slow(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct conn *c = arg;
    c->parked = false;
    bufferevent_write(c->bev, c->res.later, c->res.later_len);
    if (c->res.later_close) {
        c->closing = true;
        bufferevent_disable(c->bev, EV_READ);
        return; /* on_write closes once it is sent */
    }
    conn_serve(c);
}
/* quote:end callbacks */

/* quote:begin accept */
/* on_accept - the listener accepted fd (already non-blocking): wrap it in
 * a bufferevent and say which callbacks to call. */
static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    (void)l, (void)sa, (void)salen, (void)arg;
    struct conn *c = stats.open < max_conns ? calloc(1, sizeof *c) : NULL;
    if (c)
        c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!c || !c->bev) {
        if (stats.refused++ % 100 == 0)
            printf("%ld connections open (--max-conns %d): closing new one (%ld refused)\n",
                   stats.open, max_conns, stats.refused);
        free(c);
        evutil_closesocket(fd);
        return;
    }
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    /* Read no further once IN_HIGH bytes wait unanswered (a parked or
     * throttled client): libevent stops reading and resumes by itself when
     * we drain below it. */
    bufferevent_setwatermark(c->bev, EV_READ, 0, IN_HIGH);
    bufferevent_enable(c->bev, EV_READ);
    c->next = conns;
    if (conns)
        conns->prev = c;
    conns = c;
    stats.accepted++;
    stats.open++;
}
/* quote:end accept */

static struct event *resume_accepting;

/* on_accept_error - accept() failed. Out of fds, the listener would be
 * readable forever: pause it for 100 ms rather than spin. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
    (void)arg;
    int err = EVUTIL_SOCKET_ERROR();
    printf("accept: %s", evutil_socket_error_to_string(err));
    if (err == EMFILE || err == ENFILE) {
        static const struct timeval pause = {0, 100 * 1000};
        printf("; pausing accepts for 100 ms");
        evconnlistener_disable(l);
        evtimer_add(resume_accepting, &pause);
    }
    printf("\n");
}

static void on_resume_accepting(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    evconnlistener_enable(arg);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig, (void)what, (void)arg;
    event_base_loopexit(base, NULL);
}

/* quote:begin make-base */
/* make_base - an event_base, on the named backend if one is asked for:
 * libevent picks epoll, poll or select at run time, and can be told to
 * avoid the others. */
static struct event_base *make_base(const char *backend)
{
    if (!backend)
        return event_base_new();
    struct event_config *cfg = event_config_new();
    if (!cfg)
        return NULL;
    const char **methods = event_get_supported_methods();
    for (int i = 0; methods[i]; i++)
        if (strcmp(methods[i], backend) != 0)
            event_config_avoid_method(cfg, methods[i]);
    struct event_base *b = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return b;
}
/* quote:end make-base */

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--port N] [--address A] [--backend epoll|poll|select] "
                    "[--max-conns N]\n", prog);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *address = "127.0.0.1", *backend = NULL;
    int port = 8000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--address") == 0 && i + 1 < argc)
            address = argv[++i];
        else if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc)
            backend = argv[++i];
        else if (strcmp(argv[i], "--max-conns") == 0 && i + 1 < argc)
            max_conns = atoi(argv[++i]);
        else
            usage(argv[0]);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN); /* a client gone mid-answer is an error on write, not death */

    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &sin.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", address);
        return 2;
    }
    base = make_base(backend);
    if (!base) {
        fprintf(stderr, "no event base%s%s\n", backend ? " with backend " : "",
                backend ? backend : "");
        return 1;
    }
    /* quote:begin listen */
    /* socket, SO_REUSEADDR, bind, listen, non-blocking, and an event that
     * accepts in a loop and calls on_accept for each: one call. */
    struct evconnlistener *listener = evconnlistener_new_bind(
        base, on_accept, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 1024,
        (struct sockaddr *)&sin, sizeof sin);
    /* quote:end listen */
    if (!listener) {
        fprintf(stderr, "listen on %s:%d: %s\n", address, port,
                evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return 1;
    }
    evconnlistener_set_error_cb(listener, on_accept_error);
    resume_accepting = evtimer_new(base, on_resume_accepting, listener);
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, NULL);
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, NULL);
    event_add(sigint, NULL);
    event_add(sigterm, NULL);

    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&bound, &blen);
    printf("listening on http://%s:%d/ (libevent %s, backend %s; Ctrl-C prints the summary)\n",
           address, ntohs(bound.sin_port), event_get_version(), event_base_get_method(base));

    event_base_dispatch(base);

    printf("%ld connections, %ld requests (%ld /slow), %ld over --max-conns\n", stats.accepted,
           stats.requests, stats.slow, stats.refused);
    while (conns)
        conn_free(conns);
    evconnlistener_free(listener);
    event_free(resume_accepting);
    event_free(sigint);
    event_free(sigterm);
    event_base_free(base);
    return 0;
}
