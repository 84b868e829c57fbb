/*
 * server - lesson 04: the hello server of lesson 03 on one thread, with select().
 *
 * Lesson 03 gave every client a process or a thread so that a slow one
 * could not hold up the others. Here one thread serves them all: every
 * socket is non-blocking, and select() tells us which ones can move. Each
 * connection keeps its own input and output buffer, so a client that sends
 * half a request, or never reads its answers, only stops itself; and each
 * gets a fair share of work per turn, the rest kept on a ready list, so a
 * long pipeline cannot keep the others waiting either. /slow answers after
 * a second through a timer (select's timeout), not sleep().
 * Requests are cut out of the input by lesson 03's http_parse()
 * (../03-server-models/request.c): the HTTP is the same, the waiting is new.
 *
 *   server [--port N] [--address A] [--max-conns N]
 *
 * select() has two costs this program makes visible. Its fd_set is a
 * bitmap of FD_SETSIZE (1024) bits, so a connection whose fd is 1024 or
 * more cannot be watched: it is refused, loudly. And every call passes the
 * whole bitmap to the kernel, which checks every fd up to the highest one;
 * the summary printed on Ctrl-C compares how many fds were scanned with how
 * many were ready.
 */
#include "../03-server-models/request.h"
#include "fdwatch.h"

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
    struct conn *sleep_prev, *sleep_next;
    struct conn *ready_prev, *ready_next; /* work left over: on the ready list */
    bool on_ready;
    size_t in_len;           /* unanswered input bytes in in[] */
    size_t out_off, out_len; /* out[out_off..out_len) still to send */
    char in[IN_CAP];
    char out[OUT_CAP];
};
/* quote:end conn */

static struct fd_watch watch;
static struct conn *conns[FD_SETSIZE]; /* by fd: select can never hand us more */
static int nconns, max_conns = 10000;
static struct conn *sleep_head, *sleep_tail; /* /slow sleepers, oldest first */
static struct conn *ready_head, *ready_tail; /* work left after a share, to do next */
static volatile sig_atomic_t stop;

static struct {
    long calls, scanned, ready; /* select calls, fds the kernel checked, fds ready */
    long accepted, refused_setsize, refused_full, requests;
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

/* conn_read - one read into what is left of c->in; bytes read, 0 for
 * nothing (EAGAIN, or end of input), -1 on error. */
static ssize_t conn_read(struct conn *c)
{
    ssize_t n;
    do
        n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
    while (n < 0 && errno == EINTR);
    c->can_read = false; /* level-triggered: select will say so again if more is there */
    if (n > 0)
        c->in_len += (size_t)n;
    else if (n == 0)
        c->eof = true;
    else if (errno != EAGAIN && errno != EWOULDBLOCK)
        return -1;
    return n > 0 ? n : 0;
}

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
 * perhaps left (requests in c->in, which no event will announce). */
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
/* conn_interest - what we want select to watch for: input while there is
 * room for it, "writable" only while answers wait to be sent (a socket is
 * almost always writable: asking otherwise would wake us for nothing). */
static int conn_interest(const struct conn *c)
{
    int ev = 0;
    if (!c->eof && !c->closing && c->in_len < IN_CAP)
        ev |= FDW_READ;
    if (c->out_off < c->out_len)
        ev |= FDW_WRITE;
    return ev;
}
/* quote:end interest */

static void conn_close(struct conn *c)
{
    fdw_set(&watch, c->fd, 0);
    if (c->wake_at)
        sleeper_remove(c);
    if (c->on_ready)
        ready_remove(c);
    conns[c->fd] = NULL;
    close(c->fd);
    free(c);
    nconns--;
}

/* conn_step - run a connection, then close it or update what we watch. */
static void conn_step(struct conn *c)
{
    int more = conn_run(c);
    if (more < 0) {
        conn_close(c);
        return;
    }
    fdw_set(&watch, c->fd, conn_interest(c));
    /* Work left after its share: no new event will come for input already
     * read, so remember it ourselves and come back after the others have
     * had a go. */
    if (more && !c->on_ready)
        ready_add(c);
}

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
            if (errno == EMFILE || errno == ENFILE) { /* else select wakes us forever */
                printf("accept: %s; pausing accepts for 100 ms\n", strerror(errno));
                accept_paused_until = now_ms() + 100;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                printf("accept: %s\n", strerror(errno));
            }
            return;
        }
        if (fd >= FD_SETSIZE) { /* the wall: this fd has no bit in an fd_set */
            if (stats.refused_setsize++ == 0 || stats.refused_setsize % 100 == 0)
                printf("fd %d >= FD_SETSIZE (%d): select cannot watch it, closing "
                       "(%ld refused so far)\n",
                       fd, FD_SETSIZE, stats.refused_setsize);
            close(fd);
            continue;
        }
        struct conn *c = nconns < max_conns ? calloc(1, sizeof *c) : NULL;
        if (!c) {
            if (stats.refused_full++ == 0 || stats.refused_full % 100 == 0)
                printf("%d connections open (--max-conns %d): closing new one "
                       "(%ld refused so far)\n",
                       nconns, max_conns, stats.refused_full);
            close(fd);
            continue;
        }
        c->fd = fd;
        conns[fd] = c;
        nconns++;
        stats.accepted++;
        fdw_set(&watch, fd, FDW_READ);
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

/* wait_ms - how long select may sleep: until the first /slow is due. */
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
    printf("select: %ld calls, %.1f fds scanned and %.2f ready per call "
           "(%ld scanned, %ld ready)\n",
           stats.calls, stats.scanned / calls, stats.ready / calls, stats.scanned, stats.ready);
    printf("%ld connections, %ld requests, %ld refused at FD_SETSIZE, %ld over --max-conns\n",
           stats.accepted, stats.requests, stats.refused_setsize, stats.refused_full);
}

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s [--port N] [--address A] [--max-conns N]\n", prog);
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
        else
            usage(argv[0]);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: select returns EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    make_answers();
    fdw_init(&watch);

    int lfd = listen_on(address, port);
    if (lfd < 0)
        return 1;
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    getsockname(lfd, (struct sockaddr *)&bound, &blen);
    printf("listening on http://%s:%d/ (select, FD_SETSIZE %d; Ctrl-C prints the summary)\n",
           address, ntohs(bound.sin_port), FD_SETSIZE);

    /* quote:begin loop */
    while (!stop) {
        if (accept_paused_until && now_ms() >= accept_paused_until)
            accept_paused_until = 0;
        fdw_set(&watch, lfd, accept_paused_until ? 0 : FDW_READ);
        fd_set rd = watch.readers, wr = watch.writers; /* select overwrites its sets */
        int nfds = watch.maxfd + 1;
        /* With work on the ready list, only look for news, do not sleep. */
        int ms = ready_head ? 0 : wait_ms();
        struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
        int ready = select(nfds, &rd, &wr, NULL, &tv);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            perror("select");
            break;
        }
        stats.calls++;
        stats.scanned += nfds; /* the kernel looked at every one of them */
        stats.ready += ready;
        /* And so do we: the only way to find the ready ones is to test every bit. */
        for (int fd = 0; fd < nfds && ready > 0; fd++) {
            bool r = FD_ISSET(fd, &rd), w = FD_ISSET(fd, &wr);
            if (!r && !w)
                continue;
            ready--;
            if (fd == lfd) {
                accept_all(lfd);
            } else if (conns[fd]) {
                conns[fd]->can_read = r;
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
    for (int fd = 0; fd < FD_SETSIZE; fd++)
        if (conns[fd])
            conn_close(conns[fd]);
    close(lfd);
    return 0;
}
