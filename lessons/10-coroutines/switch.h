/*
 * switch.h - the machine-dependent half of a stackful coroutine.
 *
 * A coroutine's whole state, once it is switched away, is its stack plus a
 * few registers. coro_switch() saves the registers the C calling convention
 * says a function must preserve (the callee-saved ones) on the current
 * stack, stores the stack pointer in *from, loads the stack pointer from
 * *to and pops that stack's saved registers: the "return" then lands in the
 * other coroutine, just after its own call to coro_switch(). Caller-saved
 * registers need no saving: the compiler already assumes a call clobbers
 * them.
 *
 * It is hand-written for x86-64 and aarch64 (switch.c); elsewhere, or with
 * -DCORO_UCONTEXT, it falls back to the portable but slower ucontext calls.
 */
#ifndef SWITCH_H
#define SWITCH_H

#include <stddef.h>

#if !defined(CORO_UCONTEXT) && defined(__ELF__) && (defined(__x86_64__) || defined(__aarch64__))
#define CORO_ASM 1
#if defined(__x86_64__)
#define CORO_SWITCH_KIND "x86-64 assembly"
#else
#define CORO_SWITCH_KIND "aarch64 assembly"
#endif
/* All that is kept outside the stack: where the saved registers are. */
typedef struct coro_ctx {
    void *sp;
} coro_ctx;
#else
#include <ucontext.h>
#define CORO_SWITCH_KIND "ucontext (swapcontext)"
typedef struct coro_ctx {
    ucontext_t uc;
    void (*entry)(void *);
    void *arg;
} coro_ctx;
#endif

/* coro_ctx_init - lay out a fresh stack [stack, stack + size) so that the
 * first coro_switch() to c starts entry(arg) on it. entry must never
 * return: it ends by switching away for good. */
void coro_ctx_init(coro_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg);

/* coro_switch - save the running context in *from and continue *to; returns
 * when someone switches back to from. */
void coro_switch(coro_ctx *from, coro_ctx *to);

#endif
