/*
 * lineio - whole writes and whole lines over a socket; see lineio.h.
 *
 * line_read() is the exercise of lesson 00: exercises/00-toolchain/lineio.c
 * is this file with its body removed.
 */
#include "lineio.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* quote:begin write-all */
int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue; /* a signal arrived before anything was written */
        if (n < 0)
            return -1;
        p += n; /* a short write: go round again for the rest */
        len -= (size_t)n;
    }
    return 0;
}
/* quote:end write-all */

void line_reader_init(struct line_reader *r, int fd)
{
    r->fd = fd;
    r->start = r->end = 0;
}

/* quote:begin line-read */
ssize_t line_read(struct line_reader *r, char *out, size_t cap)
{
    for (;;) {
        /* A whole line already buffered? Hand it out. */
        char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
        size_t avail = r->end - r->start;
        size_t len = nl ? (size_t)(nl - (r->buf + r->start)) : avail;
        if (len >= cap) {
            errno = EMSGSIZE;
            return -1;
        }
        if (nl) {
            memcpy(out, r->buf + r->start, len);
            out[len] = '\0';
            r->start += len + 1;
            return (ssize_t)len;
        }
        /* No newline yet: slide the partial line to the front, read more. */
        memmove(r->buf, r->buf + r->start, avail);
        r->start = 0;
        r->end = avail;
        if (r->end == sizeof r->buf) {
            errno = EMSGSIZE;
            return -1;
        }
        ssize_t n = read(r->fd, r->buf + r->end, sizeof r->buf - r->end);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) { /* end of input: a last line without '\n' still counts */
            if (avail == 0) {
                errno = 0;
                return -1;
            }
            memcpy(out, r->buf, avail);
            out[avail] = '\0';
            r->start = r->end = 0;
            return (ssize_t)avail;
        }
        r->end += (size_t)n;
    }
}
/* quote:end line-read */
