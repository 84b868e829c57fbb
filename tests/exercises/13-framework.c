/*
 * Exercise 13 tests: note_validate() and utf8_length(), called directly.
 *
 * The REST API trusts note_validate() to stop every bad note before it is
 * stored, so these tests send it what clients get wrong: no title, a blank
 * one, one character too many (counted in characters, not bytes), a field
 * of the wrong type, a field that does not exist, something that is not an
 * object; and check that a good note, and a PATCH with only some fields,
 * pass with the values pointing into the JSON.
 */
#include "validate.h"

#include <criterion/criterion.h>
#include <string.h>

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    cr_assert_not_null(j, "bad test JSON %s: %s", text, e.text);
    return j;
}

/* refused - validate text and expect a refusal about field (NULL: none)
 * whose message contains word. */
static void refused(const char *text, bool partial, const char *field, const char *word)
{
    json_t *j = parse(text);
    note_fields f = {"junk", "junk"};
    note_error e = {NULL, NULL};
    int rc = note_validate(j, partial, &f, &e);
    cr_assert_eq(rc, -1, "%s (partial=%d) was accepted", text, partial);
    cr_assert_not_null(e.message, "no message for %s", text);
    cr_assert_not_null(strstr(e.message, word), "message for %s: \"%s\", expected \"%s\" in it",
                       text, e.message, word);
    if (field) {
        cr_assert_not_null(e.field, "no field named for %s", text);
        cr_assert_str_eq(e.field, field, "%s: field", text);
    } else {
        cr_assert_null(e.field, "%s: field should be NULL, is %s", text, e.field);
    }
    json_decref(j);
}

/* title_of - {"title": c repeated n times} */
static char *title_of(const char *c, int n)
{
    static char text[1024];
    strcpy(text, "{\"title\":\"");
    for (int i = 0; i < n; i++)
        strcat(text, c);
    strcat(text, "\"}");
    return text;
}

Test(ex13, a_good_note_passes_with_values_from_the_json, .timeout = 5)
{
    json_t *j = parse("{\"title\":\"Buy milk\",\"body\":\"two litres\"}");
    note_fields f;
    note_error e = {NULL, NULL};
    cr_assert_eq(note_validate(j, false, &f, &e), 0, "refused: %s", e.message);
    cr_assert_str_eq(f.title, "Buy milk");
    cr_assert_str_eq(f.body, "two litres");
    cr_assert_eq(f.title, json_string_value(json_object_get(j, "title")),
                 "title should point into the JSON, not be a copy");
    json_decref(j);

    j = parse("{\"title\":\"no body\"}");
    cr_assert_eq(note_validate(j, false, &f, &e), 0);
    cr_assert_null(f.body, "an absent body is NULL");
    json_decref(j);
}

Test(ex13, a_whole_note_needs_a_title_that_is_not_blank, .timeout = 5)
{
    refused("{}", false, "title", "required");
    refused("{\"body\":\"only a body\"}", false, "title", "required");
    refused("{\"title\":\"\"}", false, "title", "empty");
    refused("{\"title\":\" \\t\\n \"}", false, "title", "empty");
    refused("{\"title\":\"\",\"body\":\"x\"}", true, "title", "empty"); /* PATCH too */
}

Test(ex13, lengths_count_characters_not_bytes, .timeout = 5)
{
    cr_assert_eq(utf8_length(""), 0);
    cr_assert_eq(utf8_length("abc"), 3);
    cr_assert_eq(utf8_length("caf\xc3\xa9"), 4); /* café */
    cr_assert_eq(utf8_length("\xe2\x82\xac"
                             "1"),
                 2);                                  /* €1 */
    cr_assert_eq(utf8_length("\xf0\x9f\x98\x80"), 1); /* an emoji: 4 bytes */

    note_fields f;
    note_error e = {NULL, NULL};
    json_t *j = parse(title_of("x", NOTE_TITLE_MAX));
    cr_assert_eq(note_validate(j, false, &f, &e), 0, "100 characters is allowed: %s", e.message);
    json_decref(j);
    j = parse(title_of("\xc3\xa9", NOTE_TITLE_MAX)); /* 100 x é = 200 bytes */
    cr_assert_eq(note_validate(j, false, &f, &e), 0, "100 x 'é' is 100 characters");
    json_decref(j);
    refused(title_of("x", NOTE_TITLE_MAX + 1), false, "title", "too long");
    refused(title_of("\xc3\xa9", NOTE_TITLE_MAX + 1), true, "title", "too long");

    static char big[NOTE_BODY_MAX + 64];
    strcpy(big, "{\"title\":\"t\",\"body\":\"");
    memset(big + strlen(big), 'b', NOTE_BODY_MAX + 1);
    strcat(big, "\"}");
    refused(big, false, "body", "too long");
}

Test(ex13, wrong_types_unknown_fields_and_non_objects_are_refused, .timeout = 5)
{
    refused("{\"title\":5}", false, "title", "string");
    refused("{\"title\":\"ok\",\"body\":null}", false, "body", "string");
    refused("{\"title\":\"ok\",\"colour\":\"red\"}", false, "colour", "unknown");
    refused("{\"colour\":\"red\"}", true, "colour", "unknown");
    refused("[\"title\"]", false, NULL, "object");
    refused("\"just a string\"", true, NULL, "object");
}

Test(ex13, a_patch_may_send_any_subset, .timeout = 5)
{
    note_fields f = {"junk", "junk"};
    note_error e = {NULL, NULL};
    json_t *j = parse("{}");
    cr_assert_eq(note_validate(j, true, &f, &e), 0, "an empty PATCH changes nothing: fine");
    cr_assert(f.title == NULL && f.body == NULL, "nothing given: both NULL");
    json_decref(j);
    j = parse("{\"body\":\"new body\"}");
    cr_assert_eq(note_validate(j, true, &f, &e), 0, "refused: %s", e.message);
    cr_assert_null(f.title);
    cr_assert_str_eq(f.body, "new body");
    json_decref(j);
}
