/*
 * options_value - text to typed values, and setting an option's value;
 * part of lib/web/options (see options_internal.h).
 *
 * Integers, booleans, numbers and durations are read strictly (no
 * spaces, no hex, no locale), checked against an option's range or
 * choices, and reported with what was expected. Durations are also
 * public (eddy_duration_parse, eddy_duration_format) for other modules'
 * settings.
 */
#include <eddy/web/options.h>

#include "options_internal.h"

#include <eddy/base/log.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* parse_int - a decimal int64_t, nothing else: no spaces, no hex. */
static int parse_int(const char *s, int64_t *out)
{
    const char *p = s + (*s == '+' || *s == '-');
    errno = EINVAL;
    if (*p < '0' || *p > '9')
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (v < INT64_MIN || v > INT64_MAX)
        errno = ERANGE;
    if (*end || errno) {
        errno = errno ? errno : EINVAL;
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

int eddy_opt_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* parse_double - strtod in the C locale: a program that called
 * setlocale() must still read "0.5" the way its config file means it. */
static int parse_double(const eddy_options *o, const char *s, double *out)
{
    if (!*s || isspace((unsigned char)*s))
        return -1;
    char *end;
    double v = o->c_numeric ? strtod_l(s, &end, o->c_numeric) : strtod(s, &end);
    if (*end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static const struct {
    const char *name;
    int64_t ms;
} units[] = {
    {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1},
};

/* Durations are added up exactly in integers: "1.5s" is 1 s plus 5/10 of
 * 1000 ms, with the fraction required to come out whole. Six decimals are
 * as fine as any unit can be cut into milliseconds (a day has 86,400,000);
 * further digits must be zeros. */
int eddy_duration_parse(const char *text, int64_t *ms)
{
    const char *p = text;
    int64_t total = 0;
    int parts = 0;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        uint64_t whole = 0, frac = 0, scale = 1;
        int digits = 0;
        for (; *p >= '0' && *p <= '9'; p++, digits++) {
            if (whole > (UINT64_MAX - 9) / 10)
                goto range;
            whole = whole * 10 + (uint64_t)(*p - '0');
        }
        if (*p == '.') {
            for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
                if (scale < 1000000) {
                    frac = frac * 10 + (uint64_t)(*p - '0');
                    scale *= 10;
                } else if (*p != '0') {
                    goto invalid; /* finer than any unit allows */
                }
            }
        }
        if (!digits)
            goto invalid;
        const char *u = p;
        while (*p >= 'a' && *p <= 'z')
            p++;
        size_t ulen = (size_t)(p - u);
        int64_t unit = 0;
        if (ulen == 0) {
            const char *rest = p;
            while (*rest == ' ')
                rest++;
            if (parts || *rest)
                goto invalid; /* a bare number must stand alone: "1h 30" is a slip */
            unit = 1000;
        }
        for (size_t i = 0; i < sizeof units / sizeof units[0] && !unit; i++)
            if (strlen(units[i].name) == ulen && memcmp(units[i].name, u, ulen) == 0)
                unit = units[i].ms;
        if (!unit)
            goto invalid;
        if (whole > (uint64_t)(INT64_MAX / unit))
            goto range;
        uint64_t part_frac = frac * (uint64_t)unit; /* < 10^6 * 86,400,000: fits */
        if (part_frac % scale)
            goto invalid;
        uint64_t part = whole * (uint64_t)unit + part_frac / scale;
        if (part > (uint64_t)(INT64_MAX - total))
            goto range;
        total += (int64_t)part;
        parts++;
    }
    if (!parts)
        goto invalid;
    *ms = total;
    return 0;
invalid:
    errno = EINVAL;
    return -1;
range:
    errno = ERANGE;
    return -1;
}

int eddy_duration_format(int64_t ms, char *out, size_t size)
{
    if (ms <= 0) /* 0, and the negative bounds a range may have */
        return snprintf(out, size, ms ? "%" PRId64 "ms" : "0s", ms);
    char text[64];
    size_t n = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        int64_t count = ms / units[i].ms;
        ms %= units[i].ms;
        if (count)
            n += (size_t)snprintf(text + n, sizeof text - n, "%" PRId64 "%s", count, units[i].name);
    }
    return snprintf(out, size, "%s", text);
}

/* eddy_opt_in_choices - value is one of the "a|b|c" alternatives. */
bool eddy_opt_in_choices(const char *choices, const char *value)
{
    size_t len = strlen(value);
    for (const char *p = choices;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && memcmp(p, value, len) == 0)
            return true;
        if (!bar)
            return false;
        p = bar + 1;
    }
}

/* eddy_opt_describe - what an option accepts, as the end of "expected ...". */
const char *eddy_opt_describe(const struct option *opt, char *out, size_t size)
{
    char lo[32], hi[32];
    switch (opt->kind) {
    case KIND_STRING:
        if (opt->choices)
            snprintf(out, size, "one of %s", opt->choices);
        else
            snprintf(out, size, "%s", opt->role == ROLE_CONFIG ? "a file name" : "a string");
        break;
    case KIND_INT:
        if (opt->has_range)
            snprintf(out, size, "an integer from %" PRId64 " to %" PRId64, opt->min, opt->max);
        else
            snprintf(out, size, "an integer");
        break;
    case KIND_BOOL:
        snprintf(out, size, "true or false");
        break;
    case KIND_DOUBLE:
        snprintf(out, size, "a number");
        break;
    case KIND_DURATION:
        if (opt->has_range) {
            eddy_duration_format(opt->min, lo, sizeof lo);
            eddy_duration_format(opt->max, hi, sizeof hi);
            snprintf(out, size, "a duration from %s to %s", lo, hi);
        } else {
            snprintf(out, size, "a duration such as 250ms, 1.5s, 2m or 30 (seconds)");
        }
        break;
    }
    return out;
}

/* eddy_opt_parse_value - text as the option's type, checked against its range or
 * choices. A string is not copied: out->s points at text. */
int eddy_opt_parse_value(eddy_options *o, const struct option *opt, const char *label,
                         const char *text, value *out)
{
    char what[256], q[QUOTE_SIZE];
    bool ok = true;
    switch (opt->kind) {
    case KIND_STRING:
        out->s = (char *)text;
        ok = !opt->choices || eddy_opt_in_choices(opt->choices, text);
        break;
    case KIND_INT:
        if (parse_int(text, &out->i) < 0) {
            ok = false;
            if (errno == ERANGE && !opt->has_range) /* say what the limits are */
                return eddy_opt_fail(
                    o, "%s: expected an integer from %" PRId64 " to %" PRId64 ", got %s", label,
                    INT64_MIN, INT64_MAX, eddy_opt_quote(text, strlen(text), q));
        }
        break;
    case KIND_BOOL:
        ok = eddy_opt_parse_bool(text, &out->b) == 0;
        break;
    case KIND_DOUBLE:
        ok = parse_double(o, text, &out->d) == 0;
        break;
    case KIND_DURATION:
        ok = eddy_duration_parse(text, &out->i) == 0;
        break;
    }
    if (ok && opt->has_range && (out->i < opt->min || out->i > opt->max))
        ok = false;
    if (!ok)
        return eddy_opt_fail(o, "%s: expected %s, got %s", label,
                             eddy_opt_describe(opt, what, sizeof what),
                             eddy_opt_quote(text, strlen(text), q));
    return 0;
}

/* eddy_opt_publish - copy the current value into the caller's variable. */
void eddy_opt_publish(const struct option *opt)
{
    if (!opt->var)
        return;
    switch (opt->kind) {
    case KIND_STRING:
        *(const char **)opt->var = opt->cur.s;
        break;
    case KIND_INT:
    case KIND_DURATION:
        *(int64_t *)opt->var = opt->cur.i;
        break;
    case KIND_BOOL:
        *(bool *)opt->var = opt->cur.b;
        break;
    case KIND_DOUBLE:
        *(double *)opt->var = opt->cur.d;
        break;
    }
}

/* eddy_opt_set_value - parse text for opt and, unless a stronger source already
 * set it, make it the option's value; then run the option's side effect.
 * label names the option in messages ("--port", "app.conf:3: port"). */
int eddy_opt_set_value(eddy_options *o, struct option *opt, const char *text, enum source from,
                       const char *label)
{
    value v;
    if (eddy_opt_parse_value(o, opt, label, text, &v) < 0)
        return -1;
    if (from < opt->source)
        return 0; /* checked all the same: a bad line is an error even when overridden */
    if (opt->kind == KIND_STRING) {
        char *copy = strdup(text);
        if (!copy)
            return eddy_opt_fail(o, "%s: out of memory", label);
        free(opt->cur.s);
        v.s = copy;
    }
    opt->cur = v;
    opt->source = from;
    eddy_opt_publish(opt);

    if (opt->role == ROLE_LOGGING) {
        eddy_log_level level;
        if (eddy_log_parse_level(opt->cur.s, &level) == 0)
            eddy_log_set_level(level);
    }
    if (opt->role == ROLE_CONFIG)
        return eddy_options_parse_file(o, opt->cur.s);
    return 0;
}
