/*
 * Lesson 02 smoke tests: the non-blocking, busy-looping fetcher against the
 * local page server, run as a student runs it, checking what it prints.
 * Its lines come in the order the fetches finish, so each is found by its
 * number, not its place.
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
    char *argv[16] = {(char *)th_path("lessons/02-nonblocking-fetch/fetch")};
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

/* number_after - the number that follows text in out, or -1. */
static double number_after(const char *out, const char *text)
{
    const char *at = strstr(out, text);
    return at ? atof(at + strlen(text)) : -1;
}

Test(lesson02, three_fetches_overlap_and_take_one_wait, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
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
    /* All three wait at the same time: about 200 ms, far from 600. */
    cr_assert_geq(ms, 190, "a 200 ms page came back in %.1f ms?\n%s", ms, out);
    cr_assert_lt(ms, 550, "3 concurrent fetches of 200 ms took %.1f ms:\n%s", ms, out);
    free(out);
}

Test(lesson02, the_busy_loop_spins_and_burns_cpu, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    char *urls[] = {url("a?delay=500ms"), url("b")};
    int status;
    char *out = run_fetch(urls, 2, &status, NULL);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fetch failed:\n%s", out);
    double spins = number_after(out, "busy loop: ");
    cr_assert_gt(spins, 100, "no spin count > 100 in:\n%s", out);
    double cpu = number_after(out, "CPU time used ");
    cr_assert_geq(cpu, 0, "no CPU time in:\n%s", out);
    /* Half a second of asking "ready yet?" costs CPU time, even when other
     * work on this machine takes most of the core from us (a blocking
     * fetcher uses about 0.2 ms per fetch). */
    cr_assert_gt(cpu, 5, "only %.1f ms of CPU for a 500 ms busy loop?\n%s", cpu, out);
    free(out);
}

Test(lesson02, a_refused_port_is_an_error_line_and_the_others_go_on, .init = start_pages,
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

Test(lesson02, reports_status_and_body_size_of_each_page, .init = start_pages,
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
    cr_assert_not_null(strstr(line, " 200 2097152 bytes "), "line 2 (read in many steps): %s",
                       line);
    cr_assert_not_null(fetch_line(out, 3, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, " 200    3000 bytes "), "line 3 (a host name): %s", line);
    cr_assert_not_null(fetch_line(out, 4, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, "error: not an http://"), "line 4: %s", line);
    free(out);
}
