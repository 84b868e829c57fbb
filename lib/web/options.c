/*
 * options - typed command-line and config-file options; see options.h.
 *
 * This file holds the set and its definitions, the names options are
 * found by, the messages failures leave, and the command line; how the
 * work is shared with options_value.c, options_config.c and
 * options_help.c is described in options_internal.h.
 */
#include <eddy/web/options.h>

#include "options_internal.h"

#include <eddy/base/log.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ messages */

static int vfail(eddy_options *o, const char *fmt, va_list ap)
{
    vsnprintf(o->error, sizeof o->error, fmt, ap);
    return -1;
}

/* eddy_opt_fail - set the message of the failure being returned; always -1. */
__attribute__((format(printf, 2, 3))) int eddy_opt_fail(eddy_options *o, const char *fmt, ...)
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

/* eddy_opt_quote - s as a C-style quoted string for a message, cut after QUOTE_MAX
 * bytes: the value came from the user and may hold anything. */
const char *eddy_opt_quote(const char *s, size_t len, char out[QUOTE_SIZE])
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

/* eddy_opt_valid_name - letters, digits, "-" and "_", not starting with "-" (which
 * would read as "---name"), at most MAX_NAME bytes. */
bool eddy_opt_valid_name(const char *name, size_t len)
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

struct option *eddy_opt_find(const eddy_options *o, const char *name, size_t len)
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

/* eddy_opt_closest - the defined name a typo most likely meant, or NULL: one edit
 * away for short names, two for longer ones. */
const char *eddy_opt_closest(const eddy_options *o, const char *name, size_t len)
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
        return eddy_opt_fail(o, "out of memory");
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
    if (!eddy_opt_valid_name(name ? name : "", len)) {
        char q[QUOTE_SIZE];
        define_fail(o, "option name %s: expected letters, digits, - and _ (at most %d)",
                    eddy_opt_quote(name ? name : "", len, q), MAX_NAME);
        return NULL;
    }
    if (eddy_opt_find(o, name, len)) {
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
    eddy_opt_publish(opt);
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
    struct option *opt = name ? eddy_opt_find(o, name, strlen(name)) : NULL;
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
    if (opt->def.s && !eddy_opt_in_choices(choices, opt->def.s))
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
        return eddy_opt_fail(o, "%s", o->define_error);
    if (argc > 0 && argv[0]) {
        const char *slash = strrchr(argv[0], '/');
        if (replace_string(o, &o->prog, slash ? slash + 1 : argv[0]) < 0)
            return -1;
    }
    char q[QUOTE_SIZE], label[MAX_NAME + 8], what[256];
    int i = 1;
    while (i < argc) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0)
            return i + 1;
        if (arg[0] != '-' || arg[1] == '\0')
            return i; /* the first positional ends the options, "-" included */
        if (arg[1] != '-')
            return eddy_opt_fail(o, "%s: unknown option (options are written --name)",
                                 eddy_opt_quote(arg, strlen(arg), q));

        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        struct option *opt = eddy_opt_valid_name(name, len) ? eddy_opt_find(o, name, len) : NULL;
        bool negated = false;
        if (!opt && len > 3 && memcmp(name, "no", 2) == 0 && same_char(name[2], '-')) {
            opt = eddy_opt_find(o, name + 3, len - 3);
            if (opt && opt->kind != KIND_BOOL)
                return eddy_opt_fail(
                    o, "--no-%s: unknown option (only bool options have a --no- form)", opt->name);
            negated = opt != NULL;
        }
        if (!opt) {
            bool wellformed = len && name[0] != '-';
            for (size_t k = 0; k < len && wellformed; k++)
                wellformed = is_name_char((unsigned char)name[k]);
            if (!wellformed)
                return eddy_opt_fail(o, "%s: expected an option name after --",
                                     eddy_opt_quote(arg, strlen(arg), q));
            const char *near = eddy_opt_closest(o, name, len);
            return eddy_opt_fail(o, "--%.*s%s: unknown option%s%s%s",
                                 len > MAX_NAME ? MAX_NAME : (int)len, name,
                                 len > MAX_NAME ? "..." : "", near ? " (did you mean --" : "",
                                 near ? near : "", near ? "?)" : "");
        }
        snprintf(label, sizeof label, "--%s%s", negated ? "no-" : "", opt->name);

        const char *text;
        if (opt->kind == KIND_BOOL) {
            if (negated && eq)
                return eddy_opt_fail(o, "%s: takes no value, got %s", label,
                                     eddy_opt_quote(eq + 1, strlen(eq + 1), q));
            text = eq ? eq + 1 : negated ? "false" : "true";
        } else if (eq) {
            text = eq + 1;
        } else if (i + 1 >= argc) {
            return eddy_opt_fail(o, "%s: expected %s, got nothing", label,
                                 eddy_opt_describe(opt, what, sizeof what));
        } else if (strncmp(argv[i + 1], "--", 2) == 0) {
            /* Most likely a forgotten value; write --name=--x to mean it. */
            return eddy_opt_fail(o, "%s: expected %s, got the option %s", label,
                                 eddy_opt_describe(opt, what, sizeof what),
                                 eddy_opt_quote(argv[i + 1], strlen(argv[i + 1]), q));
        } else {
            text = argv[++i];
        }

        if (opt->role == ROLE_HELP) {
            bool wanted;
            if (eddy_opt_parse_value(o, opt, label, text, &(value){0}) < 0)
                return -1;
            eddy_opt_parse_bool(text, &wanted);
            if (wanted)
                return EDDY_OPTIONS_HELP;
        } else if (eddy_opt_set_value(o, opt, text, FROM_COMMAND_LINE, label) < 0) {
            return -1;
        }
        i++;
    }
    return argc;
}

int eddy_options_parse_command_line(eddy_options *o, int argc, char *const argv[])
{
    int first = eddy_options_parse_args(o, argc, argv);
    if (first == EDDY_OPTIONS_HELP && (eddy_options_print_help(o, stdout) < 0 || fflush(stdout))) {
        eddy_opt_fail(o, "cannot write the help: %s", strerror(errno));
        fprintf(stderr, "%s: %s\n", o->prog, o->error);
        return EDDY_OPTIONS_ERROR;
    }
    if (first == EDDY_OPTIONS_ERROR)
        fprintf(stderr, "%s: %s\nRun %s --help to see the options.\n", o->prog, o->error, o->prog);
    return first;
}
