/*
 * mux - one small interface, three multiplexers: select, poll and epoll.
 *
 * Each backend (mux_select.c, mux_poll.c, mux_epoll.c) fills in the same
 * table of four functions, the way Redis's ae_select.c and ae_epoll.c do,
 * so `diff mux_poll.c mux_epoll.c` shows only what differs between the
 * two system calls. The benchmark in mbench.c calls nothing else: whatever
 * it measures is the cost of the call behind wait(), plus the work each
 * backend must do to turn that call's answer into a list of ready fds.
 */
#ifndef MUX_H
#define MUX_H

struct mux; /* a backend's private state: an fd_set, a pollfd array, an epoll fd */

struct mux_ops {
    const char *name;
    int fd_limit; /* fds must be below this (select: FD_SETSIZE); 0 = none */

    /* create - state for watching up to `capacity` fds; NULL and errno on failure. */
    struct mux *(*create)(int capacity);

    /* add - watch fd for reading (level-triggered); 0, or -1 with errno. */
    int (*add)(struct mux *m, int fd);

    /* wait - block until at least one watched fd is readable or timeout_ms
     * passes (-1: no timeout); store up to cap readable fds in ready[].
     * Returns how many were stored (0 on timeout), or -1 with errno. */
    int (*wait)(struct mux *m, int *ready, int cap, int timeout_ms);

    void (*destroy)(struct mux *m);
};

extern const struct mux_ops mux_select, mux_poll, mux_epoll;

#endif
