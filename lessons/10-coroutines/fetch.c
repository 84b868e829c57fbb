/*
 * fetch - lesson 10: fetch many web pages at once, each in a task of its
 * own, on lesson 08's event loop.
 *
 * The same task and output as the fetchers of lessons 01-09: one line per
 * URL as it finishes, then a total. Compare with lesson 09's fetch.c: the
 * callback on_done() is gone; each URL gets a task whose code is lesson
 * 01's: fetch, then print the result or the error. The tasks take turns
 * on one thread, so the total is about one delay, not the sum.
 *
 *   fetch [--backend select|epoll] [--stagger MS] URL...
 *
 * --stagger MS makes the task of the k-th URL first sleep (k-1) x MS
 * milliseconds - await_sleep(), a timer awaited like a socket - so the
 * fetches start one after another while still overlapping.
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

/* The totals, shared by all the tasks. */
struct run {
    struct totals t;
    long stagger; /* ms between the starts of consecutive fetches */
};

/* One per URL: what its task is given. */
struct job {
    int n;
    const char *url;
    struct run *run;
};

/* quote:begin fetch-one */
/* fetch_one - a task: fetch one URL and say how it went. */
static void fetch_one(void *arg)
{
    struct job *job = arg;
    struct run *run = job->run;
    if (run->stagger > 0 && await_sleep(run->stagger * (job->n - 1)) < 0) {
        char why[128];
        snprintf(why, sizeof why, "sleep: %s", strerror(errno));
        report_fetch(job->n, job->url, 0, 0, why, 0);
        run->t.failed++;
        return;
    }
    struct fetch_result res;
    if (fetch(job->url, &res, 10000) < 0) { /* the error comes back here */
        report_fetch(job->n, job->url, 0, 0, res.error, res.ms);
        run->t.failed++;
    } else {
        report_fetch(job->n, job->url, res.status, (long long)res.body_len, NULL, res.ms);
        run->t.bytes += (long long)res.body_len;
    }
    fetch_result_free(&res);
}
/* quote:end fetch-one */

int main(int argc, char **argv)
{
    const char *backend = "epoll";
    struct run run = {0};
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (strcmp(argv[first], "--backend") == 0 && first + 1 < argc)
            backend = argv[++first];
        else if (strcmp(argv[first], "--stagger") == 0 && first + 1 < argc &&
                 atol(argv[first + 1]) >= 0)
            run.stagger = atol(argv[++first]);
        else
            break;
    }
    if (first >= argc || argv[first][0] == '-') {
        fprintf(stderr, "usage: %s [--backend select|epoll] [--stagger MS] URL...\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    loop *l = loop_new(backend);
    if (!l) {
        fprintf(stderr, "loop_new(%s): %s\n", backend, strerror(errno));
        return 2;
    }
    run.t.fetches = argc - first;
    run.t.wakeup = "loop rounds";
    struct job *jobs = calloc((size_t)run.t.fetches, sizeof *jobs);
    if (!jobs) {
        perror("calloc");
        return 1;
    }
    printf("fetching %d URL%s at once, a task each, on the %s loop\n", run.t.fetches,
           run.t.fetches == 1 ? "" : "s", loop_backend_name(l));
    getrusage(RUSAGE_SELF, &run.t.start);

    /* quote:begin main */
    long long t0 = loop_now_ms();
    tasks_init(l);
    for (int i = 0; i < run.t.fetches; i++) {
        jobs[i] = (struct job){i + 1, argv[first + i], &run};
        if (task_spawn(fetch_one, &jobs[i]) < 0) {
            report_fetch(i + 1, argv[first + i], 0, 0, strerror(errno), 0);
            run.t.failed++;
        }
    }
    if (loop_run(l) < 0) /* the tasks run in here, taking turns */
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
