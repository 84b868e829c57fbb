/*
 * coro - stackful coroutines: the reason handler code reads top to bottom.
 *
 * A coroutine is a function with its own stack that can stop in the middle
 * (eddy_coro_yield) and be continued later (eddy_coro_resume) exactly where
 * it stopped, locals intact. The server runs each active request in one,
 * so a handler that waits for the database simply calls a function that
 * yields; the loop runs other work meanwhile and resumes the handler when
 * the answer is there (see future.h for the waiting itself).
 *
 * Switching is a few instructions of hand-written assembly on x86-64 and
 * aarch64 (callee-saved registers and the stack pointer, nothing else), with
 * a portable ucontext fallback elsewhere or when built with
 * -DEDDY_CORO_UCONTEXT. Stacks are mmap'ed with a PROT_NONE guard page below
 * them, so an overflow is a clean SIGSEGV instead of silent corruption, and
 * are kept in a small per-thread pool for reuse. Coroutines belong to the
 * thread that created them; each thread has its own pool.
 */
#ifndef EDDY_CORO_H
#define EDDY_CORO_H

#include <stddef.h>

typedef struct eddy_coro eddy_coro;
typedef void (*eddy_coro_fn)(void *arg);

/* eddy_coro_set_stack_size - the stack size of coroutines created from
 * now on (rounded up to whole pages; at least 16 KiB; default 128 KiB).
 * Memory is only committed as a stack is touched, so a large size costs
 * address space, not RAM. Returns 0, or -1 for an unusable size. */
int eddy_coro_set_stack_size(size_t bytes);
size_t eddy_coro_stack_size(void);

/* eddy_coro_set_pool_size - how many free stacks a thread keeps for reuse
 * (default 1,024); extra ones are unmapped. */
void eddy_coro_set_pool_size(size_t stacks);

/* eddy_coro_pool_drain - unmap this thread's free stacks (a thread that
 * is about to exit, or a test that counts mappings, calls it). */
void eddy_coro_pool_drain(void);

/* eddy_coro_create - a coroutine that will run fn(arg) when first resumed.
 * NULL (errno ENOMEM) if no stack can be had. */
eddy_coro *eddy_coro_create(eddy_coro_fn fn, void *arg);

/* eddy_coro_resume - run c until it yields or returns. Returns 1 if c is
 * suspended (it yielded), 0 if it has finished (destroy it), -1 with errno
 * EINVAL if c cannot be resumed (finished, or running: e.g. resuming
 * oneself or a coroutine that is up the chain of resumers). */
int eddy_coro_resume(eddy_coro *c);

/* eddy_coro_yield - from inside a coroutine, go back to whoever resumed
 * it; returns when resumed again. Does nothing outside a coroutine. */
void eddy_coro_yield(void);

/* eddy_coro_current - the running coroutine, or NULL on a thread's own stack. */
eddy_coro *eddy_coro_current(void);

int eddy_coro_finished(const eddy_coro *c);

/* eddy_coro_destroy - release c and return its stack to the pool. c must
 * not be running. Destroying a suspended coroutine discards its frames
 * without running the rest of its code: whatever those frames own is
 * leaked, which is why the server cancels through future.h (the waiting
 * call returns ECANCELED and the code unwinds itself) instead. */
void eddy_coro_destroy(eddy_coro *c);

/* eddy_coro_set_data / eddy_coro_data - one pointer of the owner's choice
 * (the future layer keeps its per-coroutine state here). */
void eddy_coro_set_data(eddy_coro *c, void *data);
void *eddy_coro_data(const eddy_coro *c);

/* eddy_coro_backend - "x86-64 assembly", "aarch64 assembly" or "ucontext". */
const char *eddy_coro_backend(void);

#endif
