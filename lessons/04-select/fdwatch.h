/*
 * fdwatch - the bookkeeping select() makes you do yourself.
 *
 * select() takes two bitmaps (fd_set) of the descriptors you care about and
 * overwrites them with the ones that are ready, so a program keeps its own
 * "master" copies and hands the kernel a fresh copy on every call. It also
 * takes the highest descriptor plus one, so the program must know which fd
 * is the highest one it still watches, and lower that number when it stops
 * watching it. An fd_set is a fixed array of FD_SETSIZE (1024) bits: an fd
 * of 1024 or more cannot be put in one at all, and FD_SET on it would write
 * past the end of the array. fdw_set() refuses such an fd instead.
 */
#ifndef FDWATCH_H
#define FDWATCH_H

#include <sys/select.h>

enum { FDW_READ = 1, FDW_WRITE = 2 };

struct fd_watch {
    fd_set readers; /* fds we want to hear about when readable (master copy) */
    fd_set writers; /* fds we want to hear about when writable (master copy) */
    int maxfd;      /* highest fd in either set, -1 when both are empty */
};

/* fdw_init - empty sets, maxfd -1. */
void fdw_init(struct fd_watch *w);

/* fdw_set - watch fd for events (FDW_READ | FDW_WRITE; 0 stops watching
 * it), keeping maxfd the highest fd still in either set. Returns 0, or -1
 * with errno EBADF for an fd that does not fit in an fd_set (fd < 0 or
 * fd >= FD_SETSIZE), leaving the sets untouched. */
int fdw_set(struct fd_watch *w, int fd, int events);

#endif
