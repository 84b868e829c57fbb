/*
 * Exercise 17 tests: blog_posts(), blog_posts_json() and the transaction
 * behind blog_add_comment(), on a blog in an SQLite database in memory.
 *
 * Each test looks at the rows: the page of posts (newest first, the
 * author joined), the JSON a client would get (author nested, nothing
 * private), and after adding comments the counts and the comments the
 * database really holds - including none at all when a comment was
 * refused halfway.
 */
#include "models.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

struct job {
    void (*fn)(eddy_db *db);
    eddy_db *db;
    int done;
};

static int64_t insert(eddy_db *db, const eddy_model *m, const eddy_orm_value *v, size_t n)
{
    int64_t id = 0;
    cr_assert_eq(eddy_orm_insert(db, m, v, n, &id), 0, "insert into %s", m->table);
    return id;
}

/* fill - ann (1) and bob (2); posts 1..4 by ann, bob, ann, bob. */
static void fill(eddy_db *db)
{
    cr_assert_eq(blog_create(db), 0);
    const char *names[] = {"ann", "bob"};
    for (int i = 0; i < 2; i++)
        insert(db, &blog_user,
               (eddy_orm_value[]){{"name", EDDY_DB_STR(names[i])},
                                  {"email", EDDY_DB_STR("x@example.com")},
                                  {"password_hash", EDDY_DB_STR("SECRET")}},
               3);
    const char *titles[] = {"one", "two", "three", "four"};
    for (int i = 0; i < 4; i++)
        insert(db, &blog_post,
               (eddy_orm_value[]){{"author", EDDY_DB_INT(i % 2 + 1)},
                                  {"title", EDDY_DB_STR(titles[i])},
                                  {"body", EDDY_DB_STR("text")}},
               3);
}

static void run_job(void *arg)
{
    struct job *j = arg;
    fill(j->db);
    j->fn(j->db);
    j->done = 1;
}

static void in_task(void (*fn)(eddy_db *db))
{
    struct job j = {fn, eddy_db_open("sqlite::memory:", NULL), 0};
    cr_assert_not_null(j.db);
    cr_assert_not_null(eddy_task_spawn(run_job, &j));
    eddy_loop_run();
    cr_assert(j.done, "the queries did not finish");
    eddy_db_close(j.db);
    eddy_loop_free();
    eddy_thread_pool_shutdown();
}

static int64_t count(eddy_db *db, const char *sql)
{
    eddy_db_result *res;
    cr_assert_eq(eddy_db_query(db, &res, sql, NULL, 0), 0, "%s", eddy_db_errmsg(res));
    int64_t n = eddy_db_value_at(res, 0, 0)->i;
    eddy_db_result_free(res);
    return n;
}

static void page(eddy_db *db)
{
    eddy_db_result *res = NULL;
    int rc = blog_posts(db, 2, 1, &res);
    cr_assert_eq(rc, 0, "blog_posts: %d %s", rc, eddy_db_errmsg(res));
    cr_assert_eq(eddy_db_rows(res), 2, "limit 2");
    cr_assert_str_eq(eddy_db_text(res, 0, "title"), "three", "newest first, from offset 1");
    cr_assert_str_eq(eddy_db_text(res, 1, "title"), "two");
    cr_assert_geq(eddy_db_column_index(res, "author.name"), 0, "the author is joined");
    cr_assert_str_eq(eddy_db_text(res, 0, "author.name"), "ann");
    cr_assert_str_eq(eddy_db_text(res, 1, "author.name"), "bob");
    eddy_db_result_free(res);
}

Test(ex17, a_page_of_posts_newest_first_with_authors, .timeout = 10)
{
    in_task(page);
}

static void as_json(eddy_db *db)
{
    eddy_db_result *res = NULL;
    cr_assert_eq(blog_posts(db, 1, 0, &res), 0);
    json_t *j = blog_posts_json(res);
    eddy_db_result_free(res);
    cr_assert(json_is_array(j) && json_array_size(j) == 1, "an array of one post");
    json_t *post = json_array_get(j, 0);
    cr_assert_str_eq(json_string_value(json_object_get(post, "title")), "four");
    cr_assert_eq(json_integer_value(json_object_get(post, "comments")), 0);
    json_t *author = json_object_get(post, "author");
    cr_assert(json_is_object(author), "the author nested as an object, not an id");
    char *text = json_dumps(author, JSON_SORT_KEYS | JSON_COMPACT);
    cr_assert_str_eq(text, "{\"id\":2,\"name\":\"bob\"}", "only id and name");
    free(text);
    text = json_dumps(j, 0);
    cr_assert_null(strstr(text, "SECRET"), "never the password hash: %s", text);
    cr_assert_null(strstr(text, "example.com"), "never the email: %s", text);
    free(text);
    json_decref(j);
}

Test(ex17, posts_as_json_nest_the_author_and_hide_the_rest, .timeout = 10)
{
    in_task(as_json);
}

static void comments(eddy_db *db)
{
    int64_t id = 0;
    cr_assert_eq(blog_add_comment(db, 3, 2, "first!", &id), 0);
    cr_assert_eq(id, 1);
    cr_assert_eq(blog_add_comment(db, 3, 1, "second", &id), 0);
    cr_assert_eq(id, 2);
    cr_assert_eq(count(db, "SELECT comments FROM post WHERE id = 3"), 2, "the count went up twice");
    cr_assert_eq(count(db, "SELECT COUNT(*) FROM comment WHERE post_id = 3"), 2);

    cr_assert_eq(blog_add_comment(db, 42, 1, "no post", &id), ENOENT, "no such post");
    cr_assert_eq(blog_add_comment(db, 3, 99, "no author", &id), EIO, "no such author");
    cr_assert_eq(count(db, "SELECT comments FROM post WHERE id = 3"), 2,
                 "a refused comment leaves the count alone (rolled back)");
    cr_assert_eq(count(db, "SELECT COUNT(*) FROM comment"), 2, "and stores nothing");
}

Test(ex17, a_comment_and_its_count_go_together, .timeout = 10)
{
    in_task(comments);
}
