/*
 * coro_internal - what coro.c asks of a context-switch backend.
 *
 * coro.c owns everything a coroutine is (its stack mapping, the pool,
 * the guard page, the sanitizer and valgrind annotations); a backend
 * owns only how the CPU's context is saved and swapped. Each backend is
 * one file, coro_x86_64.c, coro_aarch64.c or coro_ucontext.c, and this
 * header picks which one a build uses: the other files wrap themselves in
 * the same #if and compile to nothing, so every build compiles all three
 * and gets exactly one.
 *
 * The assembly backends keep a suspended context on its own stack (the
 * callee-saved registers, pushed by the switch) and only the stack
 * pointer in the context struct; ucontext keeps it all in a ucontext_t.
 */
#ifndef EDDY_CORO_INTERNAL_H
#define EDDY_CORO_INTERNAL_H

#include <stddef.h>

#if defined(EDDY_CORO_UCONTEXT) || !(defined(__x86_64__) || defined(__aarch64__))
#define EDDY_CORO_BACKEND_UCONTEXT 1
#include <ucontext.h>
#elif defined(__x86_64__)
#define EDDY_CORO_BACKEND_X86_64 1
#else
#define EDDY_CORO_BACKEND_AARCH64 1
#endif

typedef void (*eddy_coro_entry)(void *arg);

/* The saved context of a coroutine (or of a thread's own stack) while it
 * is not running. */
struct eddy_coro_ctx {
#ifdef EDDY_CORO_BACKEND_UCONTEXT
    ucontext_t uc;
    eddy_coro_entry entry; /* makecontext passes ints only: the first */
    void *arg;             /* switch finds these here instead */
#else
    void *sp; /* the registers are saved on the stack, just above it */
#endif
};

/* eddy_coro_ctx_init - prepare ctx so that the first switch to it runs
 * entry(arg) on the stack [bottom, bottom + bytes). entry must never
 * return: it ends by switching away for good. */
void eddy_coro_ctx_init(struct eddy_coro_ctx *ctx, void *bottom, size_t bytes,
                        eddy_coro_entry entry, void *arg);

/* eddy_coro_ctx_switch - save the running context in *from and continue
 * *to; returns when something switches back to from. */
void eddy_coro_ctx_switch(struct eddy_coro_ctx *from, struct eddy_coro_ctx *to);

#endif
