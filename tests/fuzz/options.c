/*
 * Fuzz target: lib/options on arbitrary bytes.
 *
 * The input is read as a config file, then split at newlines into a
 * command line, each time into a set holding every kind of option; its
 * first line is also read as a duration. Besides what ASan and UBSan
 * catch: a parse either succeeds with every bound value inside its limits
 * or fails with a message naming where; the index of the first positional
 * lies in the command line; a duration read back from its own formatting
 * is the same duration.
 */
#include <eddy/web/options.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ARGS = 64 };

static const char *str, *mode;
static int64_t port, big, wait_ms;
static bool flag;
static double ratio;

/* new_set - one option of each kind; config only where it cannot read
 * files (a config file refuses it), or the fuzzer would roam the disk. */
static eddy_options *new_set(bool with_config)
{
    eddy_options *o = eddy_options_new();
    if (!o)
        abort();
    eddy_option_string(o, "str", &str, "x", "a string");
    eddy_option_string(o, "mode", &mode, "fast", "a choice");
    eddy_option_choices(o, "mode", "fast|safe|a_b");
    eddy_option_int(o, "port", &port, 8888, "an int in a range");
    eddy_option_range(o, "port", 0, 65535);
    eddy_option_int(o, "big", &big, 0, "any int");
    eddy_option_bool(o, "flag", &flag, false, "a bool");
    eddy_option_double(o, "ratio", &ratio, 0.5, "a number");
    eddy_option_duration(o, "wait", &wait_ms, 1000, "a duration");
    eddy_option_range(o, "wait", 0, 86400000);
    eddy_options_define_logging(o);
    if (with_config)
        eddy_option_config(o, "config", NULL, "a config file");
    return o;
}

static void check_values(void)
{
    if (!str || !mode || port < 0 || port > 65535 || wait_ms < 0 || wait_ms > 86400000 ||
        !isfinite(ratio))
        abort();
    if (strcmp(mode, "fast") && strcmp(mode, "safe") && strcmp(mode, "a_b"))
        abort();
}

static void check_error(const eddy_options *o, const char *prefix)
{
    const char *msg = eddy_options_error(o);
    if (!*msg || strncmp(msg, prefix, strlen(prefix)) != 0)
        abort();
}

static void fuzz_config(const char *text, size_t size)
{
    eddy_options *o = new_set(true);
    if (eddy_options_parse_text(o, "fuzz", text, size) < 0)
        check_error(o, "fuzz:");
    check_values();
    eddy_options_free(o);
}

static void fuzz_command_line(const char *text, size_t size)
{
    char *copy = malloc(size + 1), *argv[MAX_ARGS + 1];
    if (!copy)
        abort();
    memcpy(copy, text, size);
    copy[size] = '\0';
    int argc = 0;
    for (char *p = copy; argc < MAX_ARGS;) {
        argv[argc++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    argv[argc] = NULL;

    eddy_options *o = new_set(false);
    int first = eddy_options_parse_args(o, argc, argv);
    if (first == -1)
        check_error(o, "");
    else if (first != EDDY_OPTIONS_HELP && (first < 1 || first > argc))
        abort();
    check_values();
    char *help = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&help, &len);
    if (!f || eddy_options_print_help(o, f) < 0)
        abort();
    fclose(f);
    free(help);
    eddy_options_free(o);
    free(copy);
}

static void fuzz_duration(const char *text, size_t size)
{
    char line[80];
    const char *nl = memchr(text, '\n', size);
    size_t n = nl ? (size_t)(nl - text) : size;
    if (n >= sizeof line)
        return;
    memcpy(line, text, n);
    line[n] = '\0';
    int64_t ms, again;
    if (eddy_duration_parse(line, &ms) < 0)
        return;
    char back[64];
    if (ms < 0 || eddy_duration_format(ms, back, sizeof back) >= (int)sizeof back)
        abort();
    if (eddy_duration_parse(back, &again) < 0 || again != ms)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    fuzz_config(text, size);
    if (!memchr(text, '\0', size)) { /* argv strings and durations are C strings */
        fuzz_command_line(text, size);
        fuzz_duration(text, size);
    }
    return 0;
}
