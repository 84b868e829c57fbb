/*
 * crawl - lesson 09: a tiny web crawler, written in callbacks on lesson
 * 08's loop.
 *
 * Start at one page, fetch it, find its links, fetch those, and so on:
 * only pages on the same host:port as the first, each page once, at most
 * --max fetches in flight at a time, and at most --limit pages in all.
 * With the pageserver's /site/K pages:
 *
 *   crawl [--max N] [--limit N] [--backend select|epoll] http://127.0.0.1:PORT/site/0
 *
 * What a crawler in straight-line code would keep in local variables and
 * a recursive call (the queue, the set of pages seen, how many are in
 * flight) has to live in one struct that every callback is handed, and
 * "fetch the links of this page" is not a loop over them but a function,
 * start_more(), called again from every callback that might have made
 * room for another fetch.
 */
#include "httpfetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* quote:begin struct-crawl */
/* Everything the crawl knows, shared by all its callbacks. */
struct crawl {
    char origin[300];  /* "http://host:port": links elsewhere are skipped */
    char **urls;       /* every URL ever found, each once: urls[0..started) */
    size_t nurls, cap; /* were fetched, urls[started..nurls) wait their turn */
    size_t started;
    int max, limit; /* fetches at once; pages in all */
    int in_flight, max_in_flight, done, failed;
    long links, duplicates, offsite;
    long long bytes;
};
/* quote:end struct-crawl */

static void on_page(loop *l, const struct fetch_result *res, void *arg);

/* add_url - remember url unless it is already known; 1 added, 0 a
 * duplicate, -1 no memory. A linear search: the site has dozens of pages. */
static int add_url(struct crawl *c, const char *url)
{
    for (size_t i = 0; i < c->nurls; i++)
        if (strcmp(c->urls[i], url) == 0)
            return 0;
    if (c->nurls == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        char **urls = realloc(c->urls, cap * sizeof *urls);
        if (!urls)
            return -1;
        c->urls = urls;
        c->cap = cap;
    }
    if (!(c->urls[c->nurls] = strdup(url)))
        return -1;
    c->nurls++;
    return 1;
}

/* quote:begin start-more */
/* start_more - start fetches while there is room: fewer than --max in
 * flight, URLs waiting, and fewer than --limit started. Called at the
 * start and again at the end of every page's callback. */
static void start_more(loop *l, struct crawl *c)
{
    while (c->in_flight < c->max && c->started < c->nurls && (int)c->started < c->limit) {
        const char *url = c->urls[c->started++];
        if (fetch_start(l, url, on_page, c) < 0) {
            printf("     %-36s error: %s\n", url, strerror(errno));
            c->failed++;
            continue;
        }
        if (++c->in_flight > c->max_in_flight)
            c->max_in_flight = c->in_flight;
    }
}
/* quote:end start-more */

/* find_links - every href="..." in body: same-origin ones are added to
 * the crawl (absolute "/path" ones resolved against the origin), others
 * counted and skipped. Returns how many new URLs were added. */
static int find_links(struct crawl *c, const char *body, size_t len)
{
    int added = 0;
    const char *p = body, *end = body + len;
    while ((p = memmem(p, (size_t)(end - p), "href=\"", 6))) {
        p += 6;
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q)
            break;
        char url[600];
        size_t n = (size_t)(q - p), olen = strlen(c->origin);
        c->links++;
        if (n > 0 && p[0] == '/' && olen + n < sizeof url) { /* "/site/3" */
            snprintf(url, sizeof url, "%s%.*s", c->origin, (int)n, p);
        } else if (n >= olen && n < sizeof url && strncmp(p, c->origin, olen) == 0 &&
                   (n == olen || p[olen] == '/')) { /* "http://same-host:port/..." */
            snprintf(url, sizeof url, "%.*s", (int)n, p);
        } else {
            c->offsite++; /* another host, or a kind of link we do not follow */
            p = q;
            continue;
        }
        int rc = add_url(c, url);
        if (rc == 0)
            c->duplicates++;
        added += rc > 0;
        p = q;
    }
    return added;
}

/* quote:begin on-page */
/* on_page - one page is in (or failed): report it, queue its new links,
 * and start more fetches now that one has finished. */
static void on_page(loop *l, const struct fetch_result *res, void *arg)
{
    struct crawl *c = arg;
    c->in_flight--;
    c->done++;
    if (res->error) {
        printf("%3d  %-36s error: %s  %.1f ms\n", c->done, res->url, res->error, res->ms);
        c->failed++;
    } else {
        int added = res->status == 200 ? find_links(c, res->body, res->body_len) : 0;
        printf("%3d  %-36s %3d %7zu bytes %7.1f ms  %d new links, %d in flight\n", c->done,
               res->url, res->status, res->body_len, res->ms, added, c->in_flight);
        c->bytes += (long long)res->body_len;
    }
    start_more(l, c); /* the "loop" of the crawl: it goes on from here */
}
/* quote:end on-page */

int main(int argc, char **argv)
{
    const char *backend = "epoll", *start = NULL;
    struct crawl c = {.max = 5, .limit = 100};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--max") == 0 && i + 1 < argc)
            c.max = atoi(argv[++i]);
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
            c.limit = atoi(argv[++i]);
        else if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc)
            backend = argv[++i];
        else if (argv[i][0] != '-' && !start)
            start = argv[i];
        else
            start = NULL, i = argc; /* falls through to usage */
    }
    const char *host = start && strncmp(start, "http://", 7) == 0 ? start + 7 : NULL;
    size_t olen = host ? (size_t)(host - start) + strcspn(host, "/") : 0;
    if (!host || olen == 7 || olen >= sizeof c.origin || c.max < 1 || c.limit < 1) {
        fprintf(stderr,
                "usage: %s [--max N] [--limit N] [--backend select|epoll] http://host:port/path\n",
                argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    memcpy(c.origin, start, olen);
    c.origin[olen] = '\0';
    loop *l = loop_new(backend);
    if (!l || add_url(&c, start) < 0) {
        fprintf(stderr, "setup: %s\n", strerror(errno));
        return 1;
    }
    printf("crawling %s (same host only, at most %d at once, %d pages), %s loop\n", start, c.max,
           c.limit, loop_backend_name(l));

    long long t0 = loop_now_ms();
    start_more(l, &c);
    if (loop_run(l) < 0) /* the whole crawl happens in callbacks in here */
        perror("loop_run");
    double ms = (double)(loop_now_ms() - t0);

    printf("%d pages, %lld bytes, %ld links seen, %ld duplicates skipped, %ld off-site skipped, "
           "%d failed, max %d in flight, %.1f ms total\n",
           c.done, c.bytes, c.links, c.duplicates, c.offsite, c.failed, c.max_in_flight, ms);
    if ((int)c.started >= c.limit && c.started < c.nurls)
        printf("stopped at --limit %d: %zu known pages not fetched\n", c.limit,
               c.nurls - c.started);
    for (size_t i = 0; i < c.nurls; i++)
        free(c.urls[i]);
    free(c.urls);
    loop_free(l);
    return c.failed ? 1 : 0;
}
