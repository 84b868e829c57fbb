/*
 * switchbench - what one context switch costs: the hand-written switch
 * (switch.c) against glibc's swapcontext(), side by side in one run.
 *
 * Each measurement ping-pongs between the main stack and one coroutine
 * that does nothing but switch back, so the time per switch is the switch
 * itself. The count per run is found first (doubled until a run takes
 * --ms milliseconds), then every run is printed raw, then the medians.
 * swapcontext() is slow mostly because it saves and restores the signal
 * mask, which is a system call (rt_sigprocmask) on every switch; it also
 * saves every register, caller-saved or not.
 *
 *   switchbench [--runs 5] [--ms 200]
 */
#include "coro.h"
#include "switch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <ucontext.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ---- the hand-written switch: two coro_ctx switching to each other */
static coro_ctx main_ctx, bounce_ctx;

static void bounce(void *arg)
{
    (void)arg;
    for (;;)
        coro_switch(&bounce_ctx, &main_ctx);
}

/* quote:begin measure */
/* run_asm - n switches (n/2 round trips); ns per switch. */
static double run_asm(long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n / 2; i++)
        coro_switch(&main_ctx, &bounce_ctx); /* there and straight back */
    return (now_ns() - t0) / (double)(n / 2 * 2);
}
/* quote:end measure */

/* ---- glibc's swapcontext, the same ping-pong */
static ucontext_t uc_main, uc_bounce;

static void uc_bounce_fn(void)
{
    for (;;)
        swapcontext(&uc_bounce, &uc_main);
}

/* uc_setup - getcontext() "returns twice", like setjmp, so it lives in a
 * function of its own where no local can be clobbered. */
static int uc_setup(void)
{
    static char stack[64 * 1024];
    if (getcontext(&uc_bounce) < 0)
        return -1;
    uc_bounce.uc_stack.ss_sp = stack;
    uc_bounce.uc_stack.ss_size = sizeof stack;
    makecontext(&uc_bounce, uc_bounce_fn, 0);
    return 0;
}

static double run_uc(long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n / 2; i++)
        swapcontext(&uc_main, &uc_bounce);
    return (now_ns() - t0) / (double)(n / 2 * 2);
}

/* ---- coro_resume + coro_yield: the switch plus the bookkeeping around it */
static void yielder(void *arg)
{
    (void)arg;
    for (;;)
        coro_yield();
}

static coro *yc;

static double run_coro(long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n / 2; i++)
        coro_resume(yc);
    return (now_ns() - t0) / (double)(n / 2 * 2);
}

/* calibrate - the switch count that makes one run take about ms. */
static long calibrate(double (*run)(long), double ms)
{
    long n = 1000;
    while (n < (1L << 40) && run(n) * (double)n < ms * 1e6)
        n *= 2;
    return n;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int runs = 5;
    double ms = 200;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--ms") == 0 && i + 1 < argc && atof(argv[i + 1]) > 0)
            ms = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--runs 5] [--ms 200]\n", argv[0]);
            return 2;
        }
    }
    if (runs > 100)
        runs = 100;
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* The raw ping-pong borrows the stack of a coroutine it never resumes. */
    yc = coro_create(yielder, NULL, 0);
    coro *raw = coro_create(bounce, NULL, 0);
    if (!yc || !raw) {
        perror("switchbench: coro_create");
        return 1;
    }
    void *guard, *bottom, *top;
    coro_stack(raw, &guard, &bottom, &top);
    coro_ctx_init(&bounce_ctx, bottom, (size_t)((char *)top - (char *)bottom), bounce, NULL);
    if (uc_setup() < 0) {
        perror("switchbench: getcontext");
        return 1;
    }

    struct utsname u;
    uname(&u);
    printf("switchbench: %s %s, coro_switch is %s\n", u.sysname, u.machine,
           CORO_SWITCH_KIND);
    long n_asm = calibrate(run_asm, ms), n_uc = calibrate(run_uc, ms),
         n_coro = calibrate(run_coro, ms);
    printf("switches per run: coro_switch %ld, swapcontext %ld, resume+yield %ld (~%.0f ms each)\n",
           n_asm, n_uc, n_coro, ms);
    printf("run   coro_switch   swapcontext   resume+yield   (ns per switch)\n");
    double a[100], s[100], c[100];
    for (int r = 0; r < runs; r++) {
        a[r] = run_asm(n_asm);
        s[r] = run_uc(n_uc);
        c[r] = run_coro(n_coro);
        printf("%3d   %8.2f ns   %8.2f ns   %9.2f ns\n", r + 1, a[r], s[r], c[r]);
    }
    qsort(a, (size_t)runs, sizeof a[0], by_value);
    qsort(s, (size_t)runs, sizeof s[0], by_value);
    qsort(c, (size_t)runs, sizeof c[0], by_value);
    double ma = a[runs / 2], ms_ = s[runs / 2], mc = c[runs / 2];
    printf("median: coro_switch %.2f ns, swapcontext %.2f ns (%.1fx), resume+yield %.2f ns\n", ma,
           ms_, ms_ / ma, mc);
    coro_free(yc);
    coro_free(raw);
    return 0;
}
