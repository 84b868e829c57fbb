/*
 * timerheap - a binary min-heap of timers ordered by deadline; see
 * timerheap.h.
 *
 * Exercise 08: write sift_up(), sift_down(), heap_push(), heap_pop() and
 * heap_remove(). `make progress` runs the tests in tests/exercises/08-event-loop.c
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
    /* TODO: restore the heap order above i: the timer at i may be due
     * before timers on its way to the root. Every move goes through place(). */
    (void)h;
    (void)i;
}

/* sift_down - move the timer at i away from the root while one of its
 * children is due before it, swapping with the earlier child. */
static void sift_down(struct timer_heap *h, size_t i)
{
    /* TODO: restore the heap order below i: the timer at i may be due after
     * timers beneath it. Every move goes through place(). */
    (void)h;
    (void)i;
}

int heap_push(struct timer_heap *h, struct timer *t)
{
    /* TODO: add t (timerheap.h): 0, or -1 with errno ENOMEM and the heap as
     * it was. n pushes must cost O(n log n) in all, growth included. */
    (void)h;
    (void)t;
    errno = ENOSYS;
    return -1;
}

struct timer *heap_pop(struct timer_heap *h)
{
    /* TODO: remove and return the earliest timer, NULL when there is none;
     * the heap stays a heap, in O(log n). */
    (void)h;
    return NULL;
}

struct timer *heap_top(const struct timer_heap *h)
{
    return h->len ? h->items[0] : NULL;
}

void heap_remove(struct timer_heap *h, struct timer *t)
{
    /* TODO: take t, which sits at t->index, out of the heap in O(log n),
     * wherever it is (loop_timer_cancel() calls this). */
    (void)h;
    (void)t;
    (void)place; /* the helpers above, for you to use */
    (void)sift_up;
    (void)sift_down;
}

void heap_free(struct timer_heap *h)
{
    free(h->items);
    h->items = NULL;
    h->len = h->cap = 0;
}
