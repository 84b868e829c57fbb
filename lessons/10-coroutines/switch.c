/*
 * switch.c - create and switch stackful coroutine contexts, by hand.
 *
 * Two functions per machine. coro_ctx_init() writes, at the top of a new
 * stack, exactly what coro_switch() would have left there had the new
 * coroutine already switched away once: a block of "saved" registers and a
 * return address. The first switch to it pops those and "returns" into a
 * three-instruction trampoline that calls entry(arg). From then on it is
 * just switching.
 *
 * The assembly is written as top-level asm in a C file so the exercise
 * (exercises/10-coroutines/switch.c) is an ordinary .c file like the
 * others. The calling conventions it honours:
 *   x86-64 System V: rbx rbp r12-r15 and rsp are callee-saved; at a
 *     function's entry rsp + 8 is a multiple of 16.
 *   aarch64 AAPCS64: x19-x29, x30 (lr), sp and the low halves of v8-v15
 *     (d8-d15) are callee-saved; sp is always a multiple of 16.
 * The floating-point control words (mxcsr, x87 cw, fpcr) are callee-saved
 * too; nothing in this course changes them, so they are not switched
 * (a production library such as boost.context does save them).
 */
#include "switch.h"

#include <stdint.h>
#include <stdlib.h>

#if defined(CORO_ASM) && defined(__x86_64__)

/* quote:begin switch-x86-64 */
/* coro_switch(from = rdi, to = rsi): push the six callee-saved registers,
 * swap stack pointers, pop the other side's six, return on its stack. */
__asm__(".text\n"
        ".globl coro_switch\n"
        ".type coro_switch, @function\n"
        "coro_switch:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    movq %rsp, (%rdi)\n" /* from->sp = rsp */
        "    movq (%rsi), %rsp\n" /* rsp = to->sp: now on the other stack */
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n" /* to wherever that stack called coro_switch from */
        ".size coro_switch, .-coro_switch\n"
        /* First run: r12 = entry, r13 = arg (see coro_ctx_init). rsp is a
         * multiple of 16 here, so the call leaves entry properly aligned. */
        ".globl coro_trampoline\n"
        ".hidden coro_trampoline\n"
        ".type coro_trampoline, @function\n"
        "coro_trampoline:\n"
        "    movq %r13, %rdi\n"
        "    callq *%r12\n"
        "    ud2\n"); /* entry never returns */
/* quote:end switch-x86-64 */

/* Not callable from C (it expects its arguments in r12/r13 or x19/x20):
 * C only takes its address. Hidden: it is private to this program. */
void coro_trampoline(void);

/* quote:begin init-x86-64 */
void coro_ctx_init(coro_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
    /* The top of the stack, rounded down to 16 bytes. */
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    uintptr_t *sp = (uintptr_t *)top;
    *--sp = (uintptr_t)coro_trampoline; /* popped by ret; rsp is then top */
    *--sp = 0;                          /* rbp: ends the frame-pointer chain */
    *--sp = 0;                          /* rbx */
    *--sp = (uintptr_t)entry;           /* r12 */
    *--sp = (uintptr_t)arg;             /* r13 */
    *--sp = 0;                          /* r14 */
    *--sp = 0;                          /* r15 */
    c->sp = sp;
}
/* quote:end init-x86-64 */

#elif defined(CORO_ASM) && defined(__aarch64__)

/* quote:begin switch-aarch64 */
/* coro_switch(from = x0, to = x1): store x19-x30 and d8-d15 in a 160-byte
 * frame, swap sp, load the other side's frame, return to its x30. */
__asm__(".text\n"
        ".globl coro_switch\n"
        ".type coro_switch, %function\n"
        "coro_switch:\n"
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
        "    mov x9, sp\n"
        "    str x9, [x0]\n" /* from->sp = sp */
        "    ldr x9, [x1]\n"
        "    mov sp, x9\n" /* sp = to->sp: now on the other stack */
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
        "    ret\n" /* branches to x30 */
        ".size coro_switch, .-coro_switch\n"
        /* First run: x19 = entry, x20 = arg (see coro_ctx_init). */
        ".globl coro_trampoline\n"
        ".hidden coro_trampoline\n"
        ".type coro_trampoline, %function\n"
        "coro_trampoline:\n"
        "    mov x0, x20\n"
        "    blr x19\n"
        "    brk #0\n"); /* entry never returns */
/* quote:end switch-aarch64 */

void coro_trampoline(void); /* only its address is used, as on x86-64 */

void coro_ctx_init(coro_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    uintptr_t *frame = (uintptr_t *)(top - 160); /* the layout coro_switch pops */
    for (int i = 0; i < 20; i++)
        frame[i] = 0;
    frame[0] = (uintptr_t)entry;            /* x19 */
    frame[1] = (uintptr_t)arg;              /* x20 */
    frame[10] = 0;                          /* x29: ends the frame chain */
    frame[11] = (uintptr_t)coro_trampoline; /* x30: where ret goes */
    c->sp = frame;
}

#else /* ucontext: the portable fallback */

/* makecontext() passes only int arguments, so the context's own address is
 * split into two halves and put back together here. */
static void uc_trampoline(unsigned hi, unsigned lo)
{
    coro_ctx *c = (coro_ctx *)(((uintptr_t)hi << 16 << 16) | (uintptr_t)lo);
    c->entry(c->arg);
    abort(); /* entry never returns */
}

void coro_ctx_init(coro_ctx *c, void *stack, size_t size, void (*entry)(void *), void *arg)
{
    c->entry = entry;
    c->arg = arg;
    if (getcontext(&c->uc) < 0)
        abort();
    c->uc.uc_stack.ss_sp = stack;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = NULL;
    uintptr_t p = (uintptr_t)c;
    makecontext(&c->uc, (void (*)(void))uc_trampoline, 2, (unsigned)(p >> 16 >> 16),
                (unsigned)(p & 0xffffffffu));
}

void coro_switch(coro_ctx *from, coro_ctx *to)
{
    if (swapcontext(&from->uc, &to->uc) < 0)
        abort();
}

#endif
