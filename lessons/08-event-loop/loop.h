/*
 * loop - lesson 08: a small reactor (an event loop) for one thread.
 *
 * Lessons 04-06 each wrote the same loop by hand around select, poll or
 * epoll: wait for any fd to be ready, then work out whose it was and what to
 * do next. This module pulls that loop out once. A program *registers*
 * interest ("call me when fd 7 is readable", "call me in 1 s") with a
 * callback, then hands control to loop_run(), which waits with the kernel's
 * multiplexer and calls the callbacks as things happen. That is all an
 * event loop is: IO multiplexing + timers + callbacks + a loop.
 *
 * How it behaves (the contract the lessons after this one rely on):
 *
 *  - One thread. Callbacks run one at a time, on the thread that called
 *    loop_run(), and must never block: while one runs, nothing else moves.
 *  - fds: at most one registration per fd, with one callback that is told
 *    which of LOOP_READ / LOOP_WRITE are ready. Level-triggered: a callback
 *    that leaves data unread is called again on the next round. Errors and
 *    hang-ups are reported as "ready" (for the events asked for), so the
 *    callback finds out by calling read()/write(), exactly as with select.
 *    The fd should be non-blocking (the loop does not change it).
 *  - Timers: one-shot or repeating, in milliseconds on the monotonic clock.
 *    Timers due at the same time fire in the order they were added.
 *  - Callbacks may do anything with the loop: add, change or remove any fd
 *    or timer (including their own), close fds, call loop_stop(). An fd
 *    unwatched by one callback is not reported to anyone later in the same
 *    round.
 *  - loop_run() returns after loop_stop(), or by itself when nothing is
 *    left to wait for (no fds watched and no timers pending).
 *  - Errors are return values: 0 / an id on success, -1 with errno set.
 *
 * The waiting is done by a *backend*, picked by name when the loop is made:
 * "select" (loop_select.c) or "epoll" (loop_epoll.c). Both implement the
 * same four-function table (loop_backend.h), like Redis's ae_select.c and
 * ae_epoll.c, so `diff loop_select.c loop_epoll.c` shows only what differs.
 *
 *   loop *l = loop_new("epoll");
 *   loop_watch(l, listen_fd, LOOP_READ, on_accept, NULL);
 *   loop_timer_add(l, 1000, 1000, on_tick, NULL);     // every second
 *   loop_run(l);
 *   loop_free(l);
 */
#ifndef LESSON08_LOOP_H
#define LESSON08_LOOP_H

typedef struct loop loop;

/* Interest and readiness, as a bit mask. */
enum { LOOP_READ = 1, LOOP_WRITE = 2 };

/* loop_io_fn - called when fd is ready; events says which of the events it
 * was registered for are ready now (LOOP_READ and/or LOOP_WRITE). */
typedef void loop_io_fn(loop *l, int fd, int events, void *arg);

/* loop_timer_fn - called when timer id is due. */
typedef void loop_timer_fn(loop *l, long id, void *arg);

/* loop_new - a loop waiting with the named backend: "select", "epoll", or
 * NULL for the default (epoll). NULL with errno set on failure (EINVAL for
 * an unknown name). */
loop *loop_new(const char *backend);

/* loop_free - release the loop and every timer still pending. Watched fds
 * are not closed: they belong to whoever registered them. */
void loop_free(loop *l);

/* loop_backend_name - "select" or "epoll". */
const char *loop_backend_name(const loop *l);

/* loop_watch - call fn(l, fd, ready, arg) whenever fd is ready for any of
 * events (LOOP_READ | LOOP_WRITE). Calling it again for the same fd changes
 * the events, fn and arg (e.g. add LOOP_WRITE only while output waits);
 * events == 0 is loop_unwatch(). 0, or -1 with errno set (the select
 * backend refuses fds >= FD_SETSIZE with EINVAL). */
int loop_watch(loop *l, int fd, int events, loop_io_fn *fn, void *arg);

/* loop_unwatch - stop watching fd. Call it *before* close(fd). 0, or -1
 * with errno ENOENT if fd was not watched. */
int loop_unwatch(loop *l, int fd);

/* loop_timer_add - call fn(l, id, arg) delay_ms from now, then every
 * repeat_ms after that if repeat_ms > 0 (until cancelled). Returns the
 * timer's id (> 0), or -1 with errno set. */
long loop_timer_add(loop *l, long long delay_ms, long long repeat_ms, loop_timer_fn *fn, void *arg);

/* loop_timer_cancel - forget timer id: it will not fire (again). Safe from
 * inside its own callback. 0, or -1 with errno ENOENT if there is no such
 * pending timer (a one-shot timer that has fired is gone). */
int loop_timer_cancel(loop *l, long id);

/* loop_run - wait and dispatch until loop_stop() is called or nothing is
 * left to wait for. 0, or -1 with errno set if the backend failed. A
 * stopped loop can be run again. */
int loop_run(loop *l);

/* loop_stop - make loop_run() return once the current callback returns
 * (callbacks already due in this round are not called). */
void loop_stop(loop *l);

/* loop_now_ms - the monotonic clock in milliseconds (CLOCK_MONOTONIC). */
long long loop_now_ms(void);

/* What the loop has done so far, for programs that print what happened. */
struct loop_stats {
    unsigned long rounds;      /* times the loop waited on its backend */
    unsigned long io_calls;    /* fd callbacks called */
    unsigned long timer_calls; /* timer callbacks called */
};

/* loop_get_stats - copy the counters. */
void loop_get_stats(const loop *l, struct loop_stats *out);

#endif
