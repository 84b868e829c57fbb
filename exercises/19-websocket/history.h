/*
 * history - the chat room's last messages, for whoever joins later.
 *
 * A ring of the newest `capacity` messages, each a copy: adding to a full
 * ring forgets the oldest. Every process of the room keeps its own, fed
 * by the same channel, so all of them hold the same lines. (This is the
 * lesson's exercise: history.c.)
 */
#ifndef HISTORY_H
#define HISTORY_H

#include <stddef.h>

typedef struct history {
    char **items;    /* capacity slots; the oldest message is items[start] */
    size_t capacity; /* how many messages it keeps at most */
    size_t count;    /* how many it holds now */
    size_t start;
} history;

/* history_init - an empty history for up to capacity messages (0 keeps
 * none). 0, or -1 when out of memory. */
int history_init(history *h, size_t capacity);

/* history_add - keep a copy of message[0..len) (NUL-terminated in the
 * copy), forgetting the oldest when full. 0, or -1 when out of memory
 * (the history is unchanged). */
int history_add(history *h, const char *message, size_t len);

/* history_count - how many messages it holds. */
size_t history_count(const history *h);

/* history_get - message i, the oldest being 0; NULL past the end. Valid
 * until the next history_add. */
const char *history_get(const history *h, size_t i);

/* history_free - free every message and the ring. */
void history_free(history *h);

#endif
