/*
 * lineio - whole writes and whole lines over a socket; see lineio.h.
 *
 * Exercise 00: fill in write_all() and line_read(). `make progress` runs
 * the tests in tests/exercises/00-toolchain.c against this file.
 */
#include "lineio.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int write_all(int fd, const void *data, size_t len)
{
    /* TODO: call write() until all len bytes are written.
     * - write() may write fewer bytes than asked: advance and go again.
     * - write() returning -1 with errno EINTR means "interrupted, try again".
     * - any other -1 is a real error: return -1 (errno is already set).
     * Return 0 when everything is written. */
    (void)fd;
    (void)data;
    (void)len;
    errno = ENOSYS;
    return -1;
}

void line_reader_init(struct line_reader *r, int fd)
{
    r->fd = fd;
    r->start = r->end = 0;
}

ssize_t line_read(struct line_reader *r, char *out, size_t cap)
{
    /* TODO: return the next line from r, without its '\n'.
     * - Bytes r->buf[r->start .. r->end) were read earlier but not returned.
     * - If they contain a '\n', copy the line before it into out, add a NUL,
     *   move r->start past the '\n' and return the line's length.
     * - Otherwise move those bytes to the front of r->buf and read() more
     *   after them (retry on EINTR; -1 on other errors).
     * - read() returning 0 is the end of input: return what is left as a
     *   last line if there is any, else set errno = 0 and return -1.
     * - A line that does not fit in cap bytes (with its NUL), or in r->buf:
     *   set errno = EMSGSIZE and return -1. */
    (void)r;
    (void)out;
    (void)cap;
    errno = ENOSYS;
    return -1;
}
