/*
 * entry - the Entry UI module and the excerpt() helper of lesson 14.
 *
 * Both are plain C functions that the template loader calls while it
 * renders a page: excerpt(text, n) from inside an expression, and
 * {% module Entry(entry) %} / {% module Entry(entry, true) %} as a tag.
 * The module draws one entry with its own fragment
 * (templates/modules/entry.html) and asks for its own CSS and JS, which
 * the loader puts into the page once however many entries are drawn.
 */
#ifndef LESSON14_ENTRY_H
#define LESSON14_ENTRY_H

#include <eddy/eddy.h>

/* excerpt(text, n) - text cut to at most n characters (UTF-8 characters,
 * not bytes), at the last space before the cut when there is one, with
 * "..." appended when anything was cut. text null is "". Fails (in debug
 * mode, the page fails) unless text is a string or null and n a whole
 * number >= 0. */
json_t *excerpt_helper(eddy_template_ctx *t, size_t argc, json_t *const *argv);

/* Entry(entry[, full]) - entry is an object (title, url, body, date...);
 * full (default false) shows the whole body rather than an excerpt.
 * Declares entry.css and entry.js (versioned through static_url), then
 * renders "modules/entry.html" with the names entry and full. */
int entry_module(eddy_template_ctx *t, size_t argc, json_t *const *argv);

/* entry_register - both of the above, on loader l; 0 or -1. */
int entry_register(eddy_template_loader *l);

#endif
