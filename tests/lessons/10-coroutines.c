/*
 * Lesson 10 smoke tests: the stackless demo, the crawler and fetcher on
 * tasks (against a pageserver the harness starts), the switch benchmark,
 * and a coroutine stack overflow stopped by the guard page.
 */
#include "fetch_checks.h"
#include "harness.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static th_proc pages;
static char origin[64];

/* start_pages - a pageserver with a small site: --pages 20, --delay ms. */
static void start_pages_with(const char *delay)
{
    char *argv[] = {(char *)th_path("fixtures/pageserver"),
                    "--port",
                    "0",
                    "--delay",
                    (char *)delay,
                    "--pages",
                    "20",
                    NULL};
    cr_assert_eq(th_start_server(&pages, argv, 5000), 0, "pageserver did not start:\n%s",
                 pages.output ? pages.output : "");
    snprintf(origin, sizeof origin, "http://127.0.0.1:%d", pages.port);
}

static void start_pages(void)
{
    start_pages_with("50ms");
}
static void start_slow_pages(void)
{
    start_pages_with("200ms");
}
static void stop_pages(void)
{
    th_free(&pages);
}

/* run - a lesson 10 program to completion; its wait status, output in *out. */
static int run(char **argv, char **out)
{
    int status = th_run(argv, 20000, out);
    cr_assert_neq(status, -1, "%s did not finish:\n%s", argv[0], *out ? *out : "");
    return status;
}

static int count_lines_with(const char *out, const char *needle)
{
    int n = 0;
    for (const char *p = out; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

Test(lesson10, stackless_demo_interleaves_generators_and_parses_chunks, .timeout = 20)
{
    char *argv[] = {(char *)th_path("lessons/10-coroutines/stackless"), NULL}, *out = NULL;
    int status = run(argv, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "stackless failed:\n%s", out);
    cr_assert_not_null(strstr(out, "round 5: fib  3   squares 25"), "output:\n%s", out);
    cr_assert_not_null(strstr(out, "round 6: fib  5   squares finished"), "output:\n%s", out);
    cr_assert_not_null(strstr(out, "1 1 1 1 1"), "the broken counter should show 1s:\n%s", out);
    cr_assert_not_null(strstr(out, "name \"Host\", value \"example.org\""), "output:\n%s", out);
    cr_assert_not_null(strstr(out, "name \"Accept\", value \"*/*\""), "output:\n%s", out);
    cr_assert_not_null(strstr(out, "malformed line \"Broken\""), "output:\n%s", out);
    cr_assert_not_null(strstr(out, "done: 3 headers"), "output:\n%s", out);
    free(out);
}

/* reachable - which /site/K pages a crawl from /site/0 must visit: the
 * pageserver links page k to 2k+1, 3k+2 and k+7 (mod the page count). */
static int reachable(int pages_n, int seen[])
{
    int queue[64], head = 0, tail = 0, n = 0;
    memset(seen, 0, sizeof(int) * (size_t)pages_n);
    seen[0] = 1, queue[tail++] = 0;
    while (head < tail) {
        int k = queue[head++],
            links[] = {(k * 2 + 1) % pages_n, (k * 3 + 2) % pages_n, (k + 7) % pages_n};
        n++;
        for (int i = 0; i < 3; i++)
            if (!seen[links[i]])
                seen[links[i]] = 1, queue[tail++] = links[i];
    }
    return n;
}

Test(lesson10, crawl_visits_every_reachable_page_once_and_stays_on_the_host, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    char url[128];
    snprintf(url, sizeof url, "%s/site/0", origin);
    char *argv[] = {(char *)th_path("lessons/10-coroutines/crawl"), "--max", "4", url, NULL};
    char *out = NULL;
    int status = run(argv, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "crawl failed:\n%s", out);

    int seen[20], want = reachable(20, seen);
    for (int k = 0; k < 20; k++) {
        char page[128];
        snprintf(page, sizeof page, "  %s/site/%d ", origin, k); /* not the header */
        cr_assert_eq(count_lines_with(out, page), seen[k],
                     "/site/%d fetched %d times, want %d:\n%s", k, count_lines_with(out, page),
                     seen[k], out);
    }
    cr_assert_null(strstr(out, "elsewhere.invalid"), "went off-site:\n%s", out);
    char total[64];
    snprintf(total, sizeof total, "\n%d pages, ", want);
    cr_assert_not_null(strstr(out, total), "want a total of %d pages:\n%s", want, out);
    cr_assert_not_null(strstr(out, " off-site skipped, 0 failed, max 4 in flight"), "output:\n%s",
                       out);
    free(out);
}

Test(lesson10, crawl_stops_at_the_limit, .init = start_pages, .fini = stop_pages, .timeout = 30)
{
    char url[128];
    snprintf(url, sizeof url, "%s/site/0", origin);
    char *argv[] = {
        (char *)th_path("lessons/10-coroutines/crawl"), "--max", "3", "--limit", "5", url, NULL};
    char *out = NULL;
    int status = run(argv, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "crawl failed:\n%s", out);
    cr_assert_eq(count_lines_with(out, " 200 "), 5, "want 5 pages:\n%s", out);
    cr_assert_not_null(strstr(out, "\n5 pages, "), "output:\n%s", out);
    cr_assert_not_null(strstr(out, "stopped at --limit 5"), "output:\n%s", out);
    free(out);
}

Test(lesson10, crawl_runs_max_fetches_at_once, .init = start_slow_pages, .fini = stop_pages,
     .timeout = 40)
{
    /* 10 pages of 200 ms: one at a time takes >= 2 s; five at a time the
     * crawl is limited by the depth of the link graph, well under that. */
    char url[128];
    snprintf(url, sizeof url, "%s/site/0", origin);
    char *one[] = {
        (char *)th_path("lessons/10-coroutines/crawl"), "--max", "1", "--limit", "10", url, NULL};
    char *five[] = {
        (char *)th_path("lessons/10-coroutines/crawl"), "--max", "5", "--limit", "10", url, NULL};
    char *out = NULL;
    long long t0 = th_now_ms();
    run(one, &out);
    long long serial = th_now_ms() - t0;
    cr_assert_not_null(strstr(out, "max 1 in flight"), "output:\n%s", out);
    cr_assert_geq(serial, 1800, "10 fetches one at a time took only %lld ms", serial);
    free(out);
    t0 = th_now_ms();
    run(five, &out);
    long long parallel = th_now_ms() - t0;
    cr_assert_not_null(strstr(out, "\n10 pages, "), "output:\n%s", out);
    cr_assert_lt(parallel, 1500 + th_slack_ms(), "10 fetches, 5 at a time, took %lld ms:\n%s", parallel, out);
    free(out);
}

Test(lesson10, crawl_reports_errors_where_they_happen, .timeout = 20)
{
    /* Port 1 on loopback: nothing listens, the connect is refused. */
    char *argv[] = {(char *)th_path("lessons/10-coroutines/crawl"), "http://127.0.0.1:1/site/0",
                    NULL};
    char *out = NULL;
    int status = run(argv, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "want exit 1:\n%s", out);
    cr_assert_not_null(strstr(out, "error: connect: Connection refused"), "output:\n%s", out);
    cr_assert_not_null(strstr(out, "1 failed"), "output:\n%s", out);
    free(out);
}

Test(lesson10, fetch_runs_the_tasks_concurrently, .init = start_slow_pages, .fini = stop_pages,
     .timeout = 20)
{
    char u[5][128];
    char *argv[8] = {(char *)th_path("lessons/10-coroutines/fetch")};
    for (int i = 0; i < 5; i++) {
        snprintf(u[i], sizeof u[i], "%s/page%d", origin, i);
        argv[i + 1] = u[i];
    }
    char *out = NULL;
    long long t0 = th_now_ms();
    int status = run(argv, &out);
    long long ms = th_now_ms() - t0;
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fetch failed:\n%s", out);
    cr_assert_eq(count_lines_with(out, " 200    1024 bytes "), 5, "output:\n%s", out);
    cr_assert_not_null(strstr(out, "5 fetches, 5120 bytes, "), "output:\n%s", out);
    struct fc_totals t;
    fc_check_totals(out, "loop rounds", &t);
    cr_assert(t.wakeups >= 1 && t.wakeups <= 50, "%lld rounds for 5 fetches:\n%s", t.wakeups, out);
    cr_assert_lt(ms, 700 + th_slack_ms(), "5 concurrent fetches of 200 ms took %lld ms", ms);
    free(out);
}

Test(lesson10, switchbench_prints_both_switches, .timeout = 60)
{
    char *argv[] = {
        (char *)th_path("lessons/10-coroutines/switchbench"), "--runs", "2", "--ms", "20", NULL};
    char *out = NULL;
    int status = run(argv, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "switchbench failed:\n%s", out);
    double a = 0, s = 0;
    const char *m = strstr(out, "median: coro_switch ");
    cr_assert_not_null(m, "output:\n%s", out);
    cr_assert_eq(sscanf(m, "median: coro_switch %lf ns, swapcontext %lf ns", &a, &s), 2,
                 "output:\n%s", out);
    cr_assert(a > 0 && s > 0, "output:\n%s", out);
    cr_assert_not_null(strstr(out, "  2 "), "want a line per run:\n%s", out);
    free(out);
}

Test(lesson10, a_stack_overflow_hits_the_guard_page_and_dies_with_sigsegv, .timeout = 20)
{
    char *argv[] = {(char *)th_path("lessons/10-coroutines/guard"), NULL}, *out = NULL;
    int status = run(argv, &out);
    cr_assert_not_null(strstr(out, "guard page"), "output:\n%s", out);
    cr_assert_not_null(strstr(out, "depth   3:"), "it should recurse a few levels first:\n%s", out);
    cr_assert_null(strstr(out, "not reached"), "the overflow went unnoticed:\n%s", out);
    /* Under AddressSanitizer its own SEGV handler reports and aborts. */
    int asan = strstr(out, "AddressSanitizer") != NULL;
    cr_assert(WIFSIGNALED(status) &&
                  (WTERMSIG(status) == SIGSEGV || (asan && WTERMSIG(status) == SIGABRT)),
              "want death by SIGSEGV, got status %#x:\n%s", status, out);
    free(out);
}

Test(lesson10, fetch_stagger_awaits_timers_inside_the_tasks, .init = start_pages,
     .fini = stop_pages, .timeout = 20)
{
    /* Three 50 ms pages, started 300 ms apart by await_sleep(): they finish
     * in order, and the whole run takes at least 600 ms but far less than
     * three sleeps in a row would (0 + 300 + 600 = 900 ms of sleeping). */
    char u[3][128];
    char *argv[8] = {(char *)th_path("lessons/10-coroutines/fetch"), "--stagger", "300"};
    for (int i = 0; i < 3; i++) {
        snprintf(u[i], sizeof u[i], "%s/s%d", origin, i);
        argv[i + 3] = u[i];
    }
    char *out = NULL;
    long long t0 = th_now_ms();
    int status = run(argv, &out);
    long long ms = th_now_ms() - t0;
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fetch failed:\n%s", out);
    const char *a = strstr(out, "  1  "), *b = strstr(out, "  2  "), *c = strstr(out, "  3  ");
    cr_assert(a && b && c && a < b && b < c, "want the fetches to finish in order:\n%s", out);
    cr_assert_geq(ms, 600, "took only %lld ms", ms);
    cr_assert_lt(ms, 1400 + th_slack_ms(), "took %lld ms", ms);
    free(out);
}
