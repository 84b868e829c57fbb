/*
 * forum - lesson 21's shared state and the parts every feature file uses.
 *
 * The forum is one program in feature files: api_accounts.c,
 * api_groups.c, ... each with one registration function that adds its
 * routes to the app. routes.c calls them all in order (first match wins,
 * so the JSON API's exact paths come before the pages). The state every
 * handler needs (where media files go, the key-value store, pub/sub) is
 * one struct, kept on the app (eddy_app_set_data) and reached from a
 * request with forum_of(r).
 */
#ifndef FORUM_H
#define FORUM_H

#include <eddy/eddy.h>

#include <stdbool.h>
#include <stdint.h>

typedef struct forum {
    const char *db_url;    /* --db */
    const char *redis_url; /* --redis; "" keeps codes, limits and pub/sub in the process */
    const char *prefix;    /* --key-prefix: before every key and channel ("forum:") */
    const char *media_dir; /* --media-dir: avatars, group covers, question images */
    const char *site_url;  /* --site-url: the prefix of absolute image URLs */
    const char *secret;    /* --secret: signs tokens and cookies */
    int worker;            /* this process's index among --processes (0 when one) */
    eddy_kv *kv;           /* SMS codes and rate limits: in memory or on Redis */
    eddy_pubsub *pubsub;   /* live notifications: in memory or on Redis */
    const eddy_password_params *passwords; /* scrypt's cost (--scrypt-log2-n...) */
    eddy_static *media;                    /* the files under media_dir, served at /media/ */
} forum;

/* forum_of - the forum serving r. */
forum *forum_of(const eddy_req *r);

/* ------------------------------------------------------------ helpers (routes.c) */

/* forum_api_user - the id of the user whose token (the tsessionid header)
 * came with r, or -1 after answering 401. May wait (the user is loaded). */
int64_t forum_api_user(eddy_req *r);

/* forum_api_route - eddy_route for a JSON API handler: its callers prove
 * who they are with the token header, which a browser never sends by
 * itself, so it is exempt from the pages' XSRF check. */
int forum_api_route(eddy_app *app, const char *pattern, const eddy_handler *h, const char *name);

/* forum_save_upload - save an upload (already checked by its form field:
 * type and size) under media_dir with a name the server makes up; that
 * name, in the request's arena, or NULL after answering 500. May wait. */
const char *forum_save_upload(eddy_req *r, const eddy_upload *u);

/* forum_api_reply_form - the API's reply (楼中楼) to a comment or to an
 * answer: replyed_user and content, with the course's messages
 * (api_posts.c). */
extern const eddy_form_def forum_api_reply_form;

/* forum_send_field_error - answer status with {field: message} (field
 * "non_fields" for an error about the whole request), the course's shape. */
void forum_send_field_error(eddy_req *r, int status, const char *field, const char *message);

/* forum_media_url - "/media/NAME" for a stored file name (NULL: NULL),
 * and with absolute, prefixed by site_url, as the course sends group
 * covers and question images. In the request's arena. */
const char *forum_media_url(eddy_req *r, const char *name, bool absolute);

/* ------------------------------------------------------------ start-up */

/* forum_load_user - the auth module's user loader (api_accounts.c): the
 * user with this id as {id, mobile, nick_name, head_url, ...}, or NULL.
 * A page that read the reader's row with its own query (forum_keep_reader)
 * has it answered without another one. */
json_t *forum_load_user(eddy_req *r, const char *user_id, void *arg);

/* FORUM_READER_COLUMNS(a) - the columns forum_keep_reader reads, of the
 * user table joined as a: id and the user model's fields but the hidden
 * password, named as the ORM names a joined row's ("reader.id"...). */
#define FORUM_READER_COLUMN(a, c) a "." c " AS `reader." c "`"
#define FORUM_READER_COLUMNS(a)                                                                    \
    FORUM_READER_COLUMN(a, "id") ", " FORUM_READER_COLUMN(a, "mobile") ", "                        \
    FORUM_READER_COLUMN(a, "nick_name") ", " FORUM_READER_COLUMN(a, "head_url") ", "           \
    FORUM_READER_COLUMN(a, "address") ", " a ".`desc` AS `reader.desc`, "                       \
    FORUM_READER_COLUMN(a, "gender") ", " FORUM_READER_COLUMN(a, "add_time")

/* forum_keep_reader - the user whose FORUM_READER_COLUMNS row holds, kept
 * for the rest of the request as the user forum_load_user gives for that
 * id (the same JSON); nothing when the id there is NULL. */
void forum_keep_reader(eddy_req *r, const eddy_db_result *res, size_t row);

/* FORUM_ALL - the course's "all" choice of a list's category filter,
 * on the API and on the pages. */
#define FORUM_ALL "全部"

/* The signed cookie that keeps a page visitor signed in, and how long. */
#define FORUM_SESSION_COOKIE    "user"
#define FORUM_SESSION_MAX_AGE_S (30 * 86400)

/* forum_seed - the demo data (users, groups, members, posts, comments,
 * questions, answers), when the database has no user yet, passwords
 * hashed with params; *created says whether it did. Runs in a task. 0 or an errno value. */
int forum_seed(eddy_db *db, const eddy_password_params *params, bool *created);

/* The demo login forum_seed creates, printed at start. */
#define FORUM_DEMO_MOBILE   "13800000001"
#define FORUM_DEMO_PASSWORD "demo-password"

/* ------------------------------------------------------------ routes
 * One registration function per feature file: 0, or -1 with
 * eddy_app_error(app). */
int forum_routes(eddy_app *app, forum *f); /* routes.c: every feature */
int forum_routes_accounts(eddy_app *app, forum *f);
int forum_routes_groups(eddy_app *app, forum *f);
int forum_routes_posts(eddy_app *app, forum *f);     /* api_posts.c */
int forum_routes_questions(eddy_app *app, forum *f); /* api_questions.c */
int forum_routes_messages(eddy_app *app, forum *f);  /* api_messages.c */
int forum_routes_live(eddy_app *app, forum *f);      /* live.c: /ws/notifications */
int forum_routes_upload(eddy_app *app, forum *f);    /* api_upload.c: UEditor */
int forum_routes_search(eddy_app *app, forum *f);    /* search.c */
int forum_routes_pages(eddy_app *app, forum *f);     /* pages.c: the server-rendered face */

/* forum_search_setup - the full-text index of posts and questions (FTS5
 * on SQLite, FULLTEXT on MariaDB), if missing (search.c). A wait: 0 or
 * an errno value. */
int forum_search_setup(eddy_db *db);

#endif
