/*
 * arena - memory that is freed all at once, for the life of one request.
 *
 * A handler gets strings (decoded arguments, cookies, header copies) and
 * scratch space from its request's arena and never frees them: the arena
 * is reset when the request finishes. Allocation is a pointer bump in the
 * current chunk; chunks grow geometrically and a reset keeps the first
 * one, so a request that stays small allocates nothing after warm-up.
 */
#ifndef EDDY_ARENA_H
#define EDDY_ARENA_H

#include <stddef.h>
#include <string.h>

struct eddy_arena_chunk;

typedef struct eddy_arena {
    struct eddy_arena_chunk *chunks; /* newest first; the last one is kept on reset */
    char *cur, *end;
} eddy_arena;

#define EDDY_ARENA_INIT {NULL, NULL, NULL}

/* eddy_arena_alloc - n bytes aligned for any type, or NULL (ENOMEM). */
void *eddy_arena_alloc(eddy_arena *a, size_t n);

/* eddy_arena_strndup_new_chunk - eddy_arena_strndup when the current
 * chunk has no room: a new chunk, then the copy. */
char *eddy_arena_strndup_new_chunk(eddy_arena *a, const char *s, size_t n);

/* eddy_arena_strndup - a NUL-terminated copy of s[0..n), or NULL. Text
 * needs no alignment, so copies are packed byte to byte; each text cell
 * of a query's rows is one, so the common case (room in the chunk) is
 * inline. */
static inline char *eddy_arena_strndup(eddy_arena *a, const char *s, size_t n)
{
    if (!a->cur || (size_t)(a->end - a->cur) <= n)
        return eddy_arena_strndup_new_chunk(a, s, n);
    char *p = a->cur;
    a->cur += n + 1;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* eddy_arena_reset - forget every allocation; keep the first chunk. */
void eddy_arena_reset(eddy_arena *a);

void eddy_arena_free(eddy_arena *a);

#endif
