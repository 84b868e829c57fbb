/*
 * coro.h - stackful coroutines: create, resume, yield.
 *
 * A coroutine is a function with its own stack that can stop in the middle
 * (coro_yield) and later continue from exactly there (coro_resume), with
 * every local variable and every pending call frame intact, because they
 * all live on its own stack. Nothing here knows about sockets or loops;
 * task.h builds "wait for this fd" on top of it.
 */
#ifndef CORO_H
#define CORO_H

#include <stddef.h>

typedef struct coro coro;

/* coro_create - a coroutine that will run fn(arg) on a fresh stack of
 * stack_size bytes (rounded up to pages; 0 picks 64 KiB) with a guard page
 * below it. It does not start until the first coro_resume(). NULL (errno
 * set) when the memory cannot be had. */
coro *coro_create(void (*fn)(void *), void *arg, size_t stack_size);

/* coro_resume - run c until it yields or fn returns. Returns 1 if c can be
 * resumed again, 0 once fn has returned. */
int coro_resume(coro *c);

/* coro_yield - from inside a coroutine: go back to whoever resumed it. */
void coro_yield(void);

/* coro_current - the running coroutine, or NULL on the main stack. */
coro *coro_current(void);

/* coro_done - 1 once fn has returned. */
int coro_done(const coro *c);

/* coro_stack - where c's usable stack and its guard page are (for the
 * guard demo). */
void coro_stack(const coro *c, void **guard, void **bottom, void **top);

/* coro_free - release a coroutine that is not running (finished, or
 * suspended: its stack is simply dropped). */
void coro_free(coro *c);

#endif
