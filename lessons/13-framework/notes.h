/*
 * notes - the REST API's data: notes kept in memory, in id order.
 *
 * Lesson 13 is about the framework, not storage (a database comes in
 * lesson 16), so the notes live in an array in the process. Only the loop
 * thread touches it - every handler runs on the loop - so it needs no
 * lock. With --processes N each worker has its own array: memory is not
 * shared between processes, which is exactly why real servers keep their
 * state in a database.
 */
#ifndef LESSON13_NOTES_H
#define LESSON13_NOTES_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

typedef struct note {
    long id;
    char *title, *body; /* owned (malloc) */
    time_t created, updated;
} note;

typedef struct note_store {
    note *items; /* ascending id: new notes are appended */
    size_t count, cap, max;
    long next_id;
} note_store;

/* note_store_init - an empty store that holds at most max notes. */
void note_store_init(note_store *s, size_t max);
void note_store_free(note_store *s);

/* note_store_add - a new note with the next id; NULL if the store is full
 * or out of memory. */
note *note_store_add(note_store *s, const char *title, const char *body);

/* note_store_find - the note with this id, or NULL. The pointer is valid
 * until the next add or remove. */
note *note_store_find(note_store *s, long id);

/* note_store_remove - 0, or -1 if there is no such note. */
int note_store_remove(note_store *s, long id);

/* note_set - replace the title and/or body (NULL: keep); 0 or -1 (ENOMEM,
 * the note unchanged). */
int note_set(note *n, const char *title, const char *body);

/* note_to_json - {"id", "title", "body", "created", "updated", "url"}
 * with url as given (the handler builds it with eddy_reverse_url). */
json_t *note_to_json(const note *n, const char *url);

#endif
