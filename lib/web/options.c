/*
 * options - typed command-line and config-file options; see options.h.
 *
 * A set is a small array of option records, searched linearly: programs
 * define tens of options, not thousands, and the set is consulted only
 * while parsing. Each record keeps its current value (strings owned by the
 * set) and where that value came from, which is what lets the command line
 * beat a config file whichever is read first: a value is only replaced by
 * one from a source at least as strong. Every value, from argv or a file,
 * goes through one function (set_value), so both accept exactly the same
 * text and report it with the same words.
 */
#include <eddy/web/options.h>

#include <eddy/base/buf.h>
#include <eddy/base/log.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum {
    MAX_NAME = 64,          /* longest option name */
    MAX_FILE = 1024 * 1024, /* a bigger config file is surely the wrong file */
    HELP_WIDTH = 79,        /* --help wraps its text before this column */
    HELP_HEAD_MAX = 30,     /* a longer "--name=TYPE" puts its help on the next line */
    QUOTE_MAX = 40,         /* bytes of a bad value shown in a message */
};

enum kind { KIND_STRING, KIND_INT, KIND_BOOL, KIND_DOUBLE, KIND_DURATION };

/* role - options with a side effect when set. */
enum role { ROLE_PLAIN, ROLE_HELP, ROLE_CONFIG, ROLE_LOGGING };

/* source - where a value came from; a stronger one is never overwritten
 * by a weaker one. */
enum source { FROM_DEFAULT, FROM_FILE, FROM_COMMAND_LINE };

typedef union value {
    char *s; /* owned by the option */
    int64_t i;
    bool b;
    double d;
} value;

struct option {
    char *name; /* as defined, with "_" turned into "-" */
    char *help;
    char *group;
    char *choices; /* "a|b|c", or NULL */
    enum kind kind;
    enum role role;
    enum source source;
    bool has_range;
    int64_t min, max;
    value def; /* for --help */
    value cur;
    void *var; /* the caller's variable, or NULL */
};

struct eddy_options {
    struct option **opts; /* pointers, so that a record never moves */
    size_t count, cap;
    char *group; /* of the next definitions */
    char *usage;
    char *prog;         /* argv[0]'s base name, for --help and messages */
    locale_t c_numeric; /* "." as the decimal point, or (locale_t)0 */
    bool define_failed;
    char define_error[2048];
    char error[2048];
};

/* ------------------------------------------------------------ messages */

static int vfail(eddy_options *o, const char *fmt, va_list ap)
{
    vsnprintf(o->error, sizeof o->error, fmt, ap);
    return -1;
}

/* fail - set the message of the failure being returned; always -1. */
__attribute__((format(printf, 2, 3))) static int fail(eddy_options *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(o, fmt, ap);
    va_end(ap);
    return -1;
}

/* define_fail - fail, and remember the first failed definition so that
 * the parse a program runs next reports it even if nobody checked. */
__attribute__((format(printf, 2, 3))) static int define_fail(eddy_options *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(o, fmt, ap);
    va_end(ap);
    if (!o->define_failed) {
        o->define_failed = true;
        memcpy(o->define_error, o->error, sizeof o->error);
    }
    return -1;
}

/* quote - s as a C-style quoted string for a message, cut after QUOTE_MAX
 * bytes: the value came from the user and may hold anything. */
static const char *quote(const char *s, size_t len, char out[QUOTE_MAX * 4 + 8])
{
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    *p++ = '"';
    for (size_t i = 0; i < len && i < QUOTE_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c == '\n') {
            *p++ = '\\';
            *p++ = 'n';
        } else if (c == '\t') {
            *p++ = '\\';
            *p++ = 't';
        } else if (c < 0x20 || c == 0x7f) {
            *p++ = '\\';
            *p++ = 'x';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        } else {
            *p++ = (char)c;
        }
    }
    if (len > QUOTE_MAX) {
        memcpy(p, "...", 3);
        p += 3;
    }
    *p++ = '"';
    *p = '\0';
    return out;
}

const char *eddy_options_error(const eddy_options *o)
{
    return o->error;
}

/* ------------------------------------------------------------ names */

static bool is_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* valid_name - letters, digits, "-" and "_", not starting with "-" (which
 * would read as "---name"), at most MAX_NAME bytes. */
static bool valid_name(const char *name, size_t len)
{
    if (len == 0 || len > MAX_NAME || name[0] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_name_char((unsigned char)name[i]))
            return false;
    return true;
}

/* same_char - "-" and "_" are one character in names, as in Tornado, so
 * --max-body and max_body in a config file reach the same option. */
static bool same_char(char a, char b)
{
    return a == b || ((a == '-' || a == '_') && (b == '-' || b == '_'));
}

static struct option *find(const eddy_options *o, const char *name, size_t len)
{
    for (size_t i = 0; i < o->count; i++) {
        const char *n = o->opts[i]->name;
        size_t j = 0;
        while (j < len && n[j] && same_char(n[j], name[j]))
            j++;
        if (j == len && n[j] == '\0')
            return o->opts[i];
    }
    return NULL;
}

/* distance - edit distance counting a swap of neighbours as one edit, for
 * "did you mean". Names longer than MAX_NAME are never close to one. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
    if (la > MAX_NAME || lb > MAX_NAME)
        return SIZE_MAX;
    size_t d[MAX_NAME + 1][MAX_NAME + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = same_char(a[i - 1], b[j - 1]) ? 0 : 1;
            size_t best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* closest - the defined name a typo most likely meant, or NULL: one edit
 * away for short names, two for longer ones. */
static const char *closest(const eddy_options *o, const char *name, size_t len)
{
    size_t allowed = len <= 4 ? 1 : 2, best = SIZE_MAX;
    const char *found = NULL;
    for (size_t i = 0; i < o->count; i++) {
        const char *n = o->opts[i]->name;
        size_t d = distance(name, len, n, strlen(n));
        if (d <= allowed && d < best) {
            best = d;
            found = n;
        }
    }
    return found;
}

/* ------------------------------------------------------------ values */

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

static int parse_bool(const char *s, bool *out)
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

/* in_choices - value is one of the "a|b|c" alternatives. */
static bool in_choices(const char *choices, const char *value)
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

/* describe - what an option accepts, as the end of "expected ...". */
static const char *describe(const struct option *opt, char *out, size_t size)
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

/* parse_value - text as the option's type, checked against its range or
 * choices. A string is not copied: out->s points at text. */
static int parse_value(eddy_options *o, const struct option *opt, const char *label,
                       const char *text, value *out)
{
    char what[256], q[QUOTE_MAX * 4 + 8];
    bool ok = true;
    switch (opt->kind) {
    case KIND_STRING:
        out->s = (char *)text;
        ok = !opt->choices || in_choices(opt->choices, text);
        break;
    case KIND_INT:
        if (parse_int(text, &out->i) < 0) {
            ok = false;
            if (errno == ERANGE && !opt->has_range) /* say what the limits are */
                return fail(o, "%s: expected an integer from %" PRId64 " to %" PRId64 ", got %s",
                            label, INT64_MIN, INT64_MAX, quote(text, strlen(text), q));
        }
        break;
    case KIND_BOOL:
        ok = parse_bool(text, &out->b) == 0;
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
        return fail(o, "%s: expected %s, got %s", label, describe(opt, what, sizeof what),
                    quote(text, strlen(text), q));
    return 0;
}

/* publish - copy the current value into the caller's variable. */
static void publish(const struct option *opt)
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

/* set_value - parse text for opt and, unless a stronger source already
 * set it, make it the option's value; then run the option's side effect.
 * label names the option in messages ("--port", "app.conf:3: port"). */
static int set_value(eddy_options *o, struct option *opt, const char *text, enum source from,
                     const char *label)
{
    value v;
    if (parse_value(o, opt, label, text, &v) < 0)
        return -1;
    if (from < opt->source)
        return 0; /* checked all the same: a bad line is an error even when overridden */
    if (opt->kind == KIND_STRING) {
        char *copy = strdup(text);
        if (!copy)
            return fail(o, "%s: out of memory", label);
        free(opt->cur.s);
        v.s = copy;
    }
    opt->cur = v;
    opt->source = from;
    publish(opt);

    if (opt->role == ROLE_LOGGING) {
        eddy_log_level level;
        if (eddy_log_parse_level(opt->cur.s, &level) == 0)
            eddy_log_set_level(level);
    }
    if (opt->role == ROLE_CONFIG)
        return eddy_options_parse_file(o, opt->cur.s);
    return 0;
}

/* ------------------------------------------------------------ the set */

eddy_options *eddy_options_new(void)
{
    eddy_options *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->usage = strdup("[OPTIONS]");
    o->prog = strdup("program");
    o->group = strdup("");
    o->c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!o->usage || !o->prog || !o->group ||
        eddy_option_bool(o, "help", NULL, false, "show this help and exit") < 0) {
        eddy_options_free(o);
        return NULL;
    }
    o->opts[0]->role = ROLE_HELP;
    return o;
}

static void free_option(struct option *opt)
{
    if (!opt)
        return;
    free(opt->name);
    free(opt->help);
    free(opt->group);
    free(opt->choices);
    if (opt->kind == KIND_STRING) {
        free(opt->def.s);
        free(opt->cur.s);
    }
    free(opt);
}

void eddy_options_free(eddy_options *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->count; i++)
        free_option(o->opts[i]);
    free(o->opts);
    free(o->group);
    free(o->usage);
    free(o->prog);
    if (o->c_numeric)
        freelocale(o->c_numeric);
    free(o);
}

static int replace_string(eddy_options *o, char **slot, const char *s)
{
    char *copy = strdup(s ? s : "");
    if (!copy)
        return fail(o, "out of memory");
    free(*slot);
    *slot = copy;
    return 0;
}

int eddy_options_group(eddy_options *o, const char *group)
{
    return replace_string(o, &o->group, group);
}

int eddy_options_usage(eddy_options *o, const char *args)
{
    return replace_string(o, &o->usage, args);
}

/* define - add an option record with its default (def.s is copied). */
static struct option *define(eddy_options *o, const char *name, enum kind kind, void *var,
                             value def, const char *help)
{
    size_t len = name ? strlen(name) : 0;
    if (!valid_name(name ? name : "", len)) {
        char q[QUOTE_MAX * 4 + 8];
        define_fail(o, "option name %s: expected letters, digits, - and _ (at most %d)",
                    quote(name ? name : "", len, q), MAX_NAME);
        return NULL;
    }
    if (find(o, name, len)) {
        define_fail(o, "option --%s is defined twice", name);
        return NULL;
    }
    if (o->count == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        struct option **grown = realloc(o->opts, cap * sizeof *grown);
        if (!grown)
            goto nomem;
        o->opts = grown;
        o->cap = cap;
    }
    struct option *opt = calloc(1, sizeof *opt);
    if (!opt)
        goto nomem;
    opt->kind = kind;
    opt->var = var;
    opt->def = opt->cur = def;
    if (kind == KIND_STRING)
        opt->def.s = opt->cur.s = NULL; /* so free_option never frees the caller's */
    opt->name = strdup(name);
    opt->help = strdup(help ? help : "");
    opt->group = strdup(o->group);
    if (!opt->name || !opt->help || !opt->group ||
        (kind == KIND_STRING && def.s &&
         (!(opt->def.s = strdup(def.s)) || !(opt->cur.s = strdup(def.s))))) {
        free_option(opt);
        goto nomem;
    }
    for (char *p = opt->name; *p; p++)
        if (*p == '_')
            *p = '-'; /* how --help shows it */
    o->opts[o->count++] = opt;
    publish(opt);
    return opt;
nomem:
    define_fail(o, "option --%s: out of memory", name);
    return NULL;
}

int eddy_option_string(eddy_options *o, const char *name, const char **var, const char *def,
                       const char *help)
{
    value v = {.s = (char *)def};
    return define(o, name, KIND_STRING, (void *)var, v, help) ? 0 : -1;
}

int eddy_option_int(eddy_options *o, const char *name, int64_t *var, int64_t def, const char *help)
{
    value v = {.i = def};
    return define(o, name, KIND_INT, var, v, help) ? 0 : -1;
}

int eddy_option_bool(eddy_options *o, const char *name, bool *var, bool def, const char *help)
{
    value v = {.b = def};
    return define(o, name, KIND_BOOL, var, v, help) ? 0 : -1;
}

int eddy_option_double(eddy_options *o, const char *name, double *var, double def, const char *help)
{
    if (!isfinite(def))
        return define_fail(o, "option --%s: the default must be a finite number", name);
    value v = {.d = def};
    return define(o, name, KIND_DOUBLE, var, v, help) ? 0 : -1;
}

int eddy_option_duration(eddy_options *o, const char *name, int64_t *ms, int64_t def_ms,
                         const char *help)
{
    if (def_ms < 0)
        return define_fail(o, "option --%s: a duration cannot be negative", name);
    value v = {.i = def_ms};
    return define(o, name, KIND_DURATION, ms, v, help) ? 0 : -1;
}

/* find_defined - the option a modifier names, or NULL with a definition error. */
static struct option *find_defined(eddy_options *o, const char *name, const char *modifier)
{
    struct option *opt = name ? find(o, name, strlen(name)) : NULL;
    if (!opt)
        define_fail(o, "%s: no option --%s is defined", modifier, name ? name : "(null)");
    return opt;
}

int eddy_option_range(eddy_options *o, const char *name, int64_t min, int64_t max)
{
    struct option *opt = find_defined(o, name, "eddy_option_range");
    if (!opt)
        return -1;
    if (opt->kind != KIND_INT && opt->kind != KIND_DURATION)
        return define_fail(o, "option --%s: only integers and durations have a range", name);
    if (min > max || opt->def.i < min || opt->def.i > max)
        return define_fail(
            o, "option --%s: the range %" PRId64 " to %" PRId64 " must hold the default %" PRId64,
            name, min, max, opt->def.i);
    opt->has_range = true;
    opt->min = min;
    opt->max = max;
    return 0;
}

int eddy_option_choices(eddy_options *o, const char *name, const char *choices)
{
    struct option *opt = find_defined(o, name, "eddy_option_choices");
    if (!opt)
        return -1;
    if (opt->kind != KIND_STRING || opt->role != ROLE_PLAIN)
        return define_fail(o, "option --%s: only plain string options have choices", name);
    if (!choices || !*choices || strstr(choices, "||") || choices[0] == '|' ||
        choices[strlen(choices) - 1] == '|')
        return define_fail(o, "option --%s: expected choices like \"a|b|c\"", name);
    if (opt->def.s && !in_choices(choices, opt->def.s))
        return define_fail(o, "option --%s: the default \"%s\" is not one of %s", name, opt->def.s,
                           choices);
    char *copy = strdup(choices);
    if (!copy)
        return define_fail(o, "option --%s: out of memory", name);
    free(opt->choices);
    opt->choices = copy;
    return 0;
}

int eddy_option_config(eddy_options *o, const char *name, const char **var, const char *help)
{
    value v = {.s = NULL};
    struct option *opt = define(o, name, KIND_STRING, (void *)var, v, help);
    if (!opt)
        return -1;
    opt->role = ROLE_CONFIG;
    return 0;
}

int eddy_options_define_logging(eddy_options *o)
{
    static const char *const names[] = {
        [EDDY_LOG_DEBUG] = "debug", [EDDY_LOG_INFO] = "info", [EDDY_LOG_WARNING] = "warning",
        [EDDY_LOG_ERROR] = "error", [EDDY_LOG_NONE] = "none",
    };
    eddy_log_level now = eddy_log_get_level();
    char *group = o->group, logging[] = "logging";
    o->group = logging; /* for this definition only: define() copies it */
    value v = {.s = (char *)names[now <= EDDY_LOG_NONE ? now : EDDY_LOG_INFO]};
    struct option *opt =
        define(o, "logging", KIND_STRING, NULL, v, "log lines at this level and above");
    o->group = group;
    if (!opt)
        return -1;
    if (eddy_option_choices(o, "logging", "debug|info|warning|error|none") < 0)
        return -1;
    opt->role = ROLE_LOGGING;
    return 0;
}

/* ------------------------------------------------------------ command line */

int eddy_options_parse_args(eddy_options *o, int argc, char *const argv[])
{
    if (o->define_failed)
        return fail(o, "%s", o->define_error);
    if (argc > 0 && argv[0]) {
        const char *slash = strrchr(argv[0], '/');
        if (replace_string(o, &o->prog, slash ? slash + 1 : argv[0]) < 0)
            return -1;
    }
    char q[QUOTE_MAX * 4 + 8], label[MAX_NAME + 8], what[256];
    int i = 1;
    while (i < argc) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0)
            return i + 1;
        if (arg[0] != '-' || arg[1] == '\0')
            return i; /* the first positional ends the options, "-" included */
        if (arg[1] != '-')
            return fail(o, "%s: unknown option (options are written --name)",
                        quote(arg, strlen(arg), q));

        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        struct option *opt = valid_name(name, len) ? find(o, name, len) : NULL;
        bool negated = false;
        if (!opt && len > 3 && memcmp(name, "no", 2) == 0 && same_char(name[2], '-')) {
            opt = find(o, name + 3, len - 3);
            if (opt && opt->kind != KIND_BOOL)
                return fail(o, "--no-%s: unknown option (only bool options have a --no- form)",
                            opt->name);
            negated = opt != NULL;
        }
        if (!opt) {
            bool wellformed = len && name[0] != '-';
            for (size_t k = 0; k < len && wellformed; k++)
                wellformed = is_name_char((unsigned char)name[k]);
            if (!wellformed)
                return fail(o, "%s: expected an option name after --", quote(arg, strlen(arg), q));
            const char *near = closest(o, name, len);
            return fail(o, "--%.*s%s: unknown option%s%s%s", len > MAX_NAME ? MAX_NAME : (int)len,
                        name, len > MAX_NAME ? "..." : "", near ? " (did you mean --" : "",
                        near ? near : "", near ? "?)" : "");
        }
        snprintf(label, sizeof label, "--%s%s", negated ? "no-" : "", opt->name);

        const char *text;
        if (opt->kind == KIND_BOOL) {
            if (negated && eq)
                return fail(o, "%s: takes no value, got %s", label,
                            quote(eq + 1, strlen(eq + 1), q));
            text = eq ? eq + 1 : negated ? "false" : "true";
        } else if (eq) {
            text = eq + 1;
        } else if (i + 1 >= argc) {
            return fail(o, "%s: expected %s, got nothing", label, describe(opt, what, sizeof what));
        } else if (strncmp(argv[i + 1], "--", 2) == 0) {
            /* Most likely a forgotten value; write --name=--x to mean it. */
            return fail(o, "%s: expected %s, got the option %s", label,
                        describe(opt, what, sizeof what),
                        quote(argv[i + 1], strlen(argv[i + 1]), q));
        } else {
            text = argv[++i];
        }

        if (opt->role == ROLE_HELP) {
            bool wanted;
            if (parse_value(o, opt, label, text, &(value){0}) < 0)
                return -1;
            parse_bool(text, &wanted);
            if (wanted)
                return EDDY_OPTIONS_HELP;
        } else if (set_value(o, opt, text, FROM_COMMAND_LINE, label) < 0) {
            return -1;
        }
        i++;
    }
    return argc;
}

int eddy_options_parse_command_line(eddy_options *o, int argc, char *const argv[])
{
    int first = eddy_options_parse_args(o, argc, argv);
    if (first >= 0)
        return first;
    int status = 2;
    if (first == EDDY_OPTIONS_HELP)
        status = eddy_options_print_help(o, stdout) < 0 || fflush(stdout) != 0 ? 1 : 0;
    else
        fprintf(stderr, "%s: %s\nRun %s --help to see the options.\n", o->prog, o->error, o->prog);
    /* Freed so that a program built with a leak checker exits with the
     * status it chose, not the checker's: the set is main()'s local. */
    eddy_options_free(o);
    exit(status);
}

/* ------------------------------------------------------------ config files */

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* unquote - a quoted value's contents into out, *used set to the bytes of
 * raw up to and including the closing quote; NULL, or what went wrong. */
static const char *unquote(const char *raw, size_t len, eddy_buf *out, size_t *used)
{
    char q = raw[0];
    size_t i = 1;
    for (; i < len && raw[i] != q; i++) {
        char c = raw[i];
        if (c == '\\') {
            if (++i == len)
                break;
            static const char escape[] = "\\\"'nt", meaning[] = "\\\"'\n\t";
            const char *hit = raw[i] ? strchr(escape, raw[i]) : NULL;
            if (!hit)
                return "expected an escape among \\\\ \\\" \\' \\n \\t in a quoted value";
            c = meaning[hit - escape];
        }
        if (eddy_buf_append_char(out, c) < 0)
            return "out of memory";
    }
    if (i >= len)
        return "expected a closing quote";
    *used = i + 1;
    return NULL;
}

/* parse_line - one trimmed, non-empty, non-comment line "name = value". */
static int parse_line(eddy_options *o, const char *origin, size_t line_no, const char *line,
                      size_t len, eddy_buf *value)
{
    char q[QUOTE_MAX * 4 + 8], label[2048];
    const char *eq = memchr(line, '=', len);
    size_t nlen = eq ? (size_t)(eq - line) : 0;
    while (nlen && is_space(line[nlen - 1]))
        nlen--;
    if (!eq || !valid_name(line, nlen))
        return fail(o, "%s:%zu: expected \"name = value\", got %s", origin, line_no,
                    quote(line, len, q));

    const char *raw = eq + 1;
    size_t rlen = len - (size_t)(raw - line);
    while (rlen && is_space(*raw))
        raw++, rlen--;
    eddy_buf_clear(value);
    if (rlen && (*raw == '"' || *raw == '\'')) {
        size_t used = 0;
        const char *why = unquote(raw, rlen, value, &used);
        if (why)
            return fail(o, "%s:%zu: %.*s: %s", origin, line_no, (int)nlen, line, why);
        while (used < rlen && is_space(raw[used]))
            used++;
        if (used < rlen && raw[used] != '#')
            return fail(o,
                        "%s:%zu: %.*s: expected a comment or nothing after the quoted "
                        "value, got %s",
                        origin, line_no, (int)nlen, line, quote(raw + used, rlen - used, q));
    } else {
        /* "port = 80  # the usual"; a value that starts with # keeps it. */
        for (size_t i = 1; i < rlen; i++)
            if (raw[i] == '#' && is_space(raw[i - 1]))
                rlen = i;
        while (rlen && is_space(raw[rlen - 1]))
            rlen--;
        if (eddy_buf_append(value, raw, rlen) < 0)
            return fail(o, "%s:%zu: out of memory", origin, line_no);
    }
    const char *text = value->data ? value->data : "";

    struct option *opt = find(o, line, nlen);
    if (!opt) {
        const char *near = closest(o, line, nlen);
        return fail(o, "%s:%zu: %.*s: unknown option%s%s%s", origin, line_no, (int)nlen, line,
                    near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
    }
    if (opt->role == ROLE_HELP || opt->role == ROLE_CONFIG)
        return fail(o, "%s:%zu: %s: can only be given on the command line", origin, line_no,
                    opt->name);
    snprintf(label, sizeof label, "%s:%zu: %s", origin, line_no, opt->name);
    return set_value(o, opt, text, FROM_FILE, label);
}

int eddy_options_parse_text(eddy_options *o, const char *origin, const char *text, size_t len)
{
    if (o->define_failed)
        return fail(o, "%s", o->define_error);
    eddy_buf value = EDDY_BUF_INIT;
    int rc = 0;
    size_t pos = 0, line_no = 0;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3; /* a UTF-8 byte order mark some editors write */
    while (pos < len && rc == 0) {
        line_no++;
        const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl != NULL);
        while (n && (is_space(line[n - 1]) || line[n - 1] == '\r'))
            n--;
        while (n && is_space(*line))
            line++, n--;
        if (n == 0 || line[0] == '#')
            continue;
        if (memchr(line, '\0', n)) {
            rc = fail(o, "%s:%zu: expected text, got a NUL byte", origin, line_no);
            break;
        }
        rc = parse_line(o, origin, line_no, line, n, &value);
    }
    eddy_buf_free(&value);
    return rc;
}

int eddy_options_parse_file(eddy_options *o, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(o, "%s: %s", path, strerror(errno));
    eddy_buf b = EDDY_BUF_INIT;
    int rc = 0;
    for (;;) {
        if (b.len > MAX_FILE) {
            rc = fail(o, "%s: larger than %d bytes; is it the right file?", path, MAX_FILE);
            goto out;
        }
        if (eddy_buf_reserve(&b, 65536) < 0) {
            rc = fail(o, "%s: out of memory", path);
            goto out;
        }
        ssize_t n = read(fd, b.data + b.len, b.cap - b.len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = fail(o, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        b.len += (size_t)n;
        b.data[b.len] = '\0';
    }
    rc = eddy_options_parse_text(o, path, b.data, b.len);
out:
    close(fd);
    eddy_buf_free(&b);
    return rc;
}

/* ------------------------------------------------------------ --help */

/* head - "--name=TYPE" as --help shows it. */
static void head(const struct option *opt, eddy_buf *out)
{
    static const char *const types[] = {
        [KIND_STRING] = "STRING", [KIND_INT] = "INT",           [KIND_BOOL] = "",
        [KIND_DOUBLE] = "NUMBER", [KIND_DURATION] = "DURATION",
    };
    if (opt->kind == KIND_BOOL && opt->role != ROLE_HELP)
        eddy_buf_printf(out, "--[no-]%s", opt->name);
    else
        eddy_buf_printf(out, "--%s", opt->name);
    if (opt->kind != KIND_BOOL)
        eddy_buf_printf(out, "=%s",
                        opt->choices               ? opt->choices
                        : opt->role == ROLE_CONFIG ? "FILE"
                                                   : types[opt->kind]);
}

/* details - the help text followed by "(default X, from A to B)". */
static void details(const struct option *opt, eddy_buf *out)
{
    char a[32], b[32];
    eddy_buf_append_str(out, opt->help);
    const char *open = *opt->help ? " (" : "(";
    switch (opt->kind) {
    case KIND_STRING:
        if (opt->def.s && *opt->def.s)
            eddy_buf_printf(out, "%sdefault %s", open, opt->def.s);
        else
            open = NULL;
        break;
    case KIND_INT:
        eddy_buf_printf(out, "%sdefault %" PRId64, open, opt->def.i);
        if (opt->has_range)
            eddy_buf_printf(out, ", from %" PRId64 " to %" PRId64, opt->min, opt->max);
        break;
    case KIND_BOOL:
        if (opt->role == ROLE_HELP)
            open = NULL;
        else
            eddy_buf_printf(out, "%sdefault %s", open, opt->def.b ? "true" : "false");
        break;
    case KIND_DOUBLE:
        eddy_buf_printf(out, "%sdefault %g", open, opt->def.d);
        break;
    case KIND_DURATION:
        eddy_duration_format(opt->def.i, a, sizeof a);
        eddy_buf_printf(out, "%sdefault %s", open, a);
        if (opt->has_range) {
            eddy_duration_format(opt->min, a, sizeof a);
            eddy_duration_format(opt->max, b, sizeof b);
            eddy_buf_printf(out, ", from %s to %s", a, b);
        }
        break;
    }
    if (open)
        eddy_buf_append_char(out, ')');
}

/* wrap - append text at column col, breaking lines at spaces before
 * HELP_WIDTH; a word longer than a line is left whole. */
static void wrap(eddy_buf *out, const char *text, size_t col)
{
    size_t room = HELP_WIDTH > col + 20 ? HELP_WIDTH - col : 20, used = 0;
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == '\n') /* a newline in a help string would break the columns */
            p++;
        size_t n = strcspn(p, " \n");
        if (!n)
            break;
        if (used && used + 1 + n > room) {
            eddy_buf_printf(out, "\n%*s", (int)col, "");
            used = 0;
        }
        if (used) {
            eddy_buf_append_char(out, ' ');
            used++;
        }
        eddy_buf_append(out, p, n);
        used += n;
        p += n;
    }
}

int eddy_options_print_help(const eddy_options *o, FILE *out)
{
    eddy_buf text = EDDY_BUF_INIT, h = EDDY_BUF_INIT, d = EDDY_BUF_INIT;
    size_t width = 0;
    for (size_t i = 0; i < o->count; i++) {
        eddy_buf_clear(&h);
        head(o->opts[i], &h);
        if (h.len <= HELP_HEAD_MAX && h.len > width)
            width = h.len;
    }
    size_t col = 2 + width + 2;

    eddy_buf_printf(&text, "Usage: %s %s\n", o->prog, o->usage);
    for (size_t i = 0; i < o->count; i++) {
        const char *group = o->opts[i]->group;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(o->opts[j]->group, group) == 0;
        if (seen)
            continue; /* groups appear in the order of their first option */
        if (*group)
            eddy_buf_printf(&text, "\n%s options:\n", group);
        else
            eddy_buf_append_str(&text, "\nOptions:\n");
        for (size_t j = i; j < o->count; j++) {
            const struct option *opt = o->opts[j];
            if (strcmp(opt->group, group) != 0)
                continue;
            eddy_buf_clear(&h);
            eddy_buf_clear(&d);
            head(opt, &h);
            details(opt, &d);
            eddy_buf_printf(&text, "  %s", h.data ? h.data : "");
            if (d.len) {
                if (h.len > width)
                    eddy_buf_printf(&text, "\n%*s", (int)col, "");
                else
                    eddy_buf_printf(&text, "%*s", (int)(col - 2 - h.len), "");
                wrap(&text, d.data ? d.data : "", col);
            }
            eddy_buf_append_char(&text, '\n');
        }
    }
    int rc = text.data && fwrite(text.data, 1, text.len, out) == text.len && !ferror(out) ? 0 : -1;
    eddy_buf_free(&text);
    eddy_buf_free(&h);
    eddy_buf_free(&d);
    return rc;
}
