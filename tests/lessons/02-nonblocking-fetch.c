/*
 * Lesson 02 smoke tests: the non-blocking, busy-looping fetcher against the
 * local page server, run as a student runs it, checking what it prints.
 * Its lines come in the order the fetches finish, so each is found by its
 * number, not its place. The checks it shares with lesson 01's fetcher are
 * in fetch_checks.h.
 */
#include "fetch_checks.h"

#include "harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define FETCH "lessons/02-nonblocking-fetch/fetch"

static th_proc pages;

static void start_pages(void)
{
    fc_start_pages(&pages, "200ms");
}

static void stop_pages(void)
{
    th_free(&pages);
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
    struct fc_totals t;
    long long wall;
    char *out = fc_three_pages(FETCH, pages.port, "rounds of the busy loop", &t, &wall);
    /* All three wait at the same time: about 200 ms, far from 600. */
    cr_assert_geq(t.ms, 190, "a 200 ms page came back in %.1f ms?\n%s", t.ms, out);
    cr_assert_lt(t.ms, 550 + th_slack_ms(), "3 concurrent fetches of 200 ms took %.1f ms:\n%s",
                 t.ms, out);
    free(out);
}

Test(lesson02, the_busy_loop_spins_and_burns_cpu, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    char *urls[] = {fc_url(pages.port, "a?delay=500ms"), fc_url(pages.port, "b")};
    int status;
    char *out = fc_run_fetch(FETCH, urls, 2, &status, NULL);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fetch failed:\n%s", out);
    double spins = number_after(out, "busy loop: ");
    cr_assert_gt(spins, 100, "no spin count > 100 in:\n%s", out);
    struct fc_totals t;
    fc_check_totals(out, "rounds of the busy loop", &t);
    /* Every round of the loop is a "wake-up" that found nothing to do. */
    cr_assert_gt(t.wakeups, 100, "%lld rounds in 500 ms of spinning?\n%s", t.wakeups, out);
    /* Half a second of asking "ready yet?" costs CPU time, even when other
     * work on this machine takes most of the core from us (a blocking
     * fetcher uses about 0.2 ms per fetch). */
    cr_assert_gt(t.cpu_ms, 5, "only %.1f ms of CPU for a 500 ms busy loop?\n%s", t.cpu_ms, out);
    free(out);
}

Test(lesson02, a_refused_port_is_an_error_line_and_the_others_go_on, .init = start_pages,
     .fini = stop_pages, .timeout = 30)
{
    fc_refused_port_is_an_error_line(FETCH, pages.port);
}

Test(lesson02, reports_status_and_body_size_of_each_page, .init = start_pages, .fini = stop_pages,
     .timeout = 30)
{
    fc_reports_status_and_body_size(FETCH, pages.port, "line 2 (read in many steps)");
}
