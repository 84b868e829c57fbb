/*
 * loop_backend - what a backend of the loop (loop_select.c, loop_epoll.c)
 * must provide: four functions in a table. Private to the loop; programs
 * include loop.h only.
 *
 * A backend knows nothing about callbacks or timers. It keeps the kernel's
 * view of "which fds, for which events" and, when asked, waits up to a
 * timeout and reports which fds are ready. Everything else is loop.c's.
 */
#ifndef LESSON08_LOOP_BACKEND_H
#define LESSON08_LOOP_BACKEND_H

/* One ready fd, as a backend reports it: events is LOOP_READ|LOOP_WRITE. */
struct loop_fired {
    int fd;
    int events;
};

/* quote:begin ops */
struct loop_backend {
    const char *name;
    /* create - the backend's private state, or NULL with errno set. */
    void *(*create)(void);
    void (*destroy)(void *state);
    /* set - fd's interest changes from old_events to new_events (either
     * may be 0: add, modify and delete are one call). 0 or -1/errno. */
    int (*set)(void *state, int fd, int old_events, int new_events);
    /* wait - wait up to timeout_ms (-1: no limit) and store up to max
     * ready fds in fired; the count (0 on timeout or EINTR) or -1/errno. */
    int (*wait)(void *state, int timeout_ms, struct loop_fired *fired, int max);
};
/* quote:end ops */

extern const struct loop_backend loop_backend_select;
extern const struct loop_backend loop_backend_epoll;

#endif
