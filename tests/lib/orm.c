/*
 * Tests of lib/data/orm on both drivers: a small blog's models (users,
 * posts, comments) created, filled, queried, joined, counted, updated,
 * deleted and turned into JSON, each result checked in the rows the
 * database holds afterwards.
 */
#include "db_checks.h"

#include <eddy/base/escape.h>
#include <eddy/data/orm.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const eddy_model user_m, post_m, comment_m;

static const eddy_field user_fields[] = {
    {"name", EDDY_FIELD_TEXT, .max_length = 40, .flags = EDDY_FIELD_UNIQUE},
    {"email", EDDY_FIELD_TEXT, .max_length = 100, .flags = EDDY_FIELD_NULL},
    {"password_hash", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_HIDDEN},
    {"admin", EDDY_FIELD_BOOL, .default_value = "0"},
    {"joined", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW},
    {.name = NULL}};
static const eddy_model user_m = {"user", user_fields};

static const eddy_field post_fields[] = {
    {"author", EDDY_FIELD_FOREIGN_KEY, .references = &user_m, .on_delete = EDDY_ON_DELETE_CASCADE},
    {"title", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_INDEX},
    {"body", EDDY_FIELD_TEXT, .max_length = 0}, /* unbounded */
    {"comments", EDDY_FIELD_INT, .default_value = "0"},
    {"score", EDDY_FIELD_DOUBLE, .default_value = "1.5"},
    {.name = NULL}};
static const eddy_model post_m = {"post", post_fields};

static const eddy_field comment_fields[] = {
    {"post", EDDY_FIELD_FOREIGN_KEY, .references = &post_m, .on_delete = EDDY_ON_DELETE_CASCADE},
    {"author", EDDY_FIELD_FOREIGN_KEY, .references = &user_m, .flags = EDDY_FIELD_NULL,
     .on_delete = EDDY_ON_DELETE_SET_NULL},
    {"text", EDDY_FIELD_TEXT, .max_length = 1000},
    {.name = NULL}};
static const eddy_model comment_m = {"comment", comment_fields};

/* Children first: create_tables must put the parents first itself. */
static const eddy_model *const blog[] = {&comment_m, &post_m, &user_m};

static int64_t add_user(eddy_db *db, const char *name)
{
    int64_t id = 0;
    int rc = eddy_orm_insert(db, &user_m,
                             (eddy_orm_value[]){{"name", EDDY_DB_STR(name)},
                                                {"password_hash", EDDY_DB_STR("secret-hash")}},
                             2, &id);
    cr_assert_eq(rc, 0, "insert user %s", name);
    return id;
}

static int64_t add_post(eddy_db *db, int64_t author, const char *title)
{
    int64_t id = 0;
    cr_assert_eq(eddy_orm_insert(db, &post_m,
                                 (eddy_orm_value[]){{"author", EDDY_DB_INT(author)},
                                                    {"title", EDDY_DB_STR(title)},
                                                    {"body", EDDY_DB_STR("body of post")}},
                                 3, &id),
                 0);
    return id;
}

static void make_blog(eddy_db *db)
{
    cr_assert_eq(eddy_orm_create_tables(db, blog, 3), 0);
    cr_assert_eq(eddy_orm_create_tables(db, blog, 3), 0, "IF NOT EXISTS: a second time is fine");
    int64_t ann = add_user(db, "ann"), bob = add_user(db, "bob");
    cr_assert_eq(ann, 1);
    cr_assert_eq(bob, 2);
    add_post(db, ann, "first");
    add_post(db, ann, "second");
    add_post(db, bob, "third");
}

/* dump - rows as compact JSON with sorted keys, for comparing. */
static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(j);
    return s;
}

DB_CHECK(insert_get_and_defaults)
{
    make_blog(db);
    eddy_db_result *res;
    cr_assert_eq(eddy_orm_get(db, &post_m, 2, &res), 0);
    cr_assert_str_eq(eddy_db_text(res, 0, "title"), "second");
    cr_assert_eq(eddy_db_int(res, 0, "author"), 1, "the foreign key reads as the parent's id");
    cr_assert_eq(eddy_db_int(res, 0, "comments"), 0, "default_value");
    cr_assert_float_eq(eddy_db_double(res, 0, "score"), 1.5, 1e-9);
    eddy_db_result_free(res);
    cr_assert_eq(eddy_orm_get(db, &post_m, 99, &res), ENOENT);
    cr_assert_eq(eddy_db_rows(res), 0);
    eddy_db_result_free(res);
    cr_assert_eq(eddy_orm_get_or_none(db, &post_m, 99, &res), 0);
    cr_assert_eq(eddy_db_rows(res), 0);
    eddy_db_result_free(res);

    cr_assert_eq(eddy_orm_get(db, &user_m, 1, &res), 0);
    int64_t joined = eddy_db_value_of(res, 0, "joined")->i;
    cr_assert_eq(eddy_db_value_of(res, 0, "joined")->type, EDDY_DB_DATETIME);
    cr_assert(llabs(joined - eddy_db_now()) < 60 * 1000000LL, "EDDY_FIELD_NOW: the insert's time");
    json_t *j = eddy_orm_row_json(&user_m, res, 0, NULL);
    cr_assert_null(json_object_get(j, "password_hash"), "hidden fields never reach JSON");
    cr_assert(json_is_false(json_object_get(j, "admin")), "a BOOL is false, not 0");
    cr_assert(json_is_null(json_object_get(j, "email")));
    const char *iso = json_string_value(json_object_get(j, "joined"));
    cr_assert(iso && strlen(iso) >= 20 && iso[10] == 'T' && iso[strlen(iso) - 1] == 'Z',
              "ISO 8601: %s", iso);
    json_decref(j);
    eddy_db_result_free(res);

    /* A unique field refuses a second "ann"; a too-long name is refused by both databases. */
    int64_t id;
    cr_assert_eq(eddy_orm_insert(db, &user_m,
                                 (eddy_orm_value[]){{"name", EDDY_DB_STR("ann")},
                                                    {"password_hash", EDDY_DB_STR("x")}},
                                 2, &id),
                 EIO);
    char long_name[64];
    memset(long_name, 'n', 41);
    long_name[41] = '\0';
    cr_assert_eq(eddy_orm_insert(db, &user_m,
                                 (eddy_orm_value[]){{"name", EDDY_DB_STR(long_name)},
                                                    {"password_hash", EDDY_DB_STR("x")}},
                                 2, &id),
                 EIO, "max_length 40 holds in both databases");
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM user"), 2);
}
DB_TEST(insert_get_and_defaults)

DB_CHECK(select_where_order_limit_count)
{
    make_blog(db);
    eddy_query *q = eddy_orm_select(&post_m);
    eddy_orm_where(q, eddy_orm_or(q, eddy_orm_eq(q, "title", EDDY_DB_STR("first")),
                                  eddy_orm_like(q, "title", EDDY_DB_STR("th%"))));
    eddy_orm_where(q, eddy_orm_not(q, eddy_orm_eq(q, "id", EDDY_DB_INT(99))));
    eddy_orm_order_by(q, "id", true);
    eddy_db_result *res;
    cr_assert_eq(eddy_orm_run(db, q, &res), 0, "%s", eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_rows(res), 2);
    cr_assert_str_eq(eddy_db_text(res, 0, "title"), "third", "newest first");
    cr_assert_str_eq(eddy_db_text(res, 1, "title"), "first");
    eddy_db_result_free(res);
    int64_t n = -1;
    cr_assert_eq(eddy_orm_count(db, q, &n), 0);
    cr_assert_eq(n, 2);
    eddy_query_free(q);

    q = eddy_orm_select(&post_m);
    eddy_orm_order_by(q, "title", false);
    eddy_orm_limit(q, 2, 1);
    cr_assert_eq(eddy_orm_run(db, q, &res), 0);
    cr_assert_eq(eddy_db_rows(res), 2);
    cr_assert_str_eq(eddy_db_text(res, 0, "title"), "second", "page 2 of first/second/third");
    cr_assert_str_eq(eddy_db_text(res, 1, "title"), "third");
    eddy_db_result_free(res);
    cr_assert_eq(eddy_orm_count(db, q, &n), 0);
    cr_assert_eq(n, 3, "a count ignores the page");
    eddy_query_free(q);

    /* Counting per author: ann wrote two. */
    q = eddy_orm_select(&post_m);
    eddy_orm_where(q, eddy_orm_eq(q, "author", EDDY_DB_INT(1)));
    cr_assert_eq(eddy_orm_count(db, q, &n), 0);
    cr_assert_eq(n, 2);
    eddy_query_free(q);
}
DB_TEST(select_where_order_limit_count)

DB_CHECK(joins_read_the_parent_and_nest_in_json)
{
    make_blog(db);
    cr_assert_eq(eddy_orm_insert(db, &comment_m,
                                 (eddy_orm_value[]){{"post", EDDY_DB_INT(1)},
                                                    {"author", EDDY_DB_INT(2)},
                                                    {"text", EDDY_DB_STR("nice")}},
                                 3, NULL),
                 0);
    eddy_query *q = eddy_orm_select(&post_m);
    eddy_orm_join(q, "author");
    eddy_orm_where(q, eddy_orm_eq(q, "author.name", EDDY_DB_STR("ann")));
    eddy_orm_order_by(q, "id", false);
    eddy_db_result *res;
    cr_assert_eq(eddy_orm_run(db, q, &res), 0, "%s", eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_rows(res), 2);
    cr_assert_str_eq(eddy_db_text(res, 0, "author.name"), "ann");
    char *s = dump(eddy_orm_row_json(
        &post_m, res, 0,
        &(eddy_json_options){.recurse = true,
                             .exclude = (const char *[]){"author.joined", "body", NULL}}));
    cr_assert_str_eq(s, "{\"author\":{\"admin\":false,\"email\":null,\"id\":1,\"name\":\"ann\"},"
                        "\"comments\":0,\"id\":1,\"score\":1.5,\"title\":\"first\"}");
    free(s);
    s = dump(eddy_orm_row_json(&post_m, res, 1, &(eddy_json_options){.recurse = false}));
    cr_assert_not_null(strstr(s, "\"author\":1,"), "not recursing: the id (%s)", s);
    free(s);
    /* the joined author alone: the object its own row gives */
    eddy_db_result *own;
    cr_assert_eq(eddy_db_query(db, &own, "SELECT * FROM user WHERE id = 1", NULL, 0), 0);
    s = dump(eddy_orm_joined_json(&user_m, "author", res, 0, NULL));
    char *alone = dump(eddy_orm_row_json(&user_m, own, 0, NULL));
    cr_assert_str_eq(s, alone);
    free(s);
    free(alone);
    cr_assert_null(eddy_orm_joined_json(&user_m, "editor", res, 0, NULL), "no such join");
    cr_assert_null(eddy_orm_joined_json(&user_m, "author", res, 9, NULL), "no such row");
    eddy_db_result_free(own);
    eddy_db_result_free(res);
    eddy_query_free(q);

    /* A nullable foreign key joins LEFT: a comment whose author is gone stays. */
    db_do(db, "DELETE FROM user WHERE id = 2");
    q = eddy_orm_select(&comment_m);
    eddy_orm_join(q, "author");
    eddy_orm_join(q, "post");
    cr_assert_eq(eddy_orm_run(db, q, &res), 0, "%s", eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_rows(res), 1, "the comment stays (SET NULL), found by a LEFT JOIN");
    s = dump(eddy_orm_row_json(&comment_m, res, 0, NULL));
    cr_assert_not_null(strstr(s, "\"author\":null,"), "%s", s);
    cr_assert_not_null(strstr(s, "\"post\":{\"author\":1,\"body\":\"body of post\","), "%s", s);
    free(s);
    eddy_db_result_free(res);
    eddy_query_free(q);
}
DB_TEST(joins_read_the_parent_and_nest_in_json)

/* title_upper - a replace hook: the post's title in capitals, the
 * author's email as a fixed text; everything else as read. */
static bool title_upper(void *arg, const char *prefix, const char *field, const eddy_db_value *v,
                        eddy_db_value *out)
{
    char *buf = arg;
    if (!prefix && strcmp(field, "title") == 0 && v->type == EDDY_DB_TEXT) {
        size_t n = v->len < 63 ? v->len : 63;
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(v->p[i] >= 'a' && v->p[i] <= 'z' ? v->p[i] - 32 : v->p[i]);
        buf[n] = '\0';
        *out = EDDY_DB_STR(buf);
        return true;
    }
    if (prefix && strcmp(prefix, "author") == 0 && strcmp(field, "email") == 0) {
        *out = EDDY_DB_STR("hidden@example.org");
        return true;
    }
    return false;
}

/* as_text - what eddy_json_compact_to writes for a tree (stolen). */
static char *as_text(json_t *j)
{
    eddy_buf b = EDDY_BUF_INIT;
    cr_assert_eq(eddy_json_compact_to(&b, j), 0);
    json_decref(j);
    char *s = strdup(b.data);
    eddy_buf_free(&b);
    return s;
}

DB_CHECK(json_text_is_the_trees_text)
{
    make_blog(db);
    db_do(db, "UPDATE post SET body = 'line\nwith \"quotes\", \\ and 中文' WHERE id = 1");
    cr_assert_eq(eddy_orm_insert(db, &comment_m,
                                 (eddy_orm_value[]){{"post", EDDY_DB_INT(1)},
                                                    {"text", EDDY_DB_STR("no author")}},
                                 2, NULL),
                 0);
    char upper[64];
    const eddy_json_options opts[] = {
        {0},
        {.recurse = true},
        {.recurse = true, .exclude = (const char *[]){"author.joined", "body", "id", NULL}},
        {.recurse = true, .replace = title_upper, .replace_arg = upper},
        {.recurse = true, .include_hidden = true},
        /* the hook asked about the author's email only: the title stays */
        {.recurse = true, .replace = title_upper, .replace_arg = upper,
         .replace_only = (const char *[]){"author.email", NULL}},
    };
    for (size_t k = 0; k < sizeof opts / sizeof *opts; k++) {
        eddy_query *q = eddy_orm_select(&post_m);
        eddy_orm_join(q, "author");
        eddy_orm_order_by(q, "id", false);
        eddy_db_result *res;
        cr_assert_eq(eddy_orm_run(db, q, &res), 0, "%s", eddy_db_errmsg(res));
        char *tree = as_text(eddy_orm_rows_json(&post_m, res, &opts[k]));
        eddy_buf text = EDDY_BUF_INIT;
        cr_assert_eq(eddy_orm_rows_json_to(&post_m, res, &opts[k], &text), 0);
        cr_assert_str_eq(text.data, tree, "options %zu", k);
        if (k == 3)
            cr_assert_not_null(strstr(text.data, "\"title\":\"FIRST\""), "%s", text.data);
        if (k == 5) {
            cr_assert_null(strstr(text.data, "\"title\":\"FIRST\""), "%s", text.data);
            cr_assert_not_null(strstr(text.data, "hidden@example.org"), "%s", text.data);
        }
        eddy_buf_free(&text);
        free(tree);
        eddy_db_result_free(res);
        eddy_query_free(q);
    }

    /* A left join that found nothing is null in both; one row alone, too;
     * a row past the end writes nothing. */
    eddy_query *q = eddy_orm_select(&comment_m);
    eddy_orm_join(q, "author");
    eddy_orm_join(q, "post");
    eddy_db_result *res;
    cr_assert_eq(eddy_orm_run(db, q, &res), 0, "%s", eddy_db_errmsg(res));
    char *tree = as_text(eddy_orm_row_json(&comment_m, res, 0, NULL));
    eddy_buf text = EDDY_BUF_INIT;
    cr_assert_eq(eddy_orm_row_json_to(&comment_m, res, 0, NULL, &text), 0);
    cr_assert_str_eq(text.data, tree);
    cr_assert_not_null(strstr(text.data, "\"author\":null,"), "%s", text.data);
    cr_assert_eq(eddy_orm_row_json_to(&comment_m, res, 5, NULL, &text), -1);
    cr_assert_str_eq(text.data, tree, "unchanged");
    eddy_buf_free(&text);
    free(tree);
    eddy_db_result_free(res);
    eddy_query_free(q);
}
DB_TEST(json_text_is_the_trees_text)

/* nested_hook - a replace hook that writes another list as JSON while
 * the list it was asked about is being written (its arg: the database),
 * and puts that list's length in place of the post's title. */
static bool nested_hook(void *arg, const char *prefix, const char *field, const eddy_db_value *v,
                        eddy_db_value *out)
{
    static char len[32];
    (void)v;
    if (prefix || strcmp(field, "title") != 0)
        return false;
    eddy_query *q = eddy_orm_select(&user_m);
    eddy_db_result *res;
    cr_assert_eq(eddy_orm_run(arg, q, &res), 0);
    eddy_buf inner = EDDY_BUF_INIT;
    cr_assert_eq(eddy_orm_rows_json_to(&user_m, res, NULL, &inner), 0);
    cr_assert_not_null(strstr(inner.data, "\"name\":\"ann\""), "%s", inner.data);
    snprintf(len, sizeof len, "%zu", inner.len);
    eddy_buf_free(&inner);
    eddy_db_result_free(res);
    eddy_query_free(q);
    *out = EDDY_DB_STR(len);
    return true;
}

/* list_text - the posts (author joined when join) as JSON text through o. */
static char *list_text(eddy_db *db, bool join, const eddy_json_options *o)
{
    eddy_query *q = eddy_orm_select(&post_m);
    if (join)
        eddy_orm_join(q, "author");
    eddy_orm_order_by(q, "id", false);
    eddy_db_result *res;
    cr_assert_eq(eddy_orm_run(db, q, &res), 0, "%s", eddy_db_errmsg(res));
    eddy_buf text = EDDY_BUF_INIT;
    cr_assert_eq(eddy_orm_rows_json_to(&post_m, res, o, &text), 0);
    char *s = strdup(text.data);
    eddy_buf_free(&text);
    eddy_db_result_free(res);
    eddy_query_free(q);
    return s;
}

/* A list's plan is kept from one call to the next: it must follow what
 * each call asks, even through the same array changed in place, another
 * choice of columns, or a hook writing another list in the middle. */
DB_CHECK(json_lists_follow_their_options_call_after_call)
{
    make_blog(db);
    const char *exclude[] = {"body", NULL};
    eddy_json_options o = {.recurse = true, .exclude = exclude};
    char *a = list_text(db, true, &o);
    cr_assert_null(strstr(a, "\"body\""), "%s", a);
    cr_assert_not_null(strstr(a, "\"title\""), "%s", a);
    cr_assert_not_null(strstr(a, "\"author\":{"), "%s", a);
    exclude[0] = "title"; /* the same array, another field */
    char *b = list_text(db, true, &o);
    cr_assert_null(strstr(b, "\"title\""), "%s", b);
    cr_assert_not_null(strstr(b, "\"body\""), "%s", b);
    char *c = list_text(db, false, &o); /* no join: the author as an id */
    cr_assert_null(strstr(c, "\"author\":{"), "%s", c);
    cr_assert_not_null(strstr(c, "\"author\":1"), "%s", c);
    char *again = list_text(db, true, &o);
    cr_assert_str_eq(again, b);
    eddy_json_options hooked = {.recurse = true, .replace = nested_hook, .replace_arg = db};
    char *d = list_text(db, true, &hooked);
    cr_assert_null(strstr(d, "\"title\":\"first\""), "%s", d);
    cr_assert_not_null(strstr(d, "\"body\""), "%s", d);
    cr_assert_not_null(strstr(d, "\"author\":{"), "%s", d);
    char *e = list_text(db, true, &o); /* and the first kind again after it */
    cr_assert_str_eq(e, b);
    free(a);
    free(b);
    free(c);
    free(again);
    free(d);
    free(e);
}
DB_TEST(json_lists_follow_their_options_call_after_call)

struct bump {
    eddy_db *db;
    int *left;
};

static void bump_task(void *arg)
{
    struct bump *b = arg;
    eddy_query *q = eddy_orm_update(&post_m);
    eddy_orm_increment(q, "comments", 1);
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(1)));
    eddy_db_result *res;
    cr_assert_eq(eddy_orm_run(b->db, q, &res), 0, "%s", eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_affected(res), 1);
    eddy_db_result_free(res);
    eddy_query_free(q);
    --*b->left;
}

DB_CHECK(updates_increment_atomically_and_deletes_cascade)
{
    make_blog(db);
    int left = 20;
    struct bump b = {db, &left};
    for (int i = 0; i < 20; i++)
        eddy_task_spawn(bump_task, &b);
    while (left)
        eddy_sleep(5);
    cr_assert_eq(db_count(db, "SELECT comments FROM post WHERE id = 1"), 20,
                 "20 increments at once, none lost");

    eddy_query *q = eddy_orm_update(&post_m);
    eddy_orm_set(q, "title", EDDY_DB_STR("renamed"));
    eddy_orm_where(q, eddy_orm_eq(q, "author", EDDY_DB_INT(1)));
    eddy_db_result *res;
    cr_assert_eq(eddy_orm_run(db, q, &res), 0, "%s", eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_affected(res), 2);
    eddy_db_result_free(res);
    eddy_query_free(q);
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM post WHERE title = 'renamed'"), 2);

    cr_assert_eq(eddy_orm_insert(db, &comment_m,
                                 (eddy_orm_value[]){{"post", EDDY_DB_INT(1)},
                                                    {"author", EDDY_DB_INT(2)},
                                                    {"text", EDDY_DB_STR("hi")}},
                                 3, NULL),
                 0);
    q = eddy_orm_delete(&user_m);
    eddy_orm_where(q, eddy_orm_eq(q, "name", EDDY_DB_STR("ann")));
    cr_assert_eq(eddy_orm_run(db, q, &res), 0, "%s", eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_affected(res), 1);
    eddy_db_result_free(res);
    eddy_query_free(q);
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM post"), 1, "ann's posts went with her");
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM comment"), 0, "and their comments");
}
DB_TEST(updates_increment_atomically_and_deletes_cascade)

DB_CHECK(mistakes_are_named_and_nothing_runs)
{
    make_blog(db);
    eddy_query *q = eddy_orm_select(&post_m);
    eddy_orm_where(q, eddy_orm_eq(q, "titel", EDDY_DB_STR("x")));
    eddy_orm_order_by(q, "author.name", false); /* no join: a second mistake */
    eddy_db_result *res;
    cr_assert_eq(eddy_orm_run(db, q, &res), EINVAL);
    cr_assert_str_eq(eddy_db_errmsg(res), "post has no field titel", "the first mistake");
    eddy_db_result_free(res);
    eddy_query_free(q);

    q = eddy_orm_update(&post_m);
    eddy_orm_set(q, "title; DROP TABLE post", EDDY_DB_STR("x"));
    cr_assert_eq(eddy_orm_run(db, q, &res), EINVAL, "a name that is not a field is refused");
    eddy_db_result_free(res);
    eddy_query_free(q);
    cr_assert_eq(db_count(db, "SELECT COUNT(*) FROM post"), 3);

    static const eddy_field bad_fields[] = {{"text", EDDY_FIELD_TEXT, .flags = EDDY_FIELD_UNIQUE},
                                            {.name = NULL}};
    static const eddy_model bad = {"bad", bad_fields};
    const eddy_model *one[] = {&bad};
    cr_assert_eq(eddy_orm_create_tables(db, one, 1), EINVAL, "an index on unbounded text");
}
DB_TEST(mistakes_are_named_and_nothing_runs)

Test(orm_sql, create_table_speaks_each_dialect)
{
    eddy_buf b = EDDY_BUF_INIT;
    cr_assert_eq(eddy_orm_create_sql(&post_m, "mysql", &b), 0);
    cr_assert_not_null(strstr(b.data, "`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"), "%s",
                       b.data);
    cr_assert_not_null(strstr(b.data, "`author_id` BIGINT NOT NULL"), "%s", b.data);
    cr_assert_not_null(strstr(b.data, "`body` LONGTEXT NOT NULL"), "%s", b.data);
    cr_assert_not_null(
        strstr(b.data, "FOREIGN KEY (`author_id`) REFERENCES `user` (`id`) ON DELETE CASCADE"),
        "%s", b.data);
    cr_assert_not_null(strstr(b.data, "KEY `post_title` (`title`)"), "%s", b.data);
    eddy_buf_clear(&b);
    cr_assert_eq(eddy_orm_create_sql(&post_m, "sqlite", &b), 0);
    cr_assert_not_null(strstr(b.data, "`id` INTEGER PRIMARY KEY AUTOINCREMENT"), "%s", b.data);
    cr_assert_not_null(strstr(b.data, "CHECK (length(`title`) <= 200)"), "%s", b.data);
    cr_assert_not_null(
        strstr(b.data, "CREATE INDEX IF NOT EXISTS `post_author_id` ON `post` (`author_id`)"), "%s",
        b.data);
    eddy_buf_free(&b);

    eddy_query *q = eddy_orm_select(&post_m);
    eddy_orm_join(q, "author");
    eddy_orm_where(q, eddy_orm_gt(q, "comments", EDDY_DB_INT(3)));
    eddy_orm_limit(q, 10, 0);
    cr_assert_eq(eddy_orm_sql(q, "sqlite", &b), 0);
    cr_assert_not_null(
        strstr(b.data, "FROM `post` AS `t` JOIN `user` AS `j0` ON `j0`.`id` = `t`.`author_id` "
                       "WHERE `t`.`comments` > ? LIMIT ? OFFSET ?"),
        "%s", b.data);
    eddy_buf_free(&b);
    eddy_query_free(q);
}
