/*
 * coro_switch - what one coroutine switch costs: libeddy's against
 * swapcontext(3).
 *
 * A coroutine that yields in a loop is resumed N times: every round trip
 * is two switches (resume in, yield out). The same ping-pong is then run
 * with two ucontexts and swapcontext, which also saves and restores the
 * signal mask with a system call on every switch - the reason libeddy
 * switches with a few instructions of assembly instead. Prints ns per
 * switch for each, RUNS times, and the ratio.
 *
 *   coro_switch [ROUNDS [RUNS]]   (default 10000000 rounds, 5 runs)
 */
#include <eddy/async/coro.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void yielder(void *arg)
{
    (void)arg;
    for (;;)
        eddy_coro_yield();
}

static double eddy_ns(long rounds)
{
    eddy_coro *c = eddy_coro_create(yielder, NULL);
    if (!c) {
        perror("eddy_coro_create");
        exit(1);
    }
    eddy_coro_resume(c); /* touch its stack once, outside the timing */
    double t0 = now_ns();
    for (long i = 0; i < rounds; i++)
        eddy_coro_resume(c);
    double t = now_ns() - t0;
    eddy_coro_destroy(c); /* suspended: its loop never ends by itself */
    return t / (2.0 * (double)rounds);
}

static ucontext_t main_uc, co_uc;

static void uc_body(void)
{
    for (;;)
        swapcontext(&co_uc, &main_uc);
}

static double ucontext_ns(long rounds)
{
    static char stack[128 * 1024];
    getcontext(&co_uc);
    co_uc.uc_stack.ss_sp = stack;
    co_uc.uc_stack.ss_size = sizeof stack;
    co_uc.uc_link = NULL;
    makecontext(&co_uc, uc_body, 0);
    swapcontext(&main_uc, &co_uc);
    double t0 = now_ns();
    for (long i = 0; i < rounds; i++)
        swapcontext(&main_uc, &co_uc);
    return (now_ns() - t0) / (2.0 * (double)rounds);
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 10000000;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (rounds < 1 || runs < 1) {
        fprintf(stderr, "usage: %s [ROUNDS [RUNS]]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("eddy_coro backend: %s; %ld round trips (2 switches each) per run\n",
           eddy_coro_backend(), rounds);
    printf("run  eddy_coro ns/switch  swapcontext ns/switch  ratio\n");
    for (int r = 1; r <= runs; r++) {
        double e = eddy_ns(rounds);
        double u = ucontext_ns(rounds / 10 > 0 ? rounds / 10 : 1); /* 10x slower: fewer */
        printf("%3d  %19.2f  %21.2f  %5.1f\n", r, e, u, u / e);
    }
    return 0;
}
