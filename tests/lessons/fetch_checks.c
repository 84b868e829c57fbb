/*
 * fetch_checks - the checks shared by the fetchers' smoke tests (see
 * fetch_checks.h). Each is what a lesson's test did on its own before: the
 * same URLs, timeouts and assertions.
 */
#include "fetch_checks.h"
#include "hello_checks.h"

#include <arpa/inet.h>
#include "harness.h"

#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

void fc_start_pages(th_proc *p, const char *delay)
{
    char *extra[] = {"--delay", (char *)delay, "--size", "10k", NULL};
    hc_start(p, "fixtures/pageserver", extra);
}

char *fc_url(int port, const char *path)
{
    static char bufs[8][128];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "http://127.0.0.1:%d/%s", port, path);
    return b;
}

char *fc_run_fetch(const char *prog, char *const urls[], int count, int *status, long long *wall_ms)
{
    char *argv[16] = {(char *)th_path(prog)};
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

const char *fc_fetch_line(const char *out, int n, char *line, size_t cap)
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

double fc_total_ms(const char *out, int *fetches, long long *bytes)
{
    for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        double ms;
        if (sscanf(p, "%d fetch%*[es], %lld bytes, %lf ms total", fetches, bytes, &ms) == 3)
            return ms;
    }
    return -1;
}

int fc_totals(const char *out, struct fc_totals *t)
{
    memset(t, 0, sizeof *t);
    t->ms = fc_total_ms(out, &t->fetches, &t->bytes);
    if (t->ms < 0)
        return -1;
    const char *total = strstr(out, " ms total");
    const char *eol = strchr(total, '\n');
    const char *failed = strstr(total, ", ");
    if (failed && failed < eol && sscanf(failed, ", %d failed", &t->failed) != 1)
        return -1;
    if (!eol)
        return -1;
    int percent;
    if (sscanf(eol + 1, "CPU time %lf ms (user %lf + system %lf), %d%% of the wall time",
               &t->cpu_ms, &t->user_ms, &t->sys_ms, &percent) != 4)
        return -1;
    const char *next = strchr(eol + 1, '\n');
    if (!next || sscanf(next + 1, "%lld wake-up", &t->wakeups) != 1)
        return -1;
    const char *open = strchr(next + 1, '('), *close = open ? strchr(open, ')') : NULL;
    const char *end = strchr(next + 1, '\n');
    if (!close || (end && close > end) || close - open - 1 >= (long)sizeof t->wakeup)
        return -1;
    snprintf(t->wakeup, sizeof t->wakeup, "%.*s", (int)(close - open - 1), open + 1);
    /* "1 time," or "2 times,": %*[s,] takes either ending. */
    if (sscanf(close, "); the process slept %ld time%*[s,] was preempted %ld time", &t->slept,
               &t->preempted) != 2)
        return -1;
    return 0;
}

void fc_check_totals(const char *out, const char *wakeup, struct fc_totals *t)
{
    cr_assert_eq(fc_totals(out, t), 0, "want the three closing lines (totals, CPU, wake-ups):\n%s",
                 out);
    cr_assert_str_eq(t->wakeup, wakeup, "wake-ups counted as what?\n%s", out);
    cr_assert(t->cpu_ms >= 0 && t->user_ms >= 0 && t->sys_ms >= 0, "output:\n%s", out);
    /* The three are printed rounded to 0.1 ms each. */
    double diff = t->cpu_ms - t->user_ms - t->sys_ms;
    cr_assert(diff > -0.15 && diff < 0.15, "CPU time is not user + system:\n%s", out);
    cr_assert(t->slept >= 0 && t->preempted >= 0, "output:\n%s", out);
}

char *fc_three_pages(const char *prog, int port, const char *wakeup, struct fc_totals *t,
                     long long *wall_ms)
{
    char *urls[] = {fc_url(port, "a"), fc_url(port, "b"), fc_url(port, "c")};
    int status;
    char *out = fc_run_fetch(prog, urls, 3, &status, wall_ms);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fetch failed:\n%s", out);
    char line[512];
    for (int i = 1; i <= 3; i++) {
        cr_assert_not_null(fc_fetch_line(out, i, line, sizeof line), "no line %d in:\n%s", i, out);
        cr_assert_not_null(strstr(line, urls[i - 1]), "line %d: %s", i, line);
        cr_assert_not_null(strstr(line, " 200   10240 bytes "), "line %d: %s", i, line);
    }
    fc_check_totals(out, wakeup, t);
    cr_assert_eq(t->fetches, 3, "no total line for 3 fetches in:\n%s", out);
    cr_assert_eq(t->bytes, 3 * 10240, "total bytes %lld in:\n%s", t->bytes, out);
    cr_assert_eq(t->failed, 0, "output:\n%s", out);
    return out;
}

void fc_refused_port_is_an_error_line(const char *prog, int port)
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

    char *urls[] = {fc_url(port, "first"), refused, fc_url(port, "third")};
    int status;
    char *out = fc_run_fetch(prog, urls, 3, &status, NULL);
    close(closed);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1,
              "a failed fetch makes the exit status 1:\n%s", out);
    char line[512];
    cr_assert_not_null(fc_fetch_line(out, 2, line, sizeof line), "no line 2 in:\n%s", out);
    cr_assert_not_null(strstr(line, "error: connect: Connection refused"), "line 2: %s", line);
    cr_assert_not_null(fc_fetch_line(out, 1, line, sizeof line));
    cr_assert_not_null(strstr(line, " 200   10240 bytes "), "line 1: %s", line);
    cr_assert_not_null(fc_fetch_line(out, 3, line, sizeof line));
    cr_assert_not_null(strstr(line, " 200   10240 bytes "), "line 3: %s", line);
    cr_assert_not_null(strstr(out, "3 fetches, 20480 bytes, "), "output:\n%s", out);
    cr_assert_not_null(strstr(out, ", 1 failed"), "output:\n%s", out);
    free(out);
}

void fc_reports_status_and_body_size(const char *prog, int port, const char *line2)
{
    char name[128];
    snprintf(name, sizeof name, "http://localhost:%d/by-name?delay=0&size=3000", port);
    char *urls[] = {fc_url(port, "status/404"), fc_url(port, "big?delay=0&size=2m"), name,
                    "ftp://example.org/"};
    int status;
    char *out = fc_run_fetch(prog, urls, 4, &status, NULL);
    char line[512];
    cr_assert_not_null(fc_fetch_line(out, 1, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, " 404      12 bytes "), "line 1: %s", line);
    cr_assert_not_null(fc_fetch_line(out, 2, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, " 200 2097152 bytes "), "%s: %s", line2, line);
    cr_assert_not_null(fc_fetch_line(out, 3, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, " 200    3000 bytes "), "line 3 (a host name): %s", line);
    cr_assert_not_null(fc_fetch_line(out, 4, line, sizeof line), "output:\n%s", out);
    cr_assert_not_null(strstr(line, "error: not an http://"), "line 4: %s", line);
    free(out);
}

void fc_five_fetches_take_about_one_latency(const char *prog, int port, const char *says,
                                            const char *wakeup)
{
    char *argv[] = {(char *)th_path(prog),
                    fc_url(port, "a"),
                    fc_url(port, "b"),
                    fc_url(port, "c"),
                    fc_url(port, "d"),
                    fc_url(port, "e"),
                    NULL};
    char *out = NULL;
    long long t0 = th_now_ms();
    int status = th_run(argv, 10000, &out);
    long long ms = th_now_ms() - t0;
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fetch failed:\n%s", out);
    cr_assert_lt(ms, 900 + th_slack_ms(), "5 fetches of 300 ms each took %lld ms: not concurrent?\n%s", ms, out);
    cr_assert_eq(hc_count(out, "200   10240 bytes"), 5, "output:\n%s", out);
    cr_assert_not_null(strstr(out, "5 fetches, 51200 bytes"), "output:\n%s", out);
    cr_assert_not_null(strstr(out, says), "output:\n%s", out);
    struct fc_totals t;
    fc_check_totals(out, wakeup, &t);
    /* Asleep until something is ready: a few wake-ups for five fetches
     * (connected, sent, answered), where lesson 02's busy loop makes
     * thousands. */
    cr_assert(t.wakeups >= 1 && t.wakeups <= 50, "%lld wake-ups for 5 fetches:\n%s", t.wakeups,
              out);
    free(out);
}

void fc_a_failed_fetch_says_why(const char *prog, int port)
{
    char *argv[] = {(char *)th_path(prog), fc_url(port, "a"), "http://127.0.0.1:1/refused",
                    fc_url(port, "status/404"), NULL};
    char *out = NULL;
    int status = th_run(argv, 10000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "output:\n%s", out);
    char line[512];
    cr_assert_not_null(fc_fetch_line(out, 2, line, sizeof line), "no line 2 in:\n%s", out);
    cr_assert_not_null(strstr(line, "http://127.0.0.1:1/refused"), "line 2: %s", line);
    cr_assert_not_null(strstr(line, " error: connect: Connection refused  "), "line 2: %s", line);
    cr_assert_not_null(strstr(out, "200   10240 bytes"), "output:\n%s", out);
    cr_assert_not_null(strstr(out, " 404 "), "output:\n%s", out);
    struct fc_totals t;
    cr_assert_eq(fc_totals(out, &t), 0, "output:\n%s", out);
    cr_assert(t.fetches == 3 && t.failed == 1, "want 3 fetches, 1 failed:\n%s", out);
    free(out);
}
