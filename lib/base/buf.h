/*
 * buf - a growable byte buffer.
 *
 * The workhorse under response bodies, parsers' scratch space and log
 * lines: bytes are appended at the end and consumed from the front, and
 * the storage grows geometrically so appending n bytes one at a time costs
 * O(n). An eddy_buf owns its storage; eddy_buf_free() releases it. The
 * bytes are always followed by a NUL that is not counted in len, so a
 * buffer holding text can be handed to functions that want a C string.
 */
#ifndef EDDY_BUF_H
#define EDDY_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct eddy_buf {
    char *data;   /* first unconsumed byte; NULL until the first append */
    size_t len;   /* bytes held, from data */
    size_t cap;   /* bytes usable from data before the storage must grow */
    size_t front; /* bytes consumed before data; reclaimed on the next grow */
    size_t limit; /* 0, or the most len may ever reach (appends fail past it) */
} eddy_buf;

#define EDDY_BUF_INIT {NULL, 0, 0, 0, 0}

/* eddy_buf_grow - eddy_buf_reserve when the room is not there yet. */
int eddy_buf_grow(eddy_buf *b, size_t n);

/* eddy_buf_reserve - make room for n more bytes; -1 (errno ENOMEM or
 * EMSGSIZE when the limit would be passed) if that cannot be done.
 * Inline with eddy_buf_append: a page is written in thousands of small
 * appends, and a call for each was a tenth of rendering it. */
static inline int eddy_buf_reserve(eddy_buf *b, size_t n)
{
    if (b->data && n <= b->cap - b->len && (!b->limit || b->len + n <= b->limit))
        return 0;
    return eddy_buf_grow(b, n);
}

static inline int eddy_buf_append(eddy_buf *b, const void *bytes, size_t n)
{
    if (eddy_buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int eddy_buf_append_str(eddy_buf *b, const char *s);

static inline int eddy_buf_append_char(eddy_buf *b, char c)
{
    if (eddy_buf_reserve(b, 1) < 0)
        return -1;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return 0;
}

/* eddy_buf_printf - append formatted text; -1 on failure, b unchanged. */
int eddy_buf_printf(eddy_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int eddy_buf_vprintf(eddy_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* eddy_buf_consume - drop n bytes (at most len) from the front. */
void eddy_buf_consume(eddy_buf *b, size_t n);

/* eddy_buf_clear - forget the contents and keep the storage for reuse. */
void eddy_buf_clear(eddy_buf *b);

/* eddy_buf_truncate - keep the first len bytes (no-op if len >= b->len). */
void eddy_buf_truncate(eddy_buf *b, size_t len);

/* eddy_buf_detach - hand the storage to the caller (free() it), leaving b
 * empty. Returns an empty string, never NULL, for a buffer never written;
 * NULL only if that string cannot be allocated. */
char *eddy_buf_detach(eddy_buf *b, size_t *len);

void eddy_buf_free(eddy_buf *b);

#endif
