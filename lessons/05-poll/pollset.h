/*
 * pollset - the growable array of struct pollfd that poll() takes.
 *
 * poll() has no fd_set and so no FD_SETSIZE: the program hands the kernel
 * an array of {fd, events, revents} entries, as long as it likes, and the
 * kernel fills in revents. The array is the program's to manage. Adding
 * appends (growing the array by doubling); removing in the middle of a scan
 * must not shift the entries not yet scanned, so ps_remove() only marks an
 * entry dead (fd -1: poll() skips negative fds) and ps_compact() squeezes
 * the dead ones out afterwards, keeping the others in order.
 */
#ifndef POLLSET_H
#define POLLSET_H

#include <poll.h>
#include <stddef.h>

struct pollset {
    struct pollfd *fds; /* fds[0..n) are handed to poll() */
    size_t n;           /* entries in use, dead ones included */
    size_t cap;         /* entries allocated */
    size_t dead;        /* entries marked fd -1, waiting for ps_compact() */
};

/* ps_init - an empty set (no allocation yet). */
void ps_init(struct pollset *ps);

/* ps_add - append {fd, events}, growing the array when full; the new
 * entry's index, or -1 (errno ENOMEM) leaving the set as it was. */
long ps_add(struct pollset *ps, int fd, short events);

/* ps_remove - mark entry i dead (fd -1, no events); the others keep their
 * indexes until ps_compact(). */
void ps_remove(struct pollset *ps, size_t i);

/* ps_compact - drop the dead entries, keeping the living in their order;
 * returns how many were dropped. Indexes change: callers that remember
 * them must look again. */
size_t ps_compact(struct pollset *ps);

/* ps_free - release the array. */
void ps_free(struct pollset *ps);

#endif
