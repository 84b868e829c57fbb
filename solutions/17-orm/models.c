/*
 * models - the blog's models and queries; see models.h.
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
    {"post", EDDY_FIELD_FOREIGN_KEY, .references = &blog_post, .on_delete = EDDY_ON_DELETE_CASCADE},
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

/* quote:begin posts */
int blog_posts(eddy_db *db, int64_t limit, int64_t offset, eddy_db_result **res)
{
    eddy_query *q = eddy_orm_select(&blog_post);
    if (!q) {
        *res = NULL;
        return ENOMEM;
    }
    eddy_orm_join(q, "author"); /* SELECT ... JOIN user ON user.id = post.author_id */
    eddy_orm_order_by(q, "id", true);
    eddy_orm_limit(q, limit, offset);
    int rc = eddy_orm_run(db, q, res);
    eddy_query_free(q);
    return rc;
}

json_t *blog_posts_json(const eddy_db_result *res)
{
    static const char *const private_fields[] = {"author.email", "author.joined", NULL};
    eddy_json_options o = {.recurse = true, .exclude = private_fields};
    return eddy_orm_rows_json(&blog_post, res, &o);
}
/* quote:end posts */

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
    struct new_comment *c = arg;
    eddy_query *q = eddy_orm_update(&blog_post);
    eddy_orm_increment(q, "comments", 1); /* comments = comments + 1, done by the database */
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(c->post)));
    eddy_db_result *res;
    int rc = eddy_orm_run(db, q, &res);
    if (rc == 0 && eddy_db_affected(res) == 0)
        rc = ENOENT;
    eddy_db_result_free(res);
    eddy_query_free(q);
    if (rc == 0)
        rc = eddy_orm_insert(db, &blog_comment,
                             (eddy_orm_value[]){{"post", EDDY_DB_INT(c->post)},
                                                {"author", EDDY_DB_INT(c->author)},
                                                {"text", EDDY_DB_STR(c->text)}},
                             3, &c->id);
    return rc;
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
