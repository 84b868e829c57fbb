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
    /* TODO: entry.h says what excerpt(text, n) returns and what it refuses.
     * The arguments are borrowed; return a new JSON value, or NULL after
     * eddy_template_fail(t, "a reason that names excerpt") for bad ones.
     * lib/web/template.h has the helper API. */
    (void)t;
    (void)argc;
    (void)argv;
    return json_string("");
}

int entry_module(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    /* TODO: entry.h says what Entry(entry[, full]) draws and declares; it
     * must put its CSS and JS into every page that uses it, once per page.
     * Return what rendering the fragment returned, or -1 after
     * eddy_template_fail(t, "a reason that names Entry") for bad arguments.
     * lib/web/template.h has the module API. */
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
