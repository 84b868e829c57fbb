/*
 * timerheap - the loop's pending timers, kept in a binary min-heap.
 *
 * The loop needs two things from its timers, each round: "when is the next
 * one due?" (to know how long it may sleep in select/epoll_wait) and "give
 * me the ones that are due". A binary min-heap answers the first in O(1)
 * (the earliest deadline is at the root) and pushes and pops in O(log n),
 * which is why libevent, libuv and Go's runtime all keep timers this way.
 *
 * The heap is an array: the children of items[i] are items[2i+1] and
 * items[2i+2], its parent items[(i-1)/2], and no item is earlier than its
 * parent. Each timer remembers its own position (index) so it can be
 * removed from the middle when cancelled. This is the exercise of lesson 08.
 */
#ifndef LESSON08_TIMERHEAP_H
#define LESSON08_TIMERHEAP_H

#include "loop.h"

#include <stddef.h>

struct timer {
    long long deadline; /* when it is due, loop_now_ms() time */
    long id;            /* increasing: breaks ties, first added fires first */
    size_t index;       /* where it sits in heap->items, kept up to date */
    long long repeat;   /* ms between firings, 0 = one-shot */
    loop_timer_fn *fn;  /* the callback and its argument */
    void *arg;
};

struct timer_heap {
    struct timer **items;
    size_t len, cap;
};

/* timer_before - 1 if a is due before b: earlier deadline, or the same
 * deadline and added first. */
int timer_before(const struct timer *a, const struct timer *b);

/* heap_push - add t; 0, or -1 (errno ENOMEM) if the array cannot grow. */
int heap_push(struct timer_heap *h, struct timer *t);

/* heap_top - the earliest timer, or NULL if the heap is empty. */
struct timer *heap_top(const struct timer_heap *h);

/* heap_pop - remove and return the earliest timer, or NULL if empty. */
struct timer *heap_pop(struct timer_heap *h);

/* heap_remove - take t (which is in h, at t->index) out of the heap. */
void heap_remove(struct timer_heap *h, struct timer *t);

/* heap_free - release the array (not the timers). */
void heap_free(struct timer_heap *h);

#endif
