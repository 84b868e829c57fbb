/*
 * fetch - lesson 09: fetch many web pages at once, written in callbacks on
 * lesson 08's event loop.
 *
 * The same task and output as the fetchers of lessons 01-06: one line per
 * URL as it finishes, then a total. All fetches start at once and the loop
 * runs them, so the total is about one delay, not the sum. Compare with
 * lesson 06's fetch.c: there main() owned the loop and a switch over each
 * fetch's state; here the loop is a library, and the program is a set of
 * callbacks that the loop calls. Nothing in main() waits for a fetch.
 *
 *   fetch [--backend select|epoll] [--crash-demo] URL...
 *
 * --crash-demo calls abort() in the done callback of the first fetch that
 * did not answer 200, to show in a debugger what is left of the stack
 * (see README.md: main() is there, but not the code that started that
 * fetch).
 */
#include "httpfetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

/* quote:begin report */
/* The report: the same lines in the same words from every fetcher of the
 * course (lessons 01-11), so that two runs can be compared line by line. */

/* report_fetch - one line for a finished fetch, numbered n: its status and
 * body size, or what went wrong (error not NULL); then how long it took. */
static void report_fetch(int n, const char *url, int status, long long bytes, const char *error,
                         double ms)
{
    if (error)
        printf("%3d  %-30s error: %s  %.1f ms\n", n, url, error, ms);
    else
        printf("%3d  %-30s %3d %7lld bytes %7.1f ms\n", n, url, status, bytes, ms);
}

/* What the closing lines add up. */
struct totals {
    int fetches, failed;
    long long bytes;
    double wall_ms;      /* from the first fetch started to the last one over */
    struct rusage start; /* getrusage() before the first fetch started */
    long long wakeups;   /* times the program came back from waiting */
    const char *wakeup;  /* what one wake-up is here, e.g. "select calls" */
};

static double timeval_ms(struct timeval tv)
{
    return tv.tv_sec * 1e3 + tv.tv_usec / 1e3;
}

/* quote:begin report-totals */
/* report_totals - the closing lines: what was fetched, how long it took on
 * the clock and on the CPU (user + system, from getrusage), and how often
 * the program woke up to do it. */
static void report_totals(const struct totals *t)
{
    struct rusage end;
    getrusage(RUSAGE_SELF, &end);
    double user = timeval_ms(end.ru_utime) - timeval_ms(t->start.ru_utime);
    double sys = timeval_ms(end.ru_stime) - timeval_ms(t->start.ru_stime);
    printf("%d fetch%s, %lld bytes, %.1f ms total", t->fetches, t->fetches == 1 ? "" : "es",
           t->bytes, t->wall_ms);
    if (t->failed)
        printf(", %d failed", t->failed);
    printf("\nCPU time %.1f ms (user %.1f + system %.1f), %.0f%% of the wall time\n", user + sys,
           user, sys, t->wall_ms >= 1 ? 100 * (user + sys) / t->wall_ms : 0.0);
    /* A voluntary context switch is the process going to sleep until
     * something happens; an involuntary one is the kernel taking the CPU
     * from a process that still wanted it. */
    long slept = end.ru_nvcsw - t->start.ru_nvcsw, preempted = end.ru_nivcsw - t->start.ru_nivcsw;
    printf("%lld wake-up%s (%s); the process slept %ld time%s, was preempted %ld time%s\n",
           t->wakeups, t->wakeups == 1 ? "" : "s", t->wakeup, slept, slept == 1 ? "" : "s",
           preempted, preempted == 1 ? "" : "s");
}
/* quote:end report-totals */
/* quote:end report */

/* What the program needs to remember across callbacks: there is no stack
 * frame that lives from "start" to "all done", so it lives here. */
struct run {
    int left, crash_demo;
    struct totals t;
};

/* One per URL: the callback needs to know which URL it is, and where the
 * totals are. Passed to fetch_start() as `arg`, given back to on_done. */
struct job {
    int n;
    struct run *run;
};

/* quote:begin on-done */
/* on_done - one fetch is over. Its error (if any) arrives here, not at
 * the fetch_start() call that began it: that call returned long ago. */
static void on_done(loop *l, const struct fetch_result *res, void *arg)
{
    struct job *job = arg;
    struct run *run = job->run;
    report_fetch(job->n, res->url, res->status, (long long)res->body_len, res->error, res->ms);
    if (res->error)
        run->t.failed++;
    else
        run->t.bytes += (long long)res->body_len;
    if (run->crash_demo && (res->error || res->status != 200))
        abort(); /* "a bug in the error path": see the backtrace in README.md */
    run->left--;
    (void)l; /* when the last fetch is done, the loop has nothing left: it returns */
}
/* quote:end on-done */

/* quote:begin start-all */
/* start_all - start every fetch and return at once: nothing is fetched
 * yet. Any error of a fetch comes later, to on_done. */
static void start_all(loop *l, char **urls, struct job *jobs, struct run *run)
{
    for (int i = 0; i < run->t.fetches; i++) {
        jobs[i] = (struct job){i + 1, run};
        if (fetch_start(l, urls[i], on_done, &jobs[i]) < 0) {
            report_fetch(i + 1, urls[i], 0, 0, strerror(errno), 0);
            run->t.failed++;
            run->left--;
        }
    }
}
/* quote:end start-all */

int main(int argc, char **argv)
{
    const char *backend = "epoll";
    struct run run = {0};
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--backend") == 0 && first + 1 < argc)
            backend = argv[++first];
        else if (strcmp(argv[first], "--crash-demo") == 0)
            run.crash_demo = 1;
        else
            break;
    }
    if (first >= argc || argv[first][0] == '-') {
        fprintf(stderr, "usage: %s [--backend select|epoll] [--crash-demo] URL...\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    loop *l = loop_new(backend);
    if (!l) {
        fprintf(stderr, "loop_new(%s): %s\n", backend, strerror(errno));
        return 2;
    }
    run.t.fetches = run.left = argc - first;
    run.t.wakeup = "loop rounds";
    struct job *jobs = calloc((size_t)run.t.fetches, sizeof *jobs);
    if (!jobs) {
        perror("calloc");
        return 1;
    }
    printf("fetching %d URL%s at once, in callbacks on the %s loop\n", run.t.fetches,
           run.t.fetches == 1 ? "" : "s", loop_backend_name(l));
    getrusage(RUSAGE_SELF, &run.t.start);

    /* quote:begin main */
    long long t0 = loop_now_ms();
    start_all(l, argv + first, jobs, &run);
    if (run.left > 0 && loop_run(l) < 0) /* every fetch happens in here */
        perror("loop_run");
    run.t.wall_ms = (double)(loop_now_ms() - t0);
    /* quote:end main */

    struct loop_stats s;
    loop_get_stats(l, &s);
    run.t.wakeups = (long long)s.rounds; /* each round is one wait on the backend */
    report_totals(&run.t);
    printf("loop: %lu rounds, %lu fd callbacks, %lu timer callbacks\n", s.rounds, s.io_calls,
           s.timer_calls);
    loop_free(l);
    free(jobs);
    return run.t.failed ? 1 : 0;
}
