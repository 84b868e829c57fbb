/*
 * timerheap - a binary min-heap of timers ordered by deadline; see
 * timerheap.h. This is the exercise of lesson 08:
 * exercises/08-event-loop/timerheap.c is this file with the bodies of
 * heap_push, heap_pop, heap_remove and the two sift helpers removed.
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

/* quote:begin sift */
/* sift_up - move the timer at i towards the root while it is due before its
 * parent. */
static void sift_up(struct timer_heap *h, size_t i)
{
    struct timer *t = h->items[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!timer_before(t, h->items[parent]))
            break;
        place(h, i, h->items[parent]); /* the parent moves down a level */
        i = parent;
    }
    place(h, i, t);
}

/* sift_down - move the timer at i away from the root while one of its
 * children is due before it, swapping with the earlier child. */
static void sift_down(struct timer_heap *h, size_t i)
{
    struct timer *t = h->items[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->len)
            break;
        if (child + 1 < h->len && timer_before(h->items[child + 1], h->items[child]))
            child++;
        if (!timer_before(h->items[child], t))
            break;
        place(h, i, h->items[child]); /* the earlier child moves up */
        i = child;
    }
    place(h, i, t);
}
/* quote:end sift */

/* quote:begin push-pop */
int heap_push(struct timer_heap *h, struct timer *t)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 16;
        struct timer **items = realloc(h->items, cap * sizeof *items);
        if (!items) {
            errno = ENOMEM;
            return -1;
        }
        h->items = items;
        h->cap = cap;
    }
    place(h, h->len++, t); /* at the bottom, then up to where it belongs */
    sift_up(h, t->index);
    return 0;
}

struct timer *heap_pop(struct timer_heap *h)
{
    if (h->len == 0)
        return NULL;
    struct timer *top = h->items[0];
    if (--h->len > 0) { /* the last leaf takes the root's place, then sinks */
        place(h, 0, h->items[h->len]);
        sift_down(h, 0);
    }
    return top;
}
/* quote:end push-pop */

struct timer *heap_top(const struct timer_heap *h)
{
    return h->len ? h->items[0] : NULL;
}

/* quote:begin remove */
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
/* quote:end remove */

void heap_free(struct timer_heap *h)
{
    free(h->items);
    h->items = NULL;
    h->len = h->cap = 0;
}
