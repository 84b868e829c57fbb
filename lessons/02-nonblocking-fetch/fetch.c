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
                   const struct rusage *before, const struct rusage *after, long long spins)
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
    printf("busy loop: %lld calls found nothing to do (EAGAIN, or connect still in progress)\n",
           spins);
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
    printf("fetching %d URL%s at once, on non-blocking sockets, in a busy loop\n", count,
           count == 1 ? "" : "s");

    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    double start = now_ms();
    long long spins = 0;
    int left = count;
    for (int i = 0; i < count; i++) {
        fetches[i].url = argv[i + 1];
        if (start_fetch(&fetches[i])) { /* over before it began */
            report(i + 1, &fetches[i]);
            left--;
        }
    }
    /* quote:begin busy-loop */
    while (left > 0) {
        /* Visit every unfinished fetch and let it do whatever it can
         * without waiting. Nearly every visit finds nothing to do: the
         * loop never sleeps, it asks again at once. That is the spin. */
        for (int i = 0; i < count; i++) {
            if (fetches[i].state != DONE && step(&fetches[i], &spins)) {
                report(i + 1, &fetches[i]); /* in the order they finish */
                left--;
            }
        }
    }
    /* quote:end busy-loop */
    double wall_ms = now_ms() - start;
    getrusage(RUSAGE_SELF, &after);
    int rc = summary(fetches, count, wall_ms, &before, &after, spins);
    free(fetches);
    return rc;
}
