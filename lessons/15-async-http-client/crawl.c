/*
 * crawl - lesson 15: a concurrent web crawler on coroutines.
 *
 *   crawl [--workers N] [--max-depth N] [--max-pages N] [--timeout SECONDS]
 *         [--max-body BYTES] [--verbose] URL
 *
 * Tornado's web-spider demo done properly: a queue of URLs and N workers,
 * each a task that takes a URL, fetches it (suspending only itself), adds
 * the page's new links to the queue and takes the next. Only pages of the
 * start URL's origin (scheme, host and port) are followed, at most
 * --max-depth links away and --max-pages in all, and each page is fetched
 * once however many ways it is written (links are normalised before they
 * are compared). On a terminal a progress bar shows how far it is; piped,
 * it prints a plain line a second. At the end: pages, bytes, errors by
 * kind, time and pages per second.
 *
 * Lessons 09 and 10 crawled with callbacks and with hand-made coroutines;
 * this is the same crawl on the library's client, which adds keep-alive,
 * a limit on connections (max_clients = --workers), redirects, timeouts
 * and errors that say what went wrong.
 */
#include "links.h"

#include <eddy/eddy.h>
#include <eddy/http/client.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ the set of URLs seen */

/* A hash set of strings (open addressing): "fetched or queued already?"
 * for hundreds of thousands of URLs at O(1). */
struct url_set {
    char **slots;
    size_t cap, count;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

/* set_add - 1 if url was added, 0 if it was there, -1 on ENOMEM. */
static int set_add(struct url_set *s, const char *url)
{
    if (2 * (s->count + 1) > s->cap) { /* keep it at most half full */
        size_t cap = s->cap ? 2 * s->cap : 1024;
        char **slots = calloc(cap, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slots[i])
                continue;
            size_t j = hash_str(s->slots[i]) & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = s->slots[i];
        }
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    size_t j = hash_str(url) & (s->cap - 1);
    for (; s->slots[j]; j = (j + 1) & (s->cap - 1))
        if (strcmp(s->slots[j], url) == 0)
            return 0;
    if (!(s->slots[j] = strdup(url)))
        return -1;
    s->count++;
    return 1;
}

static void set_free(struct url_set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
}

/* ------------------------------------------------------------ the crawl */

struct item {
    char *url;
    int depth;
};

struct crawl {
    eddy_http_client *client;
    char origin[512]; /* "http://127.0.0.1:8000": links elsewhere are not followed */
    int workers, max_depth, max_pages, verbose, tty;
    long timeout_ms;
    unsigned long long max_body;
    struct url_set seen;
    struct item *queue; /* a ring of URLs waiting for a worker */
    size_t q_head, q_len, q_cap;
    eddy_future **idle; /* workers waiting for the queue to fill */
    int n_idle;
    int busy;    /* workers fetching */
    int started; /* fetches started, for --max-pages */
    int alive;   /* workers still running */
    int done;    /* nothing left to do: idle workers return */
    /* the summary */
    long pages, failed, links, duplicates, offsite, too_deep;
    long long bytes;
    double t0, last_progress;
    struct { char kind[64]; long count; } errors[32];
    int n_errors;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void count_error(struct crawl *c, const char *kind)
{
    for (int i = 0; i < c->n_errors; i++)
        if (strcmp(c->errors[i].kind, kind) == 0) {
            c->errors[i].count++;
            return;
        }
    if (c->n_errors < 32) {
        snprintf(c->errors[c->n_errors].kind, sizeof c->errors[0].kind, "%s", kind);
        c->errors[c->n_errors++].count = 1;
    }
}

/* push - queue url (normalised already) unless seen; wake an idle worker. */
static void push(struct crawl *c, const char *url, int depth)
{
    if (c->q_len == c->q_cap) {
        size_t cap = c->q_cap ? 2 * c->q_cap : 256;
        struct item *q = malloc(cap * sizeof *q);
        if (!q)
            return;
        for (size_t i = 0; i < c->q_len; i++)
            q[i] = c->queue[(c->q_head + i) % c->q_cap];
        free(c->queue);
        c->queue = q, c->q_cap = cap, c->q_head = 0;
    }
    char *copy = strdup(url);
    if (!copy)
        return;
    c->queue[(c->q_head + c->q_len++) % c->q_cap] = (struct item){copy, depth};
    if (c->n_idle > 0) /* one URL, one worker woken */
        eddy_future_resolve(c->idle[--c->n_idle], 0, NULL);
}

static void wake_all(struct crawl *c)
{
    c->done = 1;
    while (c->n_idle > 0)
        eddy_future_resolve(c->idle[--c->n_idle], 0, NULL);
}

/* quote:begin next-url */
/* next_url - the next URL for a worker, waiting while the queue is empty
 * but other workers are still fetching (their pages may add links). 0
 * when the crawl is over. */
static int next_url(struct crawl *c, struct item *out)
{
    for (;;) {
        if (c->q_len > 0 && c->started < c->max_pages) {
            *out = c->queue[c->q_head];
            c->q_head = (c->q_head + 1) % c->q_cap;
            c->q_len--;
            c->started++;
            c->busy++;
            return 1;
        }
        if (c->done || c->busy == 0 || c->started >= c->max_pages) {
            wake_all(c); /* nobody can add more: everyone stops */
            return 0;
        }
        eddy_future *f = eddy_future_new();
        if (!f)
            return 0;
        c->idle[c->n_idle++] = f;
        eddy_future_await(f, -1, NULL); /* suspends this worker until push() or the end */
        eddy_future_release(f);
    }
}
/* quote:end next-url */

/* What on_link needs to know about the page the link is on. */
struct page {
    struct crawl *c;
    int depth; /* of the links on it */
};

/* on_link - a link found on a page: keep it if it is new, on this site
 * and not too deep. */
static void on_link(const char *url, void *arg)
{
    struct page *page = arg;
    struct crawl *c = page->c;
    int depth = page->depth;
    c->links++;
    size_t olen = strlen(c->origin);
    if (strncmp(url, c->origin, olen) != 0 || (url[olen] != '/' && url[olen] != '\0')) {
        c->offsite++;
        return;
    }
    if (depth > c->max_depth) {
        c->too_deep++;
        return;
    }
    int added = set_add(&c->seen, url);
    if (added == 0)
        c->duplicates++;
    else if (added > 0)
        push(c, url, depth);
}

static void progress(struct crawl *c, int last)
{
    double now = now_ms();
    if (!last && now - c->last_progress < (c->tty ? 100 : 1000))
        return;
    c->last_progress = now;
    double s = (now - c->t0) / 1000;
    long total = c->pages + c->failed;
    if (c->tty) {
        long known = total + (long)c->q_len + c->busy;
        int width = 30, filled = known ? (int)(width * total / known) : 0;
        fprintf(stderr, "\r[%.*s%*s] %ld/%ld pages, %d fetching, %ld errors, %.0f pages/s ",
                filled, "##############################", width - filled, "", total, known,
                c->busy, c->failed, s > 0 ? total / s : 0.0);
        if (last)
            fputc('\n', stderr);
    } else {
        fprintf(stderr, "progress: %ld pages, %zu queued, %d fetching, %ld errors, %.1f s\n", total,
                c->q_len, c->busy, c->failed, s);
    }
}

/* quote:begin worker */
/* worker - one of N tasks: take a URL, fetch it, queue its links, again. */
static void worker(void *arg)
{
    struct crawl *c = arg;
    struct item it;
    while (next_url(c, &it)) {
        eddy_http_request req = {.url = it.url,
                                 .request_timeout_ms = c->timeout_ms,
                                 .connect_timeout_ms = c->timeout_ms,
                                 .max_body_bytes = c->max_body};
        eddy_http_response *resp;
        int err = eddy_http_fetch(c->client, &req, &resp); /* only this worker waits */
        char kind[64] = "";
        if (err) {
            snprintf(kind, sizeof kind, "%s", resp ? resp->error_text : strerror(err));
        } else if (resp->status != 200) {
            snprintf(kind, sizeof kind, "HTTP %d", resp->status);
        } else {
            c->pages++;
            c->bytes += (long long)resp->body_len;
            /* A redirect may have led to a page known under its own name. */
            int fresh = strcmp(resp->url, it.url) == 0 || set_add(&c->seen, resp->url) != 0;
            const char *type = eddy_http_response_header(resp, "content-type");
            struct page page = {c, it.depth + 1};
            if (fresh && type && strncmp(type, "text/html", 9) == 0)
                extract_links(resp->url, resp->body, resp->body_len, on_link, &page);
        }
        if (kind[0]) {
            c->failed++;
            count_error(c, kind);
        }
        if (c->verbose)
            printf("%5ld  %-50s %s  %.1f ms\n", c->pages + c->failed, it.url,
                   kind[0] ? kind : "200", resp ? resp->time_ms : 0.0);
        eddy_http_response_free(resp);
        free(it.url);
        c->busy--;
        progress(c, 0);
    }
    if (--c->alive == 0)
        eddy_loop_stop(); /* the last worker out: the crawl is over */
}
/* quote:end worker */

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--workers N] [--max-depth N] [--max-pages N] [--timeout SECONDS]\n"
            "       [--max-body BYTES] [--verbose] http://host:port/path\n",
            argv0);
    return 2;
}

int main(int argc, char **argv)
{
    struct crawl c = {.workers = 10, .max_depth = 1000000, .max_pages = 1000000,
                      .timeout_ms = 10000, .max_body = 1 << 20};
    const char *start = NULL;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(s, "--workers") == 0 && v && atoi(v) > 0)
            c.workers = atoi(v), i++;
        else if (strcmp(s, "--max-depth") == 0 && v && atoi(v) >= 0)
            c.max_depth = atoi(v), i++;
        else if (strcmp(s, "--max-pages") == 0 && v && atoi(v) > 0)
            c.max_pages = atoi(v), i++;
        else if (strcmp(s, "--timeout") == 0 && v && atof(v) > 0)
            c.timeout_ms = (long)(atof(v) * 1000), i++;
        else if (strcmp(s, "--max-body") == 0 && v && strtoull(v, NULL, 10) > 0)
            c.max_body = strtoull(v, NULL, 10), i++;
        else if (strcmp(s, "--verbose") == 0)
            c.verbose = 1;
        else if (s[0] != '-' && !start)
            start = s;
        else
            return usage(argv[0]);
    }
    eddy_buf norm = EDDY_BUF_INIT;
    eddy_url u;
    if (!start || eddy_url_normalize(start, strlen(start), &norm) < 0 ||
        eddy_url_parse(norm.data, norm.len, &u) < 0 || u.path.p - norm.data >= (long)sizeof c.origin)
        return usage(argv[0]);
    snprintf(c.origin, sizeof c.origin, "%.*s", (int)(u.path.p - norm.data), norm.data);

    eddy_log_set_level(EDDY_LOG_WARNING);
    setvbuf(stdout, NULL, _IOLBF, 0);
    c.tty = isatty(2);
    eddy_http_client_config cfg;
    eddy_http_client_config_defaults(&cfg);
    cfg.max_clients = c.workers; /* one connection per worker at most */
    cfg.max_idle = c.workers;
    c.client = eddy_http_client_new(&cfg);
    c.idle = calloc((size_t)c.workers, sizeof *c.idle);
    if (!c.client || !c.idle || set_add(&c.seen, norm.data) < 0) {
        fprintf(stderr, "crawl: cannot start: %s\n", strerror(errno));
        return 1;
    }
    push(&c, norm.data, 0);
    printf("crawling %s with %d workers (same origin, depth <= %d, pages <= %d)\n", norm.data,
           c.workers, c.max_depth, c.max_pages);
    c.t0 = now_ms();
    for (int i = 0; i < c.workers; i++)
        if (eddy_task_spawn(worker, &c))
            c.alive++;
    if (c.alive == 0 || eddy_loop_run() < 0) {
        fprintf(stderr, "crawl: cannot run the loop\n");
        return 1;
    }
    double ms = now_ms() - c.t0;
    progress(&c, 1);

    eddy_http_client_stats st;
    eddy_http_client_stats_get(c.client, &st);
    printf("%ld pages, %lld bytes, %ld errors in %.2f s: %.0f pages/s\n", c.pages, c.bytes, c.failed,
           ms / 1000, (c.pages + c.failed) / (ms / 1000));
    printf("%ld links: %ld duplicates, %ld to other sites, %ld too deep; %zu URLs known, %zu never "
           "fetched (--max-pages)\n",
           c.links, c.duplicates, c.offsite, c.too_deep, c.seen.count, c.q_len);
    printf("%llu requests on %llu connections (%llu reused)\n", (unsigned long long)st.requests,
           (unsigned long long)st.connections, (unsigned long long)st.reused);
    for (int i = 0; i < c.n_errors; i++)
        printf("  error: %-50s %ld\n", c.errors[i].kind, c.errors[i].count);

    while (c.q_len > 0) {
        free(c.queue[c.q_head].url);
        c.q_head = (c.q_head + 1) % c.q_cap, c.q_len--;
    }
    free(c.queue);
    free(c.idle);
    set_free(&c.seen);
    eddy_buf_free(&norm);
    eddy_http_client_free(c.client);
    eddy_loop_free();
    return c.failed ? 1 : 0;
}
