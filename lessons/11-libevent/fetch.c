/*
 * fetch - lesson 11: the concurrent fetcher of lessons 04-09, on libevent.
 *
 * Same task and output as lesson 06's fetch.c and lesson 09's: every URL
 * starts at once, a line per URL as it finishes, then a total. Lesson 06
 * drove a state machine per fetch from its own epoll loop; lesson 09 wrote
 * it as callbacks on lesson 08's loop. Here libevent is the loop, and it
 * also does the parts those lessons did by hand or not at all:
 *
 *  - the name lookup: evdns_getaddrinfo() asks the DNS servers (or reads
 *    /etc/hosts) without blocking, where getaddrinfo() in lessons 01-09
 *    stopped everything until the answer came;
 *  - the connect: bufferevent_socket_connect() makes the socket
 *    non-blocking, connects, and reports BEV_EVENT_CONNECTED or an error;
 *  - the reading and writing: the request is queued in the bufferevent's
 *    output before the connection even exists, and the response arrives in
 *    its input evbuffer however the kernel splits it.
 *
 *   fetch [--timeout SECONDS] URL...      (URL: http://host[:port]/path)
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

enum { HEAD_MAX = 8192 };

/* One fetch: what a callback needs to pick up where the last one left off. */
struct fetch {
    int n;
    const char *url;
    char host[256], port[8];
    char req[2048];
    int req_len;
    struct bufferevent *bev;
    struct evutil_addrinfo *addrs, *next_addr; /* what evdns found; the one to try next */
    bool connected, in_body, done;
    int status;
    long body; /* body bytes received */
    double start_ms, dns_ms;
};

static struct event_base *base;
static struct evdns_base *dns;
static struct timeval timeout = {10, 0};
static int left;

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

static struct totals t; /* what the callbacks add up, reported at the end */

/* finish - free what the fetch holds and print its line: the numbers, or
 * why not (what failed, and why if not NULL; what NULL: nothing did). */
static void finish(struct fetch *f, const char *what, const char *why)
{
    if (f->bev)
        bufferevent_free(f->bev); /* also closes the socket */
    f->bev = NULL;
    if (f->addrs)
        evutil_freeaddrinfo(f->addrs);
    f->addrs = f->next_addr = NULL;
    f->done = true;
    double ms = now_ms() - f->start_ms;
    if (!what && !f->in_body)
        what = "connection closed before a complete response header";
    char error[300];
    snprintf(error, sizeof error, "%s%s%s", what ? what : "", why ? ": " : "", why ? why : "");
    if (what) {
        f->status = 0;
        t.failed++;
    } else {
        t.bytes += f->body;
    }
    report_fetch(f->n, f->url, f->status, f->body, what ? error : NULL, ms);
    left--; /* at 0, main stops running the loop (evdns keeps events of its own) */
}

/* parse_url - split http://host[:port]/path and build the request. */
static const char *parse_url(struct fetch *f)
{
    const char *p = f->url;
    if (strncmp(p, "http://", 7) != 0)
        return "not an http://host[:port]/path URL";
    p += 7;
    size_t hlen = strcspn(p, ":/");
    if (hlen == 0 || hlen >= sizeof f->host)
        return "not an http://host[:port]/path URL";
    memcpy(f->host, p, hlen);
    f->host[hlen] = '\0';
    p += hlen;
    strcpy(f->port, "80");
    if (*p == ':') {
        size_t plen = strcspn(++p, "/");
        if (plen == 0 || plen >= sizeof f->port)
            return "not an http://host[:port]/path URL";
        memcpy(f->port, p, plen);
        f->port[plen] = '\0';
        p += plen;
    }
    f->req_len = snprintf(f->req, sizeof f->req,
                          "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n",
                          *p ? p : "/", f->host);
    if (f->req_len < 0 || (size_t)f->req_len >= sizeof f->req)
        return "URL too long";
    return NULL;
}

static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

/* quote:begin connect */
/* try_connect - connect to the next address evdns gave us. The request is
 * written into the bufferevent at once: it waits in the output evbuffer
 * and goes out when the connection is up. */
static void try_connect(struct fetch *f)
{
    const char *why = "no address";
    while (f->next_addr) {
        struct evutil_addrinfo *ai = f->next_addr;
        f->next_addr = ai->ai_next;
        f->connected = false;
        f->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
        if (!f->bev) {
            why = "out of memory";
            break;
        }
        bufferevent_setcb(f->bev, on_read, NULL, on_event, f);
        bufferevent_set_timeouts(f->bev, &timeout, &timeout);
        if (bufferevent_socket_connect(f->bev, ai->ai_addr, (int)ai->ai_addrlen) == 0) {
            bufferevent_write(f->bev, f->req, (size_t)f->req_len);
            bufferevent_enable(f->bev, EV_READ);
            return; /* on_event says how the connect went */
        }
        why = evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR());
        bufferevent_free(f->bev);
        f->bev = NULL;
    }
    finish(f, "connect", why);
}

/* on_resolved - evdns has an answer (or an error) for f's host. */
static void on_resolved(int err, struct evutil_addrinfo *ai, void *arg)
{
    struct fetch *f = arg;
    f->dns_ms = now_ms() - f->start_ms;
    if (err) {
        char what[300];
        snprintf(what, sizeof what, "cannot resolve %s", f->host);
        finish(f, what, evutil_gai_strerror(err));
        return;
    }
    f->addrs = f->next_addr = ai; /* ours to free, with evutil_freeaddrinfo */
    try_connect(f);
}
/* quote:end connect */

/* quote:begin read */
/* on_read - bytes arrived in the input evbuffer: the header first (kept
 * until its blank line is here, whatever the split), then count the body. */
static void on_read(struct bufferevent *bev, void *arg)
{
    struct fetch *f = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    if (!f->in_body) {
        struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
        if (end.pos < 0) {
            if (evbuffer_get_length(in) > HEAD_MAX)
                finish(f, "response header too long", NULL);
            return; /* the rest of the header is on its way */
        }
        char line[64] = "";
        evbuffer_copyout(in, line, sizeof line - 1);
        if (sscanf(line, "HTTP/%*d.%*d %d", &f->status) != 1) {
            finish(f, "not an HTTP/1.x response", NULL);
            return;
        }
        evbuffer_drain(in, (size_t)end.pos + 4);
        f->in_body = true;
    }
    f->body += (long)evbuffer_get_length(in);
    evbuffer_drain(in, evbuffer_get_length(in)); /* counted, not kept */
}

/* on_event - connected, end of the response, an error or a timeout. */
static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    struct fetch *f = arg;
    if (what & BEV_EVENT_CONNECTED) {
        f->connected = true;
    } else if (what & BEV_EVENT_EOF) {
        finish(f, NULL, NULL); /* Connection: close: the end of the body */
    } else if (what & BEV_EVENT_TIMEOUT) {
        finish(f, "timed out", NULL);
    } else if (what & BEV_EVENT_ERROR) {
        int err = EVUTIL_SOCKET_ERROR();
        const char *why = err ? evutil_socket_error_to_string(err) : "connection failed";
        if (!f->connected && f->next_addr) { /* e.g. ::1 refused: try 127.0.0.1 */
            bufferevent_free(f->bev);
            f->bev = NULL;
            try_connect(f);
        } else {
            finish(f, f->connected ? "recv" : "connect", why);
        }
    }
}
/* quote:end read */

/* make_dns - an evdns base that reads /etc/resolv.conf and /etc/hosts, with
 * short timeouts: a lesson should not wait half a minute for a bad name. */
static struct evdns_base *make_dns(void)
{
    struct evdns_base *d = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (!d) { /* no usable resolv.conf: /etc/hosts and numeric addresses still work */
        d = evdns_base_new(base, 0);
        if (d)
            evdns_base_load_hosts(d, NULL);
    }
    if (d) {
        evdns_base_set_option(d, "timeout:", "2");
        evdns_base_set_option(d, "attempts:", "2");
    }
    return d;
}

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--timeout") == 0) {
        timeout.tv_sec = atoi(argv[2]);
        first = 3;
    }
    int count = argc - first;
    if (count <= 0 || timeout.tv_sec <= 0) {
        fprintf(stderr, "usage: %s [--timeout SECONDS] http://host[:port]/path ...\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct fetch *fs = calloc((size_t)count, sizeof *fs);
    base = event_base_new();
    dns = base ? make_dns() : NULL;
    if (!fs || !base || !dns) {
        fprintf(stderr, "fetch: cannot set up the event base or evdns\n");
        return 1;
    }
    printf("fetching %d URL%s at once, on libevent (%s)\n", count, count == 1 ? "" : "s",
           event_base_get_method(base));
    t.fetches = count;
    t.wakeup = "loop rounds";
    getrusage(RUSAGE_SELF, &t.start);

    /* quote:begin start */
    double t0 = now_ms();
    left = count;
    for (int i = 0; i < count; i++) {
        struct fetch *f = &fs[i];
        f->n = i + 1;
        f->url = argv[first + i];
        f->start_ms = t0;
        const char *err = parse_url(f);
        if (err) {
            finish(f, err, NULL);
            continue;
        }
        struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
        /* Answers from /etc/hosts or numeric hosts come back at once, inside
         * this call; others when the DNS server replies, from the loop. */
        evdns_getaddrinfo(dns, f->host, f->port, &hints, on_resolved, f);
    }
    /* Every lookup, connect, read and write happens in here: one round of
     * libevent's loop (wait, then run the callbacks) per call. */
    while (left > 0 && event_base_loop(base, EVLOOP_ONCE) == 0)
        t.wakeups++;
    /* quote:end start */
    t.wall_ms = now_ms() - t0;

    double dns_max = 0;
    for (int i = 0; i < count; i++)
        dns_max = fs[i].dns_ms > dns_max ? fs[i].dns_ms : dns_max;
    report_totals(&t);
    printf("libevent %s, backend %s; names looked up by evdns, slowest in %.1f ms\n",
           event_get_version(), event_base_get_method(base), dns_max);
    evdns_base_free(dns, 0);
    event_base_free(base);
    free(fs);
    return t.failed ? 1 : 0;
}
