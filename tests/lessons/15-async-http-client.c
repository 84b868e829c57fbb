/*
 * Lesson 15 smoke tests: fetch and crawl as a user runs them.
 *
 * fetch against the crawl site and the hostile server: bodies on stdout,
 * heads on stderr with -v, one connection for several URLs on one host,
 * -o, -X/-H/-d, the exit status and the one-line reason, --timeout
 * bounding the whole fetch and a malformed answer reported at once. crawl
 * against the crawl site: every page once whatever the spelling, errors
 * by kind, depth and page limits, plain progress lines when piped.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FETCH "lessons/15-async-http-client/fetch"
#define CRAWL "lessons/15-async-http-client/crawl"

static th_proc site, hostile;

static void start(void)
{
    char *s[] = {(char *)th_path("fixtures/crawlsite"), "--port", "0", "--pages", "120",
                 "--delay", "5ms", NULL};
    cr_assert_eq(th_start_server(&site, s, 5000), 0, "crawlsite: %s", site.output ? site.output : "");
    char *h[] = {(char *)th_path("fixtures/hostile"), NULL};
    cr_assert_eq(th_start_server(&hostile, h, 5000), 0, "hostile: %s",
                 hostile.output ? hostile.output : "");
}

static void stop(void)
{
    th_free(&site);
    th_free(&hostile);
}

static char *url(const th_proc *p, const char *path)
{
    static char buf[8][200];
    static int n;
    char *b = buf[n++ % 8];
    snprintf(b, sizeof buf[0], "http://127.0.0.1:%d%s", p->port, path);
    return b;
}

/* run - a program to completion: its exit status, output in *out. */
static int run(char **argv, char **out)
{
    int status = th_run(argv, 20000, out);
    cr_assert_neq(status, -1, "%s did not finish:\n%s", argv[0], *out ? *out : "");
    cr_assert(WIFEXITED(status), "%s died:\n%s", argv[0], *out);
    return WEXITSTATUS(status);
}

TestSuite(lesson15, .init = start, .fini = stop, .timeout = 60);

Test(lesson15, fetch_prints_bodies_and_reuses_one_connection)
{
    char *out;
    char *argv[] = {(char *)th_path(FETCH), "-v", url(&site, "/page/1"), url(&site, "/page/2"), NULL};
    cr_expect_eq(run(argv, &out), 0, "%s", out);
    cr_expect_not_null(strstr(out, "<h1>Page 1</h1>"), "%s", out);
    cr_expect_not_null(strstr(out, "<h1>Page 2</h1>"), "%s", out);
    cr_expect_not_null(strstr(out, "< HTTP/1.1 200 OK"), "%s", out);
    cr_expect_not_null(strstr(out, "new connection"), "%s", out);
    cr_expect_not_null(strstr(out, "reused connection"), "the second URL on the same host: %s", out);
    free(out);
}

Test(lesson15, fetch_exits_non_zero_with_one_line_per_failure)
{
    char *out;
    char *argv[] = {(char *)th_path(FETCH), url(&site, "/missing"), url(&hostile, "/bad-chunk"),
                    url(&site, "/page/3"), NULL};
    cr_expect_eq(run(argv, &out), 1, "%s", out);
    cr_expect_not_null(strstr(out, "/missing: HTTP 404"), "%s", out);
    cr_expect_not_null(strstr(out, "/bad-chunk: malformed chunk size"), "%s", out);
    cr_expect_not_null(strstr(out, "<h1>Page 3</h1>"), "the URLs after a failure still run: %s", out);
    free(out);
}

Test(lesson15, fetch_follows_redirects_unless_told_not_to)
{
    char *out;
    char *a[] = {(char *)th_path(FETCH), url(&site, "/go/7"), NULL};
    cr_expect_eq(run(a, &out), 0, "%s", out);
    cr_expect_not_null(strstr(out, "<h1>Page 7</h1>"), "%s", out);
    free(out);
    char *b[] = {(char *)th_path(FETCH), "--no-follow", url(&site, "/go/7"), NULL};
    cr_expect_eq(run(b, &out), 1, "a 302 is not a 2xx: %s", out);
    cr_expect_not_null(strstr(out, "HTTP 302"), "%s", out);
    free(out);
    char *c[] = {(char *)th_path(FETCH), url(&site, "/loop"), NULL};
    cr_expect_eq(run(c, &out), 1);
    cr_expect_not_null(strstr(out, "redirect loop"), "%s", out);
    free(out);
    char *d[] = {(char *)th_path(FETCH), "--max-redirects", "0", url(&site, "/go/7"), NULL};
    cr_expect_eq(run(d, &out), 1);
    cr_expect_not_null(strstr(out, "redirect not allowed"), "%s", out);
    free(out);
}

Test(lesson15, fetch_timeout_bounds_the_whole_request)
{
    char *out;
    long long t0 = th_now_ms();
    char *argv[] = {(char *)th_path(FETCH), "--timeout", "0.5", url(&hostile, "/slow-head"), NULL};
    cr_expect_eq(run(argv, &out), 1);
    long long ms = th_now_ms() - t0;
    cr_expect_not_null(strstr(out, "request timeout after 500 ms"), "%s", out);
    cr_expect(ms >= 450 && ms < 2500 + th_slack_ms(), "%lld ms", ms);
    free(out);
}

Test(lesson15, fetch_sends_method_headers_and_data_and_writes_a_file)
{
    char path[] = "/tmp/eddy-fetch-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    char *out;
    char *argv[] = {(char *)th_path(FETCH), "-o", path, "-X", "PUT", "-H", "X-A: 1", "-d", "a=1",
                    url(&hostile, "/ok"), NULL};
    cr_expect_eq(run(argv, &out), 0, "%s", out);
    free(out);
    FILE *f = fopen(path, "r");
    char body[16] = "";
    cr_assert_not_null(f);
    cr_expect_eq(fread(body, 1, sizeof body - 1, f), 2);
    fclose(f);
    unlink(path);
    cr_expect_str_eq(body, "ok");
    char *bad[] = {(char *)th_path(FETCH), "--bogus", NULL};
    cr_expect_eq(run(bad, &out), 2);
    cr_expect_not_null(strstr(out, "usage:"));
    free(out);
}

Test(lesson15, crawl_fetches_each_page_once_and_counts_errors_by_kind)
{
    char *out;
    /* /huge (5 MiB) is over the default --max-body (1 MiB): the crawler
     * hangs up on it while the site is still writing, and the site must
     * take that in its stride (it serves on, and ASan watches it). */
    char *argv[] = {(char *)th_path(CRAWL), "--workers", "8", "--timeout", "1.5",
                    url(&site, "/page/0"), NULL};
    cr_expect_eq(run(argv, &out), 1, "errors make the exit status 1: %s", out);
    /* 120 pages + /slow + /go/1 = 122 pages, whatever the spellings of the links */
    cr_expect_not_null(strstr(out, "122 pages,"), "%s", out);
    cr_expect_not_null(strstr(out, "4 errors"), "%s", out);
    cr_expect_not_null(strstr(out, "response body larger than max_body_bytes"), "%s", out);
    cr_expect_not_null(strstr(out, "HTTP 404"), "%s", out);
    cr_expect_not_null(strstr(out, "redirect loop"), "%s", out);
    cr_expect_not_null(strstr(out, "request timeout after 1500 ms"), "%s", out);
    cr_expect_not_null(strstr(out, "progress: "), "not a terminal: plain lines: %s", out);
    cr_expect_null(strstr(out, "\r"), "no progress bar when piped");
    free(out);
}

Test(lesson15, crawl_stops_at_the_depth_and_page_limits)
{
    char *out;
    char *a[] = {(char *)th_path(CRAWL), "--max-depth", "1", url(&site, "/page/1"), NULL};
    cr_expect_eq(run(a, &out), 0, "%s", out);
    /* page 1 and its ten children (and the parent, page 0, one link away) */
    cr_expect_not_null(strstr(out, "12 pages,"), "%s", out);
    free(out);
    char *b[] = {(char *)th_path(CRAWL), "--max-pages", "5", url(&site, "/page/1"), NULL};
    cr_expect_eq(run(b, &out), 0, "%s", out);
    cr_expect_not_null(strstr(out, "5 pages,"), "%s", out);
    free(out);
}
