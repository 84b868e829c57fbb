/*
 * coro - stackful coroutines; see coro.h.
 *
 * A switch saves the callee-saved registers on the current stack, stores
 * the stack pointer, loads the other coroutine's stack pointer and pops
 * its registers: everything else (caller-saved registers, the return
 * value) the C calling convention already treats as clobbered by a call.
 * A new coroutine's stack is prepared so that the first switch into it
 * "returns" into a small boot stub that calls coro_main().
 *
 * The coroutine's own struct lives at the top of its stack mapping, so
 * creating one from the pool allocates nothing. Under AddressSanitizer
 * every switch is announced (start/finish_switch_fiber) so ASan follows
 * the stack changes; under valgrind the stacks are registered.
 */
#include <eddy/async/coro.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(EDDY_CORO_UCONTEXT) && !defined(__x86_64__) && !defined(__aarch64__)
#define EDDY_CORO_UCONTEXT 1
#endif
#ifdef EDDY_CORO_UCONTEXT
#include <ucontext.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define EDDY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EDDY_ASAN 1
#endif
#endif
#ifdef EDDY_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define EDDY_VALGRIND 1
#endif
#endif

enum { CREATED, RUNNING, SUSPENDED, DONE };

struct eddy_coro {
    void *sp; /* saved stack pointer while not running (assembly backends) */
#ifdef EDDY_CORO_UCONTEXT
    ucontext_t uc;
#endif
    eddy_coro *caller; /* where a yield goes: whoever resumed us last */
    eddy_coro_fn fn;
    void *arg;
    void *data;
    int state;
    char *map;       /* the stack mapping: guard page, stack, this struct */
    size_t map_size;
    unsigned vg_stack_id;
    /* AddressSanitizer's view of this stack */
    void *asan_fake_stack;
    const void *stack_bottom;
    size_t stack_bytes;
};

static _Atomic size_t stack_size_setting = 128 * 1024;
static _Atomic size_t pool_limit = 64;

static _Thread_local struct eddy_coro thread_ctx; /* the thread's own stack */
static _Thread_local eddy_coro *running;          /* NULL while on thread_ctx */
static _Thread_local eddy_coro *switching_from;   /* for ASan's bookkeeping */
static _Thread_local struct {
    eddy_coro **free; /* coroutine structs of free stacks, ready for reuse */
    size_t count, cap;
} pool;

/* ------------------------------------------------------------ switching */

#if defined(EDDY_CORO_UCONTEXT)

const char *eddy_coro_backend(void) { return "ucontext"; }

#elif defined(__x86_64__)

const char *eddy_coro_backend(void) { return "x86-64 assembly"; }

/* eddy_coro_switch_asm(void **save_sp, void *load_sp): rdi, rsi.
 * Saves rbp rbx r12-r15 and the MXCSR/x87 control words, which the SysV
 * ABI makes callee-saved too. */
__asm__(".text\n"
        ".globl eddy_coro_switch_asm\n"
        ".hidden eddy_coro_switch_asm\n"
        ".type eddy_coro_switch_asm,@function\n"
        "eddy_coro_switch_asm:\n"
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
        "    movq %rsi, %rsp\n"
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
        ".size eddy_coro_switch_asm,.-eddy_coro_switch_asm\n"
        /* First entry: rbx holds the coroutine, r12 coro_main. The stack
         * is as at a function's entry, so jump, don't call. */
        ".globl eddy_coro_boot_asm\n"
        ".hidden eddy_coro_boot_asm\n"
        ".type eddy_coro_boot_asm,@function\n"
        "eddy_coro_boot_asm:\n"
        "    movq %rbx, %rdi\n"
        "    jmp *%r12\n"
        ".size eddy_coro_boot_asm,.-eddy_coro_boot_asm\n");

#elif defined(__aarch64__)

const char *eddy_coro_backend(void) { return "aarch64 assembly"; }

/* eddy_coro_switch_asm(void **save_sp, void *load_sp): x0, x1.
 * Saves x19-x29, the link register x30 and d8-d15 (AAPCS64 callee-saved). */
__asm__(".text\n"
        ".globl eddy_coro_switch_asm\n"
        ".hidden eddy_coro_switch_asm\n"
        ".type eddy_coro_switch_asm,%function\n"
        "eddy_coro_switch_asm:\n"
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
        "    mov sp, x1\n"
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
        ".size eddy_coro_switch_asm,.-eddy_coro_switch_asm\n"
        /* First entry: x19 holds the coroutine, x20 coro_main. */
        ".globl eddy_coro_boot_asm\n"
        ".hidden eddy_coro_boot_asm\n"
        ".type eddy_coro_boot_asm,%function\n"
        "eddy_coro_boot_asm:\n"
        "    mov x0, x19\n"
        "    mov x30, xzr\n"
        "    br x20\n"
        ".size eddy_coro_boot_asm,.-eddy_coro_boot_asm\n");
#endif

#ifndef EDDY_CORO_UCONTEXT
void eddy_coro_switch_asm(void **save_sp, void *load_sp);
void eddy_coro_boot_asm(void);
#endif

/* switch_to - leave from for to; returns when something switches back.
 * dying: from has finished and will never run again (ASan frees its
 * fake stack). */
static void switch_to(eddy_coro *from, eddy_coro *to, int dying)
{
    switching_from = from;
#ifdef EDDY_ASAN
    __sanitizer_start_switch_fiber(dying ? NULL : &from->asan_fake_stack, to->stack_bottom,
                                   to->stack_bytes);
#else
    (void)dying;
#endif
#ifdef EDDY_CORO_UCONTEXT
    swapcontext(&from->uc, &to->uc);
#else
    eddy_coro_switch_asm(&from->sp, to->sp);
#endif
#ifdef EDDY_ASAN
    /* Back on from's stack: learn the bounds of the stack we came from,
     * which for the thread's own stack is the only way to know them. */
    __sanitizer_finish_switch_fiber(from->asan_fake_stack, &switching_from->stack_bottom,
                                    &switching_from->stack_bytes);
#endif
}

/* coro_main - the bottom frame of every coroutine. */
static void coro_main(eddy_coro *c)
{
#ifdef EDDY_ASAN
    __sanitizer_finish_switch_fiber(NULL, &switching_from->stack_bottom,
                                    &switching_from->stack_bytes);
#endif
    c->fn(c->arg);
    c->state = DONE;
    switch_to(c, c->caller, 1);
    abort(); /* a finished coroutine is never switched back to */
}

#ifdef EDDY_CORO_UCONTEXT
/* makecontext passes ints only: the pointer travels in two halves. */
static void ucontext_entry(unsigned hi, unsigned lo)
{
    coro_main((eddy_coro *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}
#endif

/* ------------------------------------------------------------ stacks */

static size_t page_size(void)
{
    static size_t page;
    if (!page)
        page = (size_t)sysconf(_SC_PAGESIZE);
    return page;
}

int eddy_coro_set_stack_size(size_t bytes)
{
    size_t page = page_size();
    if (bytes < 16 * 1024 || bytes > ((size_t)1 << 30)) {
        errno = EINVAL;
        return -1;
    }
    stack_size_setting = (bytes + page - 1) / page * page;
    return 0;
}

size_t eddy_coro_stack_size(void) { return stack_size_setting; }

void eddy_coro_set_pool_size(size_t stacks) { pool_limit = stacks; }

static void unmap_coro(eddy_coro *c)
{
#ifdef EDDY_VALGRIND
    VALGRIND_STACK_DEREGISTER(c->vg_stack_id);
#endif
    munmap(c->map, c->map_size);
}

/* new_stack - map guard page + stack + room for the struct at the top. */
static eddy_coro *new_stack(size_t stack_bytes)
{
    size_t page = page_size();
    size_t header = (sizeof(eddy_coro) + page - 1) / page * page;
    size_t size = page + stack_bytes + header;
    char *map = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (map == MAP_FAILED) {
        errno = ENOMEM;
        return NULL;
    }
    if (mprotect(map, page, PROT_NONE) < 0) {
        munmap(map, size);
        errno = ENOMEM;
        return NULL;
    }
    eddy_coro *c = (eddy_coro *)(map + page + stack_bytes);
    memset(c, 0, sizeof *c);
    c->map = map;
    c->map_size = size;
    c->stack_bottom = map + page;
    c->stack_bytes = stack_bytes;
#ifdef EDDY_VALGRIND
    c->vg_stack_id = VALGRIND_STACK_REGISTER(map + page, map + page + stack_bytes);
#endif
    return c;
}

eddy_coro *eddy_coro_create(eddy_coro_fn fn, void *arg)
{
    size_t want = stack_size_setting;
    eddy_coro *c = NULL;
    while (pool.count && !c) {
        eddy_coro *spare = pool.free[--pool.count];
        if (spare->stack_bytes == want)
            c = spare;
        else
            unmap_coro(spare); /* made before the size changed */
    }
    if (!c && !(c = new_stack(want)))
        return NULL;

    c->fn = fn;
    c->arg = arg;
    c->data = NULL;
    c->caller = NULL;
    c->state = CREATED;
    c->asan_fake_stack = NULL;
#ifdef EDDY_CORO_UCONTEXT
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = (void *)c->stack_bottom;
    c->uc.uc_stack.ss_size = c->stack_bytes;
    c->uc.uc_link = NULL;
    uintptr_t p = (uintptr_t)c;
    makecontext(&c->uc, (void (*)(void))ucontext_entry, 2, (unsigned)(p >> 32),
                (unsigned)(p & 0xffffffffu));
#elif defined(__x86_64__)
    char *top = (char *)c->stack_bottom + c->stack_bytes; /* page-aligned, so 16-aligned */
    /* From the top: a zero "return address" for the boot stub's frame, the
     * boot stub (where the switch's ret goes), six registers, the control
     * words. After the switch's ret, rsp = top - 8: as at a function entry. */
    uint64_t *sp = (uint64_t *)top;
    *--sp = 0;
    *--sp = (uint64_t)(uintptr_t)eddy_coro_boot_asm;
    *--sp = 0;                          /* rbp */
    *--sp = (uint64_t)(uintptr_t)c;     /* rbx: the boot stub's argument */
    *--sp = (uint64_t)(uintptr_t)coro_main; /* r12 */
    *--sp = 0;                          /* r13 */
    *--sp = 0;                          /* r14 */
    *--sp = 0;                          /* r15 */
    uint32_t mxcsr;
    uint16_t fpucw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(fpucw));
    *--sp = (uint64_t)mxcsr | ((uint64_t)fpucw << 32);
    c->sp = sp;
#elif defined(__aarch64__)
    char *top = (char *)c->stack_bottom + c->stack_bytes;
    uint64_t *sp = (uint64_t *)(top - 160);
    memset(sp, 0, 160);
    sp[0] = (uint64_t)(uintptr_t)c;         /* x19 */
    sp[1] = (uint64_t)(uintptr_t)coro_main; /* x20 */
    sp[11] = (uint64_t)(uintptr_t)eddy_coro_boot_asm; /* x30: where ret goes */
    c->sp = sp;
#endif
    return c;
}

void eddy_coro_destroy(eddy_coro *c)
{
    if (!c || c->state == RUNNING)
        return;
    if (pool.count == pool.cap && pool.cap < pool_limit) {
        size_t cap = pool.cap ? pool.cap * 2 : 8;
        if (cap > pool_limit)
            cap = pool_limit;
        eddy_coro **grown = realloc(pool.free, cap * sizeof *grown);
        if (grown) {
            pool.free = grown;
            pool.cap = cap;
        }
    }
    if (pool.count < pool.cap && c->stack_bytes == stack_size_setting) {
        c->state = DONE;
        pool.free[pool.count++] = c;
    } else {
        unmap_coro(c);
    }
}

void eddy_coro_pool_drain(void)
{
    while (pool.count)
        unmap_coro(pool.free[--pool.count]);
    free(pool.free);
    pool.free = NULL;
    pool.cap = 0;
}

/* ------------------------------------------------------------ the API */

int eddy_coro_resume(eddy_coro *c)
{
    if (!c || c->state == RUNNING || c->state == DONE) {
        errno = EINVAL;
        return -1;
    }
    eddy_coro *self = running ? running : &thread_ctx;
    c->caller = self;
    c->state = RUNNING;
    running = c;
    switch_to(self, c, 0);
    running = self == &thread_ctx ? NULL : self;
    return c->state == DONE ? 0 : 1;
}

void eddy_coro_yield(void)
{
    eddy_coro *c = running;
    if (!c)
        return;
    c->state = SUSPENDED;
    switch_to(c, c->caller, 0);
}

eddy_coro *eddy_coro_current(void) { return running; }

int eddy_coro_finished(const eddy_coro *c) { return c->state == DONE; }

void eddy_coro_set_data(eddy_coro *c, void *data) { c->data = data; }

void *eddy_coro_data(const eddy_coro *c) { return c->data; }
