/*
 * validate - note_validate(), the checks on a note sent as JSON; see
 * validate.h for the rules.
 */
#include "validate.h"

#include <string.h>

/* quote:begin utf8-length */
size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) /* not a continuation byte 10xxxxxx */
            n++;
    return n;
}
/* quote:end utf8-length */

/* refuse - fill *err and return -1, so each check is one line. */
static int refuse(note_error *err, const char *message, const char *field)
{
    err->message = message;
    err->field = field;
    return -1;
}

/* quote:begin validate */
int note_validate(const json_t *json, bool partial, note_fields *out, note_error *err)
{
    out->title = out->body = NULL;
    if (!json_is_object(json))
        return refuse(err, "expected a JSON object", NULL);

    const char *key;
    json_t *value;
    json_object_foreach((json_t *)json, key, value)
    {
        if (strcmp(key, "title") != 0 && strcmp(key, "body") != 0)
            return refuse(err, "unknown field", key);
        if (!json_is_string(value))
            return refuse(err, "title and body must be strings", key);
    }

    const char *title = json_string_value(json_object_get(json, "title"));
    const char *body = json_string_value(json_object_get(json, "body"));
    if (title) {
        if (title[strspn(title, " \t\r\n")] == '\0')
            return refuse(err, "title must not be empty", "title");
        if (utf8_length(title) > NOTE_TITLE_MAX)
            return refuse(err, "title is too long (at most 100 characters)", "title");
    } else if (!partial) {
        return refuse(err, "title is required", "title");
    }
    if (body && utf8_length(body) > NOTE_BODY_MAX)
        return refuse(err, "body is too long (at most 10000 characters)", "body");

    out->title = title;
    out->body = body;
    return 0;
}
/* quote:end validate */
