/*
 * fetch - lesson 02: fetch web pages all at once on non-blocking sockets,
 * with nothing but a busy loop to find out when they are ready.
 *
 * The same task as lesson 01, but every socket is put in O_NONBLOCK mode,
 * so no call waits: connect() returns EINPROGRESS, send() and recv()
 * return EAGAIN when they cannot do anything yet. That lets one thread
 * keep all the fetches going at once, and the total drops from the sum of
 * the waits to the longest one. But with no way to ask the kernel "which
 * socket is ready?", the program can only try every socket again and
 * again: it spins, and a core runs flat out doing nothing useful. The
 * output shows both: how many calls found nothing to do, and a CPU time
 * as large as the wall time. Lesson 04 (select) fixes the spinning.
 *
 *   fetch URL...          URL is http://host[:port][/path]
 *
 * Lessons 00-03 stop on a setup error with die(); a failed fetch is not a
 * setup error: it prints its error on its own line and the others go on.
 */
#include "httpio.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* A URL cut into what getaddrinfo() and the request line need. */
struct url {
    char host[256];
    char port[8];
    char path[2048];
};

/* quote:begin struct-fetch */
/* Where a fetch is: each state waits for something different. */
enum state { CONNECTING, SENDING, RECEIVING, DONE };

/* One fetch: which URL, and what came of it. */
struct fetch {
    const char *url;
    struct url u;
    int status;      /* the HTTP status, 0 if the fetch failed */
    long long bytes; /* bytes of the body (after the headers) */
    double ms;       /* how long the fetch took */
    char error[256]; /* what went wrong, "" if nothing did */
    /* What a blocking fetch kept on its stack now lives here, because the
     * fetch is left half done and picked up again many times. */
    enum state state;
    int fd;
    struct addrinfo *addrs, *next_addr; /* next_addr: the next one to try */
    char req[2560];
    size_t req_len, sent;
    struct response r;
    double t0;
};
/* quote:end struct-fetch */

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* parse_url - split http://host[:port][/path]; 0, or -1 if it is not one. */
static int parse_url(const char *url, struct url *u)
{
    if (strncmp(url, "http://", 7) != 0)
        return -1;
    const char *host = url + 7;
    size_t hlen = strcspn(host, ":/");
    if (hlen == 0 || hlen >= sizeof u->host)
        return -1;
    memcpy(u->host, host, hlen);
    u->host[hlen] = '\0';
    const char *rest = host + hlen;
    strcpy(u->port, "80");
    if (*rest == ':') {
        size_t plen = strspn(rest + 1, "0123456789");
        if (plen == 0 || plen >= sizeof u->port || (rest[1 + plen] && rest[1 + plen] != '/'))
            return -1;
        memcpy(u->port, rest + 1, plen);
        u->port[plen] = '\0';
        rest += 1 + plen;
    }
    int n = snprintf(u->path, sizeof u->path, "%s", *rest ? rest : "/");
    return n < (int)sizeof u->path ? 0 : -1;
}

/* fail - note what went wrong (and strerror(err) if err != 0); returns -1. */
static int fail(struct fetch *f, const char *what, int err)
{
    if (err)
        snprintf(f->error, sizeof f->error, "%s: %s", what, strerror(err));
    else
        snprintf(f->error, sizeof f->error, "%s", what);
    return -1;
}

/* finish - the fetch is over (err: what failed, or NULL); returns 1. */
static int finish(struct fetch *f, const char *what, int err)
{
    if (what)
        fail(f, what, err);
    else if ((f->status = parse_status_line(f->r.head, f->r.head_len)) < 0 ||
             (f->bytes = response_body_bytes(&f->r)) < 0)
        fail(f, "not an HTTP/1.x response", 0);
    if (f->error[0])
        f->status = 0;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (f->addrs)
        freeaddrinfo(f->addrs);
    f->addrs = f->next_addr = NULL;
    f->ms = now_ms() - f->t0;
    f->state = DONE;
    return 1;
}

/* quote:begin start-connect */
/* start_connect - start connecting to the next address of f; 1 if the
 * fetch is over (no address left), else 0. Never waits. */
static int start_connect(struct fetch *f, int err)
{
    for (struct addrinfo *ai = f->next_addr; ai; ai = ai->ai_next) {
        f->next_addr = ai->ai_next;
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        /* From now on no call on fd waits: it does what it can, or fails. */
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
            die("fcntl");
        f->fd = fd;
        /* The SYN goes out; the answer comes later. EINPROGRESS is not an
         * error: it says "started, not finished". */
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            f->state = SENDING; /* can happen on loopback: already connected */
            return 0;
        }
        if (errno == EINPROGRESS || errno == EINTR) {
            f->state = CONNECTING; /* (EINTR: the handshake goes on anyway) */
            return 0;
        }
        err = errno;
        close(fd);
        f->fd = -1;
    }
    return finish(f, "connect", err);
}
/* quote:end start-connect */

/* start_fetch - begin fetching f->url; 1 if the fetch is already over
 * (a bad URL, an unknown host, nothing to connect to), else 0. */
static int start_fetch(struct fetch *f)
{
    f->fd = -1;
    f->t0 = now_ms();
    response_init(&f->r);
    if (parse_url(f->url, &f->u) < 0)
        return finish(f, "not an http://host[:port]/path URL", 0);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    /* getaddrinfo() has no non-blocking mode: it still blocks on DNS. */
    int rc = getaddrinfo(f->u.host, f->u.port, &hints, &f->addrs);
    if (rc != 0) {
        char what[300];
        snprintf(what, sizeof what, "cannot resolve %s: %s", f->u.host, gai_strerror(rc));
        f->addrs = NULL;
        return finish(f, what, 0);
    }
    int len = snprintf(f->req, sizeof f->req,
                       "GET %s HTTP/1.0\r\nHost: %s:%s\r\nUser-Agent: eddy-fetch\r\n"
                       "Connection: close\r\n\r\n",
                       f->u.path, f->u.host, f->u.port);
    f->req_len = (size_t)len;
    f->next_addr = f->addrs;
    return start_connect(f, 0);
}

/* quote:begin step */
/* step - move f on as far as it can go without waiting; 1 when it is over.
 * Every call that finds nothing to do adds one to *spins. */
static int step(struct fetch *f, long long *spins)
{
    int rc;
    switch (f->state) {
    case CONNECTING:
        rc = connect_done(f->fd);
        if (rc == 0) {
            ++*spins; /* the handshake is still under way */
            return 0;
        }
        if (rc < 0) { /* refused, unreachable...: try the next address */
            int err = errno;
            close(f->fd);
            f->fd = -1;
            return start_connect(f, err);
        }
        f->state = SENDING; /* connected: try sending at once */
        /* fall through */
    case SENDING:
        rc = send_step(f->fd, f->req, f->req_len, &f->sent);
        if (rc == 0) {
            ++*spins; /* EAGAIN: the send buffer is full */
            return 0;
        }
        if (rc < 0)
            return finish(f, "send", errno);
        f->state = RECEIVING; /* the request is out: try reading at once */
        /* fall through */
    case RECEIVING:
        rc = recv_step(f->fd, &f->r);
        if (rc == 0) {
            ++*spins; /* EAGAIN: nothing has arrived */
            return 0;
        }
        if (rc < 0)
            return finish(f, "recv", errno);
        return finish(f, NULL, 0); /* EOF: the whole page is in */
    case DONE:
        break;
    }
    return 1;
}
/* quote:end step */

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

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: %s URL...   (URL: http://host[:port][/path])\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* a line as it happens, even into a pipe */
    int count = argc - 1;
    struct fetch *fetches = calloc((size_t)count, sizeof *fetches);
    if (!fetches)
        die("calloc");
    printf("fetching %d URL%s at once, on non-blocking sockets, in a busy loop\n", count,
           count == 1 ? "" : "s");

    struct totals t = {.fetches = count, .wakeup = "rounds of the busy loop"};
    getrusage(RUSAGE_SELF, &t.start);
    double start = now_ms();
    long long spins = 0;
    int left = count;
    for (int i = 0; i < count; i++) {
        fetches[i].url = argv[i + 1];
        if (start_fetch(&fetches[i])) { /* over before it began */
            report_fetch(i + 1, fetches[i].url, 0, 0, fetches[i].error, fetches[i].ms);
            left--;
        }
    }
    /* quote:begin busy-loop */
    while (left > 0) {
        /* Visit every unfinished fetch and let it do whatever it can
         * without waiting. Nearly every visit finds nothing to do: the
         * loop never sleeps, it asks again at once. That is the spin. */
        t.wakeups++; /* a round of the loop, though it never slept */
        for (int i = 0; i < count; i++) {
            struct fetch *f = &fetches[i];
            if (f->state != DONE && step(f, &spins)) { /* in the order they finish */
                report_fetch(i + 1, f->url, f->status, f->bytes, f->error[0] ? f->error : NULL,
                             f->ms);
                left--;
            }
        }
    }
    /* quote:end busy-loop */
    t.wall_ms = now_ms() - start;

    double sum = 0;
    for (int i = 0; i < count; i++) {
        t.bytes += fetches[i].bytes;
        t.failed += fetches[i].error[0] != '\0';
        sum += fetches[i].ms;
    }
    report_totals(&t);
    printf("sum of the fetch times %.1f ms: all at once, the total is about the longest\n", sum);
    printf("busy loop: %lld calls found nothing to do (EAGAIN, or connect still in progress)\n",
           spins);
    free(fetches);
    return t.failed ? 1 : 0;
}
