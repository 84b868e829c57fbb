/*
 * history.c - the room's last messages in a ring (history.h).
 *
 * A ring rather than a list that is trimmed: adding is O(1) and the
 * memory is fixed once the ring is full, whatever the room's traffic.
 */
#include "history.h"

#include <stdlib.h>
#include <string.h>

int history_init(history *h, size_t capacity)
{
    *h = (history){0};
    if (capacity == 0)
        return 0;
    h->items = calloc(capacity, sizeof *h->items);
    if (!h->items)
        return -1;
    h->capacity = capacity;
    return 0;
}

int history_add(history *h, const char *message, size_t len)
{
    /* TODO: keep a copy of message[0..len) with a NUL after it. With no
     * capacity, keep nothing (and succeed). While there is room, the copy
     * goes into the slot after the newest, (start + count) % capacity;
     * when full, the oldest message (items[start]) is freed, its slot
     * takes the copy, and start moves on by one. Out of memory: -1 and
     * the history unchanged. */
    (void)h;
    (void)message;
    (void)len;
    return -1;
}

size_t history_count(const history *h)
{
    return h->count;
}

const char *history_get(const history *h, size_t i)
{
    /* TODO: message i counting from the oldest (0), which sits at
     * items[start]; NULL when i is past the last one. */
    (void)h;
    (void)i;
    return NULL;
}

void history_free(history *h)
{
    for (size_t i = 0; i < h->count; i++)
        free(h->items[(h->start + i) % h->capacity]);
    free(h->items);
    *h = (history){0};
}
