/*
 * Exercise 19 tests: the chat room's history ring (history.c).
 *
 * What a member who joins late would be shown: the newest messages, oldest
 * first, at most the capacity, each exactly as it was said (bytes after
 * the given length are not part of it). A ring of capacity 0 keeps
 * nothing; going round the ring many times keeps the right ones.
 */
#include "history.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static void add(history *h, const char *text)
{
    cr_assert_eq(history_add(h, text, strlen(text)), 0, "history_add(\"%s\") failed", text);
}

Test(history, keeps_messages_oldest_first_while_there_is_room)
{
    history h;
    cr_assert_eq(history_init(&h, 5), 0);
    add(&h, "one");
    add(&h, "two");
    add(&h, "three");
    cr_assert_eq(history_count(&h), 3);
    cr_assert_str_eq(history_get(&h, 0), "one");
    cr_assert_str_eq(history_get(&h, 1), "two");
    cr_assert_str_eq(history_get(&h, 2), "three");
    cr_assert_null(history_get(&h, 3), "there is no fourth message");
    history_free(&h);
}

Test(history, a_full_ring_forgets_the_oldest)
{
    history h;
    cr_assert_eq(history_init(&h, 3), 0);
    const char *said[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++)
        add(&h, said[i]);
    cr_assert_eq(history_count(&h), 3, "a ring of 3 holds 3, not %zu", history_count(&h));
    cr_assert_str_eq(history_get(&h, 0), "c");
    cr_assert_str_eq(history_get(&h, 1), "d");
    cr_assert_str_eq(history_get(&h, 2), "e");
    cr_assert_null(history_get(&h, 3));
    history_free(&h);
}

Test(history, goes_round_many_times)
{
    history h;
    cr_assert_eq(history_init(&h, 4), 0);
    char text[32];
    for (int i = 1; i <= 103; i++) {
        snprintf(text, sizeof text, "line %d", i);
        add(&h, text);
    }
    for (int i = 0; i < 4; i++) {
        snprintf(text, sizeof text, "line %d", 100 + i);
        cr_assert_str_eq(history_get(&h, (size_t)i), text);
    }
    history_free(&h);
}

Test(history, copies_exactly_len_bytes)
{
    history h;
    cr_assert_eq(history_init(&h, 2), 0);
    char buf[] = "hello, world";
    cr_assert_eq(history_add(&h, buf, 5), 0);
    memcpy(buf, "XXXXX", 5); /* the caller's buffer is reused: the history kept its own copy */
    cr_assert_str_eq(history_get(&h, 0), "hello");
    history_free(&h);
}

Test(history, capacity_zero_keeps_nothing)
{
    history h;
    cr_assert_eq(history_init(&h, 0), 0);
    cr_assert_eq(history_add(&h, "lost", 4), 0);
    cr_assert_eq(history_count(&h), 0);
    cr_assert_null(history_get(&h, 0));
    history_free(&h);
}
