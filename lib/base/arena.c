/*
 * arena - memory freed all at once; see arena.h.
 */
#include <eddy/base/arena.h>

#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct eddy_arena_chunk {
    struct eddy_arena_chunk *next;
    size_t size;
    alignas(max_align_t) char data[];
};

enum { FIRST_CHUNK = 4096 - sizeof(struct eddy_arena_chunk) };

/* new_chunk - a chunk with room for n bytes made current, or -1. */
static int new_chunk(eddy_arena *a, size_t n)
{
    size_t size = a->chunks ? a->chunks->size * 2 : FIRST_CHUNK;
    while (size < n)
        size *= 2;
    struct eddy_arena_chunk *c = malloc(sizeof *c + size);
    if (!c) {
        errno = ENOMEM;
        return -1;
    }
    c->size = size;
    c->next = a->chunks;
    a->chunks = c;
    a->cur = c->data;
    a->end = c->data + size;
    return 0;
}

void *eddy_arena_alloc(eddy_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    if (n > SIZE_MAX / 2) {
        errno = ENOMEM;
        return NULL;
    }
    if (!n)
        n = 1; /* still a pointer of its own */
    /* Where the last piece ended (text is packed unaligned), rounded up. */
    size_t skip = a->cur ? (align - (uintptr_t)a->cur % align) % align : 0;
    if (!a->cur || (size_t)(a->end - a->cur) < skip + n) {
        if (new_chunk(a, n) < 0)
            return NULL;
        skip = 0; /* a chunk's data is aligned */
    }
    void *p = a->cur + skip;
    a->cur += skip + n;
    return p;
}

char *eddy_arena_strndup_new_chunk(eddy_arena *a, const char *s, size_t n)
{
    if (n > SIZE_MAX / 2) {
        errno = ENOMEM;
        return NULL;
    }
    if (new_chunk(a, n + 1) < 0)
        return NULL;
    return eddy_arena_strndup(a, s, n);
}

void eddy_arena_reset(eddy_arena *a)
{
    struct eddy_arena_chunk *c = a->chunks;
    if (!c)
        return;
    while (c->next) { /* keep only the oldest, first chunk */
        struct eddy_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->chunks = c;
    a->cur = c->data;
    a->end = c->data + c->size;
}

void eddy_arena_free(eddy_arena *a)
{
    for (struct eddy_arena_chunk *c = a->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    a->chunks = NULL;
    a->cur = a->end = NULL;
}
