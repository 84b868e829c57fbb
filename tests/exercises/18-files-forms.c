/*
 * Exercise 18 tests: the profile form's validators, profile_name_is_free()
 * and profile_save(), in an app on an SQLite database.
 *
 * The tests post forms as a browser does and look at what comes back
 * (the messages of a refused form, as JSON) and at the rows the database
 * holds afterwards: a profile saved with its fields and its avatar's
 * name, an edit that keeps its own name, a taken name refused, and
 * nothing written when a form is refused.
 */
#include "profile_form.h"

/* The test equipment that runs an app on a thread of its own. */
#include "../lib/serve_thread.c"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char db_path[64];

/* The pool is opened on the server's thread, whose loop runs its waits. */
static eddy_db *test_db(eddy_req *r)
{
    eddy_db *db = eddy_req_db(r);
    if (!db) {
        char url[96];
        snprintf(url, sizeof url, "sqlite://%s", db_path);
        db = eddy_db_open(url, NULL);
        cr_assert_not_null(db);
        cr_assert_eq(eddy_app_set_db(eddy_req_app(r), db), 0);
        cr_assert_eq(profile_create_tables(db), 0);
    }
    return db;
}

/* POST /profiles/new or /profiles/ID: check, then profile_save (the
 * avatar's name from the field "saved_avatar"); the saved id. */
static void save_post(eddy_req *r)
{
    eddy_db *db = test_db(r);
    eddy_form *f = eddy_require_valid_form(r, &profile_form);
    if (!f)
        return;
    const char *id = eddy_path_arg(r, 1);
    int64_t saved = -1;
    int rc =
        profile_save(db, f, id ? atoll(id) : 0, eddy_get_argument(r, "saved_avatar", NULL), &saved);
    if (rc) {
        eddy_response_status(r, 500);
        eddy_writef(r, "profile_save returned %d (%s)", rc, strerror(rc));
        return;
    }
    eddy_writef(r, "saved %lld", (long long)saved);
}

/* GET /rows: the table, a line per row. */
static void rows_get(eddy_req *r)
{
    eddy_db_result *res;
    int rc = eddy_db_query(test_db(r), &res,
                           "SELECT id, name, email, mobile, gender, newsletter, avatar FROM "
                           "profile ORDER BY id",
                           NULL, 0);
    cr_assert_eq(rc, 0, "%s", eddy_db_errmsg(res));
    for (size_t i = 0; i < eddy_db_rows(res); i++) {
        const char *avatar = eddy_db_text(res, i, "avatar");
        eddy_writef(r, "%lld|%s|%s|%s|%s|%lld|%s\n", (long long)eddy_db_int(res, i, "id"),
                    eddy_db_text(res, i, "name"), eddy_db_text(res, i, "email"),
                    eddy_db_text(res, i, "mobile"), eddy_db_text(res, i, "gender"),
                    (long long)eddy_db_int(res, i, "newsletter"), avatar ? avatar : "NULL");
    }
    eddy_db_result_free(res);
}

/* GET /close: the pool is closed on the thread that opened it and ran
 * its queries (it keeps spare results per thread until then). */
static void close_get(eddy_req *r)
{
    eddy_app_set_db(eddy_req_app(r), NULL);
}

static const eddy_handler save_page = {.post = save_post};
static const eddy_handler rows_page = {.get = rows_get};
static const eddy_handler close_page = {.get = close_get};

static serve_thread st;
static eddy_app *app;

static void start(void)
{
    snprintf(db_path, sizeof db_path, "/tmp/eddy-ex18-%d.db", (int)getpid());
    unlink(db_path);
    app = eddy_app_new();
    cr_assert_eq(eddy_route(app, "/profiles/new", &save_page, NULL), 0);
    cr_assert_eq(eddy_route(app, "/profiles/([0-9]+)", &save_page, NULL), 0);
    cr_assert_eq(eddy_route(app, "/rows", &rows_page, NULL), 0);
    cr_assert_eq(eddy_route(app, "/close", &close_page, NULL), 0);
    serve_thread_init(&st);
    st.app = app;
    cr_assert_eq(serve_thread_start(&st), 0);
}

static void stop(void)
{
    serve_thread_ask(&st, "GET /close HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    serve_thread_stop(&st);
    eddy_app_free(app);
    char path[96];
    unlink(db_path);
    snprintf(path, sizeof path, "%s-wal", db_path);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", db_path);
    unlink(path);
}

TestSuite(exercise18, .init = start, .fini = stop, .timeout = 30);

/* post - a urlencoded POST; the response's body. */
static const char *post(const char *path, const char *form)
{
    char raw[2048];
    snprintf(raw, sizeof raw,
             "POST %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
             path, strlen(form), form);
    char *resp = serve_thread_ask(&st, raw);
    const char *body = strstr(resp, "\r\n\r\n");
    cr_assert_not_null(body, "%s", resp);
    return body + 4;
}

static const char *rows(void)
{
    char *resp =
        serve_thread_ask(&st, "GET /rows HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    const char *body = strstr(resp, "\r\n\r\n");
    cr_assert_not_null(body, "%s", resp);
    return body + 4;
}

#define ANN "name=ann&email=ann%40example.com&mobile=13812345678"

Test(exercise18, the_fields_say_what_is_missing_or_wrong)
{
    cr_assert_str_eq(post("/profiles/new", ""),
                     "{\"name\":\"Please choose a name.\",\"email\":\"This field is required.\","
                     "\"mobile\":\"This field is required.\"}");
    cr_assert_str_eq(post("/profiles/new", "name=a&email=ann%40&mobile=123"),
                     "{\"name\":\"Field must be between 2 and 40 characters long.\",\"email\":"
                     "\"Invalid email address.\",\"mobile\":\"Not a valid mobile number.\"}");
    cr_assert_str_eq(rows(), "", "nothing written for a refused form");
}

Test(exercise18, a_valid_form_is_saved_as_a_row)
{
    cr_assert_str_eq(post("/profiles/new", ANN "&gender=f&newsletter=y"), "saved 1");
    cr_assert_str_eq(post("/profiles/new", "name=bob&email=bob%40example.com&mobile=13912345678"
                                           "&saved_avatar=0123abcd.png"),
                     "saved 2");
    cr_assert_str_eq(rows(), "1|ann|ann@example.com|13812345678|f|1|NULL\n"
                             "2|bob|bob@example.com|13912345678|x|0|0123abcd.png\n");
}

Test(exercise18, an_edit_updates_its_row_and_keeps_its_avatar_unless_given)
{
    cr_assert_str_eq(post("/profiles/new", ANN "&saved_avatar=first.png"), "saved 1");
    cr_assert_str_eq(post("/profiles/new", "name=bob&email=bob%40example.com&mobile=13912345678"),
                     "saved 2");
    cr_assert_str_eq(post("/profiles/1", "name=ann&email=new%40example.com&mobile=19912345678"
                                         "&gender=m"),
                     "saved 1", "an edit may keep its own name");
    cr_assert_str_eq(rows(), "1|ann|new@example.com|19912345678|m|0|first.png\n"
                             "2|bob|bob@example.com|13912345678|x|0|NULL\n");
    cr_assert_str_eq(post("/profiles/2", "name=bob&email=bob%40example.com&mobile=13912345678"
                                         "&saved_avatar=second.png"),
                     "saved 2");
    cr_assert_str_eq(rows(), "1|ann|new@example.com|19912345678|m|0|first.png\n"
                             "2|bob|bob@example.com|13912345678|x|0|second.png\n");
}

Test(exercise18, a_taken_name_is_refused_after_asking_the_database)
{
    cr_assert_str_eq(post("/profiles/new", ANN), "saved 1");
    cr_assert_str_eq(post("/profiles/new", ANN), "{\"name\":\"That name is taken.\"}");
    cr_assert_str_eq(post("/profiles/new", "name=bob&email=bob%40example.com&mobile=13912345678"),
                     "saved 2");
    cr_assert_str_eq(post("/profiles/2", "name=ann&email=bob%40example.com&mobile=13912345678"),
                     "{\"name\":\"That name is taken.\"}", "nor may an edit take another's");
    cr_assert_str_eq(rows(), "1|ann|ann@example.com|13812345678|x|0|NULL\n"
                             "2|bob|bob@example.com|13912345678|x|0|NULL\n");
}
