/*
 * Exercise 08: the timer min-heap (exercises/08-event-loop/timerheap.c).
 *
 * The loop asks its heap two questions every round: "what is due first?"
 * and "give me the next due timer". These tests push timers in awkward
 * orders and check that they come out by deadline, ties in the order they
 * were added, with every timer's index right (cancelling depends on it).
 */
#include "timerheap.h"

#include <criterion/criterion.h>
#include <stdlib.h>

enum { N = 500 };
static struct timer timers[N];

/* check_heap - the heap property and the index of every timer. */
static void check_heap(const struct timer_heap *h)
{
    for (size_t i = 0; i < h->len; i++) {
        cr_assert_eq(h->items[i]->index, i, "items[%zu]->index is %zu", i, h->items[i]->index);
        if (i > 0)
            cr_assert(!timer_before(h->items[i], h->items[(i - 1) / 2]),
                      "items[%zu] (deadline %lld) is due before its parent", i,
                      h->items[i]->deadline);
    }
}

Test(ex08_timerheap, pops_in_deadline_order, .timeout = 10)
{
    struct timer_heap h = {0};
    srand(8);
    for (int i = 0; i < N; i++) {
        timers[i] = (struct timer){.deadline = rand() % 1000, .id = i + 1};
        cr_assert_eq(heap_push(&h, &timers[i]), 0, "heap_push failed");
        cr_assert_eq(h.len, (size_t)i + 1);
    }
    check_heap(&h);
    long long last = -1;
    for (int i = 0; i < N; i++) {
        struct timer *t = heap_pop(&h);
        cr_assert_not_null(t, "heap_pop returned NULL with %d timers left", N - i);
        cr_assert_geq(t->deadline, last, "popped %lld after %lld", t->deadline, last);
        last = t->deadline;
    }
    cr_assert_eq(h.len, 0);
    cr_assert_null(heap_pop(&h), "an empty heap pops NULL");
    heap_free(&h);
}

Test(ex08_timerheap, same_deadline_fires_in_the_order_added, .timeout = 10)
{
    struct timer_heap h = {0};
    /* ids 1..40, deadlines 300, 100, 200, 300, 100, ... */
    for (int i = 0; i < 40; i++) {
        timers[i] = (struct timer){.deadline = 100 * (1 + (i + 2) % 3), .id = i + 1};
        cr_assert_eq(heap_push(&h, &timers[i]), 0);
    }
    struct timer *prev = NULL;
    for (int i = 0; i < 40; i++) {
        struct timer *t = heap_pop(&h);
        cr_assert_not_null(t);
        if (prev && prev->deadline == t->deadline)
            cr_assert_lt(prev->id, t->id, "same deadline: id %ld came out before id %ld", prev->id,
                         t->id);
        prev = t;
    }
    heap_free(&h);
}

Test(ex08_timerheap, top_is_the_earliest_and_indexes_stay_right, .timeout = 10)
{
    struct timer_heap h = {0};
    long long min = 1LL << 60;
    for (int i = 0; i < 100; i++) {
        timers[i] = (struct timer){.deadline = (i * 7919) % 101, .id = i + 1};
        cr_assert_eq(heap_push(&h, &timers[i]), 0);
        if (timers[i].deadline < min)
            min = timers[i].deadline;
        cr_assert_not_null(heap_top(&h));
        cr_assert_eq(heap_top(&h)->deadline, min, "after %d pushes", i + 1);
        check_heap(&h);
    }
    heap_free(&h);
}

Test(ex08_timerheap, cancel_from_the_middle_keeps_the_order, .timeout = 10)
{
    struct timer_heap h = {0};
    for (int i = 0; i < 200; i++) {
        timers[i] = (struct timer){.deadline = (i * 37) % 200, .id = i + 1};
        cr_assert_eq(heap_push(&h, &timers[i]), 0);
    }
    for (int i = 0; i < 200; i += 3) /* cancel every third, wherever it sits */
        heap_remove(&h, &timers[i]);
    check_heap(&h);
    long long last = -1;
    size_t count = 0;
    struct timer *t;
    while ((t = heap_pop(&h)) && count <= 200) {
        cr_assert_neq((t->id - 1) % 3, 0, "cancelled timer %ld came out", t->id);
        cr_assert_geq(t->deadline, last);
        last = t->deadline;
        count++;
    }
    cr_assert_eq(count, 200 - 67);
    heap_free(&h);
}

Test(ex08_timerheap, repeating_timers_pushed_back_while_popping, .timeout = 10)
{
    /* What run_timers() does: pop the earliest, push it back later. */
    struct timer_heap h = {0};
    for (int i = 0; i < 5; i++) {
        timers[i] = (struct timer){.deadline = 10 * (i + 1), .id = i + 1, .repeat = 10 * (i + 1)};
        cr_assert_eq(heap_push(&h, &timers[i]), 0);
    }
    long long last = -1;
    for (int round = 0; round < 100; round++) {
        struct timer *t = heap_pop(&h);
        cr_assert_not_null(t);
        cr_assert_geq(t->deadline, last);
        last = t->deadline;
        t->deadline += t->repeat;
        cr_assert_eq(heap_push(&h, t), 0);
        check_heap(&h);
    }
    cr_assert_eq(h.len, 5);
    heap_free(&h);
}

/* push_in_order - push deadlines that already form a heap (every parent
 * due no later than its children), so each timer stays where it is pushed:
 * timers[i] ends up at items[i]. */
static void push_in_order(struct timer_heap *h, const long long *deadlines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        timers[i] = (struct timer){.deadline = deadlines[i], .id = (long)i + 1};
        cr_assert_eq(heap_push(h, &timers[i]), 0);
        cr_assert_eq(timers[i].index, i, "a push that breaks nothing moves nothing");
    }
}

Test(ex08_timerheap, cancel_moves_the_last_timer_up_or_down_as_it_must, .timeout = 10)
{
    /*            0
     *       10        1
     *     11  12    2   3      the last timer (3) is due before 10, the
     * parent of 11's place: removing 11 must move it up, not only down. */
    static const long long deadlines[] = {0, 10, 1, 11, 12, 2, 3};
    struct timer_heap h = {0};
    push_in_order(&h, deadlines, 7);
    heap_remove(&h, &timers[3]);
    cr_assert_eq(h.len, 6);
    check_heap(&h);
    cr_assert_eq(timers[6].index, 1, "3 belongs where 10 was (index 1), not at %zu",
                 timers[6].index);
    /* 10 sits at index 3 now; removing it brings the last timer (2) there,
     * again under a parent due later (3). */
    heap_remove(&h, &timers[1]);
    check_heap(&h);
    long long want[] = {0, 1, 2, 3, 12};
    for (size_t i = 0; i < 5; i++) {
        struct timer *t = heap_pop(&h);
        cr_assert_not_null(t);
        cr_assert_eq(t->deadline, want[i], "pop %zu gave %lld, expected %lld", i + 1, t->deadline,
                     want[i]);
    }
    cr_assert_null(heap_pop(&h));
    heap_free(&h);
}

Test(ex08_timerheap, cancel_the_root_and_the_last_leaf, .timeout = 10)
{
    static const long long deadlines[] = {5, 6, 7, 8};
    struct timer_heap h = {0};
    push_in_order(&h, deadlines, 4);
    heap_remove(&h, &timers[3]); /* the last leaf: nothing moves */
    cr_assert_eq(h.len, 3);
    check_heap(&h);
    heap_remove(&h, &timers[0]); /* the root: the next earliest takes its place */
    check_heap(&h);
    cr_assert_eq(heap_top(&h), &timers[1], "6 is the earliest left");
    heap_remove(&h, &timers[1]);
    heap_remove(&h, &timers[2]);
    cr_assert_eq(h.len, 0);
    cr_assert_null(heap_top(&h));
    heap_free(&h);
}
