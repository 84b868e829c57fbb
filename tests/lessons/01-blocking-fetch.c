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
    struct fc_totals t;
    long long wall;
    char *out = fc_three_pages(FETCH, pages.port, "blocking calls that slept", &t, &wall);
    /* Each waits 200 ms, one after the other: at least 3 x 200 ms. */
    cr_assert_geq(t.ms, 550, "3 sequential fetches of 200 ms took only %.1f ms:\n%s", t.ms, out);
    cr_assert_geq(wall, 550, "the program ran only %lld ms", wall);
    cr_assert_not_null(strstr(out, "sum of the fetch times"), "output:\n%s", out);
    /* Each answer comes after the server's delay: the process slept for it. */
    cr_assert_geq(t.wakeups, 3, "3 fetches that each wait, %lld wake-ups:\n%s", t.wakeups, out);
    cr_assert_eq(t.wakeups, t.slept, "a wake-up here is a sleep in a blocking call:\n%s", out);
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
    struct fc_totals t;
    fc_check_totals(out, "blocking calls that slept", &t);
    /* Asleep in the kernel while the server takes its time. */
    cr_assert_lt(t.cpu_ms, t.ms / 4, "CPU %.1f ms of %.1f ms: a blocked process should sleep",
                 t.cpu_ms, t.ms);
    free(out);
}
