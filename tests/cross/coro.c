/*
 * coro on another architecture: `make check-aarch64` cross-compiles this
 * with lib/async/coro*.c (coro.c and every backend file, as a native build
 * does) and runs it under qemu-aarch64, so the aarch64 switch is exercised
 * on any machine. Plain C (Criterion is not cross-installed): prints what
 * it checked and exits 1 on the first difference from the same computation
 * done without coroutines.
 */
#include <eddy/async/coro.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct work {
    int rounds;
    char result[128];
};

/* mix - values that live across switches, in callee-saved registers */
static void mix(int rounds, char *out, size_t cap, int yield)
{
    volatile double seed = 1.25;
    double x = seed;
    long a = 1, b = 2, c = 3, d = 4, e = 5, f = 6;
    for (int i = 0; i < rounds; i++) {
        a += b, b += c, c += d, d += e, e += f, f += 1;
        x = x * 1.5 + 1;
        if (yield)
            eddy_coro_yield();
    }
    snprintf(out, cap, "%ld %ld %ld %ld %ld %ld %.3f", a, b, c, d, e, f, x);
}

static void in_coro(void *arg)
{
    struct work *w = arg;
    mix(w->rounds, w->result, sizeof w->result, 1);
}

static void alignment(void *arg)
{
    _Alignas(16) volatile char block[16];
    block[0] = 0;
    *(int *)arg = (uintptr_t)block % 16 == 0 && (uintptr_t)__builtin_frame_address(0) % 16 == 0;
}

int main(void)
{
    struct work w = {.rounds = 50};
    char want[128];
    mix(w.rounds, want, sizeof want, 0);

    eddy_coro *c = eddy_coro_create(in_coro, &w);
    int yields = 0;
    volatile double seed = 2.5;
    double mx = seed;
    long m1 = 3, m2 = 5;
    while (eddy_coro_resume(c) == 1) {
        yields++;
        m1 += m2, m2 += 1, mx = mx * 1.1 + 0.5;
    }
    eddy_coro_destroy(c);
    double nx = seed;
    long n1 = 3, n2 = 5;
    for (int i = 0; i < yields; i++)
        n1 += n2, n2 += 1, nx = nx * 1.1 + 0.5;

    int aligned = 0;
    c = eddy_coro_create(alignment, &aligned);
    eddy_coro_resume(c);
    eddy_coro_destroy(c);

    int ok = yields == w.rounds && strcmp(w.result, want) == 0 && m1 == n1 && m2 == n2 &&
             mx == nx && aligned;
    printf("%s: %d yields, coroutine computed [%s], expected [%s], main stack %s, stack %s\n",
           eddy_coro_backend(), yields, w.result, want,
           (m1 == n1 && m2 == n2 && mx == nx) ? "intact" : "CORRUPTED",
           aligned ? "16-byte aligned" : "MISALIGNED");
    puts(ok ? "coro cross-check passed" : "coro cross-check FAILED");
    return ok ? 0 : 1;
}
