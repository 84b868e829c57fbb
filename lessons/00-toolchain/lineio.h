/*
 * lineio - whole writes and whole lines over a socket.
 *
 * A stream socket is a stream of bytes, not of messages: write() may take
 * only part of what you give it, and read() returns whatever has arrived,
 * which may be half a line or three lines at once. These two functions
 * turn that into "write all of this" and "give me the next line".
 */
#ifndef LINEIO_H
#define LINEIO_H

#include <stddef.h>
#include <sys/types.h>

/* write_all - write all len bytes to fd, retrying short writes and EINTR.
 * Returns 0, or -1 with errno set. */
int write_all(int fd, const void *data, size_t len);

/* A line reader keeps the bytes read past the end of one line for the next. */
struct line_reader {
    int fd;
    char buf[4096];
    size_t start; /* first byte not yet returned */
    size_t end;   /* one past the last byte read */
};

void line_reader_init(struct line_reader *r, int fd);

/* line_read - the next line, without its '\n', NUL-terminated in out.
 * Returns its length; 0 with *out == '\0' is an empty line. Returns -1 with
 * errno 0 at end of input (a last line without '\n' is still returned
 * first), EMSGSIZE if the line does not fit in cap bytes (with its NUL),
 * or the error of read(). */
ssize_t line_read(struct line_reader *r, char *out, size_t cap);

#endif
