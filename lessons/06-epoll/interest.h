/*
 * interest - tell epoll what a connection waits for, only when that changes.
 *
 * epoll keeps each fd's interest (EPOLLIN, EPOLLOUT, ...) inside the
 * kernel, so unlike select() and poll() nothing is passed per call; but
 * every change is an epoll_ctl system call. A server wants EPOLLIN while it
 * has room for input and EPOLLOUT only while answers wait to be sent: a
 * socket is writable almost all the time, so EPOLLOUT left on would report
 * every connection on every call. The caller remembers what is registered,
 * and interest_update() makes the call only when the wish differs.
 */
#ifndef INTEREST_H
#define INTEREST_H

#include <stdbool.h>

/* interest_update - make fd's registration in epfd match want (a mask of
 * EPOLLIN | EPOLLOUT), adding EPOLLET when edge; *registered is what was
 * registered before (fd must already be in the set: EPOLL_CTL_MOD) and is
 * updated on success. Returns 1 if it called epoll_ctl, 0 if nothing
 * changed (no system call), -1 on error with *registered untouched. */
int interest_update(int epfd, int fd, int *registered, int want, bool edge);

#endif
