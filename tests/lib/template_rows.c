/*
 * Tests of eddy_template_rows: database rows given to a render by name
 * print exactly what the same rows print given as JSON
 * (eddy_db_rows_json in the context), whatever the template does with
 * them - a loop writing columns, a missing column, a row printed whole, a
 * condition on a column, len(), an index, a loop with loop.index, an
 * empty result with for-else, a name set in the template hiding the
 * rows - and for every kind of value: text with markup and non-ASCII
 * characters, bytes that are not UTF-8, blobs, integers, doubles, NULL
 * and date-times. The rows come from an SQLite database in memory.
 */
#include "template_test.h"

#include <eddy/async/future.h>
#include <eddy/data/db.h>

#include <criterion/criterion.h>

static eddy_db *db;

static void setup(void)
{
    db = eddy_db_open("sqlite::memory:", NULL);
    cr_assert_not_null(db);
}

static void teardown(void)
{
    eddy_db_close(db);
    eddy_loop_free();
    eddy_thread_pool_shutdown();
}

TestSuite(template_rows, .init = setup, .fini = teardown, .timeout = 20);

/* query - outside a task a query runs right away (db.h's blocking jobs
 * run in place), which is all a test needs. */
static eddy_db_result *query(const char *sql)
{
    eddy_db_result *res;
    int rc = eddy_db_query(db, &res, sql, NULL, 0);
    cr_assert_eq(rc, 0, "%s: %s", sql, eddy_db_errmsg(res));
    return res;
}

static void exec(const char *sql)
{
    eddy_db_result_free(query(sql));
}

/* both_ways - tpl rendered with res given as rows under "rows", and with
 * eddy_db_rows_json(res) under the same name in the context: the two
 * outputs must be the same bytes; returns the output. */
static char *both_ways(const char *tpl, eddy_db_result *res)
{
    eddy_template_loader *l = mem_loader(false);
    cr_assert_eq(eddy_template_add(l, "t.html", tpl, strlen(tpl)), 0);

    eddy_buf direct = EDDY_BUF_INIT, via_json = EDDY_BUF_INIT;
    json_t *ctx = json_pack("{s:s}", "title", "<T>");
    eddy_template_rows rows[] = {{"rows", res}, {NULL, NULL}};
    eddy_template_env env = {.rows = rows};
    int rc1 = eddy_template_render(l, "t.html", ctx, &env, &direct);
    cr_assert_eq(rc1, 0, "rows: %s", eddy_template_loader_error(l));

    json_object_set_new(ctx, "rows", eddy_db_rows_json(res));
    int rc2 = eddy_template_render(l, "t.html", ctx, NULL, &via_json);
    cr_assert_eq(rc2, 0, "JSON: %s", eddy_template_loader_error(l));
    json_decref(ctx);

    cr_assert_eq(direct.len, via_json.len, "rows gave\n%.*s\nJSON gave\n%.*s", (int)direct.len,
                 direct.data ? direct.data : "", (int)via_json.len,
                 via_json.data ? via_json.data : "");
    cr_assert(direct.len == 0 || memcmp(direct.data, via_json.data, direct.len) == 0,
              "rows gave\n%.*s\nJSON gave\n%.*s", (int)direct.len, direct.data, (int)via_json.len,
              via_json.data);
    char *out = strndup(direct.data ? direct.data : "", direct.len);
    eddy_buf_free(&direct);
    eddy_buf_free(&via_json);
    eddy_template_loader_free(l);
    return out;
}

static eddy_db_result *messages(void)
{
    exec("CREATE TABLE m (id INTEGER PRIMARY KEY, name TEXT, body TEXT, score REAL, "
         "raw BLOB, created DATETIME)");
    exec("INSERT INTO m VALUES (1, 'Ann <b>&', 'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \"q\" "
         "''s''', "
         "1.5, X'00ff41', '2026-12-06 05:19:29')");
    exec("INSERT INTO m VALUES (2, CAST(X'41ff42' AS TEXT), CAST(X'c080' AS TEXT), NULL, NULL, "
         "'2026-12-06 05:19:29.250000')");
    exec("INSERT INTO m VALUES (3, CAST(X'eda080' AS TEXT), CAST(X'f4908080' AS TEXT), -2, "
         "X'', NULL)");
    exec("INSERT INTO m VALUES (4, NULL, CAST(X'e282' AS TEXT), 1e300, X'0102', "
         "'1999-01-01 00:00:00')");
    return query("SELECT id, name, body, score, raw, created FROM m ORDER BY id");
}

Test(template_rows, columns_print_as_their_json_does_for_every_kind_of_value)
{
    eddy_db_result *res = messages();
    char *out = both_ways("{% for m in rows %}[{{ m.id }}|{{ m.name }}|{{ m.body }}|{{ m.score }}|"
                          "{{ m.raw }}|{{ m.created }}|{{ m.nope }}|{% raw m.name %}]\n{% end %}",
                          res);
    cr_expect(strstr(out, "[1|Ann &lt;b&gt;&amp;|caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
                          "&quot;q&quot; &#39;s&#39;|1.5|AP9B|2026-12-06T05:19:29Z||Ann <b>&]"),
              "%s", out);
    cr_expect(strstr(out, "2026-12-06T05:19:29.250000Z"), "%s", out);
    free(out);
    eddy_db_result_free(res);
}

/* A loop of text and columns only runs as steps made from its body once
 * (template_exec.c): the same bytes as the JSON, escaped or not as the
 * template says, with the loop variable left on the last row. */
Test(template_rows, a_loop_of_text_and_columns_only_prints_as_the_json_does)
{
    eddy_db_result *res = messages();
    char *out = both_ways("{% for m in rows %}<{{ m.name }}|{% raw m.body %}|{{ m.nope }}>"
                          "{% end %} after: {{ m.id }}",
                          res);
    cr_expect(strstr(out, "<Ann &lt;b&gt;&amp;|caf\xc3\xa9"), "%s", out);
    cr_expect(strstr(out, " after: 4"), "the loop variable keeps its last row: %s", out);
    free(out);
    out = both_ways("{% autoescape None %}{% for m in rows %}<{{ m.name }}>{% end %}", res);
    cr_expect(strncmp(out, "<Ann <b>&>", 10) == 0, "not escaped: %s", out);
    free(out);
    eddy_db_result_free(res);
}

Test(template_rows, rows_used_other_than_in_a_loop_read_the_json)
{
    eddy_db_result *res = messages();
    char *out = both_ways("{{ title }} {{ len(rows) }} {{ rows[0].name }} {{ rows[1] }}\n"
                          "{% for m in rows %}{{ loop.index }}/{{ loop.length }} "
                          "{% if m.name %}named {{ m }}{% else %}anonymous{% end %} "
                          "{{ escape(m.body) }} {{ m.id + 1 }}\n{% end %}"
                          "after: {{ m.id }}",
                          res);
    cr_expect(strstr(out, "<T>") == NULL, "the context is still escaped: %s", out);
    cr_expect(strstr(out, "after: 4"), "the loop variable keeps its last row: %s", out);
    free(out);
    eddy_db_result_free(res);
}

Test(template_rows, an_empty_result_runs_the_else_and_a_set_name_hides_the_rows)
{
    exec("CREATE TABLE e (x INTEGER)");
    eddy_db_result *res = query("SELECT x FROM e");
    char *out = both_ways("{% for m in rows %}{{ m.x }}{% else %}none{% end %}"
                          "{% set rows = [7] %}{% for m in rows %} then {{ m }}{% end %}",
                          res);
    cr_expect_str_eq(out, "none then 7");
    free(out);
    eddy_db_result_free(res);
}

Test(template_rows, a_loop_that_breaks_and_one_over_pairs_behave_as_with_json)
{
    eddy_db_result *res = messages();
    char *out = both_ways("{% for m in rows %}{{ m.id }}{% if m.id == 2 %}{% break %}{% end %}"
                          "{% else %}never{% end %}"
                          "{% try %}{% for k, v in rows %}{{ k }}{% end %}"
                          "{% except Exception as e %} ({{ e }}){% end %}",
                          res);
    cr_expect(strncmp(out, "12 (", 4) == 0, "%s", out);
    cr_expect(strstr(out, "needs an object"), "%s", out);
    free(out);
    eddy_db_result_free(res);
}

Test(template_rows, expressions_read_a_column_as_the_json_has_it)
{
    eddy_db_result *res = messages();
    char *out = both_ways("{% for m in rows %}{% if m.name %}{{ url_escape(m.name) }}{% end %}"
                          " {{ m.score or 'none' }} {{ m.id == 2 }} {% raw m.nope %}"
                          "{% if not m.created %}undated{% end %}|{% end %}",
                          res);
    cr_expect(strstr(out, "Ann+%3Cb%3E%26 1.5 false |"), "%s", out);
    cr_expect(strstr(out, " none true "), "%s", out);
    cr_expect(strstr(out, "undated|"), "%s", out);
    free(out);
    eddy_db_result_free(res);
}

Test(template_rows, a_joined_column_reads_as_row_fk_field)
{
    exec("CREATE TABLE j (id INTEGER PRIMARY KEY, author INTEGER, \"author.name\" TEXT)");
    exec("INSERT INTO j VALUES (1, 7, 'Ann & Bo'), (2, 8, '')");
    eddy_db_result *res = query("SELECT id, author, \"author.name\" FROM j ORDER BY id");
    eddy_template_loader *l = mem_loader(false);
    const char *tpl = "{% for m in rows %}{{ m.author }}:{{ m.author.name }}:"
                      "{% if m.author.name %}named{% else %}anonymous{% end %}:"
                      "{{ len(m.author.name) }};{% end %}";
    cr_assert_eq(eddy_template_add(l, "t.html", tpl, strlen(tpl)), 0);
    eddy_buf out = EDDY_BUF_INIT;
    eddy_template_rows rows[] = {{"rows", res}, {NULL, NULL}};
    eddy_template_env env = {.rows = rows};
    cr_assert_eq(eddy_template_render(l, "t.html", NULL, &env, &out), 0, "%s",
                 eddy_template_loader_error(l));
    cr_expect_str_eq(out.data, "7:Ann &amp; Bo:named:8;8::anonymous:0;");
    eddy_buf_free(&out);
    eddy_template_loader_free(l);
    eddy_db_result_free(res);
}

/* One {{ r.column }} of an included template meets two results whose
 * columns stand in different orders: each must be looked up in its own.
 * So must a loop run as steps (only text and columns), render after
 * render. */
Test(template_rows, one_expression_over_two_results_finds_each_ones_columns)
{
    eddy_db_result *one = query("SELECT 1 AS a, 2 AS b");
    eddy_db_result *two = query("SELECT 3 AS b, 4 AS a UNION ALL SELECT 5, 6");
    eddy_template_loader *l = mem_loader(false);
    const char *row = "{{ r.b }}/{{ r.a }};";
    const char *page = "{% for r in one %}{% include \"row.html\" %}{% end %}|"
                       "{% for r in two %}{% include \"row.html\" %}{% end %}|"
                       "{% for r in one %}{% include \"row.html\" %}{% end %}";
    cr_assert_eq(eddy_template_add(l, "row.html", row, strlen(row)), 0);
    cr_assert_eq(eddy_template_add(l, "page.html", page, strlen(page)), 0);
    eddy_template_rows rows[] = {{"one", one}, {"two", two}, {NULL, NULL}};
    eddy_template_env env = {.rows = rows};
    eddy_buf out = EDDY_BUF_INIT;
    cr_assert_eq(eddy_template_render(l, "page.html", NULL, &env, &out), 0, "%s",
                 eddy_template_loader_error(l));
    cr_assert_str_eq(out.data, "2/1;|3/4;5/6;|2/1;");
    eddy_buf_free(&out);

    const char *steps = "{% for r in rows %}{{ r.b }}/{{ r.a }};{% end %}";
    cr_assert_eq(eddy_template_add(l, "steps.html", steps, strlen(steps)), 0);
    const char *want[] = {"2/1;", "3/4;5/6;", "2/1;"};
    eddy_db_result *given[] = {one, two, one};
    for (int i = 0; i < 3; i++) {
        eddy_template_rows each[] = {{"rows", given[i]}, {NULL, NULL}};
        env.rows = each;
        out = (eddy_buf)EDDY_BUF_INIT;
        cr_assert_eq(eddy_template_render(l, "steps.html", NULL, &env, &out), 0, "%s",
                     eddy_template_loader_error(l));
        cr_expect_str_eq(out.data, want[i], "render %d", i + 1);
        eddy_buf_free(&out);
    }
    eddy_template_loader_free(l);
    eddy_db_result_free(one);
    eddy_db_result_free(two);
}

/* render_rows - tpl rendered with rows (ending with {NULL}); the output,
 * or the render's error as "error: ...". */
static char *render_rows(const char *tpl, const eddy_template_rows *rows)
{
    eddy_template_loader *l = mem_loader(false);
    cr_assert_eq(eddy_template_add(l, "t.html", tpl, strlen(tpl)), 0);
    eddy_template_env env = {.rows = rows};
    eddy_buf out = EDDY_BUF_INIT;
    char *s;
    if (eddy_template_render(l, "t.html", NULL, &env, &out) == 0)
        s = strndup(out.data ? out.data : "", out.len);
    else
        cr_assert(asprintf(&s, "error: %s", eddy_template_loader_error(l)) > 0);
    eddy_buf_free(&out);
    eddy_template_loader_free(l);
    return s;
}

/* Comments and their replies as two results: the set "comments.replies"
 * gives each comment the replies whose first column is its id, in the
 * replies' order, with loop.last true on its own last one; a comment
 * without any gets an empty loop, and a reply whose parent is not shown
 * is not shown either. */
Test(template_rows, a_child_set_gives_each_row_its_own_rows)
{
    exec("CREATE TABLE c (id INTEGER PRIMARY KEY, parent INTEGER, body TEXT)");
    exec("INSERT INTO c VALUES (1, NULL, 'one'), (2, NULL, 'two'), (3, NULL, 'three'), "
         "(4, 1, 'a'), (5, 3, 'b'), (6, 1, 'c'), (7, 9, 'lost'), (8, 3, 'd & e')");
    eddy_db_result *top = query("SELECT id, body FROM c WHERE parent IS NULL ORDER BY id DESC");
    eddy_db_result *kids =
        query("SELECT parent, id, body FROM c WHERE parent IS NOT NULL ORDER BY parent, id");
    eddy_template_rows rows[] = {{"comments", top}, {"comments.replies", kids}, {NULL, NULL}};
    char *out = render_rows("{% for c in comments %}{{ c.body }}[{% for r in c.replies %}"
                            "{{ r.id }}:{{ r.body }}{% if not loop.last %},{% end %}"
                            "{% end %}]{% end %}",
                            rows);
    cr_expect_str_eq(out, "three[5:b,8:d &amp; e]two[]one[4:a,6:c]");
    free(out);
    /* the outer row is still at hand inside the inner loop */
    out = render_rows("{% for c in comments %}{% for r in c.replies %}{{ r.id }}<{{ c.id }} "
                      "{% end %}{% end %}",
                      rows);
    cr_expect_str_eq(out, "5<3 8<3 4<1 6<1 ");
    free(out);
    eddy_db_result_free(top);
    eddy_db_result_free(kids);
}

/* Only a row of the parent set has children: the same name on a row of
 * another set, or a child set given without its parent, is the row's
 * column as ever (here missing: null, an empty loop). */
Test(template_rows, a_child_set_belongs_to_its_parent_set_only)
{
    eddy_db_result *top = query("SELECT 1 AS id");
    eddy_db_result *other = query("SELECT 1 AS id");
    eddy_db_result *kids = query("SELECT 1 AS parent, 10 AS id");
    eddy_template_rows rows[] = {
        {"comments", top}, {"others", other}, {"comments.replies", kids}, {NULL, NULL}};
    char *out = render_rows("{% for c in comments %}{% for r in c.replies %}{{ r.id }}{% end %}"
                            "{% end %}|{% for o in others %}{% for r in o.replies %}{{ r.id }}"
                            "{% else %}none{% end %}{% end %}",
                            rows);
    cr_expect_str_eq(out, "10|none");
    free(out);
    eddy_db_result_free(top);
    eddy_db_result_free(other);
    eddy_db_result_free(kids);
}
