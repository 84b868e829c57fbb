/*
 * Tests of lib/options: what a program's user sees when giving options on
 * the command line and in a config file, the --help text, and the
 * messages and exit statuses when they get something wrong.
 */
#include <eddy/base/log.h>
#include <eddy/web/options.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_ARGS = 32 };

/* parse - eddy_options_parse_args on "prog" followed by the NULL-ended
 * arguments; returns its result. */
static int parse(eddy_options *o, ...)
{
    char *argv[MAX_ARGS + 1] = {"prog"};
    int argc = 1;
    va_list ap;
    va_start(ap, o);
    for (char *a; argc < MAX_ARGS && (a = va_arg(ap, char *));)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return eddy_options_parse_args(o, argc, argv);
}

/* help_text - what --help prints; free() it. */
static char *help_text(const eddy_options *o)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    cr_assert_eq(eddy_options_print_help(o, f), 0);
    fclose(f);
    return text;
}

static int parse_text(eddy_options *o, const char *text)
{
    return eddy_options_parse_text(o, "app.conf", text, strlen(text));
}

/* write_file - a temporary file holding text; free() the returned path
 * after unlink(). */
static char *write_file(const char *text)
{
    char *path = strdup("/tmp/eddy-options-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    size_t len = strlen(text);
    cr_assert_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

static void remove_file(char *path)
{
    unlink(path);
    free(path);
}

/* ------------------------------------------------------------ definitions */

Test(options, definitions_store_defaults_at_once)
{
    eddy_options *o = eddy_options_new();
    const char *address = "unset";
    int64_t port = 0, timeout = 0;
    bool debug = true;
    double ratio = 0;
    cr_assert_eq(eddy_option_string(o, "address", &address, "127.0.0.1", "address to bind"), 0);
    cr_assert_eq(eddy_option_int(o, "port", &port, 8888, "port to listen on"), 0);
    cr_assert_eq(eddy_option_bool(o, "debug", &debug, false, "debug mode"), 0);
    cr_assert_eq(eddy_option_double(o, "ratio", &ratio, 0.25, "a fraction"), 0);
    cr_assert_eq(eddy_option_duration(o, "timeout", &timeout, 30000, "how long to wait"), 0);
    cr_assert_str_eq(address, "127.0.0.1");
    cr_assert_eq(port, 8888);
    cr_assert_eq(debug, false);
    cr_assert_float_eq(ratio, 0.25, 1e-12);
    cr_assert_eq(timeout, 30000);
    cr_assert_eq(parse(o, NULL), 1, "no arguments: the first positional is argc");
    cr_assert_str_eq(address, "127.0.0.1");
    eddy_options_free(o);
}

Test(options, a_default_string_is_copied)
{
    eddy_options *o = eddy_options_new();
    char def[] = "original";
    const char *name;
    eddy_option_string(o, "name", &name, def, "");
    strcpy(def, "changed!");
    cr_assert_str_eq(name, "original");
    eddy_options_free(o);
}

Test(options, defining_a_name_twice_is_an_error_and_parsing_reports_it)
{
    eddy_options *o = eddy_options_new();
    int64_t a = 1, b = 2;
    cr_assert_eq(eddy_option_int(o, "max_body", &a, 10, ""), 0);
    cr_assert_eq(eddy_option_int(o, "max-body", &b, 20, ""), -1, "- and _ are the same name");
    cr_assert_str_eq(eddy_options_error(o), "option --max-body is defined twice");
    cr_assert_eq(b, 2, "a failed definition leaves the variable alone");
    cr_assert_eq(eddy_option_bool(o, "help", NULL, false, ""), -1, "--help is built in");
    cr_assert_eq(parse(o, "--max-body=5", NULL), -1);
    cr_assert_str_eq(eddy_options_error(o), "option --max-body is defined twice",
                     "the first definition error, even if main() never looked");
    cr_assert_eq(parse_text(o, "max_body = 5\n"), -1);
    eddy_options_free(o);
}

Test(options, bad_names_and_modifiers_are_refused)
{
    eddy_options *o = eddy_options_new();
    const char *s;
    int64_t i;
    cr_assert_eq(eddy_option_int(o, "", &i, 0, ""), -1);
    cr_assert_eq(eddy_option_int(o, "has space", &i, 0, ""), -1);
    cr_assert_str_eq(eddy_options_error(o),
                     "option name \"has space\": expected letters, digits, - and _ (at most 64)");
    cr_assert_eq(eddy_option_int(o, "-dash", &i, 0, ""), -1);
    cr_assert_eq(eddy_option_string(o, "mode", &s, "fast", ""), 0);
    cr_assert_eq(eddy_option_range(o, "mode", 0, 1), -1, "a string has no range");
    cr_assert_eq(eddy_option_choices(o, "mode", "slow|safe"), -1, "the default must be a choice");
    cr_assert_eq(eddy_option_choices(o, "mode", "fast||safe"), -1);
    cr_assert_eq(eddy_option_int(o, "port", &i, 80, ""), 0);
    cr_assert_eq(eddy_option_range(o, "port", 1024, 65535), -1, "the default must be in range");
    cr_assert_eq(eddy_option_choices(o, "port", "1|2"), -1, "an int has no choices");
    cr_assert_eq(eddy_option_range(o, "nope", 0, 1), -1);
    cr_assert_eq(eddy_option_duration(o, "wait", &i, -1, ""), -1);
    eddy_options_free(o);
}

/* ------------------------------------------------------------ command line */

Test(options, values_with_equals_or_as_the_next_argument)
{
    eddy_options *o = eddy_options_new();
    const char *address;
    int64_t port, timeout;
    double ratio;
    eddy_option_string(o, "address", &address, "127.0.0.1", "");
    eddy_option_int(o, "port", &port, 8888, "");
    eddy_option_double(o, "ratio", &ratio, 1, "");
    eddy_option_duration(o, "timeout", &timeout, 1000, "");
    cr_assert_eq(parse(o, "--address=0.0.0.0", "--port", "9000", "--ratio=-0.5", "--timeout",
                       "1.5s", NULL),
                 7);
    cr_assert_str_eq(address, "0.0.0.0");
    cr_assert_eq(port, 9000);
    cr_assert_float_eq(ratio, -0.5, 1e-12);
    cr_assert_eq(timeout, 1500);
    cr_assert_eq(parse(o, "--port", "-1", "--address=", "--address=a=b", NULL), 5,
                 "a value may start with a single -, be empty, or hold =");
    cr_assert_eq(port, -1);
    cr_assert_str_eq(address, "a=b", "the last occurrence wins");
    eddy_options_free(o);
}

Test(options, bool_flags_in_every_form)
{
    eddy_options *o = eddy_options_new();
    bool debug, color;
    eddy_option_bool(o, "debug", &debug, false, "");
    eddy_option_bool(o, "color", &color, true, "");
    cr_assert_eq(parse(o, "--debug", "--no-color", NULL), 3);
    cr_assert(debug);
    cr_assert_not(color);
    cr_assert_eq(parse(o, "--debug=false", "--color=YES", NULL), 3);
    cr_assert_not(debug);
    cr_assert(color);
    cr_assert_eq(parse(o, "--debug=on", "--color=0", "--no_color", NULL), 4);
    cr_assert(debug);
    cr_assert_not(color);
    cr_assert_eq(parse(o, "--debug", "file.txt", NULL), 2,
                 "a bool never takes the next argument as its value");
    cr_assert_eq(parse(o, "--debug=maybe", NULL), -1);
    cr_assert_str_eq(eddy_options_error(o), "--debug: expected true or false, got \"maybe\"");
    cr_assert_eq(parse(o, "--no-debug=true", NULL), -1);
    cr_assert_str_eq(eddy_options_error(o), "--no-debug: takes no value, got \"true\"");
    eddy_options_free(o);
}

Test(options, dashes_and_underscores_are_interchangeable)
{
    eddy_options *o = eddy_options_new();
    int64_t body, conns;
    eddy_option_int(o, "max_body_size", &body, 1, "");
    eddy_option_int(o, "max-connections", &conns, 1, "");
    cr_assert_eq(parse(o, "--max-body-size=10", "--max_connections=20", "--max-body_size", "30",
                       NULL),
                 5);
    cr_assert_eq(body, 30);
    cr_assert_eq(conns, 20);
    eddy_options_free(o);
}

Test(options, positional_arguments_are_returned)
{
    eddy_options *o = eddy_options_new();
    int64_t n;
    eddy_option_int(o, "n", &n, 0, "");
    char *argv[] = {"prog", "--n=1", "a.txt", "--n=2", NULL};
    cr_assert_eq(eddy_options_parse_args(o, 4, argv), 2, "options end at the first positional");
    cr_assert_eq(n, 1, "and what follows it is not parsed");
    cr_assert_eq(parse(o, "--n=3", "--", "--n=4", NULL), 3, "-- ends options and is skipped");
    cr_assert_eq(n, 3);
    cr_assert_eq(parse(o, "-", "x", NULL), 1, "a lone - is a positional (stdin)");
    cr_assert_eq(parse(o, "--", NULL), 2);
    char *only[] = {"prog", NULL};
    cr_assert_eq(eddy_options_parse_args(o, 1, only), 1);
    cr_assert_eq(eddy_options_parse_args(o, 0, NULL), 0, "argc 0 (exec with no argv) is safe");
    eddy_options_free(o);
}

Test(options, errors_name_the_option_and_what_was_expected)
{
    eddy_options *o = eddy_options_new();
    int64_t port, small, timeout;
    double ratio;
    const char *mode, *name;
    eddy_option_int(o, "port", &port, 8888, "");
    eddy_option_range(o, "port", 1, 65535);
    eddy_option_int(o, "small", &small, 0, "");
    eddy_option_double(o, "ratio", &ratio, 0, "");
    eddy_option_duration(o, "timeout", &timeout, 1000, "");
    eddy_option_string(o, "mode", &mode, "fast", "");
    eddy_option_choices(o, "mode", "fast|safe");
    eddy_option_string(o, "name", &name, NULL, "");

    static const struct {
        const char *arg, *next, *message;
    } cases[] = {
        {"--port=abc", NULL, "--port: expected an integer from 1 to 65535, got \"abc\""},
        {"--port=70000", NULL, "--port: expected an integer from 1 to 65535, got \"70000\""},
        {"--port= 80", NULL, "--port: expected an integer from 1 to 65535, got \" 80\""},
        {"--small=12x", NULL, "--small: expected an integer, got \"12x\""},
        {"--small=0x10", NULL, "--small: expected an integer, got \"0x10\""},
        {"--small=9223372036854775808", NULL,
         "--small: expected an integer from -9223372036854775808 to 9223372036854775807, got "
         "\"9223372036854775808\""},
        {"--ratio=nan", NULL, "--ratio: expected a number, got \"nan\""},
        {"--ratio=1e999", NULL, "--ratio: expected a number, got \"1e999\""},
        {"--ratio=", NULL, "--ratio: expected a number, got \"\""},
        {"--timeout=soon", NULL,
         "--timeout: expected a duration such as 250ms, 1.5s, 2m or 30 (seconds), got \"soon\""},
        {"--mode=slow", NULL, "--mode: expected one of fast|safe, got \"slow\""},
        {"--prot=80", NULL, "--prot: unknown option (did you mean --port?)"},
        {"--no-port", NULL, "--no-port: unknown option (only bool options have a --no- form)"},
        {"--zzzzzz", NULL, "--zzzzzz: unknown option"},
        {"-p", NULL, "\"-p\": unknown option (options are written --name)"},
        {"--=5", NULL, "\"--=5\": expected an option name after --"},
        {"---port", NULL, "\"---port\": expected an option name after --"},
        {"--port", NULL, "--port: expected an integer from 1 to 65535, got nothing"},
        {"--name", "--port=1", "--name: expected a string, got the option \"--port=1\""},
        {"--name=\x01\t\"x\"", NULL, NULL}, /* any bytes are a fine string */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = parse(o, cases[i].arg, cases[i].next, NULL);
        if (!cases[i].message) {
            cr_assert_eq(rc, 2, "%s", eddy_options_error(o));
            continue;
        }
        cr_assert_eq(rc, -1, "%s was accepted", cases[i].arg);
        cr_assert_str_eq(eddy_options_error(o), cases[i].message);
    }
    cr_assert_eq(port, 8888, "no bad value was stored");
    eddy_options_free(o);
}

Test(options, long_bad_values_are_cut_and_escaped_in_messages)
{
    eddy_options *o = eddy_options_new();
    int64_t n;
    eddy_option_int(o, "n", &n, 0, "");
    char arg[200] = "--n=\x1b[31m";
    memset(arg + strlen(arg), '9', 150);
    cr_assert_eq(parse(o, arg, NULL), -1);
    const char *msg = eddy_options_error(o);
    cr_assert_not_null(strstr(msg, "got \"\\x1b[31m999"), "%s", msg);
    cr_assert_null(strchr(msg, '\x1b'), "no terminal escape reaches the user's screen");
    cr_assert_not_null(strstr(msg, "999...\""), "%s", msg);
    cr_assert_lt(strlen(msg), 120);
    eddy_options_free(o);
}

/* ------------------------------------------------------------ durations */

Test(options, durations_parse_exactly)
{
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {
        {"250ms", 250},       {"1.5s", 1500},       {"2m", 120000},       {"1h", 3600000},
        {"30", 30000},        {"0.5", 500},         {".25s", 250},        {"1d", 86400000},
        {"1h30m", 5400000},   {"1m 30s", 90000},    {"0", 0},             {"0.1s", 100},
        {"0.007s", 7},        {"1.000000000s", 1000}, {"2.5h", 9000000},  {"0.001m", 60},
        {"9223372036854775807ms", INT64_MAX},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t ms = -1;
        cr_assert_eq(eddy_duration_parse(good[i].text, &ms), 0, "%s", good[i].text);
        cr_assert_eq(ms, good[i].ms, "%s gave %lld", good[i].text, (long long)ms);
    }
    static const char *const bad[] = {
        "",     " ",   "s",    "-1s",  "1.5ms", "0.0001s", "1x",   "1 h 30", "1h 30",
        "1.2.3", "1S", "inf", "1e3", "9223372036854775808ms", "106751991167301d", "1h-1m",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        cr_assert_eq(eddy_duration_parse(bad[i], &ms), -1, "%s was accepted", bad[i]);
        cr_assert_eq(ms, 42);
    }
    int64_t ms;
    errno = 0;
    eddy_duration_parse("9223372036854775808ms", &ms);
    cr_assert_eq(errno, ERANGE);
}

Test(options, durations_format_and_read_back)
{
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "0s"},         {250, "250ms"},       {1500, "1s500ms"},
        {90000, "1m30s"},  {3600000, "1h"},      {86400000 + 1, "1d1ms"},
        {INT64_MAX, "106751991167d7h12m55s807ms"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[64];
        int n = eddy_duration_format(cases[i].ms, text, sizeof text);
        cr_assert_str_eq(text, cases[i].text);
        cr_assert_eq(n, (int)strlen(text));
        int64_t back;
        cr_assert_eq(eddy_duration_parse(text, &back), 0);
        cr_assert_eq(back, cases[i].ms);
    }
    char small[4];
    cr_assert_eq(eddy_duration_format(90000, small, sizeof small), 5, "snprintf-like");
    cr_assert_str_eq(small, "1m3");
}

Test(options, duration_range_is_shown_as_durations)
{
    eddy_options *o = eddy_options_new();
    int64_t t;
    eddy_option_duration(o, "timeout", &t, 5000, "");
    cr_assert_eq(eddy_option_range(o, "timeout", 1000, 3600000), 0);
    cr_assert_eq(parse(o, "--timeout=2h", NULL), -1);
    cr_assert_str_eq(eddy_options_error(o),
                     "--timeout: expected a duration from 1s to 1h, got \"2h\"");
    cr_assert_eq(parse(o, "--timeout=1h", NULL), 2);
    cr_assert_eq(t, 3600000);
    eddy_options_free(o);
}

/* ------------------------------------------------------------ --help */

/* The help of the program defined in help_lists_every_option_by_group_aligned. */
static const char expected_help[] =
    "Usage: prog [OPTIONS] [DIR]\n"
    "\n"
    "Options:\n"
    "  --help                   show this help and exit\n"
    "  --port=INT               port to listen on (default 8888, from 0 to 65535)\n"
    "  --address=STRING         address to bind (default 127.0.0.1)\n"
    "  --config=FILE            read options from this file\n"
    "  --name=STRING\n"
    "\n"
    "server options:\n"
    "  --[no-]xheaders          trust X-Real-Ip and X-Forwarded-For from a proxy in\n"
    "                           front of the server, which must then strip them from\n"
    "                           what clients send (default false)\n"
    "  --idle-timeout=DURATION  close idle connections (default 1m30s)\n"
    "  --ratio=NUMBER           (default 0.75)\n"
    "  --mode=fast|safe         how to run (default fast)\n"
    "\n"
    "logging options:\n"
    "  --logging=debug|info|warning|error|none\n"
    "                           log lines at this level and above (default info)\n";

Test(options, help_lists_every_option_by_group_aligned)
{
    eddy_options *o = eddy_options_new();
    eddy_options_usage(o, "[OPTIONS] [DIR]");
    eddy_option_int(o, "port", NULL, 8888, "port to listen on");
    eddy_option_range(o, "port", 0, 65535);
    eddy_option_string(o, "address", NULL, "127.0.0.1", "address to bind");
    eddy_option_config(o, "config", NULL, "read options from this file");
    eddy_options_group(o, "server");
    eddy_option_bool(o, "xheaders", NULL, false,
                     "trust X-Real-Ip and X-Forwarded-For from a proxy in front of the server, "
                     "which must then strip them from what clients send");
    eddy_option_duration(o, "idle_timeout", NULL, 90000, "close idle\nconnections");
    eddy_option_double(o, "ratio", NULL, 0.75, "\n");
    eddy_option_string(o, "mode", NULL, "fast", "how to run");
    eddy_option_choices(o, "mode", "fast|safe");
    eddy_options_define_logging(o);
    eddy_options_group(o, "");
    eddy_option_string(o, "name", NULL, NULL, "");
    cr_assert_eq(parse(o, "--port=1", NULL), 2); /* learns the program's name */

    char *text = help_text(o);
    cr_assert_str_eq(text, expected_help);
    for (char *line = text; *line;) {
        size_t n = strcspn(line, "\n");
        cr_assert_leq(n, 79, "a line wider than 79 columns: %.*s", (int)n, line);
        line += n + (line[n] == '\n');
    }
    free(text);
    eddy_options_free(o);
}

Test(options, help_is_returned_and_stops_parsing)
{
    eddy_options *o = eddy_options_new();
    int64_t n = 0;
    eddy_option_int(o, "n", &n, 0, "");
    cr_assert_eq(parse(o, "--n=1", "--help", "--n=oops", NULL), EDDY_OPTIONS_HELP);
    cr_assert_eq(n, 1);
    cr_assert_eq(parse(o, "--help=false", "--no-help", NULL), 3);
    cr_assert_eq(parse(o, "--help=what", NULL), -1);
    eddy_options_free(o);
}

/* drop_sanitizer_notes - remove "==pid==" lines: LeakSanitizer in a child
 * forked from Criterion's threaded worker warns that the other threads
 * "were not suspended". A real leak would still change the exit status. */
static void drop_sanitizer_notes(char *text)
{
    char *out = text;
    for (char *line = text; *line;) {
        size_t n = strcspn(line, "\n");
        n += line[n] == '\n';
        if (strncmp(line, "==", 2) != 0) {
            memmove(out, line, n);
            out += n;
        }
        line += n;
    }
    *out = '\0';
}

/* run_main - eddy_options_parse_command_line in a child, which then exits
 * 30 after EDDY_OPTIONS_HELP, 32 after EDDY_OPTIONS_ERROR (main() would
 * return 0 and 2: the 30 proves that the library returned rather than
 * exited), or prints the index returned and exits 42. Returns the exit
 * status and what the child printed on stdout/stderr; with full_stdout,
 * the child's stdout is /dev/full instead (out stays empty). */
static int run_main(eddy_options *o, char *const argv[], char *out, char *err, size_t size,
                    bool full_stdout)
{
    int po[2], pe[2];
    cr_assert_eq(pipe(po), 0);
    cr_assert_eq(pipe(pe), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int full = full_stdout ? open("/dev/full", O_WRONLY) : -1;
        dup2(full >= 0 ? full : po[1], 1);
        dup2(pe[1], 2);
        int argc = 0;
        while (argv[argc])
            argc++;
        int first = eddy_options_parse_command_line(o, argc, argv);
        fflush(stdout);
        eddy_options_free(o);
        if (first < 0)
            exit(first == EDDY_OPTIONS_HELP ? 30 : first == EDDY_OPTIONS_ERROR ? 32 : 99);
        printf("returned %d\n", first);
        fflush(stdout);
        exit(42);
    }
    close(po[1]);
    close(pe[1]);
    int fds[2] = {po[0], pe[0]};
    char *bufs[2] = {out, err};
    for (int k = 0; k < 2; k++) {
        size_t len = 0;
        ssize_t n;
        while (len + 1 < size && (n = read(fds[k], bufs[k] + len, size - 1 - len)) > 0)
            len += (size_t)n;
        bufs[k][len] = '\0';
        close(fds[k]);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    drop_sanitizer_notes(err);
    return WEXITSTATUS(status);
}

Test(options, main_entry_point_prints_help_or_the_error_and_returns)
{
    eddy_options *o = eddy_options_new();
    eddy_option_int(o, "port", NULL, 8888, "port to listen on");
    char out[4096], err[4096];

    char *help[] = {"/usr/bin/server", "--help", NULL};
    cr_assert_eq(run_main(o, help, out, err, sizeof out, false), 30);
    cr_assert_eq(strncmp(out, "Usage: server [OPTIONS]\n", 24), 0, "%s", out);
    cr_assert_not_null(strstr(out, "  --port=INT  port to listen on (default 8888)\n"), "%s",
                       out);
    cr_assert_str_eq(err, "");

    char *bad[] = {"/usr/bin/server", "--port", "abc", NULL};
    cr_assert_eq(run_main(o, bad, out, err, sizeof out, false), 32);
    cr_assert_str_eq(out, "");
    cr_assert_str_eq(err, "server: --port: expected an integer, got \"abc\"\n"
                          "Run server --help to see the options.\n");

    char *good[] = {"server", "--port=1", "rest", NULL};
    cr_assert_eq(run_main(o, good, out, err, sizeof out, false), 42);
    cr_assert_str_eq(out, "returned 2\n");

    /* Help that cannot be written is an error the user is told about. */
    cr_assert_eq(run_main(o, help, out, err, sizeof out, true), 32);
    cr_assert_str_eq(err, "server: cannot write the help: No space left on device\n");
    eddy_options_free(o);
}

/* ------------------------------------------------------------ config files */

Test(options, config_text_with_comments_quotes_and_whitespace)
{
    eddy_options *o = eddy_options_new();
    const char *title, *motto, *color, *path, *empty;
    int64_t port;
    bool debug;
    eddy_option_string(o, "title", &title, "", "");
    eddy_option_string(o, "motto", &motto, "", "");
    eddy_option_string(o, "color", &color, "", "");
    eddy_option_string(o, "path", &path, "", "");
    eddy_option_string(o, "empty", &empty, "x", "");
    eddy_option_int(o, "port", &port, 0, "");
    eddy_option_bool(o, "debug", &debug, false, "");
    const char *text = "\xef\xbb\xbf# a config file\r\n"
                       "\n"
                       "   port   =   8080   # trailing comment\r\n"
                       "\tdebug=True\n"
                       "title = \"  Eddy's forum  \"  # kept spaces\n"
                       "motto = 'say \"hi\"\\n\\tthen \\'go\\' \\\\ # not a comment'\n"
                       "color = #fff\n"
                       "path = /srv/a#b c # d\n"
                       "empty =\n"
                       "   # indented comment";
    cr_assert_eq(parse_text(o, text), 0, "%s", eddy_options_error(o));
    cr_assert_eq(port, 8080);
    cr_assert(debug);
    cr_assert_str_eq(title, "  Eddy's forum  ");
    cr_assert_str_eq(motto, "say \"hi\"\n\tthen 'go' \\ # not a comment");
    cr_assert_str_eq(color, "#fff", "a value starting with # keeps it");
    cr_assert_str_eq(path, "/srv/a#b c");
    cr_assert_str_eq(empty, "");
    eddy_options_free(o);
}

Test(options, config_errors_name_file_and_line)
{
    eddy_options *o = eddy_options_new();
    int64_t port;
    const char *s;
    eddy_option_int(o, "port", &port, 1, "");
    eddy_option_string(o, "s", &s, "", "");
    eddy_option_config(o, "config", NULL, "");
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"\n# c\nport = abc\n", "app.conf:3: port: expected an integer, got \"abc\""},
        {"prot = 80", "app.conf:1: prot: unknown option (did you mean port?)"},
        {"port 80", "app.conf:1: expected \"name = value\", got \"port 80\""},
        {"= 80", "app.conf:1: expected \"name = value\", got \"= 80\""},
        {"a b = 1", "app.conf:1: expected \"name = value\", got \"a b = 1\""},
        {"s = \"open", "app.conf:1: s: expected a closing quote"},
        {"s = 'x\\'", "app.conf:1: s: expected a closing quote"},
        {"s = \"a\\qb\"", "app.conf:1: s: expected an escape among \\\\ \\\" \\' \\n \\t in a "
                          "quoted value"},
        {"s = \"a\" b", "app.conf:1: s: expected a comment or nothing after the quoted value, "
                        "got \"b\""},
        {"s = a\0b", "app.conf:1: expected text, got a NUL byte"},
        {"help = true", "app.conf:1: help: can only be given on the command line"},
        {"config = other.conf", "app.conf:1: config: can only be given on the command line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = strlen(cases[i].text);
        if (strcmp(cases[i].text, "s = a") == 0)
            len = 7; /* the NUL case: the bytes after it count */
        cr_assert_eq(eddy_options_parse_text(o, "app.conf", cases[i].text, len), -1,
                     "accepted: %s", cases[i].text);
        cr_assert_str_eq(eddy_options_error(o), cases[i].message);
    }
    cr_assert_eq(port, 1);
    eddy_options_free(o);
}

Test(options, config_file_from_disk)
{
    eddy_options *o = eddy_options_new();
    int64_t port;
    eddy_option_int(o, "port", &port, 1, "");
    char *path = write_file("port = 8001\n");
    cr_assert_eq(eddy_options_parse_file(o, path), 0, "%s", eddy_options_error(o));
    cr_assert_eq(port, 8001);
    remove_file(path);

    path = write_file("# ok\nport = x\n");
    cr_assert_eq(eddy_options_parse_file(o, path), -1);
    char want[256];
    snprintf(want, sizeof want, "%s:2: port: expected an integer, got \"x\"", path);
    cr_assert_str_eq(eddy_options_error(o), want);
    remove_file(path);

    cr_assert_eq(eddy_options_parse_file(o, "/nonexistent/app.conf"), -1);
    cr_assert_str_eq(eddy_options_error(o), "/nonexistent/app.conf: No such file or directory");
    cr_assert_eq(eddy_options_parse_file(o, "/tmp"), -1);
    cr_assert_str_eq(eddy_options_error(o), "/tmp: Is a directory");
    path = write_file("");
    cr_assert_eq(eddy_options_parse_file(o, path), 0, "an empty file is fine");
    remove_file(path);
    eddy_options_free(o);
}

Test(options, an_oversized_config_file_is_refused)
{
    eddy_options *o = eddy_options_new();
    size_t size = 1024 * 1024 + 10;
    char *big = malloc(size + 1);
    memset(big, '\n', size);
    big[size] = '\0';
    char *path = write_file(big);
    free(big);
    cr_assert_eq(eddy_options_parse_file(o, path), -1);
    cr_assert_not_null(strstr(eddy_options_error(o), "larger than 1048576 bytes"));
    remove_file(path);
    eddy_options_free(o);
}

Test(options, command_line_beats_config_file_in_either_order)
{
    char *path = write_file("port = 1000\naddress = file\nworkers = 4\n");

    /* file first, then the command line */
    eddy_options *o = eddy_options_new();
    int64_t port, workers;
    const char *address;
    eddy_option_int(o, "port", &port, 1, "");
    eddy_option_string(o, "address", &address, "default", "");
    eddy_option_int(o, "workers", &workers, 1, "");
    cr_assert_eq(eddy_options_parse_file(o, path), 0);
    cr_assert_eq(parse(o, "--port=2000", NULL), 2);
    cr_assert_eq(port, 2000);
    cr_assert_eq(workers, 4);
    eddy_options_free(o);

    /* the command line first, then the file */
    o = eddy_options_new();
    eddy_option_int(o, "port", &port, 1, "");
    eddy_option_string(o, "address", &address, "default", "");
    eddy_option_int(o, "workers", &workers, 1, "");
    cr_assert_eq(parse(o, "--port=2000", "--address=cli", NULL), 3);
    cr_assert_eq(eddy_options_parse_file(o, path), 0);
    cr_assert_eq(port, 2000);
    cr_assert_str_eq(address, "cli");
    cr_assert_eq(workers, 4);

    /* a later file beats an earlier one, but not the command line */
    cr_assert_eq(parse_text(o, "workers = 8\nport = 3000\n"), 0);
    cr_assert_eq(workers, 8);
    cr_assert_eq(port, 2000);
    cr_assert_eq(parse_text(o, "port = bad"), -1, "an overridden line is still checked");
    eddy_options_free(o);
    remove_file(path);
}

Test(options, config_option_reads_the_file_where_it_is_named)
{
    char *path = write_file("port = 1000\nworkers = 4\n");
    char arg[300];
    snprintf(arg, sizeof arg, "--config=%s", path);

    eddy_options *o = eddy_options_new();
    int64_t port, workers;
    const char *config;
    eddy_option_int(o, "port", &port, 1, "");
    eddy_option_int(o, "workers", &workers, 1, "");
    eddy_option_config(o, "config", &config, "");
    cr_assert_null(config);
    cr_assert_eq(parse(o, "--port=2000", arg, "--workers=16", NULL), 4, "%s",
                 eddy_options_error(o));
    cr_assert_str_eq(config, path);
    cr_assert_eq(port, 2000, "set before --config, still beats the file");
    cr_assert_eq(workers, 16);
    eddy_options_free(o);

    o = eddy_options_new();
    eddy_option_int(o, "port", &port, 1, "");
    eddy_option_config(o, "config", NULL, "");
    cr_assert_eq(parse(o, "--config", path, NULL), -1, "an unknown name in the file");
    char want[300];
    snprintf(want, sizeof want, "%s:2: workers: unknown option", path);
    cr_assert_str_eq(eddy_options_error(o), want);
    cr_assert_eq(parse(o, "--config=/nonexistent.conf", NULL), -1);
    cr_assert_str_eq(eddy_options_error(o), "/nonexistent.conf: No such file or directory");
    eddy_options_free(o);
    remove_file(path);
}

/* ------------------------------------------------------------ the rest */

static eddy_log_level saved_level;
static void save_level(void) { saved_level = eddy_log_get_level(); }
static void restore_level(void) { eddy_log_set_level(saved_level); }

Test(options, logging_option_sets_the_log_level, .init = save_level, .fini = restore_level)
{
    eddy_log_set_level(EDDY_LOG_WARNING);
    eddy_options *o = eddy_options_new();
    cr_assert_eq(eddy_options_define_logging(o), 0);
    cr_assert_eq(eddy_options_define_logging(o), -1, "defined once");
    char *text = help_text(o);
    cr_assert_not_null(strstr(text, "(default warning)"), "the level in force: %s", text);
    free(text);
    cr_assert_eq(eddy_log_get_level(), EDDY_LOG_WARNING, "defining changes nothing");

    eddy_options *fresh = eddy_options_new();
    eddy_options_define_logging(fresh);
    cr_assert_eq(parse(fresh, "--logging=debug", NULL), 2);
    cr_assert_eq(eddy_log_get_level(), EDDY_LOG_DEBUG);
    cr_assert_eq(parse_text(fresh, "logging = none\n"), 0);
    cr_assert_eq(eddy_log_get_level(), EDDY_LOG_DEBUG, "the command line beats the file");
    cr_assert_eq(parse(fresh, "--logging", "loud", NULL), -1);
    cr_assert_str_eq(eddy_options_error(fresh),
                     "--logging: expected one of debug|info|warning|error|none, got \"loud\"");
    cr_assert_eq(parse_text(o, "logging = error\n"), -1, "o had a failed definition");
    cr_assert_str_eq(eddy_options_error(o), "option --logging is defined twice");
    cr_assert_eq(eddy_log_get_level(), EDDY_LOG_DEBUG);
    eddy_options_free(fresh);
    eddy_options_free(o);
}

Test(options, a_string_set_again_replaces_the_old_copy)
{
    eddy_options *o = eddy_options_new();
    const char *name = NULL;
    eddy_option_string(o, "name", &name, NULL, "");
    cr_assert_null(name);
    char arg[] = "--name=first";
    char *argv[] = {"prog", arg, NULL};
    cr_assert_eq(eddy_options_parse_args(o, 2, argv), 2);
    strcpy(arg, "--name=XXXXX");
    cr_assert_str_eq(name, "first", "the value is the set's copy, not argv's bytes");
    for (int i = 0; i < 100; i++)
        cr_assert_eq(parse(o, i % 2 ? "--name=odd" : "--name=even", NULL), 2);
    cr_assert_str_eq(name, "odd");
    cr_assert_eq(parse_text(o, "name = from file\n"), 0);
    cr_assert_str_eq(name, "odd");
    eddy_options_free(o);
}

Test(options, many_options_and_unbound_ones)
{
    eddy_options *o = eddy_options_new();
    int64_t values[200];
    char name[32];
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof name, "opt-%d", i);
        cr_assert_eq(eddy_option_int(o, name, &values[i], i, ""), 0);
    }
    cr_assert_eq(eddy_option_int(o, "unbound", NULL, 5, ""), 0);
    cr_assert_eq(parse(o, "--opt-199=7", "--opt_0=3", "--unbound=6", NULL), 4);
    cr_assert_eq(values[199], 7);
    cr_assert_eq(values[0], 3);
    cr_assert_eq(values[100], 100);
    eddy_options_free(o);
    eddy_options_free(NULL);
}
