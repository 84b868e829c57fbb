/*
 * Tests of the tests a template decides without making JSON
 * ({% if a == b %}, not, and, or over names, literals and a row's
 * columns) and of url_escape written straight out: each must mean what
 * the general evaluator means. Every pair of operands of every kind - a
 * row's integer, text, NULL, date-time, double, blob and non-UTF-8
 * columns, a missing column, the context's numbers, strings, booleans,
 * null, list and object, literals and a set name - goes through each
 * operator both as a condition ({% if %}, the quick way) and printed
 * ({{ }}, which the evaluator computes), and the two must agree, errors
 * included. The rows come from an SQLite database in memory.
 */
#include "template_test.h"

#include <eddy/async/future.h>
#include <eddy/data/db.h>

#include <criterion/criterion.h>

static eddy_db *db;
static eddy_db_result *res;

static void setup(void)
{
    db = eddy_db_open("sqlite::memory:", NULL);
    cr_assert_not_null(db);
    const char *sql[] = {
        "CREATE TABLE m (id INTEGER PRIMARY KEY, n INTEGER, name TEXT, empty TEXT, score REAL, "
        "raw BLOB, bad TEXT, created DATETIME, gone TEXT)",
        "INSERT INTO m VALUES (1, 7, 'Ann <b>', '', 7.0, X'00ff', CAST(X'41ff' AS TEXT), "
        "'2026-12-06 05:19:29', NULL)",
        "INSERT INTO m VALUES (2, 0, '7', '', -1.5, X'', CAST(X'c080' AS TEXT), NULL, NULL)",
    };
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        eddy_db_result *r;
        cr_assert_eq(eddy_db_query(db, &r, sql[i], NULL, 0), 0, "%s", eddy_db_errmsg(r));
        eddy_db_result_free(r);
    }
    cr_assert_eq(eddy_db_query(db, &res, "SELECT * FROM m ORDER BY id", NULL, 0), 0);
}

static void teardown(void)
{
    eddy_db_result_free(res);
    eddy_db_close(db);
    eddy_loop_free();
    eddy_thread_pool_shutdown();
}

TestSuite(template_scalar, .init = setup, .fini = teardown, .timeout = 60);

static const char ctx_json[] = "{\"i\": 7, \"zero\": 0, \"r\": 7.0, \"half\": 0.5, \"s\": \"7\", "
                               "\"ann\": \"Ann <b>\", \"blank\": \"\", \"yes\": true, "
                               "\"no\": false, \"none\": null, \"list\": [1], \"obj\": {\"a\": 1}, "
                               "\"when\": \"2026-12-06T05:19:29Z\", \"path\": \"a b/c&d?\"}";

static const char *const operands[] = {
    "m.n",     "m.id",     "m.name", "m.empty", "m.score", "m.raw", "m.bad",  "m.created",
    "m.gone", "m.nope", "i",      "zero",    "r",       "half",  "s",      "ann",
    "blank",   "yes",      "no",     "none",    "list",    "obj",   "when",   "7",
    "'7'",     "True",     "None",   "local",   "missing_name",
};

/* render_rows - src over the rows (m bound to each in turn), "ERROR" for
 * a failed render; freed by the caller. */
static char *render_rows(eddy_template_loader *l, const char *src)
{
    eddy_template_add(l, "t.txt", src, strlen(src));
    json_error_t je;
    json_t *ctx = json_loads(ctx_json, 0, &je);
    cr_assert_not_null(ctx, "%s", je.text);
    eddy_template_rows rows[] = {{"rows", res}, {NULL, NULL}};
    eddy_template_env env = {.rows = rows};
    eddy_buf out = EDDY_BUF_INIT;
    int rc = eddy_template_render(l, "t.txt", ctx, &env, &out);
    json_decref(ctx);
    char *s = strdup(rc == 0 ? (out.data ? out.data : "") : "ERROR");
    eddy_buf_free(&out);
    return s;
}

/* agree - cond as a condition and printed, on each row: the same truth
 * (or both an error). */
static void agree(eddy_template_loader *l, const char *cond)
{
    char quick[512], full[512];
    snprintf(quick, sizeof quick,
             "{%% set local = 7 %%}{%% for m in rows %%}"
             "{%% if %s %%}T{%% else %%}F{%% end %%}{%% end %%}",
             cond);
    /* printed: the evaluator computes it; bool() of it as the condition does */
    snprintf(full, sizeof full,
             "{%% set local = 7 %%}{%% for m in rows %%}"
             "{%% set v = [%s][0] %%}{%% if [v][0] %%}T{%% else %%}F{%% end %%}{%% end %%}",
             cond);
    char *a = render_rows(l, quick), *b = render_rows(l, full);
    cr_expect_str_eq(a, b, "%s: quick %s, evaluated %s", cond, a, b);
    free(a);
    free(b);
}

Test(template_scalar, every_comparison_of_every_kind_of_operand_means_what_eval_means)
{
    eddy_template_loader *l = mem_loader(true);
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
    size_t n = sizeof operands / sizeof *operands, checked = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
                char cond[128];
                snprintf(cond, sizeof cond, "%s %s %s", operands[i], ops[k], operands[j]);
                agree(l, cond);
                checked++;
            }
    cr_expect_eq(checked, n * n * 6);
    eddy_template_loader_free(l);
}

Test(template_scalar, truth_not_and_or_mean_what_eval_means)
{
    eddy_template_loader *l = mem_loader(true);
    size_t n = sizeof operands / sizeof *operands;
    for (size_t i = 0; i < n; i++) {
        char cond[160];
        agree(l, operands[i]);
        snprintf(cond, sizeof cond, "not %s", operands[i]);
        agree(l, cond);
        for (size_t j = 0; j < n; j += 3) {
            snprintf(cond, sizeof cond, "%s and %s", operands[i], operands[j]);
            agree(l, cond);
            snprintf(cond, sizeof cond, "%s or not %s", operands[i], operands[j]);
            agree(l, cond);
            snprintf(cond, sizeof cond, "not (%s == %s) and m.n", operands[i], operands[j]);
            agree(l, cond);
        }
    }
    eddy_template_loader_free(l);
}

Test(template_scalar, a_condition_on_rows_reads_each_rows_own_values)
{
    eddy_template_loader *l = mem_loader(true);
    char *out = render_rows(l, "{% for m in rows %}{{ m.id }}:"
                               "{% if m.n == i %}seven{% elif not m.n %}zero{% end %}"
                               "{% if m.created %} dated{% end %}"
                               "{% if m.name == '7' and m.score < 0 %} negative{% end %};{% end %}");
    cr_expect_str_eq(out, "1:seven dated;2:zero negative;");
    free(out);
    eddy_template_loader_free(l);
}

/* url_escape written straight out must print what the helper's value
 * prints (through a set name, which the evaluator makes). */
Test(template_scalar, url_escape_written_straight_out_prints_what_its_value_prints)
{
    eddy_template_loader *l = mem_loader(true);
    static const char *const args[] = {
        "path", "path, plus=False", "path, False", "path, True", "path, plus=0",
        "path, plus=half", "m.name", "m.name, plus=False", "m.id", "m.gone",
        "m.created", "m.bad", "m.score", "m.raw", "i", "r", "yes", "none", "list",
        "obj", "'x y'", "m.nope", "path, plus=list", "path, nope=1", "value=path",
        "path, 1, 2", "",
    };
    for (size_t i = 0; i < sizeof args / sizeof *args; i++) {
        char quick[256], full[256];
        snprintf(quick, sizeof quick,
                 "{%% for m in rows %%}[{{ url_escape(%s) }}]{%% end %%}", args[i]);
        snprintf(full, sizeof full,
                 "{%% for m in rows %%}{%% set u = url_escape(%s) %%}[{{ u }}]{%% end %%}",
                 args[i]);
        char *a = render_rows(l, quick), *b = render_rows(l, full);
        cr_expect_str_eq(a, b, "url_escape(%s): straight %s, evaluated %s", args[i], a, b);
        free(a);
        free(b);
    }
    char *out = render_rows(l, "{% for m in rows %}{{ url_escape(path) }} "
                               "{{ url_escape(path, plus=False) }} {{ url_escape(m.name) }};"
                               "{% end %}");
    cr_expect_str_eq(out, "a+b%2Fc%26d%3F a%20b/c%26d%3F Ann+%3Cb%3E;a+b%2Fc%26d%3F "
                          "a%20b/c%26d%3F 7;");
    free(out);
    eddy_template_loader_free(l);
}

static json_t *shout(eddy_template_ctx *t, size_t argc, json_t *const *argv)
{
    (void)t;
    (void)argc;
    (void)argv;
    return json_string("MINE");
}

Test(template_scalar, an_apps_own_url_escape_still_wins)
{
    eddy_template_loader *l = mem_loader(true);
    cr_assert_eq(eddy_template_helper(l, "url_escape", shout), 0);
    char *out = render_rows(l, "{% for m in rows %}{{ url_escape(m.name) }}{% end %}");
    cr_expect_str_eq(out, "MINEMINE");
    free(out);
    eddy_template_loader_free(l);
}

/* A name's value is remembered for the render it was read in: a part
 * rendered again with another context reads that context, and the page
 * around it keeps its own. */
Test(template_scalar, a_part_rendered_twice_reads_each_of_its_contexts)
{
    eddy_template_loader *l = mem_loader(true);
    const char *part = "[{{ x }}{% if x == 2 %} two{% end %} {{ url_escape(x) }}]";
    cr_assert_eq(eddy_template_add(l, "part.html", part, strlen(part)), 0);
    char *out = render_rows(l, "{% for m in rows %}{% module Template('part.html', x=m.id) %}"
                               "{{ i }}{% if i == 7 %}!{% end %}{% end %}"
                               "{% module Template('part.html', x='a b') %}");
    cr_expect_str_eq(out, "[1 1]7![2 two 2]7![a b a+b]");
    free(out);
    eddy_template_loader_free(l);
}
