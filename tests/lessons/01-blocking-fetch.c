/*
 * Lesson 01 smoke tests: the blocking fetcher against the local page
 * server, run as a student runs it, checking what it prints. The checks it
 * shares with lesson 02's fetcher are in fetch_checks.h.
 */
#include "fetch_checks.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define FETCH "lessons/01-blocking-fetch/fetch"

static th_proc pages;

static void start_pages(void)
{
    fc_start_pages(&pages, "200ms");
}

static void stop_pages(void)
{
    th_free(&pages);
}

Test(lesson01, three_fetches_take_the_sum_of_their_waits, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    double ms;
    long long wall;
    char *out = fc_three_pages(FETCH, pages.port, &ms, &wall);
    /* Each waits 200 ms, one after the other: at least 3 x 200 ms. */
    cr_assert_geq(ms, 550, "3 sequential fetches of 200 ms took only %.1f ms:\n%s", ms, out);
    cr_assert_geq(wall, 550, "the program ran only %lld ms", wall);
    cr_assert_not_null(strstr(out, "sum of the fetch times"), "output:\n%s", out);
    free(out);
}

Test(lesson01, a_refused_port_is_an_error_line_and_the_others_go_on, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    fc_refused_port_is_an_error_line(FETCH, pages.port);
}

Test(lesson01, reports_status_and_body_size_of_each_page, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    fc_reports_status_and_body_size(FETCH, pages.port, "line 2");
}

Test(lesson01, blocking_waits_cost_almost_no_cpu, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    char *urls[] = {fc_url(pages.port, "a"), fc_url(pages.port, "b"), fc_url(pages.port, "c")};
    int status;
    char *out = fc_run_fetch(FETCH, urls, 3, &status, NULL);
    const char *at = strstr(out, "CPU time used ");
    cr_assert_not_null(at, "output:\n%s", out);
    double cpu = atof(at + strlen("CPU time used "));
    int n;
    long long bytes;
    double ms = fc_total_ms(out, &n, &bytes);
    /* Asleep in the kernel while the server takes its time. */
    cr_assert_lt(cpu, ms / 4, "CPU %.1f ms of %.1f ms: a blocked process should sleep", cpu, ms);
    free(out);
}
