/*
 * template_test - what the template suites share: loaders holding
 * templates in memory, a render as a string (the output, or "ERROR: " and
 * the message), the expect macros, and a temporary folder of template
 * files.
 */
#ifndef TEST_TEMPLATE_TEST_H
#define TEST_TEMPLATE_TEST_H

#include <eddy/web/template.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static inline eddy_template_loader *mem_loader(bool debug)
{
    eddy_template_loader *l = eddy_template_loader_new(NULL, debug);
    cr_assert_not_null(l);
    return l;
}

/* render_in - render name with ctx (JSON text) in l: the output, or
 * "ERROR: " and the message. Freed by the caller. */
static inline char *render_in(eddy_template_loader *l, const char *name, const char *ctx_json)
{
    json_error_t je;
    json_t *ctx = ctx_json ? json_loads(ctx_json, 0, &je) : NULL;
    cr_assert(!ctx_json || ctx, "bad test context: %s", je.text);
    eddy_buf out = EDDY_BUF_INIT;
    int rc = eddy_template_render(l, name, ctx, NULL, &out);
    json_decref(ctx);
    char *s;
    if (rc == 0) {
        s = strdup(out.data ? out.data : "");
    } else {
        s = malloc(strlen(eddy_template_loader_error(l)) + 8);
        strcpy(s, "ERROR: ");
        strcat(s, eddy_template_loader_error(l));
    }
    eddy_buf_free(&out);
    return s;
}

/* render_as - src as template name (the name decides the whitespace mode). */
static inline char *render_as(const char *name, const char *src, const char *ctx_json)
{
    eddy_template_loader *l = mem_loader(true);
    cr_assert_eq(eddy_template_add(l, name, src, strlen(src)), 0);
    char *s = render_in(l, name, ctx_json);
    eddy_template_loader_free(l);
    return s;
}

static inline char *render(const char *src, const char *ctx_json)
{
    return render_as("t.txt", src, ctx_json);
}

#define expect_in(l, name, ctx, want)                                                              \
    do {                                                                                           \
        char *got_ = render_in(l, name, ctx);                                                      \
        cr_expect_str_eq(got_, want, "%s\n  want: [%s]\n  got:  [%s]", name, want, got_);          \
        free(got_);                                                                                \
    } while (0)

#define expect(src, ctx, want)                                                                     \
    do {                                                                                           \
        char *got_ = render(src, ctx);                                                             \
        cr_expect_str_eq(got_, want, "%s\n  want: [%s]\n  got:  [%s]", src, want, got_);           \
        free(got_);                                                                                \
    } while (0)

#define expect_html(src, ctx, want)                                                                \
    do {                                                                                           \
        char *got_ = render_as("t.html", src, ctx);                                                \
        cr_expect_str_eq(got_, want, "%s\n  want: [%s]\n  got:  [%s]", src, want, got_);           \
        free(got_);                                                                                \
    } while (0)

/* A folder of template files, removed after each test that makes one. */
static char dir[64];

static inline void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static inline void make_dir(void)
{
    strcpy(dir, "/tmp/eddy-tpl-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static inline void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
}

#endif
