/*
 * edgeread - read a socket that epoll watches edge-triggered.
 *
 * With EPOLLET, epoll reports a socket when bytes *arrive*, not while bytes
 * wait. After a report, whatever the program leaves in the kernel is
 * announced by nobody: if the client now waits for an answer before it
 * sends anything else, the connection hangs. So a report must be followed
 * by reads until the kernel has nothing more to give, and when the program
 * stops earlier because its own buffer is full, it must remember by itself
 * that there is more (lesson 06's server keeps such connections on its
 * ready list).
 *
 * This is exercise 06 (course chapter 06, "Level-triggered and
 * edge-triggered"). The lesson's server does the same job inside
 * server.c, in conn_read() and conn_run().
 */
#ifndef EDGEREAD_H
#define EDGEREAD_H

#include <stddef.h>

enum edge_read_result {
    EDGE_EMPTY = 0, /* the kernel has nothing more: the next bytes will be reported */
    EDGE_FULL = 1,  /* buf is full and the kernel may hold more, which will not be
                       reported: call again once buf has room */
    EDGE_EOF = 2,   /* the peer has shut its side: all it sent is in buf */
};

/* edge_read - after epoll reported fd (a non-blocking socket registered
 * with EPOLLIN | EPOLLET), move what the kernel holds for it into
 * buf[*len .. cap), adding to *len what was read. Stops at the first of:
 * the kernel has nothing more (EDGE_EMPTY), buf is full (EDGE_FULL, also
 * when it was full on entry), the end of input (EDGE_EOF). Returns one of
 * those, or -1 with errno set when a read fails (EINTR is retried); the
 * bytes read before the failure are in buf and counted in *len. */
int edge_read(int fd, char *buf, size_t cap, size_t *len);

#endif
