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

/* quote:begin history-add */
int history_add(history *h, const char *message, size_t len)
{
    if (h->capacity == 0)
        return 0;
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, message, len);
    copy[len] = '\0';
    if (h->count < h->capacity) { /* room left: the slot after the newest */
        h->items[(h->start + h->count) % h->capacity] = copy;
        h->count++;
    } else { /* full: the oldest's slot takes the newest, the next is oldest */
        free(h->items[h->start]);
        h->items[h->start] = copy;
        h->start = (h->start + 1) % h->capacity;
    }
    return 0;
}
/* quote:end history-add */

size_t history_count(const history *h)
{
    return h->count;
}

/* quote:begin history-get */
const char *history_get(const history *h, size_t i)
{
    if (i >= h->count)
        return NULL;
    return h->items[(h->start + i) % h->capacity];
}
/* quote:end history-get */

void history_free(history *h)
{
    for (size_t i = 0; i < h->count; i++)
        free(h->items[(h->start + i) % h->capacity]);
    free(h->items);
    *h = (history){0};
}
