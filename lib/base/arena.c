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

void *eddy_arena_alloc(eddy_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    if (n > SIZE_MAX / 2) {
        errno = ENOMEM;
        return NULL;
    }
    n = (n + align - 1) & ~(align - 1);
    if (!n)
        n = align;
    if (!a->cur || (size_t)(a->end - a->cur) < n) {
        size_t size = a->chunks ? a->chunks->size * 2 : FIRST_CHUNK;
        while (size < n)
            size *= 2;
        struct eddy_arena_chunk *c = malloc(sizeof *c + size);
        if (!c) {
            errno = ENOMEM;
            return NULL;
        }
        c->size = size;
        c->next = a->chunks;
        a->chunks = c;
        a->cur = c->data;
        a->end = c->data + size;
    }
    void *p = a->cur;
    a->cur += n;
    return p;
}

char *eddy_arena_strndup(eddy_arena *a, const char *s, size_t n)
{
    char *p = eddy_arena_alloc(a, n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
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
