/*
 * coro.c - stackful coroutines on mmap'ed stacks with a guard page.
 *
 * Each coroutine owns a stack from mmap(). Stacks grow down, so the lowest
 * page is made PROT_NONE: a coroutine that recurses too deep touches it and
 * the kernel kills the process with SIGSEGV, instead of the coroutine
 * quietly writing over whatever memory lies below (another coroutine's
 * stack, the heap). The coro struct itself is malloc'ed apart from the
 * stack for the same reason.
 *
 * resume and yield are both coro_switch(): resume saves the caller's
 * context in c->caller and switches to c; yield switches from c back to
 * c->caller. A coroutine may resume another (they nest like calls).
 */
#include "coro.h"
#include "switch.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct coro {
    coro_ctx ctx;    /* its registers while it is switched away */
    coro_ctx caller; /* the resumer's, while it runs */
    coro *resumer;   /* the coroutine (or NULL: main) that resumed it */
    void (*fn)(void *);
    void *arg;
    int done;
    char *map; /* the mapping: guard page, then the stack */
    size_t map_size;
};

static coro *current; /* NULL while on the main stack */

static void coro_main(void *arg);

/* quote:begin create */
coro *coro_create(void (*fn)(void *), void *arg, size_t stack_size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (stack_size == 0)
        stack_size = 64 * 1024;
    stack_size = (stack_size + page - 1) / page * page;

    coro *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->map_size = stack_size + page;
    c->map = mmap(NULL, c->map_size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (c->map == MAP_FAILED) {
        free(c);
        return NULL;
    }
    /* The guard: the lowest page, the one an overflow reaches first. */
    if (mprotect(c->map, page, PROT_NONE) < 0) {
        int e = errno;
        munmap(c->map, c->map_size);
        free(c);
        errno = e;
        return NULL;
    }
    c->fn = fn;
    c->arg = arg;
    coro_ctx_init(&c->ctx, c->map + page, stack_size, coro_main, c);
    return c;
}
/* quote:end create */

/* coro_main - the first function on every coroutine stack. */
static void coro_main(void *arg)
{
    coro *c = arg;
    c->fn(c->arg);
    c->done = 1;
    current = c->resumer;
    coro_switch(&c->ctx, &c->caller); /* for good: nobody resumes a done coro */
    abort();
}

/* quote:begin resume-yield */
int coro_resume(coro *c)
{
    if (c->done || c == current)
        return 0;
    c->resumer = current;
    current = c;
    coro_switch(&c->caller, &c->ctx); /* returns when c yields or ends */
    return !c->done;
}

void coro_yield(void)
{
    coro *c = current;
    if (!c)
        abort(); /* yield on the main stack: there is nobody to go back to */
    current = c->resumer;
    coro_switch(&c->ctx, &c->caller); /* returns at the next coro_resume(c) */
}
/* quote:end resume-yield */

coro *coro_current(void)
{
    return current;
}

int coro_done(const coro *c)
{
    return c->done;
}

void coro_stack(const coro *c, void **guard, void **bottom, void **top)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    *guard = c->map;
    *bottom = c->map + page;
    *top = c->map + c->map_size;
}

void coro_free(coro *c)
{
    if (!c)
        return;
    munmap(c->map, c->map_size);
    free(c);
}
