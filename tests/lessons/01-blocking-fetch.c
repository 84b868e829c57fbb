/*
 * Lesson 01 smoke tests: the blocking fetcher against the local page
 * server, run as a student runs it, checking what it prints.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static th_proc pages;

static void start_pages(void)
{
    char *argv[] = {(char *)th_path("fixtures/pageserver"), "--port", "0", "--delay", "200ms",
                    "--size", "10k", NULL};
    cr_assert_eq(th_start_server(&pages, argv, 5000), 0, "pageserver did not start:\n%s",
                 pages.output ? pages.output : "");
}

static void stop_pages(void) { th_free(&pages); }

/* url - http://127.0.0.1:<pageserver>/<path> in one of a few static buffers. */
static char *url(const char *path)
{
    static char bufs[8][128];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "http://127.0.0.1:%d/%s", pages.port, path);
    return b;
}

/* fetch_line - the output line of fetch number n (its lines start "  n  "). */
static const char *fetch_line(const char *out, int n, char *line, size_t cap)
{
    char prefix[16];
    snprintf(prefix, sizeof prefix, "%3d  ", n);
    for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            size_t len = strcspn(p, "\n");
            snprintf(line, cap, "%.*s", (int)len, p);
            return line;
        }
    }
    return NULL;
}

/* total_ms - the "N fetches, B bytes, T ms total" line's T, or -1. */
static double total_ms(const char *out, int *fetches, long long *bytes)
{
    for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        double ms;
        if (sscanf(p, "%d fetch%*[es], %lld bytes, %lf ms total", fetches, bytes, &ms) == 3)
            return ms;
    }
    return -1;
}

/* run_fetch - run the lesson's fetcher on urls; its output (free() it). */
static char *run_fetch(char *const urls[], int count, int *status, long long *wall_ms)
{
    char *argv[16] = {(char *)th_path("lessons/01-blocking-fetch/fetch")};
    for (int i = 0; i < count && i < 14; i++)
        argv[i + 1] = urls[i];
    char *out = NULL;
    long long t0 = th_now_ms();
    *status = th_run(argv, 20000, &out);
    if (wall_ms)
        *wall_ms = th_now_ms() - t0;
    cr_assert_not_null(out);
    return out;
}

Test(lesson01, three_fetches_take_the_sum_of_their_waits, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    char *urls[] = {url("a"), url("b"), url("c")};
    int status;
    long long wall;
    char *out = run_fetch(urls, 3, &status, &wall);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fetch failed:\n%s", out);
    char line[512];
    for (int i = 1; i <= 3; i++) {
        cr_assert_not_null(fetch_line(out, i, line, sizeof line), "no line %d in:\n%s", i, out);
        cr_assert_not_null(strstr(line, urls[i - 1]), "line %d: %s", i, line);
        cr_assert_not_null(strstr(line, " 200   10240 bytes "), "line %d: %s", i, line);
    }
    int n;
    long long bytes;
    double ms = total_ms(out, &n, &bytes);
    cr_assert_eq(n, 3, "no total line for 3 fetches in:\n%s", out);
    cr_assert_eq(bytes, 3 * 10240, "total bytes %lld in:\n%s", bytes, out);
    /* Each waits 200 ms, one after the other: at least 3 x 200 ms. */
    cr_assert_geq(ms, 550, "3 sequential fetches of 200 ms took only %.1f ms:\n%s", ms, out);
    cr_assert_geq(wall, 550, "the program ran only %lld ms", wall);
    cr_assert_not_null(strstr(out, "sum of the fetch times"), "output:\n%s", out);
    free(out);
}

Test(lesson01, a_refused_port_is_an_error_line_and_the_others_go_on, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    /* A port that is bound but not listening refuses connections. */
    int closed = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    cr_assert_eq(bind(closed, (struct sockaddr *)&sa, sizeof sa), 0);
    getsockname(closed, (struct sockaddr *)&sa, &len);
    char refused[64];
    snprintf(refused, sizeof refused, "http://127.0.0.1:%d/", ntohs(sa.sin_port));

    char *urls[] = {url("first"), refused, url("third")};
    int status;
    char *out = run_fetch(urls, 3, &status, NULL);
    close(closed);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1,
              "a failed fetch makes the exit status 1:\n%s", out);
    char line[512];
    cr_assert_not_null(fetch_line(out, 2, line, sizeof line), "no line 2 in:\n%s", out);
    cr_assert_not_null(strstr(line, "error: connect: Connection refused"), "line 2: %s", line);
    cr_assert_not_null(fetch_line(out, 1, line, sizeof line));
    cr_assert_not_null(strstr(line, " 200   10240 bytes "), "line 1: %s", line);
    cr_assert_not_null(fetch_line(out, 3, line, sizeof line));
    cr_assert_not_null(strstr(line, " 200   10240 bytes "), "line 3: %s", line);
    cr_assert_not_null(strstr(out, "3 fetches, 20480 bytes, "), "output:\n%s", out);
    cr_assert_not_null(strstr(out, ", 1 failed"), "output:\n%s", out);
    free(out);
}

Test(lesson01, reports_status_and_body_size_of_each_page, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    char name[128];
    snprintf(name, sizeof name, "http://localhost:%d/by-name?delay=0&size=3000", pages.port);
    char *urls[] = {url("status/404"), url("big?delay=0&size=2m"), name, "ftp://example.org/"};
    int status;
    char *out = run_fetch(urls, 4, &status, NULL);
    char line[512];
    cr_assert_not_null(fetch_line(out, 1, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, " 404      12 bytes "), "line 1: %s", line);
    cr_assert_not_null(fetch_line(out, 2, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, " 200 2097152 bytes "), "line 2: %s", line);
    cr_assert_not_null(fetch_line(out, 3, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, " 200    3000 bytes "), "line 3 (a host name): %s", line);
    cr_assert_not_null(fetch_line(out, 4, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, "error: not an http://"), "line 4: %s", line);
    free(out);
}

Test(lesson01, blocking_waits_cost_almost_no_cpu, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    char *urls[] = {url("a"), url("b"), url("c")};
    int status;
    char *out = run_fetch(urls, 3, &status, NULL);
    const char *at = strstr(out, "CPU time used ");
    cr_assert_not_null(at, "output:\n%s", out);
    double cpu = atof(at + strlen("CPU time used "));
    int n;
    long long bytes;
    double ms = total_ms(out, &n, &bytes);
    /* Asleep in the kernel while the server takes its time. */
    cr_assert_lt(cpu, ms / 4, "CPU %.1f ms of %.1f ms: a blocked process should sleep", cpu, ms);
    free(out);
}
