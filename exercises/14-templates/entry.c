/*
 * entry - the Entry UI module and the excerpt() helper (see entry.h).
 *
 * EXERCISE: write excerpt_helper() and entry_module(). The site
 * (lessons/14-templates/site.c) registers both on its template loader with
 * entry_register(); the home page draws each entry through the module,
 * which prints excerpt(entry.body, 60). `make progress` runs the tests.
 */
#include "entry.h"

#include <string.h>

json_t *excerpt_helper(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    /* TODO: check the arguments: argc == 2, argv[0] a string or null,
     * argv[1] an integer >= 0; otherwise eddy_template_fail(t, "...") and
     * return NULL. Then walk the string counting characters (a byte of
     * the form 10xxxxxx continues a character, so do not count it) until
     * n characters are behind you. If the text ends first, return it
     * unchanged (json_stringn). Otherwise, unless the cut falls on a
     * space, back up to the last space before it (if there is none, cut
     * where you are), drop the
     * spaces there, and return that much with "..." appended:
     * json_sprintf("%.*s...", (int)len, s). */
    (void)t;
    (void)argc;
    (void)argv;
    return json_string("");
}

int entry_module(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    /* TODO: argv[0] must be an object (and argc 1 or 2), else
     * eddy_template_fail() and return -1. Declare the module's files with
     * eddy_template_css_file(t, "entry.css") and
     * eddy_template_js_file(t, "entry.js") - every call, the loader keeps
     * them once per page. Then build a context {"entry": argv[0], "full":
     * argv[1] is true} (json_pack "{s:O,s:b}"), render it with
     * eddy_template_render_part(t, "modules/entry.html", ctx), drop the
     * context and return what the render returned. */
    (void)t;
    (void)argc;
    (void)argv;
    return 0;
}

int entry_register(eddy_template_loader *l)
{
    if (eddy_template_helper(l, "excerpt", excerpt_helper) < 0 ||
        eddy_template_module(l, "Entry", entry_module) < 0)
        return -1;
    return 0;
}
