/*
 * buf - a growable byte buffer; see buf.h.
 *
 * Consuming from the front only moves the data pointer; the consumed space
 * is reclaimed by a memmove when the buffer next needs to grow, so a
 * buffer used as a queue neither grows without bound nor moves its bytes
 * on every consume.
 */
#include <eddy/base/buf.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int eddy_buf_grow(eddy_buf *b, size_t n)
{
    if (b->len > SIZE_MAX - 1 - n) {
        errno = ENOMEM;
        return -1;
    }
    size_t need = b->len + n;
    if (b->limit && need > b->limit) {
        errno = EMSGSIZE;
        return -1;
    }
    if (b->data && n <= b->cap - b->len)
        return 0; /* without storage, even 0 bytes need room for the NUL */
    char *base = b->data ? b->data - b->front : NULL;

    /* Enough room once the consumed front is reclaimed: slide, don't grow. */
    if (base && b->front + b->cap >= need) {
        memmove(base, b->data, b->len + 1);
        b->cap += b->front;
        b->front = 0;
        b->data = base;
        return 0;
    }

    size_t size = b->front + b->cap + 1;
    size_t want = size < 64 ? 64 : size;
    while (want < need + 1) {
        if (want > SIZE_MAX / 2) {
            want = need + 1;
            break;
        }
        want *= 2;
    }
    if (base && b->front) {
        memmove(base, b->data, b->len + 1);
        b->data = base;
        b->cap += b->front;
        b->front = 0;
    }
    char *grown = realloc(base, want);
    if (!grown) {
        errno = ENOMEM;
        return -1;
    }
    b->data = grown;
    b->cap = want - 1; /* one byte always kept for the trailing NUL */
    b->data[b->len] = '\0';
    return 0;
}

int eddy_buf_append_str(eddy_buf *b, const char *s)
{
    return eddy_buf_append(b, s, strlen(s));
}

int eddy_buf_vprintf(eddy_buf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    char probe[256];
    int n = vsnprintf(probe, sizeof probe, fmt, ap);
    if (n < 0) {
        va_end(again);
        return -1;
    }
    int rc;
    if ((size_t)n < sizeof probe) {
        rc = eddy_buf_append(b, probe, (size_t)n);
    } else if ((rc = eddy_buf_reserve(b, (size_t)n)) == 0) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return rc;
}

int eddy_buf_printf(eddy_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = eddy_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void eddy_buf_consume(eddy_buf *b, size_t n)
{
    if (n >= b->len) {
        eddy_buf_clear(b);
        return;
    }
    b->data += n;
    b->front += n;
    b->cap -= n;
    b->len -= n;
}

void eddy_buf_truncate(eddy_buf *b, size_t len)
{
    if (len >= b->len)
        return;
    b->len = len;
    b->data[len] = '\0';
}

void eddy_buf_clear(eddy_buf *b)
{
    if (!b->data)
        return;
    b->data -= b->front;
    b->cap += b->front;
    b->front = 0;
    b->len = 0;
    b->data[0] = '\0';
}

char *eddy_buf_detach(eddy_buf *b, size_t *len)
{
    char *out;
    size_t n = b->len;
    if (!b->data) {
        out = calloc(1, 1);
    } else {
        if (b->front)
            memmove(b->data - b->front, b->data, b->len + 1);
        out = b->data - b->front;
    }
    if (len)
        *len = n;
    b->data = NULL;
    b->len = b->cap = b->front = 0;
    return out;
}

void eddy_buf_free(eddy_buf *b)
{
    if (b->data)
        free(b->data - b->front);
    b->data = NULL;
    b->len = b->cap = b->front = 0;
}
