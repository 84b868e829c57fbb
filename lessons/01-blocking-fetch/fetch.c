/*
 * fetch - lesson 01: fetch web pages one after another on blocking sockets.
 *
 * Each fetch looks the host name up, connects, sends an HTTP GET and reads
 * the answer until the server closes the connection. Every one of those
 * calls blocks: the process sleeps in the kernel until the network has
 * done its part, and while it sleeps it can do nothing else. So N fetches
 * take N times the wait, and the CPU is idle almost all of that time. The
 * output shows both: the total is the sum of the fetch times, and the CPU
 * time used is a tiny fraction of it.
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

/* cpu_ms - CPU time in a getrusage() result, user + system. */
static double cpu_ms(const struct rusage *ru)
{
    return (ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) * 1e3 +
           (ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e3;
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

/* report - one line for a finished fetch, numbered n. */
static void report(int n, const struct fetch *f)
{
    if (f->error[0])
        printf("%3d  %-30s error: %s  %.1f ms\n", n, f->url, f->error, f->ms);
    else
        printf("%3d  %-30s %3d %7lld bytes %7.1f ms\n", n, f->url, f->status, f->bytes, f->ms);
}

/* summary - the total line, and what the times add up to; the exit status. */
static int summary(const struct fetch *fetches, int count, double wall_ms,
                   const struct rusage *before, const struct rusage *after)
{
    long long bytes = 0;
    double sum = 0, cpu = cpu_ms(after) - cpu_ms(before);
    int failed = 0;
    for (int i = 0; i < count; i++) {
        bytes += fetches[i].bytes;
        sum += fetches[i].ms;
        failed += fetches[i].error[0] != '\0';
    }
    printf("%d fetch%s, %lld bytes, %.1f ms total", count, count == 1 ? "" : "es", bytes, wall_ms);
    if (failed)
        printf(", %d failed", failed);
    printf("\nsum of the fetch times %.1f ms; CPU time used %.1f ms (%.0f%% of the wall time)\n",
           sum, cpu, wall_ms > 0 ? 100 * cpu / wall_ms : 0);
    /* A voluntary context switch is the process going to sleep (blocked);
     * an involuntary one is the kernel taking the CPU from a process that
     * still wanted it. */
    printf("the process slept %ld times, and was preempted %ld times\n",
           after->ru_nvcsw - before->ru_nvcsw, after->ru_nivcsw - before->ru_nivcsw);
    return failed ? 1 : 0;
}

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

    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    double start = now_ms();
    /* quote:begin main-loop */
    for (int i = 0; i < count; i++) {
        struct fetch *f = &fetches[i];
        f->url = argv[i + 1];
        double t0 = now_ms();
        fetch_one(f); /* nothing else happens until this one is done */
        f->ms = now_ms() - t0;
        report(i + 1, f);
    }
    /* quote:end main-loop */
    double wall_ms = now_ms() - start;
    getrusage(RUSAGE_SELF, &after);
    int rc = summary(fetches, count, wall_ms, &before, &after);
    free(fetches);
    return rc;
}
