/*
 * Tests of lib/log: the lines a reader of the log sees.
 */
#include <eddy/base/log.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int pipefd[2];
static char got[16384];

static void capture(void)
{
    cr_assert_eq(pipe(pipefd), 0);
    eddy_log_set_fd(pipefd[1]);
    eddy_log_set_color(-1);
    eddy_log_set_level(EDDY_LOG_INFO);
}

static const char *captured(void)
{
    close(pipefd[1]);
    ssize_t n, len = 0;
    while ((n = read(pipefd[0], got + len, sizeof got - 1 - (size_t)len)) > 0)
        len += n;
    got[len] = '\0';
    close(pipefd[0]);
    eddy_log_set_fd(2);
    return got;
}

static void assert_matches(const char *text, const char *pattern)
{
    regex_t re;
    cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0);
    int rc = regexec(&re, text, 0, NULL, 0);
    regfree(&re);
    cr_assert_eq(rc, 0, "log output\n%s\ndoes not match /%s/", text, pattern);
}

Test(log, line_has_level_timestamp_place_and_message, .init = capture)
{
    eddy_info("listening on %s:%d", "127.0.0.1", 8888);
    assert_matches(captured(), "^\\[I [0-9]{6} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} log\\.c:[0-9]+\\] "
                               "listening on 127\\.0\\.0\\.1:8888\n$");
}

Test(log, below_threshold_is_dropped, .init = capture)
{
    eddy_debug("invisible");
    eddy_warn("visible");
    eddy_log_set_level(EDDY_LOG_ERROR);
    eddy_warn("now invisible");
    eddy_error("still visible");
    const char *out = captured();
    cr_assert_null(strstr(out, "invisible\n"), "got:\n%s", out);
    assert_matches(out, "^\\[W .*\\] visible$");
    assert_matches(out, "^\\[E .*\\] still visible$");
}

Test(log, no_colour_into_a_pipe_unless_forced, .init = capture)
{
    eddy_error("plain");
    eddy_log_set_color(1);
    eddy_error("coloured");
    const char *out = captured();
    assert_matches(out, "^\\[E [^\033]*\\] plain$");
    assert_matches(out, "^\033\\[31m\\[E .*\\]\033\\[0m coloured$");
}

Test(log, one_line_per_call_and_long_messages_are_cut, .init = capture)
{
    char big[10000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    eddy_info("%s", big);
    eddy_info("two\n\n");
    const char *out = captured();
    const char *nl = strchr(out, '\n');
    cr_assert_not_null(nl);
    cr_assert_lt(nl - out, 4096);
    cr_assert_eq(strncmp(nl - 3, "...", 3), 0, "a cut line ends with ...");
    assert_matches(nl + 1, "^\\[I .*\\] two\n$");
}

Test(log, keeps_errno_for_the_caller, .init = capture)
{
    errno = ENOENT;
    eddy_error("open failed: %s", strerror(errno));
    cr_assert_eq(errno, ENOENT, "logging must not change errno");
    assert_matches(captured(), "open failed: No such file or directory$");
}

Test(log, parses_level_names)
{
    eddy_log_level l;
    cr_assert_eq(eddy_log_parse_level("DEBUG", &l), 0);
    cr_assert_eq(l, EDDY_LOG_DEBUG);
    cr_assert_eq(eddy_log_parse_level("warn", &l), 0);
    cr_assert_eq(l, EDDY_LOG_WARNING);
    cr_assert_eq(eddy_log_parse_level("none", &l), 0);
    cr_assert_eq(l, EDDY_LOG_NONE);
    cr_assert_eq(eddy_log_parse_level("loud", &l), -1);
}
