/*
 * Exercise 10: the context switch (exercises/10-coroutines/switch.c):
 * coro_ctx_init() and coro_switch() for this machine.
 *
 * The tests drive it through coro.c's create/resume/yield, as the lesson
 * does: values ping-pong between main and a coroutine; every callee-saved
 * register holds its value across a switch, in both directions (checked
 * from assembly, since C cannot name registers); the stack inside a new
 * coroutine is aligned as the ABI requires; and many coroutines interleave.
 */
#include "coro.h"
#include "switch.h"

#include <criterion/criterion.h>
#include <stdint.h>

/* ---- 1. ping-pong: values travel both ways, in order */
struct pingpong {
    long to_coro, to_main;
};

static void squarer(void *arg)
{
    struct pingpong *p = arg;
    for (int i = 0; i < 5; i++) {
        p->to_main = p->to_coro * p->to_coro;
        coro_yield();
    }
}

Test(ex10, values_ping_pong_between_main_and_a_coroutine, .timeout = 10)
{
    struct pingpong p = {0, -1};
    coro *c = coro_create(squarer, &p, 0);
    cr_assert_not_null(c);
    for (long i = 1; i <= 5; i++) {
        p.to_coro = i;
        cr_assert_eq(coro_resume(c), 1, "coroutine ended early at round %ld", i);
        cr_assert_eq(p.to_main, i * i, "round %ld: got %ld, want %ld", i, p.to_main, i * i);
    }
    cr_assert_eq(coro_resume(c), 0, "the sixth resume should find the function returned");
    cr_assert(coro_done(c));
    coro_free(c);
}

/* ---- 2. callee-saved registers survive a switch, both ways.
 *
 * check_callee_saved(fn, arg) loads a known value into every callee-saved
 * register, calls fn(arg) and returns a bit mask of those that came back
 * changed. clobber_and_yield(int *mask) is a coroutine body that loads
 * other values into the same registers, yields, and on resumption checks
 * that its own values are still there. Between them sits coro_switch. */
int check_callee_saved(void (*fn)(void *), void *arg);
void clobber_and_yield(void *mask);

/* clang-format off */
#if defined(CORO_ASM) && defined(__x86_64__)
#define REGS "rbx rbp r12 r13 r14 r15"
__asm__(".text\n"
        ".globl check_callee_saved\n"
        "check_callee_saved:\n"
        "    pushq %rbp\n pushq %rbx\n pushq %r12\n pushq %r13\n pushq %r14\n pushq %r15\n"
        "    subq $8, %rsp\n" /* 16-byte aligned for the call */
        "    movq %rdi, %rax\n movq %rsi, %rdi\n"
        "    movq $0x1111, %rbx\n movq $0x2222, %rbp\n movq $0x3333, %r12\n"
        "    movq $0x4444, %r13\n movq $0x5555, %r14\n movq $0x6666, %r15\n"
        "    callq *%rax\n"
        "    xorl %eax, %eax\n"
        "    cmpq $0x1111, %rbx\n je 1f\n orl $1, %eax\n1:\n"
        "    cmpq $0x2222, %rbp\n je 1f\n orl $2, %eax\n1:\n"
        "    cmpq $0x3333, %r12\n je 1f\n orl $4, %eax\n1:\n"
        "    cmpq $0x4444, %r13\n je 1f\n orl $8, %eax\n1:\n"
        "    cmpq $0x5555, %r14\n je 1f\n orl $16, %eax\n1:\n"
        "    cmpq $0x6666, %r15\n je 1f\n orl $32, %eax\n1:\n"
        "    addq $8, %rsp\n"
        "    popq %r15\n popq %r14\n popq %r13\n popq %r12\n popq %rbx\n popq %rbp\n"
        "    ret\n"
        ".globl clobber_and_yield\n"
        "clobber_and_yield:\n"
        "    pushq %rbp\n pushq %rbx\n pushq %r12\n pushq %r13\n pushq %r14\n pushq %r15\n"
        "    pushq %rdi\n" /* the mask pointer; also aligns the stack */
        "    movq $0x7771, %rbx\n movq $0x7772, %rbp\n movq $0x7773, %r12\n"
        "    movq $0x7774, %r13\n movq $0x7775, %r14\n movq $0x7776, %r15\n"
        "    callq coro_yield@PLT\n"
        "    xorl %eax, %eax\n"
        "    cmpq $0x7771, %rbx\n je 1f\n orl $1, %eax\n1:\n"
        "    cmpq $0x7772, %rbp\n je 1f\n orl $2, %eax\n1:\n"
        "    cmpq $0x7773, %r12\n je 1f\n orl $4, %eax\n1:\n"
        "    cmpq $0x7774, %r13\n je 1f\n orl $8, %eax\n1:\n"
        "    cmpq $0x7775, %r14\n je 1f\n orl $16, %eax\n1:\n"
        "    cmpq $0x7776, %r15\n je 1f\n orl $32, %eax\n1:\n"
        "    popq %rdi\n movl %eax, (%rdi)\n"
        "    popq %r15\n popq %r14\n popq %r13\n popq %r12\n popq %rbx\n popq %rbp\n"
        "    ret\n");
#elif defined(CORO_ASM) && defined(__aarch64__)
#define REGS "x19..x29 d8..d15"
/* Frame: x19-x30 at 0..95, d8-d15 at 96..159, spare 160..175. The checker
 * loads x19 = 0x1119 ... x29 = 0x1129 and d8 = 0x1208 ... d15 = 0x1215; the
 * coroutine 0x77NN and 0x78NN. */
#define A64_SAVE                                                                                 \
    "    sub sp, sp, #176\n"                                                                     \
    "    stp x19, x20, [sp, #0]\n stp x21, x22, [sp, #16]\n stp x23, x24, [sp, #32]\n"           \
    "    stp x25, x26, [sp, #48]\n stp x27, x28, [sp, #64]\n stp x29, x30, [sp, #80]\n"          \
    "    stp d8, d9, [sp, #96]\n stp d10, d11, [sp, #112]\n stp d12, d13, [sp, #128]\n"          \
    "    stp d14, d15, [sp, #144]\n"
#define A64_RESTORE                                                                              \
    "    ldp x19, x20, [sp, #0]\n ldp x21, x22, [sp, #16]\n ldp x23, x24, [sp, #32]\n"           \
    "    ldp x25, x26, [sp, #48]\n ldp x27, x28, [sp, #64]\n ldp x29, x30, [sp, #80]\n"          \
    "    ldp d8, d9, [sp, #96]\n ldp d10, d11, [sp, #112]\n ldp d12, d13, [sp, #128]\n"          \
    "    ldp d14, d15, [sp, #144]\n"                                                             \
    "    add sp, sp, #176\n"
#define A64_LOAD(B, D)                                                                           \
    "    mov x19, #" B "19\n mov x20, #" B "20\n mov x21, #" B "21\n mov x22, #" B "22\n"        \
    "    mov x23, #" B "23\n mov x24, #" B "24\n mov x25, #" B "25\n mov x26, #" B "26\n"        \
    "    mov x27, #" B "27\n mov x28, #" B "28\n mov x29, #" B "29\n"                            \
    "    mov x9, #" D "08\n fmov d8, x9\n mov x9, #" D "09\n fmov d9, x9\n"                      \
    "    mov x9, #" D "10\n fmov d10, x9\n mov x9, #" D "11\n fmov d11, x9\n"                    \
    "    mov x9, #" D "12\n fmov d12, x9\n mov x9, #" D "13\n fmov d13, x9\n"                    \
    "    mov x9, #" D "14\n fmov d14, x9\n mov x9, #" D "15\n fmov d15, x9\n"
#define A64_CMPX(R, B, BIT) "    mov x9, #" B #R "\n cmp x" #R ", x9\n b.eq 1f\n orr w0, w0, #" BIT "\n1:\n"
#define A64_CMPD(R, N, D, BIT)                                                                   \
    "    mov x9, #" D N "\n fmov x10, d" #R "\n cmp x10, x9\n b.eq 1f\n orr w0, w0, #" BIT "\n1:\n"
#define A64_CHECK(B, D)                                                                          \
    "    mov w0, #0\n"                                                                           \
    A64_CMPX(19, B, "1") A64_CMPX(20, B, "1") A64_CMPX(21, B, "1") A64_CMPX(22, B, "1")           \
    A64_CMPX(23, B, "1") A64_CMPX(24, B, "1") A64_CMPX(25, B, "1") A64_CMPX(26, B, "1")           \
    A64_CMPX(27, B, "1") A64_CMPX(28, B, "1") A64_CMPX(29, B, "2")                                \
    A64_CMPD(8, "08", D, "4") A64_CMPD(9, "09", D, "4") A64_CMPD(10, "10", D, "4")                \
    A64_CMPD(11, "11", D, "4") A64_CMPD(12, "12", D, "4") A64_CMPD(13, "13", D, "4")              \
    A64_CMPD(14, "14", D, "4") A64_CMPD(15, "15", D, "4")
__asm__(".text\n"
        ".globl check_callee_saved\n"
        "check_callee_saved:\n" A64_SAVE "    mov x11, x0\n mov x0, x1\n" A64_LOAD("0x11", "0x12")
        "    blr x11\n" A64_CHECK("0x11", "0x12") A64_RESTORE "    ret\n"
        ".globl clobber_and_yield\n"
        "clobber_and_yield:\n" A64_SAVE "    str x0, [sp, #160]\n" A64_LOAD("0x77", "0x78")
        "    bl coro_yield\n" A64_CHECK("0x77", "0x78") "    ldr x1, [sp, #160]\n str w0, [x1]\n"
        A64_RESTORE "    ret\n");
#endif
/* clang-format on */

#if defined(CORO_ASM)
static void resume_it(void *c)
{
    coro_resume(c);
}

Test(ex10, callee_saved_registers_survive_a_switch_both_ways, .timeout = 10)
{
    int coro_side = -1;
    coro *c = coro_create(clobber_and_yield, &coro_side, 0);
    cr_assert_not_null(c);
    int main_side = check_callee_saved(resume_it, c); /* runs up to its yield */
    cr_assert_eq(main_side, 0, "after a resume+yield, main lost registers (mask 0x%x of " REGS ")",
                 main_side);
    main_side = check_callee_saved(resume_it, c); /* resumes it: it checks its own */
    cr_assert_eq(coro_side, 0,
                 "after a switch back, the coroutine lost registers (mask 0x%x of " REGS ")",
                 coro_side);
    cr_assert_eq(main_side, 0, "main lost registers on the coroutine's exit (mask 0x%x)",
                 main_side);
    cr_assert(coro_done(c));
    coro_free(c);
}
#else
Test(ex10, callee_saved_registers_survive_a_switch_both_ways, .timeout = 10)
{
    cr_skip("ucontext build: swapcontext saves every register itself");
}
#endif

/* ---- 3. the stack a coroutine starts on is aligned as the ABI says:
 * a frame address that is a multiple of 16 (x86-64: rsp + 8 at entry;
 * aarch64: sp always). SSE code and printf of a double crash otherwise. */
static uintptr_t frame_at_entry, frame_nested;

static __attribute__((noinline)) void nested(void)
{
    frame_nested = (uintptr_t)__builtin_frame_address(0);
}

static void where_am_i(void *arg)
{
    (void)arg;
    frame_at_entry = (uintptr_t)__builtin_frame_address(0);
    nested();
    coro_yield();
    nested();
}

Test(ex10, a_new_coroutine_starts_on_a_16_byte_aligned_stack, .timeout = 10)
{
    coro *c = coro_create(where_am_i, NULL, 0);
    cr_assert_not_null(c);
    void *guard, *bottom, *top;
    coro_stack(c, &guard, &bottom, &top);
    cr_assert_eq(coro_resume(c), 1);
    cr_assert(frame_at_entry > (uintptr_t)bottom && frame_at_entry < (uintptr_t)top,
              "the coroutine is not running on its own stack (frame %#lx, stack %p..%p)",
              (unsigned long)frame_at_entry, bottom, top);
    cr_assert_eq(frame_at_entry % 16, 0, "frame address %#lx is not a multiple of 16",
                 (unsigned long)frame_at_entry);
    cr_assert_eq(frame_nested % 16, 0, "a call inside: frame %#lx is not a multiple of 16",
                 (unsigned long)frame_nested);
    cr_assert_eq(coro_resume(c), 0);
    cr_assert_eq(frame_nested % 16, 0);
    coro_free(c);
}

/* ---- 4. many coroutines, each with its own locals, interleave */
struct counter {
    int id, steps;
    int *log, *len;
};

static void count_up(void *arg)
{
    struct counter *k = arg;
    for (int i = 0; i < k->steps; i++) { /* i lives on this coroutine's stack */
        k->log[(*k->len)++] = k->id * 100 + i;
        coro_yield();
    }
}

Test(ex10, many_coroutines_interleave_with_their_own_locals, .timeout = 10)
{
    enum { N = 20, STEPS = 3 };
    int log[N * STEPS], len = 0;
    struct counter k[N];
    coro *c[N];
    for (int i = 0; i < N; i++) {
        k[i] = (struct counter){i, STEPS, log, &len};
        c[i] = coro_create(count_up, &k[i], 16 * 1024);
        cr_assert_not_null(c[i]);
    }
    for (int round = 0; round <= STEPS; round++)
        for (int i = 0; i < N; i++)
            coro_resume(c[i]);
    cr_assert_eq(len, N * STEPS);
    for (int round = 0; round < STEPS; round++)
        for (int i = 0; i < N; i++)
            cr_assert_eq(log[round * N + i], i * 100 + round, "entry %d: %d", round * N + i,
                         log[round * N + i]);
    for (int i = 0; i < N; i++) {
        cr_assert(coro_done(c[i]));
        coro_free(c[i]);
    }
}
