/*
 * validate - what a note sent by a client must look like (lesson 13).
 *
 * The REST API takes notes as JSON objects: {"title": "...", "body": "..."}.
 * Before anything is stored, note_validate() checks the object and says
 * what is wrong in words a client can act on, naming the field, so the
 * handler can answer 400 with {"error": "...", "field": "title"}. The
 * function only reads the JSON: it does no I/O and keeps no state, which
 * is why it can be tested on its own (and is the lesson's exercise).
 */
#ifndef LESSON13_VALIDATE_H
#define LESSON13_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum {
    NOTE_TITLE_MAX = 100,  /* characters, not bytes: "é" counts once */
    NOTE_BODY_MAX = 10000, /* characters */
};

/* note_fields - the checked values; they point into the JSON object and
 * live as long as it does. NULL means "not given" (allowed in a PATCH). */
typedef struct note_fields {
    const char *title;
    const char *body;
} note_fields;

/* note_error - why a note was refused: a sentence for the client, and the
 * field it is about (NULL when it is about the whole object). */
typedef struct note_error {
    const char *message;
    const char *field;
} note_error;

/* note_validate - check json as a note. partial is false for POST and PUT
 * (a whole note: title required, body optional) and true for PATCH (any
 * subset of the fields). The rules:
 *   - json is an object, and has no field other than "title" and "body";
 *   - each given field is a string;
 *   - a title is not empty or only whitespace, and has at most
 *     NOTE_TITLE_MAX characters; a body has at most NOTE_BODY_MAX;
 *   - a whole note has a title.
 * Returns 0 with *out filled, or -1 with *err saying why (the message and
 * field are static strings, or the unknown field's name from json). */
int note_validate(const json_t *json, bool partial, note_fields *out, note_error *err);

/* utf8_length - the number of characters in a UTF-8 string (jansson has
 * already checked that JSON strings are valid UTF-8). */
size_t utf8_length(const char *s);

#endif
