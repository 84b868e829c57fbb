/*
 * fetch - lesson 01: fetch web pages one after another on blocking sockets.
 *
 * Each fetch looks the host name up, connects, sends an HTTP GET and reads
 * the answer until the server closes the connection. Every one of those
 * calls blocks: the process sleeps in the kernel until the network has
 * done its part, and while it sleeps it can do nothing else. So N fetches
 * take N times the wait, and the CPU is idle almost all of that time. The
 * output shows both: the total is the sum of the fetch times, and the CPU
 * time used is a tiny fraction of it. Its closing lines (report_totals)
 * are the same in every fetcher of the course, so their runs compare.
 *
 *   fetch URL...          URL is http://host[:port][/path]
 *
 * Lessons 00-03 stop on a setup error with die(); a failed fetch is not a
 * setup error: it prints its error on its own line and the others go on.
 */
#include "httpio.h"

#include <errno.h>
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

/* One fetch: which URL, and what came of it. */
struct fetch {
    const char *url;
    struct url u;
    int status;      /* the HTTP status, 0 if the fetch failed */
    long long bytes; /* bytes of the body (after the headers) */
    double ms;       /* how long the fetch took */
    char error[256]; /* what went wrong, "" if nothing did */
};

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

/* quote:begin connect-to */
/* connect_to - a connected, blocking socket to the URL's host, or -1. */
static int connect_to(struct fetch *f)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addrs;
    int rc = getaddrinfo(f->u.host, f->u.port, &hints, &addrs); /* blocks: DNS */
    if (rc != 0) {
        snprintf(f->error, sizeof f->error, "cannot resolve %s: %s", f->u.host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
    /* A name may have several addresses (IPv6 and IPv4): try each in turn. */
    for (struct addrinfo *ai = addrs; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        /* Blocks for the TCP handshake: one round trip to the server. A
         * signal does not stop the handshake; on Linux, connecting again
         * waits for the one under way (EISCONN if it has finished). */
        while ((rc = connect(fd, ai->ai_addr, ai->ai_addrlen)) < 0 && errno == EINTR)
            ;
        if (rc < 0 && errno != EISCONN) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(addrs);
    if (fd < 0)
        fail(f, "connect", err);
    return fd;
}
/* quote:end connect-to */

/* quote:begin fetch-one */
/* fetch_one - fetch f->url, filling in f->status and f->bytes; 0 or -1. */
static int fetch_one(struct fetch *f)
{
    if (parse_url(f->url, &f->u) < 0)
        return fail(f, "not an http://host[:port]/path URL", 0);
    int fd = connect_to(f); /* blocks: name lookup, then the handshake */
    if (fd < 0)
        return -1;
    char req[2560];
    int len = snprintf(req, sizeof req,
                       "GET %s HTTP/1.0\r\nHost: %s:%s\r\nUser-Agent: eddy-fetch\r\n"
                       "Connection: close\r\n\r\n",
                       f->u.path, f->u.host, f->u.port);
    struct response r;
    response_init(&r);
    int rc = 0;
    if (send_all(fd, req, (size_t)len) < 0) /* blocks until the kernel took it all */
        rc = fail(f, "send", errno);
    else if (read_response(fd, &r) < 0) /* blocks until the server has closed */
        rc = fail(f, "recv", errno);
    else if ((f->status = parse_status_line(r.head, r.head_len)) < 0 ||
             (f->bytes = response_body_bytes(&r)) < 0)
        rc = fail(f, "not an HTTP/1.x response", 0);
    close(fd);
    if (rc < 0)
        f->status = 0;
    return rc;
}
/* quote:end fetch-one */

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
    printf("fetching %d URL%s one after another, on blocking sockets\n", count,
           count == 1 ? "" : "s");

    struct totals t = {.fetches = count, .wakeup = "blocking calls that slept"};
    getrusage(RUSAGE_SELF, &t.start);
    double start = now_ms();
    /* quote:begin main-loop */
    for (int i = 0; i < count; i++) {
        struct fetch *f = &fetches[i];
        f->url = argv[i + 1];
        double t0 = now_ms();
        fetch_one(f); /* nothing else happens until this one is done */
        f->ms = now_ms() - t0;
        report_fetch(i + 1, f->url, f->status, f->bytes, f->error[0] ? f->error : NULL, f->ms);
    }
    /* quote:end main-loop */
    t.wall_ms = now_ms() - start;

    double sum = 0;
    for (int i = 0; i < count; i++) {
        t.bytes += fetches[i].bytes;
        t.failed += fetches[i].error[0] != '\0';
        sum += fetches[i].ms;
    }
    /* Every wait here is a blocking call that puts the process to sleep
     * until the network has done its part: the kernel counts them. */
    struct rusage now;
    getrusage(RUSAGE_SELF, &now);
    t.wakeups = now.ru_nvcsw - t.start.ru_nvcsw;
    report_totals(&t);
    printf("sum of the fetch times %.1f ms: one after another, the total is their sum\n", sum);
    free(fetches);
    return t.failed ? 1 : 0;
}
