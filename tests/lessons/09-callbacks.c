/*
 * Lesson 09 smoke tests: the callback fetcher and crawler against the
 * local pageserver, run as a student runs them.
 */
#include "fetch_checks.h"
#include "harness.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

static th_proc pages;

/* start_pages - the pageserver: 200 ms per page, a 20-page site. */
static void start_pages(void)
{
    char *argv[] = {(char *)th_path("fixtures/pageserver"),
                    "--port",
                    "0",
                    "--delay",
                    "200ms",
                    "--size",
                    "10k",
                    "--pages",
                    "20",
                    NULL};
    cr_assert_eq(th_start_server(&pages, argv, 5000), 0, "pageserver did not start:\n%s",
                 pages.output ? pages.output : "");
}

static void stop_pages(void)
{
    th_free(&pages);
}

/* url - http://127.0.0.1:PORT/path in buf. */
static char *url(char *buf, size_t cap, const char *path)
{
    snprintf(buf, cap, "http://127.0.0.1:%d%s", pages.port, path);
    return buf;
}

/* count - occurrences of needle in s. */
static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void five_fetches_take_about_one_delay(const char *backend)
{
    char u[5][100];
    char *argv[] = {(char *)th_path("lessons/09-callbacks/fetch"),
                    "--backend",
                    (char *)backend,
                    url(u[0], 100, "/a"),
                    url(u[1], 100, "/b"),
                    url(u[2], 100, "/c"),
                    url(u[3], 100, "/d"),
                    url(u[4], 100, "/e"),
                    NULL};
    char *out = NULL;
    long long t0 = th_now_ms();
    int status = th_run(argv, 10000, &out);
    long long took = th_now_ms() - t0;
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fetch failed:\n%s", out);
    cr_assert_eq(count(out, " 200   10240 bytes"), 5, "output:\n%s", out);
    cr_assert(strstr(out, "5 fetches, 51200 bytes, "), "output:\n%s", out);
    struct fc_totals t;
    fc_check_totals(out, "loop rounds", &t);
    cr_assert(t.wakeups >= 1 && t.wakeups <= 50, "%lld rounds for 5 fetches:\n%s", t.wakeups, out);
    /* Sequentially 5 x 200 ms = 1 s; concurrently about 200 ms. */
    cr_assert_lt(took, 700 + th_slack_ms(), "5 concurrent fetches took %lld ms:\n%s", took, out);
    cr_assert_geq(took, 190, "faster than the server's delay?\n%s", out);
    free(out);
}

Test(lesson09, fetches_run_concurrently_with_epoll, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    five_fetches_take_about_one_delay("epoll");
}

Test(lesson09, fetches_run_concurrently_with_select, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    five_fetches_take_about_one_delay("select");
}

Test(lesson09, a_failed_fetch_reports_on_its_line_and_others_go_on, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    char u[2][100];
    char *argv[] = {(char *)th_path("lessons/09-callbacks/fetch"),
                    url(u[0], 100, "/ok"),
                    "http://127.0.0.1:1/",
                    "not-a-url",
                    url(u[1], 100, "/status/404"),
                    NULL};
    char *out = NULL;
    int status = th_run(argv, 10000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "output:\n%s", out);
    cr_assert(strstr(out, "  2  http://127.0.0.1:1/") && strstr(out, "error: connect: "),
              "output:\n%s", out);
    cr_assert(strstr(out, "  3  not-a-url") && strstr(out, "error: not an http://"), "output:\n%s",
              out);
    cr_assert(strstr(out, " 200   10240 bytes"), "output:\n%s", out);
    cr_assert(strstr(out, " 404 "), "output:\n%s", out);
    struct fc_totals t;
    fc_check_totals(out, "loop rounds", &t);
    cr_assert(t.fetches == 4 && t.failed == 2, "want 4 fetches, 2 failed:\n%s", out);
    free(out);
}

Test(lesson09, crash_demo_aborts_inside_a_callback, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    struct rlimit no_core = {0, 0}; /* no core file in the test's folder */
    setrlimit(RLIMIT_CORE, &no_core);
    char u[100];
    char *argv[] = {(char *)th_path("lessons/09-callbacks/fetch"), "--crash-demo",
                    url(u, 100, "/status/404"), NULL};
    char *out = NULL;
    int status = th_run(argv, 10000, &out);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "output:\n%s", out);
    cr_assert(strstr(out, " 404 "), "the line is printed before the abort:\n%s", out);
    free(out);
}

/* pages_line - the crawler's summary line, parsed. */
struct crawl_summary {
    int pages, failed, max_in_flight;
    long links, dups;
};

static struct crawl_summary crawl(const char *max, const char *limit, const char *backend,
                                  char **out, long long *took)
{
    char u[100];
    char *argv[] = {(char *)th_path("lessons/09-callbacks/crawl"),
                    "--max",
                    (char *)max,
                    "--limit",
                    (char *)limit,
                    "--backend",
                    (char *)backend,
                    url(u, 100, "/site/0"),
                    NULL};
    long long t0 = th_now_ms();
    int status = th_run(argv, 20000, out);
    *took = th_now_ms() - t0;
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "crawl failed:\n%s", *out);
    struct crawl_summary s = {0};
    const char *line = strstr(*out, " pages, ");
    while (line && line > *out && line[-1] != '\n')
        line--;
    cr_assert(line && sscanf(line,
                             "%d pages, %*d bytes, %ld links seen, %ld duplicates skipped, "
                             "%*d off-site skipped, %d failed, max %d in flight",
                             &s.pages, &s.links, &s.dups, &s.failed, &s.max_in_flight) == 5,
              "no summary:\n%s", *out);
    return s;
}

/* check_each_page_once - every /site/K line appears at most once (after
 * the first line, which names the start page). */
static void check_each_page_once(const char *out, int pages)
{
    int distinct = 0;
    out = strchr(out, '\n');
    cr_assert_not_null(out);
    for (int k = 0; k < 20; k++) {
        char needle[64];
        snprintf(needle, sizeof needle, "/site/%d ", k);
        int n = count(out, needle);
        cr_assert_leq(n, 1, "/site/%d fetched %d times:\n%s", k, n, out);
        distinct += n;
    }
    cr_assert_eq(distinct, pages, "%d distinct pages, summary says %d:\n%s", distinct, pages, out);
}

Test(lesson09, crawler_visits_every_page_once_within_max, .init = start_pages, .fini = stop_pages,
     .timeout = 40)
{
    char *out = NULL;
    long long took;
    struct crawl_summary s = crawl("3", "100", "epoll", &out, &took);
    cr_assert_eq(s.pages, 20, "the site has 20 pages:\n%s", out);
    cr_assert_eq(s.failed, 0);
    cr_assert(s.max_in_flight >= 2 && s.max_in_flight <= 3, "max in flight %d:\n%s",
              s.max_in_flight, out);
    cr_assert_eq(s.links, 80, "4 links a page:\n%s", out);
    cr_assert_gt(s.dups, 0);
    check_each_page_once(out, 20);
    cr_assert(!strstr(out, "elsewhere.invalid"), "followed an off-site link:\n%s", out);
    /* 20 pages, at most 3 at a time, 200 ms each: at least 7 waits. */
    cr_assert_geq(took, 1200, "faster than --max 3 allows (%lld ms):\n%s", took, out);
    free(out);
}

Test(lesson09, crawler_stops_at_limit_and_respects_max_one, .init = start_pages, .fini = stop_pages,
     .timeout = 40)
{
    char *out = NULL;
    long long took;
    struct crawl_summary s = crawl("1", "4", "select", &out, &took);
    cr_assert_eq(s.pages, 4, "--limit 4:\n%s", out);
    cr_assert_eq(s.max_in_flight, 1, "--max 1:\n%s", out);
    check_each_page_once(out, 4);
    cr_assert(strstr(out, "stopped at --limit 4"), "output:\n%s", out);
    cr_assert_geq(took, 750, "4 pages one at a time (%lld ms):\n%s", took, out);
    free(out);
}
