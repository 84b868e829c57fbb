/*
 * template_helpers - the helpers every loader has, as Tornado's template
 * namespace has them: escape (xhtml_escape), url_escape, json_encode,
 * squeeze, linkify (template_linkify.c), datetime; Python's len and
 * range; and the UI module Template.
 *
 * Tornado's helpers take their arguments as Python binds them, by
 * position or by keyword (url_escape(s, plus=False)); so do these,
 * through eddy_template_params.
 */
#include "template_internal.h"

#include <eddy/base/url.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ built-in helpers */

static bool nargs_ok(eddy_template_ctx *t, size_t argc, size_t min, size_t max)
{
    if (argc >= min && argc <= max)
        return true;
    if (min == max)
        eddy_template_fail(t, "takes %zu argument%s (%zu given)", min, min == 1 ? "" : "s", argc);
    else
        eddy_template_fail(t, "takes %zu to %zu arguments (%zu given)", min, max, argc);
    return false;
}

/* as_text - v as the text {{ }} would show (unescaped), into b. */
static int as_text(eddy_template_ctx *t, eddy_buf *b, const json_t *v)
{
    if (write_value(b, v, false) < 0) {
        eddy_template_fail(t, "out of memory");
        return -1;
    }
    return 0;
}

/* text_result - b as a string value (b freed); NULL if that fails. */
static json_t *text_result(eddy_template_ctx *t, eddy_buf *b, int rc)
{
    json_t *v = rc == 0 ? json_stringn_nocheck(b->data ? b->data : "", b->len) : NULL;
    eddy_buf_free(b);
    if (!v && rc == 0)
        eddy_template_fail(t, "out of memory");
    return v;
}

static json_t *h_escape(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    json_t *value;
    if (eddy_template_params(t, argc, argv, "value", 1, &value) < 0)
        return NULL;
    eddy_buf b = EDDY_BUF_INIT, s = EDDY_BUF_INIT;
    int rc = as_text(t, &s, value);
    if (rc == 0 && eddy_xhtml_escape_to(&b, s.data ? s.data : "", s.len) < 0)
        rc = -1;
    eddy_buf_free(&s);
    return text_result(t, &b, rc);
}

/* url_escape(value, plus=True): urllib's quote_plus, or with plus=False
 * its quote, which keeps '/' (a path stays a path). */
static json_t *h_url_escape(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    json_t *p[2];
    if (eddy_template_params(t, argc, argv, "value plus", 1, p) < 0)
        return NULL;
    eddy_buf b = EDDY_BUF_INIT, s = EDDY_BUF_INIT;
    unsigned flags = !p[1] || truthy(p[1]) ? EDDY_URL_PLUS : EDDY_URL_KEEP_SLASH;
    int rc = 0;
    if (json_is_string(p[0])) /* the usual case: escaped from the string, not a copy */
        rc = eddy_url_escape_to(&b, json_string_value(p[0]), json_string_length(p[0]), flags);
    else if ((rc = as_text(t, &s, p[0])) == 0)
        rc = eddy_url_escape_to(&b, s.data ? s.data : "", s.len, flags);
    eddy_buf_free(&s);
    return text_result(t, &b, rc < 0 ? -1 : 0);
}

/* url_escape_args - a call url_escape(value[, plus]) or (value,
 * plus=...) as scalars; false for any other shape (eval binds it). */
static bool url_escape_args(eddy_template_ctx *t, const struct expr *e, struct tpl_scalar *value,
                            struct tpl_scalar *plus)
{
    if (e->nargs < 1 || e->nargs > 2 || (e->nkw && (e->nkw > 1 || e->nargs != 2 ||
                                                    strcmp(e->kwnames[0], "plus") != 0)))
        return false;
    plus->kind = SC_TRUE;
    return tpl_scalar(t, e->args[0], value) && (e->nargs == 1 || tpl_scalar(t, e->args[1], plus));
}

int tpl_write_call(eddy_template_ctx *t, const struct node *n)
{
    /* what url_escape writes has no byte the HTML escape changes: written
     * as it is, escaped or not */
    const struct expr *e = n->e;
    eddy_template_helper_fn h = tpl_helper_of(t, e); /* none: eval says it is unknown */
    struct tpl_scalar value, plus;
    if (h != h_url_escape || !url_escape_args(t, e, &value, &plus))
        return TPL_NOT_HERE;
    char num[32];
    const char *s = value.s;
    size_t len = value.len;
    if (value.kind == SC_INT)
        s = int_text(num, sizeof num, value.i, &len);
    else if (value.kind == SC_NULL)
        len = 0; /* None prints as nothing */
    else if (value.kind != SC_TEXT)
        return TPL_NOT_HERE;
    unsigned flags = tpl_scalar_truth(&plus) ? EDDY_URL_PLUS : EDDY_URL_KEEP_SLASH;
    if (eddy_url_escape_to(t->out, s, len, flags) < 0) {
        tpl_fatal(t, n->off, "output cannot grow");
        return FLOW_STOP;
    }
    return FLOW_NEXT;
}

static json_t *h_json_encode(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    json_t *value;
    if (eddy_template_params(t, argc, argv, "value", 1, &value) < 0)
        return NULL;
    eddy_buf b = EDDY_BUF_INIT;
    int rc = eddy_json_encode_to(&b, value);
    if (rc < 0)
        eddy_template_fail(t, "cannot encode %s (not UTF-8, or nested too deeply)",
                           tpl_type_name(value));
    return text_result(t, &b, rc); /* frees what it wrote, also when it failed */
}

/* squeeze - runs of control bytes and spaces to one space, and no space
 * at either end (Python's strip: Unicode spaces too). */
static json_t *h_squeeze(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    json_t *value;
    if (eddy_template_params(t, argc, argv, "value", 1, &value) < 0)
        return NULL;
    eddy_buf s = EDDY_BUF_INIT, b = EDDY_BUF_INIT;
    int rc = as_text(t, &s, value);
    bool gap = false;
    for (size_t i = 0; i < s.len && rc == 0; i++) {
        if ((unsigned char)s.data[i] <= 0x20) {
            gap = true;
            continue;
        }
        size_t sp = b.len ? 0 : tpl_space_len(s.data + i, s.len - i);
        if (sp) { /* leading */
            i += sp - 1;
            continue;
        }
        if (gap && b.len)
            rc = eddy_buf_append_char(&b, ' ');
        gap = false;
        if (rc == 0)
            rc = eddy_buf_append_char(&b, s.data[i]);
    }
    /* trailing Unicode spaces (the ASCII ones never got in) */
    for (bool again = true; again && rc == 0;) {
        again = false;
        for (size_t k = 1; k <= 3 && k <= b.len; k++)
            if (tpl_space_len(b.data + b.len - k, k) == k) {
                eddy_buf_truncate(&b, b.len - k);
                while (b.len && b.data[b.len - 1] == ' ')
                    eddy_buf_truncate(&b, b.len - 1);
                again = true;
                break;
            }
    }
    eddy_buf_free(&s);
    return text_result(t, &b, rc);
}

/* datetime - a Unix time as text in UTC: datetime(ts[, "%Y-%m-%d"]). */
static json_t *h_datetime(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 2))
        return NULL;
    if (!json_is_number(argv[0]) || (argc > 1 && !json_is_string(argv[1]))) {
        eddy_template_fail(t, "needs a number of seconds and a format string");
        return NULL;
    }
    double ts = json_number_value(argv[0]);
    struct tm tm;
    time_t tt = ts > -1e15 && ts < 1e15 ? (time_t)ts : 0;
    if (tt > ts)
        tt--; /* floor, for times before 1970 */
    if (!(ts > -1e15 && ts < 1e15) || !gmtime_r(&tt, &tm)) {
        eddy_template_fail(t, "time out of range");
        return NULL;
    }
    const char *fmt = argc > 1 ? json_string_value(argv[1]) : "%Y-%m-%d %H:%M:%S";
    char out[256];
    size_t n = fmt[0] ? strftime(out, sizeof out, fmt, &tm) : 0;
    if (n == 0 && fmt[0]) {
        eddy_template_fail(t, "format gives nothing or more than %zu bytes", sizeof out - 1);
        return NULL;
    }
    json_t *v = json_stringn(out, n);
    if (!v)
        eddy_template_fail(t, "format gives invalid UTF-8");
    return v;
}

static json_t *h_len(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 1))
        return NULL;
    const json_t *v = argv[0];
    size_t n;
    if (json_is_string(v)) { /* characters, not bytes */
        n = 0;
        for (size_t i = 0; i < json_string_length(v); i++)
            n += ((unsigned char)json_string_value(v)[i] & 0xC0) != 0x80;
    } else if (json_is_array(v)) {
        n = json_array_size(v);
    } else if (json_is_object(v)) {
        n = json_object_size(v);
    } else {
        eddy_template_fail(t, "%s has no length", tpl_type_name(v));
        return NULL;
    }
    return json_integer((json_int_t)n);
}

/* range - Python's range(stop), range(start, stop[, step]), as an array. */
static json_t *h_range(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    enum { MAX_RANGE = 1000000 };
    if (!nargs_ok(t, argc, 1, 3))
        return NULL;
    json_int_t a[3] = {0, 0, 1};
    for (size_t i = 0; i < argc; i++)
        if (!json_is_integer(argv[i])) {
            eddy_template_fail(t, "needs integers");
            return NULL;
        }
    if (argc == 1) {
        a[1] = json_integer_value(argv[0]);
    } else {
        a[0] = json_integer_value(argv[0]);
        a[1] = json_integer_value(argv[1]);
        if (argc == 3)
            a[2] = json_integer_value(argv[2]);
    }
    if (a[2] == 0) {
        eddy_template_fail(t, "step must not be zero");
        return NULL;
    }
    double count = ((double)a[1] - (double)a[0]) / (double)a[2];
    if (count > MAX_RANGE) {
        eddy_template_fail(t, "more than %d numbers", MAX_RANGE);
        return NULL;
    }
    json_t *v = json_array();
    for (json_int_t i = a[0]; v && (a[2] > 0 ? i < a[1] : i > a[1]); i += a[2])
        if (json_array_append_new(v, json_integer(i)) < 0 ||
            (a[2] > 0 ? i > INT64_MAX - a[2] : i < INT64_MIN - a[2]))
            break;
    if (!v)
        eddy_template_fail(t, "out of memory");
    return v;
}

/* Template(name, **names) - Tornado's built-in UI module: another
 * template rendered with the keyword arguments as its only names. */
static int m_template(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (argc != 1 || !json_is_string(argv[0])) {
        eddy_template_fail(t, "takes a template name, then names=values");
        return -1;
    }
    json_t *ctx = eddy_template_kwargs(t);
    if (!ctx) {
        eddy_template_fail(t, "out of memory");
        return -1;
    }
    int rc = eddy_template_render_part(t, json_string_value(argv[0]), ctx);
    json_decref(ctx);
    return rc;
}

int tpl_add_builtins(eddy_template_loader *l)
{
    static const struct {
        const char *name;
        eddy_template_helper_fn fn;
    } builtins[] = {
        {"escape", h_escape},         {"xhtml_escape", h_escape},
        {"url_escape", h_url_escape}, {"json_encode", h_json_encode},
        {"squeeze", h_squeeze},       {"linkify", tpl_linkify},
        {"datetime", h_datetime},     {"len", h_len},
        {"range", h_range},
    };
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (eddy_template_helper(l, builtins[i].name, builtins[i].fn) < 0)
            return -1;
    return eddy_template_module(l, "Template", m_template);
}
