/*
 * task.h - tasks, futures and await, on lesson 08's event loop.
 *
 * A task is a coroutine (coro.h) started by task_spawn(). When it has to
 * wait - for a socket to be ready, for a timer, for another task - it
 * calls one of the await functions below: they tell the loop what to
 * watch, with a callback that will resume this task, and then yield. The
 * loop goes on running other tasks' callbacks; when the thing happens, the
 * callback resumes the task and the await call returns, with its result or
 * its error, right where the task left off. The code of a task reads like
 * blocking code, but the thread never blocks.
 *
 * A future is the meeting point: "a result that is not there yet". The
 * waiting task sits in await(); whoever produces the result calls
 * future_resolve(). Everything here runs on one thread, and an await must
 * be made from inside a task (the main stack has nobody to yield to).
 */
#ifndef TASK_H
#define TASK_H

#include "../08-event-loop/loop.h"
#include "coro.h"

/* A result that will be known later. Lives wherever the waiter likes:
 * usually in the awaiting task's own stack frame. */
struct future {
    int done;
    int result; /* what await() returns once done (when error is 0) */
    int error;  /* non-zero: await() returns -1 with errno = error */
    coro *waiter;
};

/* tasks_init - every task and await below uses loop l. */
void tasks_init(loop *l);

/* task_spawn - run fn(arg) as a task, starting on the loop's next round;
 * its coroutine stack is freed when fn returns. 0, or -1 with errno. */
int task_spawn(void (*fn)(void *), void *arg);

/* await - suspend the running task until f is resolved (at once if it
 * already is). f->result, or -1 with errno = f->error. */
int await(struct future *f);

/* future_resolve - f is done: wake the task awaiting it, if any. */
void future_resolve(struct future *f, int result, int error);

/* await_fd - suspend until fd is ready for events (LOOP_READ/LOOP_WRITE),
 * at most timeout_ms (-1: no limit). The ready events, or -1 with errno
 * ETIMEDOUT (or the loop's error). */
int await_fd(int fd, int events, long long timeout_ms);

/* await_sleep - suspend for ms milliseconds; the loop runs others. 0 or -1. */
int await_sleep(long long ms);

/* A queue of tasks waiting for something to change (a condition
 * variable, without the mutex: one thread needs none). */
struct waiter;
struct task_queue {
    struct waiter *head;
};

/* task_wait - suspend until task_wake_all(q). 0, or -1 with errno. Check
 * the condition again after it returns, in a while loop. */
int task_wait(struct task_queue *q);

/* task_wake_all - wake every task waiting on q. */
void task_wake_all(struct task_queue *q);

#endif
