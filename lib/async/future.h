/*
 * future - the loop, tasks, and the calls that wait without blocking.
 *
 * Each thread that serves has one loop: a libevent event_base (Tornado's
 * IOLoop). Work that must wait runs in a *task*, a coroutine driven by the
 * loop: eddy_sleep, eddy_wait_fd, eddy_future_await and eddy_run_blocking
 * suspend the task and return to the loop, which resumes the task when
 * the timer fires, the fd is ready, the future is resolved or the thread
 * pool has finished the job. Code in a task therefore reads top to bottom,
 * like Tornado's `async def`, while the loop goes on serving others.
 *
 * Tasks are always resumed from the loop itself (never from inside another
 * task), so a task's yield always returns to the loop.
 *
 * Waiting calls return 0 on success or an errno value: ETIMEDOUT when a
 * timeout passed, ECANCELED when the task was cancelled (eddy_task_cancel:
 * the client went away, a deadline passed). After a cancellation every
 * further wait returns ECANCELED at once, so the task unwinds through its
 * ordinary error paths and frees what it holds; it is never resumed after
 * it has been freed. Called outside a task they return EPERM.
 */
#ifndef EDDY_FUTURE_H
#define EDDY_FUTURE_H

/* eddy_run_blocking's workers: their size and shutdown */
#include <eddy/async/pool.h>

struct event_base;

/* ------------------------------------------------------------ the loop */

/* eddy_loop_base - this thread's event_base, created on first use; NULL
 * if it cannot be created. */
struct event_base *eddy_loop_base(void);

/* eddy_loop_use - adopt base as this thread's loop (before first use);
 * the caller keeps ownership of base. 0, or -1 if a loop exists already. */
int eddy_loop_use(struct event_base *base);

/* eddy_loop_run - run until eddy_loop_stop or nothing is left to wait
 * for (an fd watch no task waits on does not count); 0, or -1 on a
 * libevent error. */
int eddy_loop_run(void);
void eddy_loop_stop(void);

/* eddy_loop_free - release this thread's loop state (its event_base
 * unless adopted, its pool of spare coroutine stacks, its inbox for
 * finished thread-pool jobs). Tasks still suspended are abandoned: finish
 * or cancel them first. */
void eddy_loop_free(void);

/* ------------------------------------------------------------ tasks */

typedef struct eddy_task eddy_task;
typedef void (*eddy_task_fn)(void *arg);

/* eddy_task_spawn - run fn(arg) in a new task, started by the loop soon
 * (not before this call returns). The task frees itself when fn returns.
 * NULL with errno ENOMEM if no coroutine can be had. */
eddy_task *eddy_task_spawn(eddy_task_fn fn, void *arg);

/* eddy_task_run - like eddy_task_spawn, but start fn at once and return
 * when it first waits (returning the task) or finishes (returning NULL
 * with *finished = 1: the task and done have run). NULL with *finished = 0
 * and errno ENOMEM if it could not start. Only from the loop's own stack — a
 * libevent callback — never from inside a task. The server starts each
 * request this way, so a handler that never waits costs no trip through
 * the loop. */
eddy_task *eddy_task_run(eddy_task_fn fn, void *arg, void (*done)(void *), void *done_arg,
                         int *finished);

/* eddy_task_on_done - call done(arg) from the loop when t has finished,
 * right before t is freed: the place to forget a handle to it. */
void eddy_task_on_done(eddy_task *t, void (*done)(void *arg), void *arg);

/* eddy_task_cancel - ask t to stop: its current wait (if any) returns
 * ECANCELED and so does every later one. A blocking job already running
 * in the thread pool is waited for first: its arguments may live on the
 * task's stack. */
void eddy_task_cancel(eddy_task *t);

/* eddy_task_current - the running task, or NULL. */
eddy_task *eddy_task_current(void);

/* eddy_task_cancelled - 1 if the running task has been cancelled. */
int eddy_task_cancelled(void);

/* ------------------------------------------------------------ waiting */

enum { EDDY_WAIT_READ = 1, EDDY_WAIT_WRITE = 2 };

/* eddy_sleep - let ms milliseconds pass. 0 or ECANCELED. */
int eddy_sleep(long ms);

/* eddy_wait_fd - wait until fd is readable and/or writable (events is
 * EDDY_WAIT_READ, EDDY_WAIT_WRITE or both) or timeout_ms passes (< 0: no
 * timeout). 0, ETIMEDOUT or ECANCELED. */
int eddy_wait_fd(int fd, int events, long timeout_ms);

/* ------------------------------------------------------------ fd watches */

/* An fd watch keeps one fd registered with this thread's loop for as long
 * as it lives, edge-triggered, so a wait on it costs no system call to arm
 * and none to disarm: for a connection that waits many times a second (a
 * database client's socket). eddy_wait_fd instead adds the fd to epoll
 * and removes it again on every wait, which suits an fd waited on once in
 * a while.
 *
 * Edge-triggered means a wait ends on a *change*: wait only after a read
 * or write on the fd came back with EAGAIN (or right after a non-blocking
 * connect began), never "just in case" while bytes already sit unread. A
 * wait may also end early, after a change that has since been consumed:
 * the caller retries its read or write and waits again if it must.
 *
 * A watch nobody waits on is not something the loop waits for:
 * eddy_loop_run returns without it. Everything here runs on the loop's
 * own thread. */
typedef struct eddy_fd_watch eddy_fd_watch;

/* eddy_fd_watch_new - watch fd on this thread's loop. NULL with errno
 * (ENOMEM; EBADF if libevent refuses the fd; ENOTSUP if the loop's
 * backend has no edge-triggered mode, as epoll has: wait with
 * eddy_wait_fd then). */
eddy_fd_watch *eddy_fd_watch_new(int fd);

/* eddy_fd_watch_fd - the fd being watched. */
int eddy_fd_watch_fd(const eddy_fd_watch *w);

/* eddy_fd_watch_wait - from a task, wait until fd has become readable
 * and/or writable (events as for eddy_wait_fd) or timeout_ms passes (< 0:
 * no timeout). 0, ETIMEDOUT or ECANCELED; EPERM outside a task; EBUSY if
 * another task is waiting on w already; EBADF if w's loop is gone. */
int eddy_fd_watch_wait(eddy_fd_watch *w, int events, long timeout_ms);

/* eddy_fd_watch_free - stop watching; call it before the fd is closed (a
 * later fd with the same number would otherwise look registered already).
 * A task still waiting on w is woken with ECANCELED. NULL is fine; so is a
 * call after the loop itself was freed. */
void eddy_fd_watch_free(eddy_fd_watch *w);

/* eddy_run_blocking - run fn(arg) on the thread pool (pool.h) and wait
 * for it: for work that would block the loop (SQLite, disk, password
 * hashing). 0 once fn has returned; ECANCELED if the task was cancelled
 * meanwhile (fn has finished, or was taken back before any worker
 * started it: either way arg is free to go); ENOMEM/EAGAIN if the job
 * could not be queued. Outside a task, fn runs right here (EPERM
 * is not useful to someone who just wants the work done). */
int eddy_run_blocking(void (*fn)(void *arg), void *arg);

/* eddy_run_blocking_within - the same, giving up with ETIMEDOUT (fn not
 * run) when no worker has started fn within start_timeout_ms (< 0: no
 * limit); once started, fn is waited for to the end. For work that is
 * better refused than done late: a query behind a queue of slow ones. */
int eddy_run_blocking_within(void (*fn)(void *arg), void *arg, long start_timeout_ms);

/* A future is a result that some callback will provide later. It has two
 * owners: the side that awaits it and the side that resolves it. Each
 * gives up its share, by eddy_future_release and eddy_future_resolve, and
 * the last one frees it, so neither can be left holding a freed future
 * when the other side is cancelled or fails. */
typedef struct eddy_future eddy_future;

/* eddy_future_new - an unresolved future, owned twice (see above). NULL on ENOMEM. */
eddy_future *eddy_future_new(void);

/* eddy_future_resolve - set the outcome (error 0 and a value, or an errno
 * value) and wake the awaiting task; gives up the resolver's share. Call
 * it from the loop thread, once. */
void eddy_future_resolve(eddy_future *f, int error, void *value);

/* eddy_future_await - wait for f (timeout_ms < 0: no timeout). Returns
 * f's error (0 on success, *value set), ETIMEDOUT or ECANCELED. Does not
 * release f: it may be awaited again after a timeout. */
int eddy_future_await(eddy_future *f, long timeout_ms, void **value);

/* eddy_future_release - give up the awaiting side's share. */
void eddy_future_release(eddy_future *f);

#endif
