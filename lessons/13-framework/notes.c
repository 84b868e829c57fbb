/*
 * notes - an array of notes in memory; see notes.h.
 */
#include "notes.h"

#include <stdlib.h>
#include <string.h>

void note_store_init(note_store *s, size_t max)
{
    memset(s, 0, sizeof *s);
    s->max = max;
    s->next_id = 1;
}

void note_store_free(note_store *s)
{
    for (size_t i = 0; i < s->count; i++) {
        free(s->items[i].title);
        free(s->items[i].body);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}

note *note_store_add(note_store *s, const char *title, const char *body)
{
    if (s->count >= s->max)
        return NULL;
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        note *items = realloc(s->items, cap * sizeof *items);
        if (!items)
            return NULL;
        s->items = items;
        s->cap = cap;
    }
    note n = {.id = s->next_id, .title = strdup(title), .body = strdup(body ? body : "")};
    if (!n.title || !n.body) {
        free(n.title);
        free(n.body);
        return NULL;
    }
    n.created = n.updated = time(NULL);
    s->next_id++;
    s->items[s->count] = n;
    return &s->items[s->count++];
}

/* index_of - binary search: ids ascend because notes are only appended. */
static long index_of(const note_store *s, long id)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->items[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->count && s->items[lo].id == id ? (long)lo : -1;
}

note *note_store_find(note_store *s, long id)
{
    long i = index_of(s, id);
    return i < 0 ? NULL : &s->items[i];
}

int note_store_remove(note_store *s, long id)
{
    long i = index_of(s, id);
    if (i < 0)
        return -1;
    free(s->items[i].title);
    free(s->items[i].body);
    memmove(&s->items[i], &s->items[i + 1], (s->count - (size_t)i - 1) * sizeof *s->items);
    s->count--;
    return 0;
}

int note_set(note *n, const char *title, const char *body)
{
    char *t = title ? strdup(title) : NULL, *b = body ? strdup(body) : NULL;
    if ((title && !t) || (body && !b)) {
        free(t);
        free(b);
        return -1;
    }
    if (t) {
        free(n->title);
        n->title = t;
    }
    if (b) {
        free(n->body);
        n->body = b;
    }
    n->updated = time(NULL);
    return 0;
}

/* iso_time - "2026-11-27T14:30:05Z" */
static json_t *iso_time(time_t t)
{
    struct tm tm;
    char text[32];
    gmtime_r(&t, &tm);
    strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(text);
}

json_t *note_to_json(const note *n, const char *url)
{
    return json_pack("{s:I,s:s,s:s,s:o,s:o,s:s?}", "id", (json_int_t)n->id, "title", n->title,
                     "body", n->body, "created", iso_time(n->created), "updated",
                     iso_time(n->updated), "url", url);
}
