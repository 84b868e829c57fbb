/*
 * coro_x86_64 - the coroutine context switch for x86-64 (System V ABI).
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

#ifdef EDDY_CORO_BACKEND_X86_64

#include <stdint.h>

const char *eddy_coro_backend(void) { return "x86-64 assembly"; }

/* eddy_coro_ctx_switch(from, to): rdi, rsi.
 * Saves rbp rbx r12-r15 and the MXCSR/x87 control words, which the ABI
 * makes callee-saved too. */
__asm__(".text\n"
        ".globl eddy_coro_ctx_switch\n"
        ".hidden eddy_coro_ctx_switch\n"
        ".type eddy_coro_ctx_switch,@function\n"
        "eddy_coro_ctx_switch:\n"
        "    movq (%rsi), %rax\n" /* to's stack pointer, loaded while the pushes run */
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n"
        "    stmxcsr (%rsp)\n"
        "    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rax, %rsp\n"
        "    ldmxcsr (%rsp)\n"
        "    fldcw 4(%rsp)\n"
        "    addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size eddy_coro_ctx_switch,.-eddy_coro_ctx_switch\n"
        /* First entry: rbx holds the argument, r12 the entry function.
         * The stack is as at a function's entry, so jump, don't call. */
        ".globl eddy_coro_boot\n"
        ".hidden eddy_coro_boot\n"
        ".type eddy_coro_boot,@function\n"
        "eddy_coro_boot:\n"
        "    movq %rbx, %rdi\n"
        "    jmp *%r12\n"
        ".size eddy_coro_boot,.-eddy_coro_boot\n");

void eddy_coro_boot(void);

void eddy_coro_ctx_init(struct eddy_coro_ctx *ctx, void *bottom, size_t bytes,
                        eddy_coro_entry entry, void *arg)
{
    char *top = (char *)bottom + bytes; /* page-aligned, so 16-aligned */
    /* From the top: a zero "return address" for the boot stub's frame, the
     * boot stub (where the switch's ret goes), six registers, the control
     * words. After the switch's ret, rsp = top - 8: as at a function entry. */
    uint64_t *sp = (uint64_t *)top;
    *--sp = 0;
    *--sp = (uint64_t)(uintptr_t)eddy_coro_boot;
    *--sp = 0;                          /* rbp */
    *--sp = (uint64_t)(uintptr_t)arg;   /* rbx: the boot stub's argument */
    *--sp = (uint64_t)(uintptr_t)entry; /* r12: where the boot stub jumps */
    *--sp = 0;                          /* r13 */
    *--sp = 0;                          /* r14 */
    *--sp = 0;                          /* r15 */
    uint32_t mxcsr;
    uint16_t fpucw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(fpucw));
    *--sp = (uint64_t)mxcsr | ((uint64_t)fpucw << 32);
    ctx->sp = sp;
}

#endif
