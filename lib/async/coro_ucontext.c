/*
 * coro_ucontext - the portable coroutine context switch, on ucontext(3).
 *
 * swapcontext saves and restores every register and, with a system call,
 * the signal mask, so a switch costs tens of times what the assembly
 * backends' does (bench/coro_switch.c measures both). It is what a machine
 * without an assembly backend gets, and what -DEDDY_CORO_UCONTEXT picks on
 * any machine, to run the rest of coro.c on the C library's own switch.
 * One backend of three; coro_internal.h picks it.
 */
#include <eddy/async/coro.h>

#include "coro_internal.h"

#ifdef EDDY_CORO_BACKEND_UCONTEXT

#include <stdint.h>

const char *eddy_coro_backend(void) { return "ucontext"; }

void eddy_coro_ctx_switch(struct eddy_coro_ctx *from, struct eddy_coro_ctx *to)
{
    swapcontext(&from->uc, &to->uc);
}

/* boot - the first function on a new context. makecontext passes ints
 * only, so the context's address comes in two halves; the entry and its
 * argument wait there. */
static void boot(unsigned hi, unsigned lo)
{
    struct eddy_coro_ctx *ctx = (struct eddy_coro_ctx *)(uintptr_t)((uint64_t)hi << 32 | lo);
    ctx->entry(ctx->arg);
}

void eddy_coro_ctx_init(struct eddy_coro_ctx *ctx, void *bottom, size_t bytes,
                        eddy_coro_entry entry, void *arg)
{
    getcontext(&ctx->uc);
    ctx->uc.uc_stack.ss_sp = bottom;
    ctx->uc.uc_stack.ss_size = bytes;
    ctx->uc.uc_link = NULL;
    ctx->entry = entry;
    ctx->arg = arg;
    uint64_t p = (uintptr_t)ctx;
    makecontext(&ctx->uc, (void (*)(void))boot, 2, (unsigned)(p >> 32), (unsigned)(p & 0xffffffffu));
}

#endif
