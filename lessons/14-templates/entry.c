/*
 * entry - the Entry UI module and the excerpt() helper (see entry.h).
 *
 * A helper returns a new JSON value; a module writes HTML. Neither
 * escapes anything itself: excerpt() returns text, which {{ }} escapes
 * where the template prints it, and the module's fragment is a template
 * with autoescape like any other. That is the point of escaping by
 * default - C code that builds markup by hand is where XSS comes from.
 */
#include "entry.h"

#include <string.h>

/* quote:begin excerpt */
json_t *excerpt_helper(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (argc != 2 || !(json_is_string(argv[0]) || json_is_null(argv[0])) ||
        !json_is_integer(argv[1]) || json_integer_value(argv[1]) < 0) {
        eddy_template_fail(t, "excerpt(text, n) wants a string and a whole number >= 0");
        return NULL;
    }
    const char *s = json_is_null(argv[0]) ? "" : json_string_value(argv[0]);
    size_t len = json_is_null(argv[0]) ? 0 : json_string_length(argv[0]);
    json_int_t limit = json_integer_value(argv[1]);

    /* Walk n characters: a byte 10xxxxxx continues a character. */
    size_t cut = 0;
    for (json_int_t chars = 0; cut < len; cut++) {
        if (((unsigned char)s[cut] & 0xC0) != 0x80 && chars++ == limit)
            break;
    }
    if (cut == len)
        return json_stringn(s, len); /* short enough: unchanged */

    size_t end = cut; /* in a word: back to the space before it, if any */
    while (s[cut] != ' ' && end > 0 && s[end - 1] != ' ')
        end--;
    if (end == 0)
        end = cut;
    while (end > 0 && s[end - 1] == ' ')
        end--;
    return json_sprintf("%.*s...", (int)end, s);
}
/* quote:end excerpt */

/* quote:begin module */
int entry_module(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (argc < 1 || argc > 2 || !json_is_object(argv[0])) {
        eddy_template_fail(t, "Entry(entry[, full]) wants an entry object");
        return -1;
    }
    /* Declared per call, put in the page once: the loader keeps a set. */
    if (eddy_template_css_file(t, "entry.css") < 0 || eddy_template_js_file(t, "entry.js") < 0)
        return -1;
    json_t *ctx = json_pack("{s:O,s:b}", "entry", argv[0], "full",
                            argc == 2 && json_is_true(argv[1]));
    if (!ctx) {
        eddy_template_fail(t, "out of memory");
        return -1;
    }
    int rc = eddy_template_render_part(t, "modules/entry.html", ctx);
    json_decref(ctx);
    return rc;
}
/* quote:end module */

int entry_register(eddy_template_loader *l)
{
    if (eddy_template_helper(l, "excerpt", excerpt_helper) < 0 ||
        eddy_template_module(l, "Entry", entry_module) < 0)
        return -1;
    return 0;
}
