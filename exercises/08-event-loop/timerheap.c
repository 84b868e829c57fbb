/*
 * timerheap - a binary min-heap of timers ordered by deadline; see
 * timerheap.h.
 *
 * Exercise 08: fill in sift_up(), sift_down(), heap_push() and heap_pop().
 * `make progress` runs the tests in tests/exercises/08-event-loop.c
 * against this file.
 */
#include "timerheap.h"

#include <errno.h>
#include <stdlib.h>

int timer_before(const struct timer *a, const struct timer *b)
{
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->id < b->id);
}

/* place - put t at position i and tell it where it is. */
static void place(struct timer_heap *h, size_t i, struct timer *t)
{
    h->items[i] = t;
    t->index = i;
}

/* sift_up - move the timer at i towards the root while it is due before its
 * parent. */
static void sift_up(struct timer_heap *h, size_t i)
{
    /* TODO: while i > 0 and h->items[i] is due before (timer_before) its
     * parent at (i - 1) / 2, move the parent down into i and go up to the
     * parent's position. Use place() for every move, so each timer's
     * index stays right (heap_remove depends on it). */
    (void)h;
    (void)i;
}

/* sift_down - move the timer at i away from the root while one of its
 * children is due before it, swapping with the earlier child. */
static void sift_down(struct timer_heap *h, size_t i)
{
    /* TODO: the children of i are 2i+1 and 2i+2 (if < h->len). Pick the
     * earlier of the two; if it is due before the timer at i, move it up
     * into i and carry on from the child's position; else stop. */
    (void)h;
    (void)i;
}

int heap_push(struct timer_heap *h, struct timer *t)
{
    /* TODO: grow h->items with realloc when h->len == h->cap (double it,
     * start at 16; on failure set errno = ENOMEM and return -1), put t at
     * the end (position h->len, then h->len++) and sift it up. Return 0. */
    (void)h;
    (void)t;
    errno = ENOSYS;
    return -1;
}

struct timer *heap_pop(struct timer_heap *h)
{
    /* TODO: NULL if empty. Otherwise remember the root (items[0]), move the
     * last timer into the root, shrink h->len, sift the new root down, and
     * return the old root. */
    (void)h;
    return NULL;
}

struct timer *heap_top(const struct timer_heap *h)
{
    return h->len ? h->items[0] : NULL;
}

void heap_remove(struct timer_heap *h, struct timer *t)
{
    size_t i = t->index;
    if (--h->len == i) /* it was the last leaf: nothing to repair */
        return;
    /* The last leaf fills the hole; it may belong above or below it. */
    struct timer *moved = h->items[h->len];
    place(h, i, moved);
    sift_up(h, i);
    sift_down(h, moved->index);
}

void heap_free(struct timer_heap *h)
{
    free(h->items);
    h->items = NULL;
    h->len = h->cap = 0;
}
