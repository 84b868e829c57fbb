/* floor_loop.h - the event loop the benchmark floors share
 * (bench/ref/board_floor.c, bench/ref/ws_floor.c).
 *
 * PART OF THE MEASURING DEVICES, NOT A SERVER. A floor measures the least
 * work a kind of reply costs on this machine; what every floor does the
 * same way is here, so that each file keeps only what its own protocol
 * needs: the listening socket on 127.0.0.1 (no file-descriptor limit
 * below the hard one, SIGPIPE ignored, the banner line the benchmark
 * scripts wait for), one process, plain level-triggered epoll, the accept
 * loop, and for each connection the output a send did not take (queued,
 * and drained before the connection is read again) and the input a read
 * left incomplete (held, put in front of the next read). There is one
 * read buffer and one reply buffer for every connection, so nothing is
 * allocated per request or message.
 *
 * The including file defines FLOOR_IN_CAP and FLOOR_OUT_CAP (the sizes of
 * those two buffers) first, starts its own connection struct with a
 * struct floor_conn, and gives floor_serve() its readable() step.
 */
#ifndef FLOOR_LOOP_H
#define FLOOR_LOOP_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#if !defined(FLOOR_IN_CAP) || !defined(FLOOR_OUT_CAP)
#error "define FLOOR_IN_CAP and FLOOR_OUT_CAP before including floor_loop.h"
#endif

/* What every floor keeps per connection; the first member of its own. */
struct floor_conn {
    int fd;
    int dead;             /* a send failed outside its own event: ends at its next event */
    unsigned char *held;  /* the start of a request or frame a read left incomplete */
    size_t held_len, held_cap;
    unsigned char *queued; /* replies the socket did not take */
    size_t queued_len, queued_off, queued_cap;
};

/* What a floor does with a connection: its size (the floor's own struct),
 * the step for a readable socket (-1 ends the connection), and what the
 * floor forgets of a connection before it is freed (may be NULL). */
struct floor_ops {
    size_t conn_size;
    int (*readable)(struct floor_conn *c);
    void (*forget)(struct floor_conn *c);
};

static unsigned char in[FLOOR_IN_CAP];   /* one read buffer for every connection */
static unsigned char out[FLOOR_OUT_CAP]; /* the replies one read causes */
static size_t out_len;
static int epfd;
static volatile sig_atomic_t floor_stopping; /* set by a floor's signal handler */

static int grow(unsigned char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    unsigned char *p = realloc(*buf, n);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}

static void drop(const struct floor_ops *ops, struct floor_conn *c)
{
    if (ops->forget)
        ops->forget(c);
    close(c->fd); /* also leaves the epoll set */
    free(c->held);
    free(c->queued);
    free(c);
}

/* send_to - write data to c, or queue what the socket does not take and
 * watch for writability; -1 when the peer is gone. */
static int send_to(struct floor_conn *c, const unsigned char *data, size_t len)
{
    size_t sent = 0;
    if (c->queued_len == c->queued_off) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        sent = n > 0 ? (size_t)n : 0;
        if (sent == len)
            return 0;
        c->queued_len = c->queued_off = 0;
        struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c}; /* stop reading until drained */
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    }
    if (grow(&c->queued, &c->queued_cap, c->queued_len + len - sent) < 0)
        return -1;
    memcpy(c->queued + c->queued_len, data + sent, len - sent);
    c->queued_len += len - sent;
    return 0;
}

/* flush_out - the replies gathered in out to c, in one send. */
static int flush_out(struct floor_conn *c)
{
    int rc = out_len ? send_to(c, out, out_len) : 0;
    out_len = 0;
    return rc;
}

/* drain - what c's socket did not take, as far as it takes it now; once
 * all is gone, c is read again. */
static int drain(struct floor_conn *c)
{
    while (c->queued_off < c->queued_len) {
        ssize_t n = send(c->fd, c->queued + c->queued_off, c->queued_len - c->queued_off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return 0;
        if (n <= 0)
            return -1;
        c->queued_off += (size_t)n;
    }
    c->queued_len = c->queued_off = 0;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
    return 0;
}

/* floor_read - one recv into in, behind what c held from the read before;
 * how many bytes in now has, 0 when the socket had nothing, -1 when the
 * peer is gone. */
static long floor_read(struct floor_conn *c)
{
    size_t have = c->held_len;
    if (have)
        memcpy(in, c->held, have); /* a request or frame split over reads: its start first */
    ssize_t n = recv(c->fd, in + have, FLOOR_IN_CAP - have, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return -1;
    return (long)(have + (size_t)n);
}

/* floor_hold - keep p[0..len), the incomplete end of a read, for the next
 * one; -1 when there is no memory for it. */
static int floor_hold(struct floor_conn *c, const unsigned char *p, size_t len)
{
    if (len && grow(&c->held, &c->held_cap, len) < 0)
        return -1;
    if (len)
        memcpy(c->held, p, len);
    c->held_len = len;
    return 0;
}

/* accept_all - every connection waiting on the listener, into the set. */
static void accept_all(const struct floor_ops *ops, int lfd)
{
    int fd, one = 1;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct floor_conn *nc = calloc(1, ops->conn_size);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
        if (!nc || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            free(nc);
            close(fd);
            continue;
        }
        nc->fd = fd;
    }
}

/* floor_serve - listen on 127.0.0.1:port, print the banner, and serve
 * until floor_stopping is set; -1 (after a message naming the floor) when
 * it cannot listen. */
static int floor_serve(const char *name, int port, const struct floor_ops *ops)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 4096) != 0) {
        fprintf(stderr, "%s: listen: %s\n", name, strerror(errno));
        return -1;
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
    printf("listening on http://127.0.0.1:%d/ (a benchmark floor, not a server)\n", port);
    fflush(stdout);
    while (!floor_stopping) {
        struct epoll_event events[256];
        int ready = epoll_wait(epfd, events, 256, -1);
        for (int i = 0; i < ready; i++) {
            struct floor_conn *c = events[i].data.ptr;
            if (!c) /* the listener */
                accept_all(ops, lfd);
            else if (c->dead)
                drop(ops, c);
            else if (events[i].events & EPOLLOUT) {
                if (drain(c) < 0)
                    drop(ops, c);
            } else if (ops->readable(c) < 0)
                drop(ops, c);
        }
    }
    return 0;
}

#endif
