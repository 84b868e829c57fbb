/*
 * template - HTML templates with autoescape, inheritance, include and UI
 * modules (Tornado's tornado.template and UIModule), over Jansson values.
 *
 * A loader reads templates from a root directory (or from memory), compiles
 * each file once into a tree and renders trees into an eddy_buf. Tornado's
 * tags, all of them, with a small expression language instead of Python:
 *
 *     {{ expr }}                    the value, HTML-escaped (& < > " ')
 *     {% raw expr %}                the value, not escaped
 *     {# comment #}                 nothing; {{! {%! {#! give {{ {% {#
 *     {% if e %} {% elif e %} {% else %} {% end %}
 *     {% for x in e %} {% else %} {% end %}   arrays; "for k, v in obj" for
 *                                   objects; else runs unless break left the
 *                                   loop; loop.index (from 1), loop.index0,
 *                                   loop.first, loop.last, loop.length
 *     {% while e %} {% else %} {% end %}
 *     {% break %} {% continue %}
 *     {% try %} {% except %} {% else %} {% finally %} {% end %}
 *     {% set name = e %}
 *     {% extends "base.html" %}  {% block name %}...{% end %}
 *     {% include "part.html" %}
 *     {% module Name(args) %}       a UI module registered from C; built in:
 *                                   Template("x.html", name=value, ...)
 *     {% apply helper %}...{% end %}  the block's output through a helper
 *     {% autoescape xhtml_escape %}  or None, or any one-argument helper
 *     {% whitespace all|single|oneline %}  (single for .html and .js)
 *     {% comment text %}
 *
 * Expressions: names from the context object and {% set %}/{% for %};
 * dotted paths and indexes (post.author.name, rows[0], rows[i + 1]);
 * string ('a' or "a"), number, true/false/null (True/False/None too) and
 * list ([1, 2]) literals; == != < <= > >=; in, not in; and, or, not (as in
 * Python they yield an operand); + - * / %; parentheses; calls of helpers
 * with positional and keyword arguments (url_escape(s, plus=False)).
 *
 * Built-in helpers, Tornado's and with its parameters: escape(value)
 * (also xhtml_escape), url_escape(value, plus=True) (plus=False keeps '/'),
 * json_encode(value) (Tornado's bytes: see eddy_json_encode_to), squeeze,
 * linkify(text, shorten=False, extra_params="", require_protocol=False,
 * permitted_protocols=["http", "https"]); and datetime(ts[, "%Y-%m-%d"])
 * (UTC, Unix seconds), len(x), range([start,] stop[, step]).
 *
 * {% autoescape %} applies to its whole file, as in Tornado; an included
 * file and a parent have their own; the loader's default is xhtml_escape
 * (eddy_template_set_autoescape). A text holding "<pre>" keeps its
 * whitespace in every mode. A name in {% extends %} or {% include %} is
 * relative to the folder of the file naming it ("/x" is relative to the
 * root); no name may lead outside the root.
 *
 * Where this differs from Tornado, on purpose:
 * - Expressions are not Python: no method calls, slices, comprehensions,
 *   dicts or "x if c else y"; {% import %} and {% from %} are refused
 *   (register a helper instead). datetime is a function, not the module.
 * - Values are JSON's and print as JSON: null as nothing, true and false
 *   as "true" and "false", arrays and objects as compact JSON (Python
 *   prints None, True, ['a']). A missing key or index is null, not an
 *   error, so post.author.name is empty when there is no author; an
 *   unknown *name* is an error.
 * - A name from {% set %} or a loop hides the context's from where it is
 *   bound on (Python makes it local to the whole template, so reading it
 *   before the set fails there).
 * - "except" catches every error (the language has one kind): write
 *   {% except %} or {% except Exception as e %}; e is the message.
 * - A for or while loop that runs more than the loader's limit (ten
 *   million rounds per render, eddy_template_set_max_iterations) fails the
 *   render: a template runs on the event loop's thread, and a loop that
 *   never ends would stall every connection of the process.
 * - json_encode writes "<!--" as "\u003c!--"; linkify's extra_params is
 *   text (Tornado also takes a function).
 *
 * Errors: a syntax error fails the render in every mode, with the file,
 * line, column, the line and a caret:
 *
 *     page.html:3:4: unknown tag "iff"
 *         {% iff x %}
 *            ^
 *
 * A runtime error (an unknown name or helper, a helper or module that
 * fails, an operator given the wrong types, division by zero) is the one
 * kind of exception of the language: inside {% try %} with an except
 * clause it is caught, in every mode. Elsewhere it fails the render in
 * debug mode; in production it is logged and its tag renders nothing (an
 * if or for with all its branches). Its message names the includes,
 * blocks of other files and modules it was reached through, innermost
 * first, as Tornado's traceback does:
 *
 *     row.html:2:4: unknown name "nope" (via page.html:3, base.html:2)
 *
 * Errors no try catches: syntax errors, a template that cannot be loaded,
 * the iteration limit, nesting too deep, out of memory.
 *
 * From C (a handler uses eddy_render in render.h instead):
 *
 *     eddy_template_loader *tl = eddy_template_loader_new("templates", false);
 *     eddy_template_module(tl, "Entry", entry_module);
 *     json_t *ctx = json_pack("{s:s,s:[]}", "title", "Hello", "posts");
 *     eddy_buf page = EDDY_BUF_INIT;
 *     if (eddy_template_render(tl, "index.html", ctx, NULL, &page) < 0)
 *         eddy_error("%s", eddy_template_loader_error(tl));
 *     json_decref(ctx);
 *
 * A loader belongs to one thread (the loop's): it caches compiled
 * templates without locks. In debug mode a template is recompiled when its
 * file's mtime or size changes.
 */
#ifndef EDDY_TEMPLATE_H
#define EDDY_TEMPLATE_H

#include <eddy/base/buf.h>
#include <eddy/base/escape.h> /* the escapes the built-in helpers use */

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct eddy_template_loader eddy_template_loader;

/* eddy_template_ctx - one render in progress, as helpers and modules see it. */
typedef struct eddy_template_ctx eddy_template_ctx;

/* A helper: a function callable in expressions. argv holds the positional
 * arguments, borrowed; keyword ones are asked for with eddy_template_kwarg
 * or eddy_template_params. Return a new reference, or NULL after
 * eddy_template_fail(). */
typedef json_t *(*eddy_template_helper_fn)(eddy_template_ctx *t, size_t argc, json_t *const *argv);

/* A global: a name whose value is computed when an expression uses it
 * (current_user); a new reference, or NULL after eddy_template_fail(). */
typedef json_t *(*eddy_template_global_fn)(eddy_template_ctx *t);

/* A UI module: writes its HTML with eddy_template_write or
 * eddy_template_render_part, may declare CSS and JS; 0, or -1 after
 * eddy_template_fail(). Its output is not escaped. */
typedef int (*eddy_template_module_fn)(eddy_template_ctx *t, size_t argc, json_t *const *argv);

/* ------------------------------------------------------------ the loader */

/* eddy_template_loader_new - templates under root_dir (NULL: only those
 * added with eddy_template_add). The built-in helpers are registered:
 * escape/xhtml_escape, url_escape, json_encode, squeeze, linkify,
 * datetime, len, range; and the module Template. NULL (errno set) if
 * root_dir is not a directory. */
eddy_template_loader *eddy_template_loader_new(const char *root_dir, bool debug);
void eddy_template_loader_free(eddy_template_loader *l);

/* eddy_template_add - a template from memory under name (which files of
 * that name then no longer shadow); compiled on first use. 0 or -1. */
int eddy_template_add(eddy_template_loader *l, const char *name, const char *text, size_t len);

/* Registration: a later one of the same name replaces the earlier, which
 * is how the framework's hooks (static_url, xsrf_form_html, current_user)
 * are filled in. name is copied. 0, or -1 on allocation failure. */
int eddy_template_helper(eddy_template_loader *l, const char *name, eddy_template_helper_fn fn);
int eddy_template_global(eddy_template_loader *l, const char *name, eddy_template_global_fn fn);
int eddy_template_module(eddy_template_loader *l, const char *name, eddy_template_module_fn fn);

/* eddy_template_set_max_iterations - rounds of for and while loops one
 * render may run (default ten million): a runaway template fails with
 * "more than N loop iterations in one render" instead of holding the
 * event loop, and every connection with it. */
void eddy_template_set_max_iterations(eddy_template_loader *l, unsigned long n);

/* Defaults for every template, as Tornado's Loader(autoescape=...,
 * whitespace=...) sets them; a file's own {% autoescape %} and
 * {% whitespace %} still win. Templates compiled before are compiled
 * again on their next use. 0, or -1 with errno EBUSY during a render.
 *
 * eddy_template_set_autoescape - the helper {{ }} goes through (default
 * "xhtml_escape"), or NULL for none; ENOMEM.
 * eddy_template_set_whitespace - "all", "single" or "oneline", or NULL
 * for the default by name (single for .html and .js, else all); EINVAL
 * for another mode. */
int eddy_template_set_autoescape(eddy_template_loader *l, const char *helper);
int eddy_template_set_whitespace(eddy_template_loader *l, const char *mode);

/* eddy_template_loader_debug - it was made in debug mode. */
bool eddy_template_loader_debug(const eddy_template_loader *l);

/* eddy_template_loader_error - the message of the last failure. */
const char *eddy_template_loader_error(const eddy_template_loader *l);

/* ------------------------------------------------------------ rendering */

/* What a render adds to the loader's own names (the framework passes the
 * request as user and its request-bound helpers as defaults). */
typedef struct eddy_template_def {
    const char *name;
    eddy_template_helper_fn helper; /* one of the two */
    eddy_template_global_fn global;
} eddy_template_def;

/* Rows of a database result (db.h) given to a render under a name, read
 * from the result itself rather than from JSON values made for it:
 * {% for m in messages %} with {{ m.name }} in its body builds nothing
 * per row, and an expression reading a column ({% if m.name %}, a
 * helper's argument url_escape(m.name)) makes that one value. A joined
 * parent's column "fk.field" (orm.h's eddy_orm_join) reads as m.fk.field.
 * Any other use of the name or of a row (len(messages), messages[0],
 * {{ m }}) sees the JSON eddy_db_rows_json and eddy_db_row_json make,
 * built when first needed, so a page renders byte for byte as it would
 * from that JSON (but for m.fk.field, which that JSON spells m["fk.field"]).
 *
 * A set named "parent.child" holds the children of the rows of the set
 * named parent (a comment's replies): {% for rp in c.child %}, with c a
 * row of parent, loops over the child rows whose first column equals the
 * first column (the id) of c's row, read as rows are. The child result
 * must be ordered by its first column (an integer, ascending), so that
 * each row's children are found together by a binary search instead of
 * a scan. Only such a loop sees them: elsewhere c.child is the row's
 * JSON's (null).
 *
 * The results must outlive the render. */
struct eddy_db_result;
typedef struct eddy_template_rows {
    const char *name;
    const struct eddy_db_result *res;
} eddy_template_rows;

typedef struct eddy_template_env {
    void *user;                        /* eddy_template_user() */
    const eddy_template_def *defaults; /* used when the loader has no such name; ends with {NULL} */
    const eddy_template_rows *rows;    /* NULL, or ends with {NULL}; their names hide the
                                          context's (not seen by eddy_template_render_part) */
} eddy_template_env;

/* eddy_template_render - append template name rendered with ctx (an object,
 * borrowed; NULL for none) to out, with module CSS before </head> and JS
 * before </body>. env may be NULL. 0, or -1 with eddy_template_loader_error()
 * (out may hold part of the page then). */
int eddy_template_render(eddy_template_loader *l, const char *name, json_t *ctx,
                         const eddy_template_env *env, eddy_buf *out);

/* ------------------------------------------------------------ for helpers and modules */

void *eddy_template_user(const eddy_template_ctx *t);
eddy_template_loader *eddy_template_ctx_loader(const eddy_template_ctx *t);

/* eddy_template_fail - the reason a helper, global or module failed. */
void eddy_template_fail(eddy_template_ctx *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* eddy_template_kwarg - the keyword argument name of the call being
 * made ({{ url_escape(s, plus=False) }}, {% module Entry(e, full=True) %}),
 * borrowed; NULL when the call has none of that name. A keyword argument
 * the helper or module never asks for fails the call ("unexpected keyword
 * argument"), as in Python. */
json_t *eddy_template_kwarg(eddy_template_ctx *t, const char *name);

/* eddy_template_kwargs - every keyword argument of the call as a new
 * object (all count as asked for); NULL when out of memory. */
json_t *eddy_template_kwargs(eddy_template_ctx *t);

/* eddy_template_params - the call bound to the parameters named in
 * names (separated by spaces; the first required of them must be given)
 * as Python binds f(s, plus=False): out[i] is the i-th positional
 * argument, else the keyword argument of that name, else NULL (borrowed).
 * 0, or -1 after eddy_template_fail() for too many arguments, one given
 * twice or a required one missing. */
int eddy_template_params(eddy_template_ctx *t, size_t argc, json_t *const *argv, const char *names,
                         size_t required, json_t **out);

/* eddy_template_write - append raw HTML to the output (modules). */
int eddy_template_write(eddy_template_ctx *t, const char *s, size_t len);

/* eddy_template_render_part - render another template into the output
 * with ctx (borrowed) as its only names: a module's own fragment. */
int eddy_template_render_part(eddy_template_ctx *t, const char *name, json_t *ctx);

/* Resources a module needs, each put in the page once however many times
 * it is declared: files (a path not starting with '/' or a scheme goes
 * through the static_url helper) and inline text. */
int eddy_template_css_file(eddy_template_ctx *t, const char *path);
int eddy_template_js_file(eddy_template_ctx *t, const char *path);
int eddy_template_css(eddy_template_ctx *t, const char *text);
int eddy_template_js(eddy_template_ctx *t, const char *text);

#endif
