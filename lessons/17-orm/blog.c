/*
 * blog - lesson 17: a small blog's JSON API on the ORM.
 *
 * Lesson 16 wrote its SQL by hand. Here the tables, the queries and the
 * JSON all come from three model descriptions (models.c), the way peewee
 * and peewee-async do it for the course: the tables are created on start
 * (in SQLite's or MariaDB's dialect, parents first), a list of posts is
 * one query with a join on the author, the number of comments is a
 * counter the database raises atomically, and every row becomes JSON
 * through its model, so a password hash never leaves the server.
 *
 *   GET    /api/posts?limit=&offset=   posts, newest first, authors nested, and the total
 *   POST   /api/posts                  {"author": ID, "title", "body"}: 201
 *   GET    /api/posts/ID               one post with its comments
 *   DELETE /api/posts/ID               204; its comments go with it
 *   POST   /api/posts/ID/comments      {"author": ID, "text"}: 201, the post's count + 1
 *   GET    /api/users                  users with how many posts each wrote
 *   GET    /api/users/ID               one user (never the password hash)
 */
#include "models.h"

#include <eddy/eddy.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* json_error - every error as JSON, the app's error writer. */
static void json_error(eddy_req *r, int status, const char *reason)
{
    const char *message = reason && *reason ? reason : eddy_status_reason(status);
    eddy_send_json(r, json_pack("{s:s,s:i}", "error", message, "status", status));
}

/* int_arg - query argument name as a number in [min, max], or def; -1
 * after answering 400. */
static int int_arg(eddy_req *r, const char *name, long def, long min, long max, long *out)
{
    const char *text = eddy_get_query_argument(r, name, NULL);
    char *end = NULL;
    *out = text ? strtol(text, &end, 10) : def;
    if (text && (*end || *out < min || *out > max)) {
        eddy_send_error(r, 400, "limit and offset must be whole numbers in range");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ posts */

/* quote:begin list */
static void posts_get(eddy_req *r)
{
    long limit, offset;
    if (int_arg(r, "limit", 20, 1, 100, &limit) < 0 ||
        int_arg(r, "offset", 0, 0, 1L << 40, &offset) < 0)
        return;
    eddy_db *db = eddy_req_db(r);
    eddy_db_result *res;
    int rc = blog_posts(db, limit, offset, &res);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *posts = blog_posts_json(res);
    eddy_db_result_free(res);
    int64_t total = 0;
    eddy_query *all = eddy_orm_select(&blog_post);
    rc = eddy_orm_count(db, all, &total); /* SELECT COUNT(*) FROM post */
    eddy_query_free(all);
    if (rc) {
        json_decref(posts);
        eddy_send_error(r, 503, "The database is unavailable");
        return;
    }
    eddy_send_json(r, json_pack("{s:o,s:I}", "posts", posts, "total", (json_int_t)total));
}
/* quote:end list */

static void posts_post(eddy_req *r)
{
    json_t *body = eddy_require_json_body(r);
    if (!body)
        return;
    json_t *author = json_object_get(body, "author");
    const char *title = json_string_value(json_object_get(body, "title"));
    const char *text = json_string_value(json_object_get(body, "body"));
    if (!json_is_integer(author) || !title || !*title || !text) {
        eddy_send_error(r, 400, "expected {\"author\": id, \"title\": text, \"body\": text}");
        return;
    }
    int64_t id;
    int rc = eddy_orm_insert(eddy_req_db(r), &blog_post,
                             (eddy_orm_value[]){{"author", EDDY_DB_INT(json_integer_value(author))},
                                                {"title", EDDY_DB_STR(title)},
                                                {"body", EDDY_DB_STR(text)}},
                             3, &id);
    if (rc == EIO) { /* refused by the database: no such author, or a title too long */
        eddy_send_error(r, 400, "no such author, or a title over 200 characters");
        return;
    }
    if (rc) {
        eddy_send_error(r, 503, "The database is unavailable");
        return;
    }
    eddy_response_status(r, 201);
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)id));
}

/* quote:begin one */
static void post_get(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    if (id < 0)
        return;
    eddy_db *db = eddy_req_db(r);
    eddy_db_result *post, *comments;
    eddy_query *q = eddy_orm_select(&blog_post);
    eddy_orm_join(q, "author");
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    int rc = eddy_orm_run(db, q, &post);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, post);
        return;
    }
    if (eddy_db_rows(post) == 0) {
        eddy_db_result_free(post);
        eddy_send_error(r, 404, "no such post");
        return;
    }
    if ((rc = blog_comments(db, id, &comments)) != 0) {
        eddy_db_result_free(post);
        eddy_send_db_error(r, rc, comments);
        return;
    }
    static const char *const private_fields[] = {"author.email", "author.joined", NULL};
    eddy_json_options o = {.recurse = true, .exclude = private_fields};
    json_t *out = eddy_orm_row_json(&blog_post, post, 0, &o);
    json_object_set_new(out, "comment_list", eddy_orm_rows_json(&blog_comment, comments, &o));
    eddy_db_result_free(post);
    eddy_db_result_free(comments);
    eddy_send_json(r, out);
}
/* quote:end one */

static void post_delete(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    if (id < 0)
        return;
    eddy_query *q = eddy_orm_delete(&blog_post);
    eddy_orm_where(q, eddy_orm_eq(q, "id", EDDY_DB_INT(id)));
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    int64_t gone = eddy_db_affected(res);
    eddy_db_result_free(res);
    if (!gone)
        eddy_send_error(r, 404, "no such post");
    else
        eddy_response_status(r, 204); /* its comments went with it: ON DELETE CASCADE */
}

static void comments_post(eddy_req *r)
{
    long post = eddy_require_path_long(r, 1);
    json_t *body = post < 0 ? NULL : eddy_require_json_body(r);
    if (!body)
        return;
    json_t *author = json_object_get(body, "author");
    const char *text = json_string_value(json_object_get(body, "text"));
    if (!json_is_integer(author) || !text || !*text) {
        eddy_send_error(r, 400, "expected {\"author\": id, \"text\": text}");
        return;
    }
    int64_t id;
    int rc = blog_add_comment(eddy_req_db(r), post, json_integer_value(author), text, &id);
    if (rc == ENOENT || rc == EIO) {
        eddy_send_error(r, rc == ENOENT ? 404 : 400,
                        rc == ENOENT ? "no such post" : "no such author");
        return;
    }
    if (rc) {
        eddy_send_error(r, 503, "The database is unavailable");
        return;
    }
    eddy_response_status(r, 201);
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)id));
}

/* ------------------------------------------------------------ users */

/* quote:begin users */
static void users_get(eddy_req *r)
{
    eddy_db *db = eddy_req_db(r);
    eddy_query *q = eddy_orm_select(&blog_user);
    eddy_orm_order_by(q, "name", false);
    eddy_db_result *res;
    int rc = eddy_orm_run(db, q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    json_t *users = eddy_orm_rows_json(&blog_user, res, NULL); /* no password_hash: hidden */
    for (size_t i = 0; i < eddy_db_rows(res) && rc == 0; i++) {
        eddy_query *theirs = eddy_orm_select(&blog_post);
        eddy_orm_where(theirs,
                       eddy_orm_eq(theirs, "author", EDDY_DB_INT(eddy_db_int(res, i, "id"))));
        int64_t n = 0;
        rc = eddy_orm_count(db, theirs, &n);
        eddy_query_free(theirs);
        json_object_set_new(json_array_get(users, i), "posts", json_integer(n));
    }
    eddy_db_result_free(res);
    if (rc) {
        json_decref(users);
        eddy_send_error(r, 503, "The database is unavailable");
        return;
    }
    eddy_send_json(r, json_pack("{s:o}", "users", users));
}
/* quote:end users */

static void user_get(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    if (id < 0)
        return;
    eddy_db_result *res;
    int rc = eddy_orm_get(eddy_req_db(r), &blog_user, id, &res);
    if (rc == ENOENT) {
        eddy_db_result_free(res);
        eddy_send_error(r, 404, "no such user");
        return;
    }
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    eddy_send_json(r, eddy_orm_row_json(&blog_user, res, 0, NULL));
    eddy_db_result_free(res);
}

static const eddy_handler posts = {.get = posts_get, .post = posts_post};
static const eddy_handler one_post = {.get = post_get, .delete_ = post_delete};
static const eddy_handler comments = {.post = comments_post};
static const eddy_handler users = {.get = users_get};
static const eddy_handler one_user = {.get = user_get};

/* ------------------------------------------------------------ starting */

struct setup {
    eddy_db *db;
    bool seed;
    int rc;
};

/* quote:begin setup */
static void setup_task(void *arg)
{
    struct setup *s = arg;
    s->rc = blog_create(s->db); /* CREATE TABLE IF NOT EXISTS ..., parents first */
    if (s->rc == 0 && s->seed)
        s->rc = blog_seed(s->db);
}
/* quote:end setup */

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    eddy_server_option_values server;
    const char *url;
    int64_t pool;
    bool seed, show_sql;
    eddy_options *opts = eddy_options_new();
    eddy_server_options(opts, &server);
    eddy_options_group(opts, "blog");
    eddy_option_string(opts, "db", &url, "sqlite://blog.db",
                       "database URL: sqlite:///path/file.db or mysql://user:pass@host:port/name");
    eddy_option_int(opts, "pool", &pool, 8, "database connections at most");
    eddy_option_range(opts, "pool", 1, 1000);
    eddy_option_bool(opts, "seed", &seed, true, "add demo users and posts to an empty database");
    eddy_option_bool(opts, "show-sql", &show_sql, false,
                     "print the CREATE TABLE statements for the database's dialect and exit");
    eddy_options_define_logging(opts);
    int first = eddy_options_parse_command_line(opts, argc, argv);
    if (first < 0) { /* it printed the help (exit 0) or what is wrong (exit 2) */
        eddy_options_free(opts);
        return first == EDDY_OPTIONS_HELP ? 0 : 2;
    }

    int status = 1;
    eddy_app *app = NULL;
    eddy_server *srv = NULL;
    eddy_db *db = eddy_db_open(url, &(eddy_db_options){.max_connections = (int)pool});
    if (!db)
        goto out;
    if (show_sql) {
        const eddy_model *models[] = {&blog_user, &blog_post, &blog_comment};
        for (int i = 0; i < 3; i++) {
            eddy_buf sql = EDDY_BUF_INIT;
            eddy_orm_create_sql(models[i], eddy_db_dialect(db), &sql);
            printf("%s;\n\n", sql.data);
            eddy_buf_free(&sql);
        }
        status = 0;
        goto out;
    }
    struct setup s = {db, seed, 0};
    eddy_task_spawn(setup_task, &s);
    eddy_loop_run();
    if (s.rc) {
        fprintf(stderr, "blog: cannot set up the tables in %s\n", eddy_db_url_redacted(db));
        goto out;
    }

    app = eddy_app_new();
    if (!app || eddy_app_set_db(app, db) < 0)
        goto out;
    db = NULL; /* the app closes it */
    if (eddy_route(app, "/api/posts", &posts, "posts") < 0 ||
        eddy_route(app, "/api/posts/([0-9]+)", &one_post, "post") < 0 ||
        eddy_route(app, "/api/posts/([0-9]+)/comments", &comments, "comments") < 0 ||
        eddy_route(app, "/api/users", &users, "users") < 0 ||
        eddy_route(app, "/api/users/([0-9]+)", &one_user, "user") < 0)
        goto out;
    eddy_app_error_writer(app, json_error);
    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    eddy_server_options_apply(&server, &cfg);
    srv = eddy_app_listen(app, &cfg);
    if (!srv)
        goto out;
    printf("listening on http://%s:%d/\n", cfg.address, eddy_server_port(srv));
    printf("blog in %s (%s)\n", eddy_db_url_redacted(eddy_app_db(app)),
           eddy_db_dialect(eddy_app_db(app)));
    status = eddy_server_run(srv) < 0;
out:
    eddy_server_free(srv);
    eddy_app_free(app); /* closes the database it holds */
    eddy_db_close(db);  /* or this one, when it never got there */
    eddy_thread_pool_shutdown();
    eddy_loop_free();
    eddy_options_free(opts);
    return status;
}
