/*
 * template_helpers - the helpers every loader has, as Tornado's template
 * namespace has them: escape (xhtml_escape), url_escape, json_encode,
 * squeeze, linkify, datetime; and Python's len and range.
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
    if (!nargs_ok(t, argc, 1, 1))
        return NULL;
    eddy_buf b = EDDY_BUF_INIT, s = EDDY_BUF_INIT;
    int rc = as_text(t, &s, argv[0]);
    if (rc == 0 && eddy_xhtml_escape_to(&b, s.data ? s.data : "", s.len) < 0)
        rc = -1;
    eddy_buf_free(&s);
    return text_result(t, &b, rc);
}

static json_t *h_url_escape(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 2))
        return NULL;
    eddy_buf b = EDDY_BUF_INIT, s = EDDY_BUF_INIT;
    int rc = as_text(t, &s, argv[0]);
    bool plus = argc < 2 || truthy(argv[1]);
    if (rc == 0 &&
        eddy_url_escape_to(&b, s.data ? s.data : "", s.len, plus ? EDDY_URL_PLUS : 0) < 0)
        rc = -1;
    eddy_buf_free(&s);
    return text_result(t, &b, rc);
}

static json_t *h_json_encode(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 1))
        return NULL;
    eddy_buf b = EDDY_BUF_INIT;
    return text_result(t, &b, eddy_json_encode_to(&b, argv[0]));
}

/* squeeze - runs of whitespace and control bytes to one space, trimmed. */
static json_t *h_squeeze(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 1))
        return NULL;
    eddy_buf s = EDDY_BUF_INIT, b = EDDY_BUF_INIT;
    int rc = as_text(t, &s, argv[0]);
    bool gap = false;
    for (size_t i = 0; i < s.len && rc == 0; i++) {
        if ((unsigned char)s.data[i] <= 0x20) {
            gap = true;
            continue;
        }
        if (gap && b.len)
            rc = eddy_buf_append_char(&b, ' ');
        gap = false;
        if (rc == 0)
            rc = eddy_buf_append_char(&b, s.data[i]);
    }
    eddy_buf_free(&s);
    return text_result(t, &b, rc);
}

/* url_end - where a URL starting at s[i] ends in escaped text, as
 * Tornado's linkify finds it: no spaces, & only as &amp; or &quot;,
 * parentheses only in balanced pairs, and no punctuation at the end. */
static size_t url_end(const char *s, size_t n, size_t i)
{
    size_t end = i, good = i;
    while (end < n) {
        char c = s[end];
        if (is_space(c))
            break;
        if (c == '&') {
            if (n - end >= 5 && memcmp(s + end, "&amp;", 5) == 0)
                end += 5;
            else if (n - end >= 6 && memcmp(s + end, "&quot;", 6) == 0)
                end += 6;
            else
                break;
            continue;
        }
        if (c == '(') {
            size_t j = end + 1;
            while (j < n && s[j] != ')' && s[j] != '(' && s[j] != '&' && !is_space(s[j]))
                j++;
            if (j >= n || s[j] != ')')
                break;
            end = good = j + 1;
            continue;
        }
        if (c == ')')
            break;
        end++;
        if (!strchr("!\"#$%'*+,.:;<=>?@[]^`{|}~", c))
            good = end;
    }
    return good;
}

static json_t *h_linkify(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    if (!nargs_ok(t, argc, 1, 2))
        return NULL;
    bool nofollow = argc > 1 && truthy(argv[1]);
    eddy_buf raw = EDDY_BUF_INIT, esc = EDDY_BUF_INIT, b = EDDY_BUF_INIT;
    int rc = as_text(t, &raw, argv[0]);
    if (rc == 0)
        rc = eddy_xhtml_escape_to(&esc, raw.data ? raw.data : "", raw.len);
    eddy_buf_free(&raw);
    const char *s = esc.data ? esc.data : "";
    size_t n = esc.len, from = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool boundary = i == 0 || !is_ident(s[i - 1]);
        size_t skip = 0;
        if (!boundary)
            continue;
        if (n - i >= 7 && memcmp(s + i, "http://", 7) == 0)
            skip = 7;
        else if (n - i >= 8 && memcmp(s + i, "https://", 8) == 0)
            skip = 8;
        else if (n - i >= 4 && memcmp(s + i, "www.", 4) == 0)
            skip = 4;
        if (!skip)
            continue;
        size_t end = url_end(s, n, i + skip);
        if (end == i + skip)
            continue;
        rc = eddy_buf_append(&b, s + from, i - from) | eddy_buf_append_str(&b, "<a href=\"") |
             (skip == 4 ? eddy_buf_append_str(&b, "http://") : 0) |
             eddy_buf_append(&b, s + i, end - i) | eddy_buf_append_char(&b, '"') |
             (nofollow ? eddy_buf_append_str(&b, " rel=\"nofollow\"") : 0) |
             eddy_buf_append_char(&b, '>') | eddy_buf_append(&b, s + i, end - i) |
             eddy_buf_append_str(&b, "</a>");
        from = end;
        i = end - 1;
    }
    if (rc == 0)
        rc = eddy_buf_append(&b, s + from, n - from);
    eddy_buf_free(&esc);
    return text_result(t, &b, rc < 0 ? -1 : 0);
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

int tpl_add_builtins(eddy_template_loader *l)
{
    static const struct {
        const char *name;
        eddy_template_helper_fn fn;
    } builtins[] = {
        {"escape", h_escape},         {"xhtml_escape", h_escape},
        {"url_escape", h_url_escape}, {"json_encode", h_json_encode},
        {"squeeze", h_squeeze},       {"linkify", h_linkify},
        {"datetime", h_datetime},     {"len", h_len},
        {"range", h_range},
    };
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (eddy_template_helper(l, builtins[i].name, builtins[i].fn) < 0)
            return -1;
    return 0;
}
