/*
 * fetch_checks - what the lessons' fetchers must do against the local
 * pageserver (tests/fixtures), checked once and called from each lesson's
 * tests: lessons 01 and 02 (one line per fetch, found by its number, and a
 * total line), the multiplexed fetchers of lessons 04-06 and 11, and the
 * closing lines every fetcher of lessons 01-11 prints in the same words
 * (totals, CPU time, wake-ups).
 *
 * A check takes the fetcher (its path relative to the build dir) and the
 * port of the pageserver the test has started, runs the fetcher as a
 * student runs it, and fails the test with cr_assert where its output or
 * its timing falls short.
 */
#ifndef TEST_FETCH_CHECKS_H
#define TEST_FETCH_CHECKS_H

#include "harness.h"

#include <stddef.h>

/* fc_start_pages - the pageserver in *p: 10 KiB pages, each after delay. */
void fc_start_pages(th_proc *p, const char *delay);

/* fc_url - http://127.0.0.1:<port>/<path>, in one of a few static buffers. */
char *fc_url(int port, const char *path);

/* fc_run_fetch - prog on urls to completion (killed after 20 s); its wait
 * status in *status, the time it ran in *wall_ms (may be NULL); its output
 * (free() it). */
char *fc_run_fetch(const char *prog, char *const urls[], int count, int *status,
                   long long *wall_ms);

/* fc_fetch_line - the output line of fetch number n (its lines start
 * "  n  ") copied into line, or NULL. */
const char *fc_fetch_line(const char *out, int n, char *line, size_t cap);

/* fc_total_ms - the "N fetches, B bytes, T ms total" line's T (N and B in
 * *fetches and *bytes), or -1. */
double fc_total_ms(const char *out, int *fetches, long long *bytes);

/* The closing lines every fetcher prints:
 *   N fetches, B bytes, T ms total[, F failed]
 *   CPU time C ms (user U + system S), P% of the wall time
 *   W wake-ups (WHAT); the process slept A times, was preempted R times
 * (with "wake-up", "time" for one). */
struct fc_totals {
    int fetches, failed;
    long long bytes;
    double ms, cpu_ms, user_ms, sys_ms;
    long long wakeups;
    char wakeup[64]; /* WHAT */
    long slept, preempted;
};

/* fc_totals - the closing lines of out, parsed into *t; 0, or -1 when one
 * of them is missing or out of shape. */
int fc_totals(const char *out, struct fc_totals *t);

/* fc_check_totals - out has the three closing lines, in that order and
 * shape; wake-ups are counted as wakeup says (e.g. "select calls"); CPU time
 * is user + system. Fills *t for the lesson's own checks. */
void fc_check_totals(const char *out, const char *wakeup, struct fc_totals *t);

/* fc_three_pages - prog fetches /a, /b and /c: it exits 0, each has its
 * line with its URL, status 200 and 10240 bytes, and the closing lines say
 * 3 fetches and their bytes, with wake-ups counted as wakeup says. Returns
 * the output (free() it) for the lesson's own checks, the closing lines in
 * *t and the time the program ran in *wall_ms. */
char *fc_three_pages(const char *prog, int port, const char *wakeup, struct fc_totals *t,
                     long long *wall_ms);

/* fc_refused_port_is_an_error_line - a port that refuses connections is
 * fetch 2's error line; fetches 1 and 3 succeed; exit status 1. */
void fc_refused_port_is_an_error_line(const char *prog, int port);

/* fc_reports_status_and_body_size - a 404, a 2 MiB page, a page by host
 * name and a URL that is not http:// each get the right line; line2 names
 * the 2 MiB line in the failure message. */
void fc_reports_status_and_body_size(const char *prog, int port, const char *line2);

/* fc_five_fetches_take_about_one_latency - five 300 ms pages fetched in
 * under 900 ms, each 200 and 10240 bytes, the closing lines right with
 * wake-ups counted as wakeup says and few of them (the program slept while
 * it waited), and the output has says (what the fetcher reports of its
 * mechanism). */
void fc_five_fetches_take_about_one_latency(const char *prog, int port, const char *says,
                                            const char *wakeup);

/* fc_a_failed_fetch_says_why - a refused port is fetch 2's error line,
 * "error: connect: Connection refused", while a page and a 404 are
 * fetched; exit status 1 and ", 1 failed". */
void fc_a_failed_fetch_says_why(const char *prog, int port);

#endif
