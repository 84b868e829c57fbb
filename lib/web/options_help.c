/*
 * options_help - the --help text; part of lib/web/options (see
 * options_internal.h).
 *
 * A usage line, then each group under its heading in the order of its
 * first option, each option as "--name=TYPE" with its help, default and
 * limits in a column wrapped before HELP_WIDTH; a head too wide for the
 * column puts its help on the next line.
 */
#include <eddy/web/options.h>

#include "options_internal.h"

#include <eddy/base/buf.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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
