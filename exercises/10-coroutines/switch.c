/*
 * switch.c - create and switch stackful coroutine contexts, by hand.
 *
 * EXERCISE (lesson 10): write coro_switch() and coro_ctx_init() for your
 * machine; the section for it is picked by the #if below (x86-64 on most
 * PCs; aarch64 on ARM; ucontext anywhere else). `make progress` runs the
 * tests (tests/exercises/10-coroutines.c).
 *
 * coro_switch(from, to) saves the callee-saved registers on the current
 * stack, stores the stack pointer in from->sp, loads to->sp, restores the
 * registers saved on that stack and returns - on the other stack, into
 * whoever switched away from it. coro_ctx_init() writes on a brand-new
 * stack exactly what coro_switch() would have left there, so that the
 * first switch to it "returns" into coro_trampoline, which calls
 * entry(arg). The calling conventions:
 *   x86-64 System V: rbx rbp r12-r15 and rsp are callee-saved; at a
 *     function's entry rsp + 8 is a multiple of 16.
 *   aarch64 AAPCS64: x19-x29, x30 (lr), sp and d8-d15 are callee-saved;
 *     sp is always a multiple of 16.
 * The trampolines are given: they define where entry and arg must be
 * (r12/r13 on x86-64, x19/x20 on aarch64).
 */
#include "switch.h"

#include <stdint.h>
#include <stdlib.h>

#if defined(CORO_ASM) && defined(__x86_64__)

/* coro_switch(from = rdi, to = rsi) */
__asm__(".text\n"
        ".globl coro_switch\n"
        ".type coro_switch, @function\n"
        "coro_switch:\n"
        /* TODO: push rbp rbx r12 r13 r14 r15; movq %rsp, (%rdi);
         * movq (%rsi), %rsp; pop the six in reverse order; then ret. */
        "    ret\n"
        ".size coro_switch, .-coro_switch\n"
        ".globl coro_trampoline\n"
        ".hidden coro_trampoline\n"
        ".type coro_trampoline, @function\n"
        "coro_trampoline:\n"
        "    movq %r13, %rdi\n"
        "    callq *%r12\n"
        "    ud2\n");

/* Not callable from C (it expects its arguments in r12/r13): C only takes
 * its address. */
void coro_trampoline(void);

void coro_ctx_init(coro_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
    /* TODO: start at the top of the stack rounded down to 16 bytes, and
     * push (as uintptr_t values) the address of coro_trampoline, then the
     * six registers in the order coro_switch pops them last-to-first:
     * rbp (0), rbx, r12 = entry, r13 = arg, r14, r15. c->sp = the lowest.
     * Check: after coro_switch's ret, rsp must be a multiple of 16. */
    (void)stack, (void)size, (void)entry, (void)arg;
    c->sp = NULL;
}

#elif defined(CORO_ASM) && defined(__aarch64__)

/* coro_switch(from = x0, to = x1) */
__asm__(".text\n"
        ".globl coro_switch\n"
        ".type coro_switch, %function\n"
        "coro_switch:\n"
        /* TODO: sub sp, sp, #160; stp x19..x30 and d8..d15 in pairs at
         * [sp, #0] .. [sp, #144]; store sp in [x0]; load sp from [x1]; ldp
         * them all back; add sp, sp, #160; ret. */
        "    ret\n"
        ".size coro_switch, .-coro_switch\n"
        ".globl coro_trampoline\n"
        ".hidden coro_trampoline\n"
        ".type coro_trampoline, %function\n"
        "coro_trampoline:\n"
        "    mov x0, x20\n"
        "    blr x19\n"
        "    brk #0\n");

void coro_trampoline(void); /* only its address is used, as on x86-64 */

void coro_ctx_init(coro_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
    /* TODO: a 160-byte frame just below the 16-aligned top, all zero but
     * x19 = entry, x20 = arg and x30 = coro_trampoline; c->sp = frame. */
    (void)stack, (void)size, (void)entry, (void)arg;
    c->sp = NULL;
}

#else /* ucontext: the portable fallback */

void coro_ctx_init(coro_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
    /* TODO: keep entry and arg in c; getcontext(&c->uc); point
     * c->uc.uc_stack at the stack; makecontext() with a trampoline that
     * calls c->entry(c->arg) (makecontext passes only ints: split the
     * pointer c into two unsigned halves). */
    (void)c, (void)stack, (void)size, (void)entry, (void)arg;
}

void coro_switch(coro_ctx *from, coro_ctx *to)
{
    /* TODO: swapcontext(&from->uc, &to->uc). */
    (void)from, (void)to;
}

#endif
