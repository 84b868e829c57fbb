/*
 * options_config - config files of "name = value" lines; part of
 * lib/web/options (see options_internal.h and options.h for the syntax).
 *
 * A line is trimmed, split at its first "=", its value unquoted or cut at
 * a comment, and then set exactly as the same text on the command line
 * would be, through eddy_opt_set_value: only the source (a file, weaker
 * than the command line) and the label in messages ("path:line: name")
 * differ.
 */
#include <eddy/web/options.h>

#include "options_internal.h"

#include <eddy/base/buf.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
    char q[QUOTE_SIZE], label[2048];
    const char *eq = memchr(line, '=', len);
    size_t nlen = eq ? (size_t)(eq - line) : 0;
    while (nlen && is_space(line[nlen - 1]))
        nlen--;
    if (!eq || !eddy_opt_valid_name(line, nlen))
        return eddy_opt_fail(o, "%s:%zu: expected \"name = value\", got %s", origin, line_no,
                             eddy_opt_quote(line, len, q));

    const char *raw = eq + 1;
    size_t rlen = len - (size_t)(raw - line);
    while (rlen && is_space(*raw))
        raw++, rlen--;
    eddy_buf_clear(value);
    if (rlen && (*raw == '"' || *raw == '\'')) {
        size_t used = 0;
        const char *why = unquote(raw, rlen, value, &used);
        if (why)
            return eddy_opt_fail(o, "%s:%zu: %.*s: %s", origin, line_no, (int)nlen, line, why);
        while (used < rlen && is_space(raw[used]))
            used++;
        if (used < rlen && raw[used] != '#')
            return eddy_opt_fail(o,
                                 "%s:%zu: %.*s: expected a comment or nothing after the quoted "
                                 "value, got %s",
                                 origin, line_no, (int)nlen, line,
                                 eddy_opt_quote(raw + used, rlen - used, q));
    } else {
        /* "port = 80  # the usual"; a value that starts with # keeps it. */
        for (size_t i = 1; i < rlen; i++)
            if (raw[i] == '#' && is_space(raw[i - 1]))
                rlen = i;
        while (rlen && is_space(raw[rlen - 1]))
            rlen--;
        if (eddy_buf_append(value, raw, rlen) < 0)
            return eddy_opt_fail(o, "%s:%zu: out of memory", origin, line_no);
    }
    const char *text = value->data ? value->data : "";

    struct option *opt = eddy_opt_find(o, line, nlen);
    if (!opt) {
        const char *near = eddy_opt_closest(o, line, nlen);
        return eddy_opt_fail(o, "%s:%zu: %.*s: unknown option%s%s%s", origin, line_no, (int)nlen,
                             line, near ? " (did you mean " : "", near ? near : "",
                             near ? "?)" : "");
    }
    if (opt->role == ROLE_HELP || opt->role == ROLE_CONFIG)
        return eddy_opt_fail(o, "%s:%zu: %s: can only be given on the command line", origin,
                             line_no, opt->name);
    snprintf(label, sizeof label, "%s:%zu: %s", origin, line_no, opt->name);
    return eddy_opt_set_value(o, opt, text, FROM_FILE, label);
}

int eddy_options_parse_text(eddy_options *o, const char *origin, const char *text, size_t len)
{
    if (o->define_failed)
        return eddy_opt_fail(o, "%s", o->define_error);
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
            rc = eddy_opt_fail(o, "%s:%zu: expected text, got a NUL byte", origin, line_no);
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
        return eddy_opt_fail(o, "%s: %s", path, strerror(errno));
    eddy_buf b = EDDY_BUF_INIT;
    int rc = 0;
    for (;;) {
        if (b.len > MAX_FILE) {
            rc =
                eddy_opt_fail(o, "%s: larger than %d bytes; is it the right file?", path, MAX_FILE);
            goto out;
        }
        if (eddy_buf_reserve(&b, 65536) < 0) {
            rc = eddy_opt_fail(o, "%s: out of memory", path);
            goto out;
        }
        ssize_t n = read(fd, b.data + b.len, b.cap - b.len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = eddy_opt_fail(o, "%s: %s", path, strerror(errno));
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
