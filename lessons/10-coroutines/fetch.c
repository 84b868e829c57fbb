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

/* The totals, shared by all the tasks. */
struct run {
    int count, failed;
    long long bytes;
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
        printf("%3d  %-30s error: sleep: %s\n", job->n, job->url, strerror(errno));
        run->failed++;
        return;
    }
    struct fetch_result res;
    if (fetch(job->url, &res, 10000) < 0) { /* the error comes back here */
        printf("%3d  %-30s error: %s  %.1f ms\n", job->n, job->url, res.error, res.ms);
        run->failed++;
    } else {
        printf("%3d  %-30s %3d %7zu bytes %7.1f ms\n", job->n, job->url, res.status, res.body_len,
               res.ms);
        run->bytes += (long long)res.body_len;
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
    run.count = argc - first;
    struct job *jobs = calloc((size_t)run.count, sizeof *jobs);
    if (!jobs) {
        perror("calloc");
        return 1;
    }
    printf("fetching %d URL%s at once, a task each, on the %s loop\n", run.count,
           run.count == 1 ? "" : "s", loop_backend_name(l));

    /* quote:begin main */
    long long t0 = loop_now_ms();
    tasks_init(l);
    for (int i = 0; i < run.count; i++) {
        jobs[i] = (struct job){i + 1, argv[first + i], &run};
        if (task_spawn(fetch_one, &jobs[i]) < 0) {
            printf("%3d  %-30s error: %s\n", i + 1, argv[first + i], strerror(errno));
            run.failed++;
        }
    }
    if (loop_run(l) < 0) /* the tasks run in here, taking turns */
        perror("loop_run");
    double ms = (double)(loop_now_ms() - t0);
    /* quote:end main */

    struct loop_stats s;
    loop_get_stats(l, &s);
    printf("%d fetch%s, %lld bytes, %.1f ms total", run.count, run.count == 1 ? "" : "es",
           run.bytes, ms);
    if (run.failed)
        printf(", %d failed", run.failed);
    printf("\nloop: %lu rounds, %lu fd callbacks, %lu timer callbacks\n", s.rounds, s.io_calls,
           s.timer_calls);
    loop_free(l);
    free(jobs);
    return run.failed ? 1 : 0;
}
