/*
 * options - typed command-line and config-file options (tornado.options).
 *
 * A program defines its options once, each bound to a C variable that
 * holds the default at once and the parsed value afterwards, then parses
 * the command line; --help is generated from the definitions. Nothing runs
 * on the loop: this happens in main() before the server starts, and the
 * set is an explicit object rather than Tornado's global so that tests and
 * libraries can build as many as they like.
 *
 *     int64_t port;
 *     const char *address;
 *     bool debug;
 *     int64_t idle_ms;
 *     eddy_options *opts = eddy_options_new();
 *     eddy_option_int(opts, "port", &port, 8888, "port to listen on");
 *     eddy_option_range(opts, "port", 0, 65535);
 *     eddy_option_string(opts, "address", &address, "127.0.0.1", "address to bind");
 *     eddy_option_bool(opts, "debug", &debug, false, "reload templates, show tracebacks");
 *     eddy_option_duration(opts, "idle-timeout", &idle_ms, 60 * 1000, "close idle connections");
 *     eddy_option_config(opts, "config", NULL, "read options from this file");
 *     eddy_options_define_logging(opts);
 *     int first = eddy_options_parse_command_line(opts, argc, argv);
 *     if (first < 0) {  (--help was printed, or a bad option's message)
 *         eddy_options_free(opts);
 *         return first == EDDY_OPTIONS_HELP ? 0 : 2;
 *     }
 *     ... argv[first..argc) are the positional arguments ...
 *     eddy_options_free(opts);  (after the last use of address)
 *
 * The command line accepts --name=value and --name value; a bool takes
 * --name, --name=false or --no-name; "-" and "_" in names are the same
 * character; "--" ends the options, and so does the first argument that
 * does not start with "-" (as in Tornado). A config file holds
 * "name = value" lines with the same names. Whatever order they are read
 * in, a value from the command line beats one from a file, and a later
 * file beats an earlier one.
 *
 * Errors are -1 plus a message from eddy_options_error() naming the
 * option and what was expected: `--port: expected an integer, got "abc"`,
 * `forum.conf:3: port: ...`. Nothing here exits the program:
 * eddy_options_parse_command_line() prints what the user must see (the
 * help, or the message) and returns, and main() exits with the status
 * Unix tools use, 0 after --help and 2 after a bad option (see Parsing).
 * eddy_options_parse_args() is the same without printing.
 */
#ifndef EDDY_OPTIONS_H
#define EDDY_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct eddy_options eddy_options;

/* eddy_options_new - an empty set holding only --help; NULL if out of memory. */
eddy_options *eddy_options_new(void);

/* eddy_options_free - release the set, including every string option's
 * value: bound `const char *` variables dangle afterwards. NULL is a no-op. */
void eddy_options_free(eddy_options *o);

/* eddy_options_group - the group (a heading in --help) of the options
 * defined after this call; "" or NULL is the first, untitled group. A
 * module that defines options for a program names its own group. */
int eddy_options_group(eddy_options *o, const char *group);

/* eddy_options_usage - what --help prints after the program's name on the
 * usage line (default "[OPTIONS]"), e.g. "[OPTIONS] FILE...". */
int eddy_options_usage(eddy_options *o, const char *args);

/*
 * Definitions. Each stores the default in *var at once; var may be NULL
 * when the program needs only the side effect or the check. A name is
 * letters, digits, "-" and "_" and may be defined once. Each returns 0 or
 * -1 with a message; a failed definition is also remembered and makes
 * every later parse fail with its message, so main() need not check each.
 */

/* eddy_option_string - a string; *var points into the set (valid until the
 * option is set again or the set is freed). def may be NULL. */
int eddy_option_string(eddy_options *o, const char *name, const char **var, const char *def,
                       const char *help);

/* eddy_option_int - a decimal 64-bit integer; out-of-range input is an error. */
int eddy_option_int(eddy_options *o, const char *name, int64_t *var, int64_t def, const char *help);

int eddy_option_bool(eddy_options *o, const char *name, bool *var, bool def, const char *help);

/* eddy_option_double - a finite number, always read with "." as the
 * decimal point whatever the locale. */
int eddy_option_double(eddy_options *o, const char *name, double *var, double def,
                       const char *help);

/* eddy_option_duration - a duration in milliseconds, written "250ms",
 * "1.5s", "2m", "1h", "1d", combinations such as "1h30m", or a bare
 * number of seconds ("30", "0.5"). Milliseconds as an integer because
 * that is what timers take and because a double would turn "0.1s" into
 * 99.99...ms; a value finer than a millisecond is refused, not rounded. */
int eddy_option_duration(eddy_options *o, const char *name, int64_t *ms, int64_t def_ms,
                         const char *help);

/* eddy_option_range - limit an int option (or a duration, in ms) to
 * [min, max]; the default must already lie inside. */
int eddy_option_range(eddy_options *o, const char *name, int64_t min, int64_t max);

/* eddy_option_choices - limit a string option to "a|b|c"; the default
 * (unless NULL) must be one of them. --help shows the list. */
int eddy_option_choices(eddy_options *o, const char *name, const char *choices);

/* eddy_option_config - a string option naming a config file that is read
 * (eddy_options_parse_file) as soon as the command line names it, Tornado's
 * define("config", callback=parse_config_file). Its own value comes only
 * from the command line: a file cannot include another. */
int eddy_option_config(eddy_options *o, const char *name, const char **var, const char *help);

/* eddy_options_define_logging - the standard --logging=debug|info|warning|
 * error|none option, in group "logging"; setting it calls eddy_log_set_level.
 * Its default is the level in force when it is defined. */
int eddy_options_define_logging(eddy_options *o);

/*
 * Parsing.
 */

/* What the parsers return instead of a positional's index when main()
 * should stop rather than go on. */
enum {
    EDDY_OPTIONS_ERROR = -1, /* a bad option (eddy_options_error says which): exit 2 */
    EDDY_OPTIONS_HELP = -2,  /* --help was given: exit 0 */
};

/* eddy_options_parse_args - apply the options in argv[1..argc). Returns
 * the index of the first positional argument (argc if none),
 * EDDY_OPTIONS_ERROR (eddy_options_error says which), or
 * EDDY_OPTIONS_HELP when --help was met (options after it are not looked
 * at). Prints nothing. Values before an error stay set. */
int eddy_options_parse_args(eddy_options *o, int argc, char *const argv[]);

/* eddy_options_parse_command_line - eddy_options_parse_args for main(),
 * telling the user what happened: on --help it prints the help to stdout
 * and returns EDDY_OPTIONS_HELP; on an error it prints the message and
 * "Run PROG --help to see the options." to stderr and returns
 * EDDY_OPTIONS_ERROR (so too, with the reason on stderr, when the help
 * cannot be written). Otherwise it returns the first positional's index,
 * >= 0. It never exits: main() frees the set and returns 0 after
 * EDDY_OPTIONS_HELP, 2 after EDDY_OPTIONS_ERROR, as in the example at the
 * top of this file. */
int eddy_options_parse_command_line(eddy_options *o, int argc, char *const argv[]);

/* eddy_options_parse_file - read "name = value" lines from path: blank
 * lines and lines starting with # are skipped, whitespace around names
 * and values is trimmed, a value may be quoted with " or ' (inside, \\,
 * \", \', \n and \t are escapes), and an unquoted value ends at a #
 * that follows whitespace. An unknown name is an error, as is a file over
 * 1 MiB. Options set from the command line keep their value. 0 or -1;
 * messages start with "path:line:". Lines before an error stay applied. */
int eddy_options_parse_file(eddy_options *o, const char *path);

/* eddy_options_parse_text - the same for a file's contents already in
 * memory, origin naming it in messages. */
int eddy_options_parse_text(eddy_options *o, const char *origin, const char *text, size_t len);

/* eddy_options_print_help - the --help text: a usage line, then each group
 * under its heading, each option with its value type, help, default and
 * limits, aligned. 0, or -1 if writing failed. */
int eddy_options_print_help(const eddy_options *o, FILE *out);

/* eddy_options_error - the message of the last failure ("" if none); it
 * lives in the set until the next call that fails. */
const char *eddy_options_error(const eddy_options *o);

/*
 * Durations, shared with other modules' settings.
 */

/* eddy_duration_parse - text as above to milliseconds; 0, or -1 (with
 * errno EINVAL or ERANGE) for anything else, negative durations included. */
int eddy_duration_parse(const char *text, int64_t *ms);

/* eddy_duration_format - ms (>= 0) as the shortest exact text that
 * eddy_duration_parse reads back: 90000 -> "1m30s", 250 -> "250ms".
 * snprintf-like: returns the length the text needs. */
int eddy_duration_format(int64_t ms, char *out, size_t size);

#endif
