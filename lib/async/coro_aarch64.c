/*
 * coro_aarch64 - the coroutine context switch for aarch64 (AAPCS64).
 *
 * A switch is a function call, so whatever the ABI lets a callee clobber
 * the caller has already given up: the switch saves only the registers a
 * callee must preserve (listed at the switch below). It saves them on the
 * running stack, stores the stack pointer, loads the other context's and
 * restores its registers; its ret then returns into the other coroutine's
 * own call of the switch. One backend of three; coro_internal.h picks it.
 */
#include <eddy/async/coro.h>

#include "coro_internal.h"

#ifdef EDDY_CORO_BACKEND_AARCH64

#include <stdint.h>
#include <string.h>

const char *eddy_coro_backend(void) { return "aarch64 assembly"; }

/* eddy_coro_ctx_switch(from, to): x0, x1.
 * Saves x19-x29, the link register x30 and d8-d15, in a 160-byte frame. */
__asm__(".text\n"
        ".globl eddy_coro_ctx_switch\n"
        ".hidden eddy_coro_ctx_switch\n"
        ".type eddy_coro_ctx_switch,%function\n"
        "eddy_coro_ctx_switch:\n"
        "    ldr x9, [x1]\n" /* to's stack pointer, loaded while the stores run */
        "    sub sp, sp, #160\n"
        "    stp x19, x20, [sp, #0]\n"
        "    stp x21, x22, [sp, #16]\n"
        "    stp x23, x24, [sp, #32]\n"
        "    stp x25, x26, [sp, #48]\n"
        "    stp x27, x28, [sp, #64]\n"
        "    stp x29, x30, [sp, #80]\n"
        "    stp d8, d9, [sp, #96]\n"
        "    stp d10, d11, [sp, #112]\n"
        "    stp d12, d13, [sp, #128]\n"
        "    stp d14, d15, [sp, #144]\n"
        "    mov x2, sp\n"
        "    str x2, [x0]\n"
        "    mov sp, x9\n"
        "    ldp x19, x20, [sp, #0]\n"
        "    ldp x21, x22, [sp, #16]\n"
        "    ldp x23, x24, [sp, #32]\n"
        "    ldp x25, x26, [sp, #48]\n"
        "    ldp x27, x28, [sp, #64]\n"
        "    ldp x29, x30, [sp, #80]\n"
        "    ldp d8, d9, [sp, #96]\n"
        "    ldp d10, d11, [sp, #112]\n"
        "    ldp d12, d13, [sp, #128]\n"
        "    ldp d14, d15, [sp, #144]\n"
        "    add sp, sp, #160\n"
        "    ret\n"
        ".size eddy_coro_ctx_switch,.-eddy_coro_ctx_switch\n"
        /* First entry: x19 holds the argument, x20 the entry function.
         * A zero link register ends a debugger's backtrace here. */
        ".globl eddy_coro_boot\n"
        ".hidden eddy_coro_boot\n"
        ".type eddy_coro_boot,%function\n"
        "eddy_coro_boot:\n"
        "    mov x0, x19\n"
        "    mov x30, xzr\n"
        "    br x20\n"
        ".size eddy_coro_boot,.-eddy_coro_boot\n");

void eddy_coro_boot(void);

void eddy_coro_ctx_init(struct eddy_coro_ctx *ctx, void *bottom, size_t bytes,
                        eddy_coro_entry entry, void *arg)
{
    char *top = (char *)bottom + bytes; /* page-aligned, so 16-aligned */
    /* The frame the switch loads, all zero but three: after its ret,
     * sp = top, 16-aligned as the ABI wants at any call. */
    uint64_t *sp = (uint64_t *)(top - 160);
    memset(sp, 0, 160);
    sp[0] = (uint64_t)(uintptr_t)arg;             /* x19: the boot stub's argument */
    sp[1] = (uint64_t)(uintptr_t)entry;           /* x20: where the boot stub jumps */
    sp[11] = (uint64_t)(uintptr_t)eddy_coro_boot; /* x30: where the switch's ret goes */
    ctx->sp = sp;
}

#endif
