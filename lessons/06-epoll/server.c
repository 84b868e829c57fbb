/*
 * server - lesson 06: the hello server of lessons 04-05, with epoll.
 *
 * Everything but the multiplexer is lesson 05's. select() and poll() are
 * told the whole list of fds on every call and check every one; epoll keeps
 * the list inside the kernel (epoll_ctl adds, changes or drops one fd) and
 * epoll_wait() returns only the fds that are ready, so a call costs what is
 * ready, not what is open. This is the per-core reference the later
 * benchmarks hold the framework against, so it is lean: no allocation per
 * request, one read and one write per batch of pipelined requests, and
 * epoll_ctl only when what we wait for changes.
 *
 *   server [--port N] [--address A] [--max-conns N] [--edge]
 *
 * --edge registers the fds edge-triggered: epoll then reports a socket
 * when it *becomes* readable, not while it *is*, so we must read until the
 * kernel has nothing left (EAGAIN or a short read) or we never hear of the
 * rest. A client that keeps sending would make that reading endless: the
 * fair share per turn and the ready list of lesson 04 are what bound it.
 */
#include "../03-server-models/request.h"
#include "interest.h"

#include <sys/epoll.h>

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
#include <time.h>
#include <unistd.h>

enum {
    IN_CAP = 4096,     /* a whole request must fit; larger is refused with 400 */
    OUT_CAP = 4096,    /* answers waiting to be sent; when full, stop parsing */
    MAX_ANSWER = 160,  /* the longest canned answer below */
    SLOW_MS = 1000,    /* how long /slow waits */
    MAX_WAIT_MS = 1000 /* wake at least this often to notice a stop request */
};

/* quote:begin conn */
/* One client. Everything it needs lives here, so it can wait at any point
 * (half a request read, half an answer written) without holding a thread. */
struct conn {
    int fd;
    bool can_read;     /* the kernel said readable since our last read */
    bool eof;          /* the client shut its side: answer what we have, close */
    bool closing;      /* close once the output is sent (Connection: close, 400) */
    long long wake_at; /* /slow: when to answer (ms), 0 when not sleeping */
    const char *later; /* /slow: the answer to send at wake_at */
    size_t later_len;
    bool later_close;
    int registered; /* the events epoll has for it now */
    struct conn *sleep_prev, *sleep_next;
    struct conn *ready_prev, *ready_next; /* work left over: on the ready list */
    bool on_ready;
    size_t in_len;           /* unanswered input bytes in in[] */
    size_t out_off, out_len; /* out[out_off..out_len) still to send */
    char in[IN_CAP];
    char out[OUT_CAP];
};
/* quote:end conn */

static int epfd;
static bool edge;           /* --edge: edge-triggered */
static struct conn **conns; /* by fd, grown as fds grow */
static size_t conns_cap;
static int nconns, max_conns = 10000;
static struct conn *sleep_head, *sleep_tail; /* /slow sleepers, oldest first */
static struct conn *ready_head, *ready_tail; /* work left after a share, to do next */
static volatile sig_atomic_t stop;

static struct {
    long calls, watched, ready; /* epoll_wait calls, fds registered, fds reported */
    long accepted, refused_full, requests, mods;
} stats;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- HTTP */

/* The answers are built once at start: serving one is a memcpy. Each comes
 * in three flavours of Connection header: none (HTTP/1.1 keep-alive), close,
 * and keep-alive (an HTTP/1.0 client that asked for it). */
enum { A_HELLO, A_SLOW, A_NOT_FOUND, A_BAD_METHOD, A_BAD_REQUEST, N_ANSWERS };
enum { C_DEFAULT, C_CLOSE, C_KEEP, N_CONN_MODES };
static char answers[N_ANSWERS][N_CONN_MODES][MAX_ANSWER];
static size_t answer_len[N_ANSWERS][N_CONN_MODES], body_len[N_ANSWERS];

static void make_answers(void)
{
    static const char *const status[] = {"200 OK", "200 OK", "404 Not Found",
                                         "405 Method Not Allowed", "400 Bad Request"};
    static const char *const body[] = {"Hello, world!\n", "Hello, slow world!\n", "Not found\n",
                                       "Only GET and HEAD\n", "Bad request\n"};
    static const char *const conn_hdr[] = {"", "Connection: close\r\n",
                                           "Connection: keep-alive\r\n"};
    for (int a = 0; a < N_ANSWERS; a++) {
        body_len[a] = strlen(body[a]);
        for (int m = 0; m < N_CONN_MODES; m++)
            answer_len[a][m] = (size_t)snprintf(
                answers[a][m], MAX_ANSWER,
                "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n%s\r\n%s",
                status[a], body_len[a], conn_hdr[m], body[a]);
    }
}

/* ---------------------------------------------------------------- connections */

static void put(struct conn *c, const char *data, size_t len)
{
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
}

static void sleeper_add(struct conn *c)
{
    c->sleep_prev = sleep_tail;
    c->sleep_next = NULL;
    if (sleep_tail)
        sleep_tail->sleep_next = c;
    else
        sleep_head = c;
    sleep_tail = c;
}

static void sleeper_remove(struct conn *c)
{
    if (c->sleep_prev)
        c->sleep_prev->sleep_next = c->sleep_next;
    else
        sleep_head = c->sleep_next;
    if (c->sleep_next)
        c->sleep_next->sleep_prev = c->sleep_prev;
    else
        sleep_tail = c->sleep_prev;
    c->wake_at = 0;
}

static void ready_add(struct conn *c)
{
    c->ready_prev = ready_tail;
    c->ready_next = NULL;
    if (ready_tail)
        ready_tail->ready_next = c;
    else
        ready_head = c;
    ready_tail = c;
    c->on_ready = true;
}

static void ready_remove(struct conn *c)
{
    if (c->ready_prev)
        c->ready_prev->ready_next = c->ready_next;
    else
        ready_head = c->ready_next;
    if (c->ready_next)
        c->ready_next->ready_prev = c->ready_prev;
    else
        ready_tail = c->ready_prev;
    c->on_ready = false;
}

/* quote:begin answer */
/* conn_answer - answer every complete request in c->in, in order, into
 * c->out. Stops at an incomplete request, when c->out has no room for one
 * more answer (the client is not reading: stop working for it), or at
 * /slow, whose answer goes out when the timer fires; the requests behind it
 * wait, because answers must leave in the order the requests came. */
static int conn_answer(struct conn *c)
{
    size_t used = 0;
    int answered = 0;
    while (!c->wake_at && !c->closing) {
        if (OUT_CAP - c->out_len < MAX_ANSWER)
            break;
        struct http_request r; /* lesson 03's parser: pointers into c->in */
        ssize_t n = http_parse(c->in + used, c->in_len - used, &r);
        if (n == 0 && c->in_len - used < IN_CAP)
            break;    /* not all here yet */
        if (n <= 0) { /* malformed, or too big to ever fit in c->in */
            put(c, answers[A_BAD_REQUEST][C_CLOSE], answer_len[A_BAD_REQUEST][C_CLOSE]);
            c->closing = true;
            used = c->in_len;
            break;
        }
        used += (size_t)n;
        answered++;
        bool head_only = r.method_len == 4 && memcmp(r.method, "HEAD", 4) == 0;
        bool get = r.method_len == 3 && memcmp(r.method, "GET", 3) == 0;
        int a = !get && !head_only                                   ? A_BAD_METHOD
                : r.path_len == 1                                    ? A_HELLO
                : r.path_len == 5 && memcmp(r.path, "/slow", 5) == 0 ? A_SLOW
                                                                     : A_NOT_FOUND;
        int m = !r.keep_alive ? C_CLOSE : r.minor_version == 0 ? C_KEEP : C_DEFAULT;
        size_t len = answer_len[a][m] - (head_only ? body_len[a] : 0);
        if (a == A_SLOW) { /* park: the timer in the main loop sends it */
            c->later = answers[a][m];
            c->later_len = len;
            c->later_close = !r.keep_alive;
            c->wake_at = now_ms() + SLOW_MS;
            sleeper_add(c);
        } else {
            put(c, answers[a][m], len);
        }
        c->closing = !r.keep_alive && !c->wake_at;
    }
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
    stats.requests += answered;
    return answered;
}
/* quote:end answer */

/* quote:begin edge-read */
/* conn_read - one read into what is left of c->in; bytes read, 0 for
 * nothing (EAGAIN, or end of input), -1 on error. c->can_read stays true
 * while the kernel may hold more: level-triggered, epoll will tell us again
 * anyway; edge-triggered, it will not, so we go on reading until EAGAIN, or
 * a short read (asked for more than there was: the socket is empty now, and
 * data arriving later is a new edge). */
static ssize_t conn_read(struct conn *c)
{
    size_t want = IN_CAP - c->in_len;
    ssize_t n;
    do
        n = read(c->fd, c->in + c->in_len, want);
    while (n < 0 && errno == EINTR);
    if (!edge || n <= 0 || (size_t)n < want)
        c->can_read = false;
    if (n > 0)
        c->in_len += (size_t)n;
    else if (n == 0)
        c->eof = true;
    else if (errno != EAGAIN && errno != EWOULDBLOCK)
        return -1;
    return n > 0 ? n : 0;
}
/* quote:end edge-read */

/* conn_flush - send as much of c->out as the kernel takes, in one write for
 * all the answers a read produced; 0 (the rest waits for "writable"), -1. */
static int conn_flush(struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n <= 0)
            return -1;
        c->out_off += (size_t)n;
    }
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    else if (c->out_off > 0 && OUT_CAP - c->out_len < MAX_ANSWER) { /* make room */
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
    }
    return 0;
}

/* conn_run - move a connection as far as it goes without waiting: read,
 * answer, write, and again while that freed room, but only for a fair
 * share of rounds. -1: close it now; 1: its share ran out with work
 * perhaps left (requests in c->in, or edge-triggered, input still in the
 * kernel: no event will announce either). */
static int conn_run(struct conn *c)
{
    bool more = true;
    for (int round = 0; round < 4 && more; round++) {
        ssize_t got = 0;
        if (c->can_read && !c->eof && !c->closing && c->in_len < IN_CAP)
            if ((got = conn_read(c)) < 0)
                return -1;
        int answered = conn_answer(c);
        if (conn_flush(c) < 0)
            return -1;
        more = got > 0 || answered > 0;
    }
    bool sent_all = c->out_len == 0;
    if (sent_all && (c->closing || (c->eof && !c->wake_at)))
        return -1; /* done: nothing more will come, or we said we would close */
    return more;
}

/* quote:begin interest */
/* conn_interest - what we want epoll to watch for: input while there is
 * room for it, "writable" only while answers wait to be sent (a socket is
 * almost always writable: asking otherwise would wake us for nothing). */
static int conn_interest(const struct conn *c)
{
    int ev = 0;
    if (!c->eof && !c->closing && c->in_len < IN_CAP)
        ev |= EPOLLIN;
    if (c->out_off < c->out_len)
        ev |= EPOLLOUT;
    return ev;
}
/* quote:end interest */

static void conn_close(struct conn *c)
{
    if (c->wake_at)
        sleeper_remove(c);
    if (c->on_ready)
        ready_remove(c);
    conns[c->fd] = NULL;
    close(c->fd); /* also takes it out of the epoll set */
    free(c);
    nconns--;
}

/* quote:begin step */
/* conn_step - run a connection, then close it or update what we watch:
 * one epoll_ctl, and only when that changed (interest.c). Answers usually
 * leave in the write that follows the read, so EPOLLOUT is asked for only
 * when a write came up short, and dropped when the rest is gone. */
static void conn_step(struct conn *c)
{
    int more = conn_run(c);
    if (more < 0) {
        conn_close(c);
        return;
    }
    int ev = conn_interest(c);
    int changed = interest_update(epfd, c->fd, &c->registered, ev, edge);
    if (changed < 0) {
        conn_close(c);
        return;
    }
    stats.mods += changed;
    /* Work left after its share: no new event will come for input already
     * read (nor, edge-triggered, for input still in the kernel), so
     * remember it ourselves and come back after the others have had a go. */
    if (more && !c->on_ready)
        ready_add(c);
}
/* quote:end step */

/* ---------------------------------------------------------------- accepting */

static long long accept_paused_until; /* out of fds: stop accepting a while */

/* quote:begin accept */
/* accept_all - take every connection waiting on the listening socket. */
static void accept_all(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE) { /* else epoll wakes us forever */
                printf("accept: %s; pausing accepts for 100 ms\n", strerror(errno));
                accept_paused_until = now_ms() + 100;
                epoll_ctl(epfd, EPOLL_CTL_DEL, lfd, NULL);
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                printf("accept: %s\n", strerror(errno));
            }
            return;
        }
        if ((size_t)fd >= conns_cap) { /* no wall: the table grows with the fds */
            size_t cap = conns_cap ? conns_cap : 64;
            while (cap <= (size_t)fd)
                cap *= 2;
            struct conn **grown = realloc(conns, cap * sizeof *grown);
            if (!grown) {
                close(fd);
                continue;
            }
            memset(grown + conns_cap, 0, (cap - conns_cap) * sizeof *grown);
            conns = grown;
            conns_cap = cap;
        }
        struct conn *c = nconns < max_conns ? calloc(1, sizeof *c) : NULL;
        struct epoll_event e = {.events = EPOLLIN | (edge ? EPOLLET : 0), .data.fd = fd};
        if (!c || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) < 0) {
            free(c);
            if (stats.refused_full++ == 0 || stats.refused_full % 100 == 0)
                printf("%d connections open (--max-conns %d): closing new one "
                       "(%ld refused so far)\n",
                       nconns, max_conns, stats.refused_full);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->registered = EPOLLIN;
        conns[fd] = c;
        nconns++;
        stats.accepted++;
    }
}
/* quote:end accept */

/* ---------------------------------------------------------------- main loop */

static int listen_on(const char *address, int port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &addr.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", address);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 1024) < 0) {
        perror("listen");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* wait_ms - how long epoll_wait may sleep: until the first /slow is due. */
static int wait_ms(void)
{
    long long now = now_ms(), due = now + MAX_WAIT_MS;
    if (sleep_head && sleep_head->wake_at < due)
        due = sleep_head->wake_at;
    if (accept_paused_until && accept_paused_until < due)
        due = accept_paused_until;
    return due > now ? (int)(due - now) : 0;
}

/* wake_sleepers - send /slow answers that are due. Every sleep is the same
 * length, so the queue is in deadline order and only its head is checked
 * (lesson 08 keeps timers of any length in a heap). */
static void wake_sleepers(void)
{
    long long now = now_ms();
    while (sleep_head && sleep_head->wake_at <= now) {
        struct conn *c = sleep_head;
        sleeper_remove(c);
        put(c, c->later, c->later_len); /* conn_answer kept room for it */
        c->closing = c->later_close;
        conn_step(c);
    }
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void print_summary(void)
{
    double calls = stats.calls ? (double)stats.calls : 1;
    printf("epoll (%s-triggered): %ld calls, %.1f fds registered and %.2f ready per call "
           "(%ld ready), %ld epoll_ctl changes\n",
           edge ? "edge" : "level", stats.calls, stats.watched / calls, stats.ready / calls,
           stats.ready, stats.mods);
    printf("%ld connections, %ld requests, %ld over --max-conns\n", stats.accepted, stats.requests,
           stats.refused_full);
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--port N] [--address A] [--max-conns N] [--edge]\n", prog);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *address = "127.0.0.1";
    int port = 8000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--address") == 0 && i + 1 < argc)
            address = argv[++i];
        else if (strcmp(argv[i], "--max-conns") == 0 && i + 1 < argc)
            max_conns = atoi(argv[++i]);
        else if (strcmp(argv[i], "--edge") == 0)
            edge = true;
        else
            usage(argv[0]);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: epoll_wait gets EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    make_answers();
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        perror("epoll_create1");
        return 1;
    }

    int lfd = listen_on(address, port);
    if (lfd < 0)
        return 1;
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    getsockname(lfd, (struct sockaddr *)&bound, &blen);
    printf("listening on http://%s:%d/ (epoll, %s-triggered; Ctrl-C prints the summary)\n", address,
           ntohs(bound.sin_port), edge ? "edge" : "level");
    struct epoll_event le = {.events = EPOLLIN | (edge ? EPOLLET : 0), .data.fd = lfd};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &le) < 0) {
        perror("epoll_ctl");
        return 1;
    }

    /* quote:begin loop */
    struct epoll_event events[256];
    while (!stop) {
        if (accept_paused_until && now_ms() >= accept_paused_until) {
            accept_paused_until = 0;
            epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &le);
            accept_all(lfd); /* edge-triggered: the ones already queued make no new edge */
        }
        /* With work on the ready list, only look for news, do not sleep. */
        int ready = epoll_wait(epfd, events, 256, ready_head ? 0 : wait_ms());
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            perror("epoll_wait");
            break;
        }
        stats.calls++;
        stats.watched += nconns + 1; /* what the kernel did not have to scan */
        stats.ready += ready;
        /* Only the ready ones come back: no scan on either side. */
        for (int i = 0; i < ready; i++) {
            int fd = events[i].data.fd;
            uint32_t ev = events[i].events;
            if (fd == lfd) {
                accept_all(lfd);
            } else if (conns[fd]) {
                if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
                    conns[fd]->can_read = true;
                conn_step(conns[fd]);
            }
        }
        /* The connections cut short last time get their next share. */
        for (struct conn *c = ready_head, *last = ready_tail; c;) {
            struct conn *next = c == last ? NULL : c->ready_next;
            ready_remove(c);
            conn_step(c);
            c = next;
        }
        wake_sleepers();
    }
    /* quote:end loop */

    print_summary();
    for (size_t fd = 0; fd < conns_cap; fd++)
        if (conns[fd])
            conn_close(conns[fd]);
    free(conns);
    close(epfd);
    close(lfd);
    return 0;
}
