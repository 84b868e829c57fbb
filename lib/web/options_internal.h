/*
 * options_internal - what the files of lib/web/options share, and nobody
 * else: the set's records and the helpers more than one file calls.
 *
 *     options.c         the set, its definitions, names and messages, and
 *                       the command line
 *     options_value.c   text to typed values (durations included), and
 *                       setting an option's value
 *     options_config.c  config files
 *     options_help.c    the --help text
 *
 * A set is a small array of option records, searched linearly: programs
 * define tens of options, not thousands, and the set is consulted only
 * while parsing. Each record keeps its current value (strings owned by the
 * set) and where that value came from, which is what lets the command line
 * beat a config file whichever is read first: a value is only replaced by
 * one from a source at least as strong. Every value, from argv or a file,
 * goes through one function (eddy_opt_set_value), so both accept exactly
 * the same text and report it with the same words.
 *
 * The helpers are named eddy_opt_* (not eddy_option_*, the public
 * definitions) so that a reader sees at once they are private.
 */
#ifndef EDDY_OPTIONS_INTERNAL_H
#define EDDY_OPTIONS_INTERNAL_H

#include <eddy/web/options.h>

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    MAX_NAME = 64,                  /* longest option name */
    MAX_FILE = 1024 * 1024,         /* a bigger config file is surely the wrong file */
    HELP_WIDTH = 79,                /* --help wraps its text before this column */
    HELP_HEAD_MAX = 30,             /* a longer "--name=TYPE" puts its help on the next line */
    QUOTE_MAX = 40,                 /* bytes of a bad value shown in a message */
    QUOTE_SIZE = QUOTE_MAX * 4 + 8, /* eddy_opt_quote's buffer: every byte may become \xNN */
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

/* ------------------------------------------------------------ options.c */

/* eddy_opt_fail - set the message of the failure being returned; always -1. */
__attribute__((format(printf, 2, 3))) int eddy_opt_fail(eddy_options *o, const char *fmt, ...);

/* eddy_opt_quote - s as a C-style quoted string for a message, cut after
 * QUOTE_MAX bytes; returns out. */
const char *eddy_opt_quote(const char *s, size_t len, char out[QUOTE_SIZE]);

/* eddy_opt_valid_name - letters, digits, "-" and "_", not starting with
 * "-", at most MAX_NAME bytes. */
bool eddy_opt_valid_name(const char *name, size_t len);

/* eddy_opt_find - the option named name[0..len), "-" and "_" alike; or NULL. */
struct option *eddy_opt_find(const eddy_options *o, const char *name, size_t len);

/* eddy_opt_closest - the defined name a typo most likely meant, or NULL. */
const char *eddy_opt_closest(const eddy_options *o, const char *name, size_t len);

/* ------------------------------------------------------------ options_value.c */

/* eddy_opt_parse_bool - true/yes/on/1 or false/no/off/0, any case; 0 or -1. */
int eddy_opt_parse_bool(const char *s, bool *out);

/* eddy_opt_in_choices - value is one of the "a|b|c" alternatives. */
bool eddy_opt_in_choices(const char *choices, const char *value);

/* eddy_opt_describe - what an option accepts, as the end of "expected ...". */
const char *eddy_opt_describe(const struct option *opt, char *out, size_t size);

/* eddy_opt_parse_value - text as the option's type, checked against its
 * range or choices; 0, or -1 with a message starting with label. */
int eddy_opt_parse_value(eddy_options *o, const struct option *opt, const char *label,
                         const char *text, value *out);

/* eddy_opt_publish - copy the option's current value into the caller's variable. */
void eddy_opt_publish(const struct option *opt);

/* eddy_opt_set_value - parse and set, unless a stronger source has; then
 * the option's side effect. label names the option in messages. */
int eddy_opt_set_value(eddy_options *o, struct option *opt, const char *text, enum source from,
                       const char *label);

#endif
