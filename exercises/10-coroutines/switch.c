/*
 * switch.c - create and switch stackful coroutine contexts, by hand.
 *
 * EXERCISE (lesson 10): write coro_switch() and coro_ctx_init() for your
 * machine; the section for it is picked by the #if below (x86-64 on most
 * PCs; aarch64 on ARM; ucontext anywhere else). `make progress` runs the
 * tests (tests/exercises/10-coroutines.c). switch.h says what each does;
 * course chapter 10, "A context switch, register by register", how.
 *
 * coro_switch(from, to) returns on the other stack, into whoever switched
 * away from it last. coro_ctx_init() prepares a brand-new stack so that
 * the first switch to it "returns" into coro_trampoline, which calls
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
        /* TODO: keep what a call must preserve, leave from's stack
         * pointer in from->sp (rdi), continue on to->sp (rsi) exactly
         * where its owner switched away, and return there. */
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
    /* TODO: make [stack, stack + size) look as your coro_switch leaves a
     * stack it switched away from, so that the first switch to c returns
     * into coro_trampoline with entry and arg where it reads them, and
     * entry starts with the stack aligned as the ABI says (above). */
    (void)stack, (void)size, (void)entry, (void)arg;
    c->sp = NULL;
}

#elif defined(CORO_ASM) && defined(__aarch64__)

/* coro_switch(from = x0, to = x1) */
__asm__(".text\n"
        ".globl coro_switch\n"
        ".type coro_switch, %function\n"
        "coro_switch:\n"
        /* TODO: keep what a call must preserve, leave from's stack
         * pointer in from->sp (x0), continue on to->sp (x1) exactly
         * where its owner switched away, and return there. */
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
    /* TODO: make [stack, stack + size) look as your coro_switch leaves a
     * stack it switched away from, so that the first switch to c returns
     * into coro_trampoline with entry and arg where it reads them. */
    (void)stack, (void)size, (void)entry, (void)arg;
    c->sp = NULL;
}

#else /* ucontext: the portable fallback */

void coro_ctx_init(coro_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
    /* TODO: prepare c->uc (getcontext, makecontext) so that the first
     * coro_switch() to c runs entry(arg) on [stack, stack + size); note
     * that makecontext passes its function only int arguments. */
    (void)c, (void)stack, (void)size, (void)entry, (void)arg;
}

void coro_switch(coro_ctx *from, coro_ctx *to)
{
    /* TODO: save the running context in from and continue to. */
    (void)from, (void)to;
}

#endif
