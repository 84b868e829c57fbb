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

/* What the program needs to remember across callbacks: there is no stack
 * frame that lives from "start" to "all done", so it lives here. */
struct run {
    int count, left, failed;
    long long bytes;
    int crash_demo;
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
    if (res->error) {
        printf("%3d  %-30s error: %s  %.1f ms\n", job->n, res->url, res->error, res->ms);
        run->failed++;
    } else {
        printf("%3d  %-30s %3d %7zu bytes %7.1f ms\n", job->n, res->url, res->status, res->body_len,
               res->ms);
        run->bytes += (long long)res->body_len;
    }
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
    for (int i = 0; i < run->count; i++) {
        jobs[i] = (struct job){i + 1, run};
        if (fetch_start(l, urls[i], on_done, &jobs[i]) < 0) {
            printf("%3d  %-30s error: %s\n", i + 1, urls[i], strerror(errno));
            run->failed++;
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
    run.count = run.left = argc - first;
    struct job *jobs = calloc((size_t)run.count, sizeof *jobs);
    if (!jobs) {
        perror("calloc");
        return 1;
    }
    printf("fetching %d URL%s at once, in callbacks on the %s loop\n", run.count,
           run.count == 1 ? "" : "s", loop_backend_name(l));

    /* quote:begin main */
    long long t0 = loop_now_ms();
    start_all(l, argv + first, jobs, &run);
    if (run.left > 0 && loop_run(l) < 0) /* every fetch happens in here */
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
