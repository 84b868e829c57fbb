/*
 * coro - stackful coroutines; see coro.h.
 *
 * This file is everything a coroutine is but the context switch: the
 * stack mapping with its guard page, the per-thread pool of spare stacks,
 * resume and yield. The switch itself (save the running context, continue
 * another) is one backend file per machine, coro_x86_64.c, coro_aarch64.c
 * or coro_ucontext.c, behind coro_internal.h; a new coroutine's context is
 * prepared so that the first switch into it calls coro_main().
 *
 * The coroutine's own struct lives at the top of its stack mapping, so
 * creating one from the pool allocates nothing. Under AddressSanitizer
 * every switch is announced (start/finish_switch_fiber) so ASan follows
 * the stack changes; under valgrind the stacks are registered.
 */
#include <eddy/async/coro.h>

#include "coro_internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
    struct eddy_coro_ctx ctx; /* the saved context while not running */
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
/* Spare stacks a thread keeps. A server's thread runs about as many
 * coroutines at once as it has requests in flight (100 connections under
 * load, most of them waiting for one of a few database connections), and
 * every one finished beyond the spare count is unmapped and mapped again
 * for the next request: two system calls and the page faults of a fresh
 * stack each time. A spare costs the pages its last coroutine touched
 * (a few KiB of a handler's stack), so a thousand cost a few MiB at most. */
static _Atomic size_t pool_limit = 1024;

static _Thread_local struct eddy_coro thread_ctx; /* the thread's own stack */
static _Thread_local eddy_coro *running;          /* NULL while on thread_ctx */
static _Thread_local eddy_coro *switching_from;   /* for ASan's bookkeeping */
static _Thread_local struct {
    eddy_coro **free; /* coroutine structs of free stacks, ready for reuse */
    size_t count, cap;
} pool;

/* ------------------------------------------------------------ switching */

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
    eddy_coro_ctx_switch(&from->ctx, &to->ctx);
#ifdef EDDY_ASAN
    /* Back on from's stack: learn the bounds of the stack we came from,
     * which for the thread's own stack is the only way to know them. */
    __sanitizer_finish_switch_fiber(from->asan_fake_stack, &switching_from->stack_bottom,
                                    &switching_from->stack_bytes);
#endif
}

/* coro_main - the bottom frame of every coroutine. */
static void coro_main(void *arg)
{
    eddy_coro *c = arg;
#ifdef EDDY_ASAN
    __sanitizer_finish_switch_fiber(NULL, &switching_from->stack_bottom,
                                    &switching_from->stack_bytes);
#endif
    c->fn(c->arg);
    c->state = DONE;
    switch_to(c, c->caller, 1);
    abort(); /* a finished coroutine is never switched back to */
}

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
    eddy_coro_ctx_init(&c->ctx, (void *)c->stack_bottom, c->stack_bytes, coro_main, c);
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
