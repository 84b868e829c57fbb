/*
 * Tests of lib/coro: what code running in coroutines observes — values
 * and locals across switches, nesting, alignment, the guard page, reuse.
 */
#include <eddy/async/coro.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int shared;

static void counter(void *arg)
{
    int limit = *(int *)arg;
    for (int i = 1; i <= limit; i++) {
        shared = i;
        eddy_coro_yield();
    }
    shared = -1;
}

Test(coro, yields_and_resumes_with_locals_intact)
{
    int limit = 3;
    eddy_coro *c = eddy_coro_create(counter, &limit);
    cr_assert_not_null(c);
    for (int i = 1; i <= 3; i++) {
        cr_assert_eq(eddy_coro_resume(c), 1, "suspended after yield %d", i);
        cr_assert_eq(shared, i);
    }
    cr_assert_eq(eddy_coro_resume(c), 0, "finished");
    cr_assert_eq(shared, -1);
    cr_assert(eddy_coro_finished(c));
    errno = 0;
    cr_assert_eq(eddy_coro_resume(c), -1, "a finished coroutine cannot be resumed");
    cr_assert_eq(errno, EINVAL);
    eddy_coro_destroy(c);
}

static char trace[64];

static void inner(void *arg)
{
    (void)arg;
    strcat(trace, "b1 ");
    eddy_coro_yield();
    strcat(trace, "b2 ");
}

static void outer(void *arg)
{
    (void)arg;
    cr_assert_not_null(eddy_coro_current());
    eddy_coro *b = eddy_coro_create(inner, NULL);
    strcat(trace, "a1 ");
    cr_assert_eq(eddy_coro_resume(b), 1);
    strcat(trace, "a2 ");
    eddy_coro_yield(); /* back to the main stack, b still suspended */
    cr_assert_eq(eddy_coro_resume(b), 0);
    strcat(trace, "a3");
    eddy_coro_destroy(b);
}

Test(coro, nests_and_yields_to_the_resumer)
{
    trace[0] = '\0';
    cr_assert_null(eddy_coro_current());
    eddy_coro_yield(); /* outside a coroutine: nothing happens */
    eddy_coro *a = eddy_coro_create(outer, NULL);
    cr_assert_eq(eddy_coro_resume(a), 1);
    strcat(trace, "m ");
    cr_assert_eq(eddy_coro_resume(a), 0);
    cr_assert_str_eq(trace, "a1 b1 a2 m b2 a3");
    cr_assert_null(eddy_coro_current());
    eddy_coro_destroy(a);
}

static void self_resume(void *arg)
{
    errno = 0;
    *(int *)arg = eddy_coro_resume(eddy_coro_current());
    *((int *)arg + 1) = errno;
}

Test(coro, refuses_to_resume_a_running_coroutine)
{
    int got[2] = {0, 0};
    eddy_coro *c = eddy_coro_create(self_resume, got);
    cr_assert_eq(eddy_coro_resume(c), 0);
    cr_assert_eq(got[0], -1);
    cr_assert_eq(got[1], EINVAL);
    eddy_coro_destroy(c);
}

/* Many values live across switches: the compiler keeps them in
 * callee-saved registers, which the switch must preserve on both sides. */
static void busy_math(void *arg)
{
    volatile double seed = 1.5;
    double x = seed, y = seed * 2;
    long a = 1, b = 2, c = 3, d = 4, e = 5, f = 6;
    for (int i = 0; i < 100; i++) {
        a += b, b += c, c += d, d += e, e += f, f += 1;
        x = x * 1.0001 + y, y = y * 0.9999 + 1;
        eddy_coro_yield();
    }
    char text[64];
    snprintf(text, sizeof text, "%ld %ld %ld %ld %ld %ld %.6f %.6f", a, b, c, d, e, f, x, y);
    strcpy(arg, text);
}

Test(coro, registers_survive_switches_on_both_sides)
{
    char got[64] = "";
    eddy_coro *c = eddy_coro_create(busy_math, got);
    volatile double seed = 1.5;
    double mx = seed, my = seed * 2;
    long m1 = 7, m2 = 11, m3 = 13;
    while (eddy_coro_resume(c) == 1) {
        m1 += m2, m2 += m3, m3 += 1;
        mx = mx * 1.0001 + my, my = my * 0.9999 + 1;
    }
    eddy_coro_destroy(c);

    /* The same computation with no coroutine involved. */
    double x = seed, y = seed * 2;
    long a = 1, b = 2, cc = 3, d = 4, e = 5, f = 6;
    long n1 = 7, n2 = 11, n3 = 13;
    double nx = seed, ny = seed * 2;
    for (int i = 0; i < 100; i++) {
        a += b, b += cc, cc += d, d += e, e += f, f += 1;
        x = x * 1.0001 + y, y = y * 0.9999 + 1;
        n1 += n2, n2 += n3, n3 += 1;
        nx = nx * 1.0001 + ny, ny = ny * 0.9999 + 1;
    }
    char want[64];
    snprintf(want, sizeof want, "%ld %ld %ld %ld %ld %ld %.6f %.6f", a, b, cc, d, e, f, x, y);
    cr_assert_str_eq(got, want, "inside the coroutine");
    cr_assert(m1 == n1 && m2 == n2 && m3 == n3 && mx == nx && my == ny, "on the main stack");
}

static void check_alignment(void *arg)
{
    _Alignas(32) volatile char block[32];
    uintptr_t frame = (uintptr_t)__builtin_frame_address(0);
    *(int *)arg = ((uintptr_t)block % 32 == 0) && (frame % 16 == 0);
    /* printf's SSE code faults on a misaligned stack */
    char out[32];
    snprintf(out, sizeof out, "%.3f", 3.14159);
    block[0] = out[0];
    *(int *)arg &= strcmp(out, "3.142") == 0;
}

Test(coro, stack_is_aligned_for_the_abi)
{
    int ok = 0;
    eddy_coro *c = eddy_coro_create(check_alignment, &ok);
    cr_assert_eq(eddy_coro_resume(c), 0);
    cr_assert(ok, "frame or locals misaligned inside a coroutine");
    eddy_coro_destroy(c);
}

static uintptr_t stack_start;

static volatile int keep_going = 1;

static int recurse(int depth)
{
    volatile char pad[512];
    pad[0] = (char)depth;
    if (!keep_going) /* never false: hides the endless recursion from the compiler */
        return 0;
    return recurse(depth + 1) + pad[0];
}

static void overflow(void *arg)
{
    (void)arg;
    volatile char here;
    stack_start = (uintptr_t)&here;
    recurse(0);
}

static void on_segv(int sig, siginfo_t *info, void *ctx)
{
    (void)sig, (void)ctx;
    uintptr_t at = (uintptr_t)info->si_addr;
    size_t reach = eddy_coro_stack_size() + 2 * (size_t)sysconf(_SC_PAGESIZE);
    /* The fault must be just below the stack: the guard page. */
    _exit(at < stack_start && stack_start - at <= reach ? 42 : 43);
}

Test(coro, overflow_hits_the_guard_page, .timeout = 20)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        static char alt[64 * 1024];
        stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
        sigaltstack(&ss, NULL);
        struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK};
        sigaction(SIGSEGV, &sa, NULL);
        eddy_coro_set_stack_size(64 * 1024);
        eddy_coro *c = eddy_coro_create(overflow, NULL);
        eddy_coro_resume(c);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    /* Under AddressSanitizer its own handler reports the overflow instead. */
    int asan_report = WIFEXITED(status) && WEXITSTATUS(status) == 1;
    cr_assert(asan_report || (WIFEXITED(status) && WEXITSTATUS(status) == 42),
              "child status %#x: the overflow did not fault on the guard page", status);
}

static void nothing(void *arg) { (void)arg; }

Test(coro, stacks_are_reused_from_the_pool)
{
    eddy_coro *first = eddy_coro_create(nothing, NULL);
    eddy_coro_resume(first);
    eddy_coro_destroy(first);
    for (int i = 0; i < 10000; i++) {
        eddy_coro *c = eddy_coro_create(nothing, NULL);
        cr_assert_eq(c, first, "round %d did not reuse the pooled stack", i);
        cr_assert_eq(eddy_coro_resume(c), 0);
        eddy_coro_destroy(c);
    }
    eddy_coro_pool_drain();
}

static void sleeper(void *arg)
{
    volatile char use[2048];
    use[0] = 1;
    *(int *)arg += use[0];
    eddy_coro_yield();
    *(int *)arg += 1;
}

Test(coro, ten_thousand_suspended_coroutines, .timeout = 30)
{
    enum { N = 10000 };
    cr_assert_eq(eddy_coro_set_stack_size(1000), -1, "too small a stack is refused");
    cr_assert_eq(eddy_coro_set_stack_size(16 * 1024), 0);
    static eddy_coro *all[N];
    int count = 0;
    for (int i = 0; i < N; i++) {
        all[i] = eddy_coro_create(sleeper, &count);
        cr_assert_not_null(all[i]);
        cr_assert_eq(eddy_coro_resume(all[i]), 1);
    }
    cr_assert_eq(count, N);
    for (int i = N - 1; i >= 0; i--) {
        cr_assert_eq(eddy_coro_resume(all[i]), 0);
        eddy_coro_destroy(all[i]);
    }
    cr_assert_eq(count, 2 * N);
    eddy_coro_pool_drain();
}

Test(coro, names_its_backend)
{
    const char *b = eddy_coro_backend();
#if defined(EDDY_CORO_UCONTEXT) || !(defined(__x86_64__) || defined(__aarch64__))
    cr_assert_str_eq(b, "ucontext");
#elif defined(__x86_64__)
    cr_assert_str_eq(b, "x86-64 assembly");
#else
    cr_assert_str_eq(b, "aarch64 assembly");
#endif
}
