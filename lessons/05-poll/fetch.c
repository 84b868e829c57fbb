/*
 * fetch - lesson 05: lesson 04's concurrent fetcher, with poll() instead of select().
 *
 * The state machine per fetch (connecting, sending, receiving) is lesson
 * 04's. What changed is how we ask: an array of struct pollfd, one entry
 * per fetch, instead of two bitmaps, so a socket's fd can be any number.
 *
 *   fetch [--timeout SECONDS] URL...      (URL: http://host[:port]/path)
 *
 * Name lookup (getaddrinfo) still blocks; lesson 11 does it asynchronously.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum { CONNECTING, SENDING, RECEIVING, DONE };

/* One fetch: where it is, and everything it needs to go on from there. */
struct fetch {
    int n;
    const char *url;
    int fd;
    int state;
    char req[2048];
    size_t req_len, req_off;
    char head[2048]; /* the response header, kept to read the status */
    size_t head_len;
    bool in_body;
    int status;
    long body; /* body bytes received */
    double start_ms, ms;
    char error[300]; /* what went wrong, "" if nothing did */
};

static struct {
    long calls, scanned, ready;
} stats;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* quote:begin report */
/* The report: the same lines in the same words from every fetcher of the
 * course (lessons 01-11), so that two runs can be compared line by line. */

/* report_fetch - one line for a finished fetch, numbered n: its status and
 * body size, or what went wrong (error not NULL); then how long it took. */
static void report_fetch(int n, const char *url, int status, long long bytes, const char *error,
                         double ms)
{
    if (error)
        printf("%3d  %-30s error: %s  %.1f ms\n", n, url, error, ms);
    else
        printf("%3d  %-30s %3d %7lld bytes %7.1f ms\n", n, url, status, bytes, ms);
}

/* What the closing lines add up. */
struct totals {
    int fetches, failed;
    long long bytes;
    double wall_ms;      /* from the first fetch started to the last one over */
    struct rusage start; /* getrusage() before the first fetch started */
    long long wakeups;   /* times the program came back from waiting */
    const char *wakeup;  /* what one wake-up is here, e.g. "select calls" */
};

static double timeval_ms(struct timeval tv)
{
    return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

/* quote:begin report-totals */
/* report_totals - the closing lines: what was fetched, how long it took on
 * the clock and on the CPU (user + system, from getrusage), and how often
 * the program woke up to do it. */
static void report_totals(const struct totals *t)
{
    struct rusage end;
    getrusage(RUSAGE_SELF, &end);
    double user = timeval_ms(end.ru_utime) - timeval_ms(t->start.ru_utime);
    double sys = timeval_ms(end.ru_stime) - timeval_ms(t->start.ru_stime);
    printf("%d fetch%s, %lld bytes, %.1f ms total", t->fetches, t->fetches == 1 ? "" : "es",
           t->bytes, t->wall_ms);
    if (t->failed)
        printf(", %d failed", t->failed);
    printf("\nCPU time %.1f ms (user %.1f + system %.1f), %.0f%% of the wall time\n", user + sys,
           user, sys, t->wall_ms >= 1 ? 100 * (user + sys) / t->wall_ms : 0.0);
    /* A voluntary context switch is the process going to sleep until
     * something happens; an involuntary one is the kernel taking the CPU
     * from a process that still wanted it. */
    long slept = end.ru_nvcsw - t->start.ru_nvcsw, preempted = end.ru_nivcsw - t->start.ru_nivcsw;
    printf("%lld wake-up%s (%s); the process slept %ld time%s, was preempted %ld time%s\n",
           t->wakeups, t->wakeups == 1 ? "" : "s", t->wakeup, slept, slept == 1 ? "" : "s",
           preempted, preempted == 1 ? "" : "s");
}
/* quote:end report-totals */
/* quote:end report */

/* fail - note what went wrong (and strerror(err) if err != 0); returns -1. */
static int fail(struct fetch *f, const char *what, int err)
{
    if (err)
        snprintf(f->error, sizeof f->error, "%s: %s", what, strerror(err));
    else
        snprintf(f->error, sizeof f->error, "%s", what);
    return -1;
}

/* finish - close the fetch and print its line: the numbers, or why not
 * (what failed, and strerror(err) if err != 0; what NULL: nothing new). */
static void finish(struct fetch *f, const char *what, int err)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    f->state = DONE;
    f->ms = now_ms() - f->start_ms;
    if (what)
        fail(f, what, err);
    else if (!f->error[0] && !f->in_body)
        fail(f, "connection closed before a complete response header", 0);
    if (f->error[0])
        f->status = 0;
    report_fetch(f->n, f->url, f->status, f->body, f->error[0] ? f->error : NULL, f->ms);
}

/* start - parse the URL, resolve it, and begin a non-blocking connect;
 * 0, or -1 with the reason in f->error. */
static int start(struct fetch *f)
{
    char host[256], port[8] = "80";
    const char *p = f->url, *path;
    if (strncmp(p, "http://", 7) != 0)
        return fail(f, "not an http://host[:port]/path URL", 0);
    p += 7;
    size_t hlen = strcspn(p, ":/");
    if (hlen == 0 || hlen >= sizeof host)
        return fail(f, "not an http://host[:port]/path URL", 0);
    memcpy(host, p, hlen);
    host[hlen] = '\0';
    p += hlen;
    if (*p == ':') {
        size_t plen = strcspn(++p, "/");
        if (plen == 0 || plen >= sizeof port)
            return fail(f, "not an http://host[:port]/path URL", 0);
        memcpy(port, p, plen);
        port[plen] = '\0';
        p += plen;
    }
    path = *p ? p : "/";
    int len = snprintf(f->req, sizeof f->req,
                       "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
    if (len < 0 || (size_t)len >= sizeof f->req)
        return fail(f, "URL too long", 0);
    f->req_len = (size_t)len;

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
    int err = getaddrinfo(host, port, &hints, &ai);
    if (err) {
        char what[300];
        snprintf(what, sizeof what, "cannot resolve %s: %s", host, gai_strerror(err));
        return fail(f, what, 0);
    }
    f->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (f->fd < 0) {
        freeaddrinfo(ai);
        return fail(f, "socket", errno);
    }
    /* quote:begin connect */
    /* A non-blocking connect returns at once with EINPROGRESS; the socket
     * turns writable when the handshake is over, and SO_ERROR then says
     * whether it worked. */
    int r = connect(f->fd, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    if (r < 0 && errno != EINPROGRESS)
        return fail(f, "connect", errno);
    f->state = CONNECTING;
    return 0;
    /* quote:end connect */
}

/* on_writable - the connect finished, or there is room to send more. */
static void on_writable(struct fetch *f)
{
    if (f->state == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            finish(f, "connect", err);
            return;
        }
        f->state = SENDING;
    }
    while (f->req_off < f->req_len) {
        ssize_t n = send(f->fd, f->req + f->req_off, f->req_len - f->req_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; /* the rest when the socket is writable again */
        if (n < 0) {
            finish(f, "send", errno);
            return;
        }
        f->req_off += (size_t)n;
    }
    f->state = RECEIVING;
}

/* on_readable - take what has arrived: header bytes first, then count the body. */
static void on_readable(struct fetch *f)
{
    char buf[16384];
    ssize_t n = read(f->fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n < 0) {
        finish(f, "recv", errno);
        return;
    }
    if (n == 0) { /* Connection: close: the end of the body */
        finish(f, NULL, 0);
        return;
    }
    size_t used = 0;
    if (!f->in_body) {
        size_t take = (size_t)n < sizeof f->head - 1 - f->head_len
                          ? (size_t)n
                          : sizeof f->head - 1 - f->head_len;
        memcpy(f->head + f->head_len, buf, take);
        size_t old = f->head_len;
        f->head_len += take;
        f->head[f->head_len] = '\0';
        char *end = strstr(f->head, "\r\n\r\n");
        if (!end) {
            if (f->head_len == sizeof f->head - 1)
                finish(f, "response header too long", 0);
            return;
        }
        if (sscanf(f->head, "HTTP/%*d.%*d %d", &f->status) != 1) {
            finish(f, "not an HTTP/1.x response", 0);
            return;
        }
        f->in_body = true;
        used = (size_t)(end + 4 - f->head) - old;
    }
    f->body += (long)((size_t)n - used);
}

int main(int argc, char **argv)
{
    double timeout_s = 10;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--timeout") == 0) {
        timeout_s = atof(argv[2]);
        first = 3;
    }
    int count = argc - first;
    if (count <= 0) {
        fprintf(stderr, "usage: %s [--timeout SECONDS] http://host[:port]/path ...\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct fetch *fs = calloc((size_t)count, sizeof *fs);
    if (!fs)
        return 1;
    printf("fetching %d URL%s at once, on non-blocking sockets, with poll\n", count,
           count == 1 ? "" : "s");
    struct totals t = {.fetches = count, .wakeup = "poll calls"};
    getrusage(RUSAGE_SELF, &t.start);
    double t0 = now_ms();
    int pending = 0;
    for (int i = 0; i < count; i++) {
        struct fetch *f = &fs[i];
        f->n = i + 1;
        f->url = argv[first + i];
        f->fd = -1;
        f->start_ms = t0;
        if (start(f) < 0)
            finish(f, NULL, 0); /* f->error says why */
        else
            pending++;
    }

    /* quote:begin fetch-loop */
    struct pollfd *pfds = calloc((size_t)count, sizeof *pfds);
    int *which = calloc((size_t)count, sizeof *which); /* pfds[k] is fs[which[k]] */
    if (!pfds || !which)
        return 1;
    while (pending > 0) {
        nfds_t n = 0;
        for (int i = 0; i < count; i++) {
            if (fs[i].state == DONE)
                continue;
            pfds[n] = (struct pollfd){.fd = fs[i].fd,
                                      .events = fs[i].state == RECEIVING ? POLLIN : POLLOUT};
            which[n++] = i;
        }
        double left = timeout_s * 1e3 - (now_ms() - t0);
        int ready = poll(pfds, n, left > 0 ? (int)left : 0);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0) {
            perror("poll");
            return 1;
        }
        stats.calls++;
        stats.scanned += (long)n;
        stats.ready += ready;
        for (nfds_t k = 0; k < n; k++) {
            struct fetch *f = &fs[which[k]];
            if (ready == 0) /* the --timeout is up */
                finish(f, "timed out", 0);
            else if (pfds[k].revents & (POLLOUT | POLLERR | POLLHUP) && f->state != RECEIVING)
                on_writable(f); /* a failed connect shows as POLLERR: SO_ERROR says why */
            else if (pfds[k].revents & (POLLIN | POLLERR | POLLHUP))
                on_readable(f);
            if (f->state == DONE)
                pending--;
        }
    }
    free(pfds);
    free(which);
    /* quote:end fetch-loop */

    t.wall_ms = now_ms() - t0;
    t.wakeups = stats.calls;
    for (int i = 0; i < count; i++) {
        t.bytes += fs[i].body;
        t.failed += fs[i].error[0] != '\0';
    }
    report_totals(&t);
    printf("poll: %ld calls, %.1f fds scanned and %.2f ready per call\n", stats.calls,
           stats.calls ? (double)stats.scanned / stats.calls : 0.0,
           stats.calls ? (double)stats.ready / stats.calls : 0.0);
    free(fs);
    return t.failed ? 1 : 0;
}
