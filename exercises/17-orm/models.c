/*
 * models - the blog's models and queries; see models.h.
 *
 * EXERCISE: write blog_posts(), blog_posts_json() and add_comment_tx().
 * The blog (lessons/17-orm/blog.c) lists posts with the first two and
 * adds comments through blog_add_comment, which runs add_comment_tx in a
 * transaction. `make progress` runs the tests, against SQLite in memory.
 */
#include "models.h"

#include <errno.h>
#include <string.h>

/* quote:begin models */
static const eddy_field user_fields[] = {
    {"name", EDDY_FIELD_TEXT, .max_length = 40, .flags = EDDY_FIELD_UNIQUE},
    {"email", EDDY_FIELD_TEXT, .max_length = 100},
    {"password_hash", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_HIDDEN},
    {"joined", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW},
    {.name = NULL}};
const eddy_model blog_user = {"user", user_fields};

static const eddy_field post_fields[] = {
    {"author", EDDY_FIELD_FOREIGN_KEY, .references = &blog_user,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"title", EDDY_FIELD_TEXT, .max_length = 200, .flags = EDDY_FIELD_INDEX},
    {"body", EDDY_FIELD_TEXT, .max_length = 0}, /* no limit */
    {"comments", EDDY_FIELD_INT, .default_value = "0"},
    {"created", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW | EDDY_FIELD_INDEX},
    {.name = NULL}};
const eddy_model blog_post = {"post", post_fields};

static const eddy_field comment_fields[] = {
    {"post", EDDY_FIELD_FOREIGN_KEY, .references = &blog_post,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"author", EDDY_FIELD_FOREIGN_KEY, .references = &blog_user,
     .on_delete = EDDY_ON_DELETE_CASCADE},
    {"text", EDDY_FIELD_TEXT, .max_length = 1000},
    {"created", EDDY_FIELD_DATETIME, .flags = EDDY_FIELD_NOW},
    {.name = NULL}};
const eddy_model blog_comment = {"comment", comment_fields};
/* quote:end models */

int blog_create(eddy_db *db)
{
    const eddy_model *models[] = {&blog_comment, &blog_post, &blog_user}; /* any order */
    return eddy_orm_create_tables(db, models, 3);
}

static int add_user(eddy_db *db, const char *name, const char *email, int64_t *id)
{
    return eddy_orm_insert(db, &blog_user,
                           (eddy_orm_value[]){{"name", EDDY_DB_STR(name)},
                                              {"email", EDDY_DB_STR(email)},
                                              {"password_hash", EDDY_DB_STR("(set in lesson 20)")}},
                           3, id);
}

static int add_post(eddy_db *db, int64_t author, const char *title, const char *body)
{
    return eddy_orm_insert(db, &blog_post,
                           (eddy_orm_value[]){{"author", EDDY_DB_INT(author)},
                                              {"title", EDDY_DB_STR(title)},
                                              {"body", EDDY_DB_STR(body)}},
                           3, NULL);
}

int blog_seed(eddy_db *db)
{
    eddy_query *q = eddy_orm_select(&blog_user);
    int64_t users = 0;
    int rc = q ? eddy_orm_count(db, q, &users) : ENOMEM;
    eddy_query_free(q);
    if (rc || users)
        return rc;
    int64_t ann, bob;
    if ((rc = add_user(db, "ann", "ann@example.com", &ann)) ||
        (rc = add_user(db, "bob", "bob@example.com", &bob)) ||
        (rc = add_post(db, ann, "Models in C", "A model is a constant table of fields.")) ||
        (rc = add_post(db, bob, "Tables from models", "create_tables writes the SQL.")) ||
        (rc = add_post(db, ann, "Rows to JSON", "model_to_dict, in C.")))
        return rc;
    return blog_add_comment(db, 1, bob, "Nice and short.", NULL);
}

int blog_posts(eddy_db *db, int64_t limit, int64_t offset, eddy_db_result **res)
{
    /* TODO: a select on blog_post (eddy_orm_select) that joins "author",
     * orders by "id" descending and takes limit rows from offset; run it
     * with eddy_orm_run(db, q, res) and free the query. If the query
     * cannot be made, set *res = NULL and return ENOMEM. */
    (void)db;
    (void)limit;
    (void)offset;
    *res = NULL;
    return ENOSYS;
}

json_t *blog_posts_json(const eddy_db_result *res)
{
    /* TODO: eddy_orm_rows_json through blog_post, recursing into the
     * joined author, with "author.email" and "author.joined" excluded (a
     * NULL-ended array of names in eddy_json_options). */
    (void)res;
    return json_array();
}

int blog_comments(eddy_db *db, int64_t post, eddy_db_result **res)
{
    eddy_query *q = eddy_orm_select(&blog_comment);
    if (!q) {
        *res = NULL;
        return ENOMEM;
    }
    eddy_orm_join(q, "author");
    eddy_orm_where(q, eddy_orm_eq(q, "post", EDDY_DB_INT(post)));
    eddy_orm_order_by(q, "id", false);
    int rc = eddy_orm_run(db, q, res);
    eddy_query_free(q);
    return rc;
}

/* quote:begin comment */
struct new_comment {
    int64_t post, author, id;
    const char *text;
};

/* add_comment_tx - the comment and the count, inside one transaction:
 * a failure of either (no such post) rolls both back. */
static int add_comment_tx(eddy_db *db, void *arg)
{
    /* TODO: an update of blog_post that increments "comments" by 1 where
     * "id" is c->post; if it changed no row (eddy_db_affected), there is
     * no such post: return ENOENT. Then eddy_orm_insert the comment (post,
     * author, text) into blog_comment, its id into c->id. Return the
     * first error: eddy_db_transaction rolls back when this is not 0. */
    struct new_comment *c = arg;
    (void)db;
    (void)c;
    return ENOSYS;
}

int blog_add_comment(eddy_db *db, int64_t post, int64_t author, const char *text, int64_t *id)
{
    struct new_comment c = {post, author, 0, text};
    int rc = eddy_db_transaction(db, add_comment_tx, &c);
    if (rc == 0 && id)
        *id = c.id;
    return rc;
}
/* quote:end comment */
