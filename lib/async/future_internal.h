/*
 * future_internal - what future.c (the loop, tasks, waits) shares with
 * future_watch.c (fds kept registered between waits): the task and loop
 * records and the steps every wait is made of.
 */
#ifndef EDDY_FUTURE_INTERNAL_H
#define EDDY_FUTURE_INTERNAL_H

#include <eddy/async/coro.h>
#include <eddy/async/future.h>

#include <event2/event.h>
#include <event2/event_struct.h>
#include <sys/time.h>

enum wait_kind { W_NONE, W_TIMER, W_FD, W_WATCH, W_FUTURE, W_JOB };

struct loop;

struct eddy_task {
    eddy_coro *coro;
    eddy_task_fn fn;
    void *arg;
    void (*done)(void *);
    void *done_arg;
    struct loop *loop;
    int cancelled;
    enum wait_kind waiting;
    int wait_result; /* what the current wait returns */
    int queued;      /* on the ready list */
    int job_timed;   /* t->timer bounds the wait for its job to start */
    eddy_task *next_ready;
    struct event timer;   /* sleeps and timeouts */
    struct event io;      /* fd waits */
    eddy_future *future;  /* the future being awaited */
    eddy_fd_watch *watch; /* the fd watch being waited on */
};

struct eddy_future {
    int refs; /* the awaiting side and the resolving side */
    int resolved;
    int error;
    void *value;
    eddy_task *waiter;
};

struct loop {
    struct event_base *base;
    int own_base;
    struct event wake;
    eddy_task *ready_head, *ready_tail;
    eddy_task *spare; /* finished tasks kept for reuse: one allocation less per request */
    int spare_count;
    eddy_fd_watch *watches;   /* live fd watches, unregistered when the loop goes */
    int watch_count, watched; /* how many live, how many with a task waiting */
};

struct eddy_fd_watch {
    struct event ev; /* persistent, edge-triggered, read and write */
    int fd;
    short wanted;      /* EV_READ / EV_WRITE the waiter asked for */
    struct loop *loop; /* NULL once the loop is freed */
    eddy_task *waiter; /* the task waiting on it, if any */
    eddy_fd_watch *prev, *next;
};

/* future_loop - this thread's loop, made on first use; NULL if it cannot be. */
struct loop *future_loop(void);

/* future_make_ready - queue t to be resumed with result; the loop's wake
 * event runs it. */
void future_make_ready(eddy_task *t, int result);

/* future_begin_wait - the running task into *t: 0, EPERM outside a task,
 * ECANCELED once it was cancelled. */
int future_begin_wait(eddy_task **t);

/* future_suspend - mark t as waiting for kind and yield to the loop; the
 * wait's result once resumed. */
int future_suspend(eddy_task *t, enum wait_kind kind);

/* future_on_timer - the callback of t->timer (a sleep, a wait's timeout). */
void future_on_timer(evutil_socket_t fd, short what, void *arg);

/* future_arm_timer - t->timer (assigned) set to fire ms from now; a
 * negative ms sets nothing (no timeout). libevent counts a timeout from
 * the time it cached when the loop's round began, so a round that ran
 * long before this wait (a slow callback, a busy moment) would make the
 * wait shorter than asked by that much: the cache is brought up to date
 * first. */
void future_arm_timer(eddy_task *t, long ms);

#endif
