/*
 * profile - lesson 18: a profile page with a validated form, saved through
 * the ORM, with an avatar upload saved off the loop; and the same form as
 * a JSON API.
 *
 * The form is described once (profile_form.c). A page shows it empty or
 * filled from a row; a POST (urlencoded or multipart) is checked field
 * by field, a waiting check asking the database whether the name is
 * taken, and either saved or shown again with each error beside its
 * field and every value as the user typed it. The avatar's bytes decide
 * whether it is an image (not its name or declared type); it is saved
 * under a name the server makes up, atomically, on the thread pool.
 *
 *   GET  /                  every profile, with its avatar
 *   GET  /profiles/new      the empty form
 *   POST /profiles/new      create: 303 to the profile, or the form again (400)
 *   GET  /profiles/ID       the form filled from the row
 *   POST /profiles/ID       update: the same
 *   POST /api/profiles      the same fields as JSON (or a form): 201 {"id"},
 *                           or 400 {"field": "message", "non_fields": "message"}
 *   GET  /avatars/NAME      the saved avatars
 */
#include "profile_form.h"

#include <eddy/eddy.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *uploads; /* the folder avatars are saved in (--uploads) */

/* ------------------------------------------------------------ pages */

/* show - the profile page: the form (as made for this request, with its
 * values and errors), the avatar if any. */
static void show(eddy_req *r, int status, const char *title, const char *action, const char *avatar)
{
    eddy_response_status(r, status);
    eddy_render(r, "profile.html",
                json_pack("{s:s,s:s,s:s?}", "title", title, "action", action, "avatar", avatar));
}

static void index_get(eddy_req *r)
{
    eddy_query *q = eddy_orm_select(&profile_model);
    eddy_orm_order_by(q, "name", false);
    eddy_db_result *res;
    int rc = eddy_orm_run(eddy_req_db(r), q, &res);
    eddy_query_free(q);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    static const char *const private_fields[] = {"email", "mobile", NULL};
    eddy_json_options o = {.exclude = private_fields};
    json_t *profiles = eddy_orm_rows_json(&profile_model, res, &o);
    eddy_db_result_free(res);
    eddy_render(r, "index.html", json_pack("{s:o}", "profiles", profiles));
}

/* quote:begin save */
/* save - check the posted form and save it as row id (0: a new row);
 * the row's id, or 0 after answering (the form again, or an error). */
static int64_t save(eddy_req *r, int64_t id, const char *old_avatar)
{
    const char *title = id ? "Edit profile" : "New profile";
    eddy_form *f = eddy_form_from_request(r, &profile_form);
    if (!f) {
        eddy_send_error(r, 500, NULL);
        return 0;
    }
    if (!eddy_form_validate(f)) { /* may wait: is the name taken? */
        show(r, 400, title, eddy_path(r), old_avatar);
        return 0;
    }
    char avatar[128] = "";
    const eddy_upload *u = eddy_form_upload(f, "avatar");
    if (u && u->size) {
        /* written under a made-up name, on the thread pool: the loop
         * serves everyone else while the disk works */
        int rc = eddy_upload_save(r, u, uploads, avatar, sizeof avatar);
        if (rc) {
            eddy_error("saving an avatar in %s: %s", uploads, strerror(rc));
            eddy_send_error(r, 500, "The avatar could not be saved");
            return 0;
        }
    }
    int64_t saved = 0;
    int rc = profile_save(eddy_req_db(r), f, id, *avatar ? avatar : NULL, &saved);
    if (rc == EIO) { /* the UNIQUE index: another request took the name meanwhile */
        eddy_form_add_error(f, "name", "That name is taken.");
        show(r, 400, title, eddy_path(r), old_avatar);
        return 0;
    }
    if (rc) {
        eddy_send_error(r, 503, "The database is unavailable");
        return 0;
    }
    return saved;
}
/* quote:end save */

/* see_other - 303 to the profile: a reload of the next page does not post again. */
static void see_other(eddy_req *r, int64_t id)
{
    char to[48];
    snprintf(to, sizeof to, "/profiles/%lld", (long long)id);
    eddy_response_status(r, 303);
    eddy_response_set_header(r, "Location", to);
}

static void new_get(eddy_req *r)
{
    if (!eddy_form_new(r, &profile_form)) {
        eddy_send_error(r, 500, NULL);
        return;
    }
    show(r, 200, "New profile", "/profiles/new", NULL);
}

static void new_post(eddy_req *r)
{
    int64_t id = save(r, 0, NULL);
    if (id)
        see_other(r, id);
}

/* avatar_of - the row's avatar file name, in the request's arena, or NULL. */
static const char *avatar_of(eddy_req *r, const eddy_db_result *res)
{
    const char *name = eddy_db_text(res, 0, "avatar");
    return name ? eddy_strdup(r, name) : NULL;
}

/* load - row id into *res; false after answering 404 or an error. */
static bool load(eddy_req *r, long id, eddy_db_result **res)
{
    int rc = eddy_orm_get(eddy_req_db(r), &profile_model, id, res);
    if (rc == ENOENT) {
        eddy_db_result_free(*res);
        eddy_send_error(r, 404, "No such profile");
        return false;
    }
    if (rc) {
        eddy_send_db_error(r, rc, *res);
        return false;
    }
    return true;
}

/* quote:begin edit */
static void profile_get(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    eddy_db_result *res;
    if (id < 0 || !load(r, id, &res))
        return;
    eddy_form *f = eddy_form_from_row(r, &profile_form, res, 0); /* the row, as a form */
    const char *avatar = avatar_of(r, res);
    eddy_db_result_free(res);
    if (!f) {
        eddy_send_error(r, 500, NULL);
        return;
    }
    show(r, 200, "Edit profile", eddy_path(r), avatar);
}
/* quote:end edit */

static void profile_post(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    eddy_db_result *res;
    if (id < 0 || !load(r, id, &res))
        return;
    const char *avatar = avatar_of(r, res);
    eddy_db_result_free(res);
    if (save(r, id, avatar))
        see_other(r, id);
}

/* quote:begin api */
static void api_post(eddy_req *r)
{
    /* the same form, from a JSON object (or a urlencoded or multipart body) */
    eddy_form *f = eddy_require_valid_form(r, &profile_form); /* 400 {field: message} */
    if (!f)
        return;
    int64_t id;
    int rc = profile_save(eddy_req_db(r), f, 0, NULL, &id);
    if (rc == EIO) {
        eddy_form_add_error(f, NULL, "The profile could not be saved; is the name taken?");
        eddy_send_form_errors(r, f);
        return;
    }
    if (rc) {
        eddy_send_error(r, 503, "The database is unavailable");
        return;
    }
    eddy_response_status(r, 201);
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)id));
}
/* quote:end api */

static const eddy_handler index_page = {.get = index_get};
static const eddy_handler new_page = {.get = new_get, .post = new_post};
static const eddy_handler profile_page = {.get = profile_get, .post = profile_post};
static const eddy_handler api = {.post = api_post};

/* ------------------------------------------------------------ starting */

struct setup {
    eddy_db *db;
    int rc;
};

static void setup_task(void *arg)
{
    struct setup *s = arg;
    s->rc = profile_create_tables(s->db);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    eddy_server_option_values server;
    const char *url, *root;
    eddy_options *opts = eddy_options_new();
    eddy_server_options(opts, &server);
    eddy_options_group(opts, "profile");
    eddy_option_string(opts, "db", &url, "sqlite://profile.db",
                       "database URL: sqlite:///path/file.db or mysql://user:pass@host:port/name");
    eddy_option_string(opts, "uploads", &uploads, "uploads",
                       "folder the avatars are saved in (made when missing)");
    eddy_option_int(opts, "max-profiles", &profile_limit, 1000,
                    "the most profiles there may be (a form error beyond)");
    eddy_option_range(opts, "max-profiles", 0, INT64_MAX);
    eddy_option_string(opts, "root", &root, NULL,
                       "folder holding templates/ (default: the lesson's)");
    eddy_options_define_logging(opts);
    int first = eddy_options_parse_command_line(opts, argc, argv);
    if (first < 0) { /* it printed the help (exit 0) or what is wrong (exit 2) */
        eddy_options_free(opts);
        return first == EDDY_OPTIONS_HELP ? 0 : 2;
    }

    int status = 1;
    eddy_db *db = NULL;
    eddy_template_loader *tl = NULL;
    eddy_static *avatars = NULL;
    eddy_app *app = NULL;
    eddy_server *srv = NULL;
    char templates[PATH_MAX + 64];
    if (!eddy_find_app_dir(root, __FILE__, "lessons/18-files-forms", "templates", templates,
                           sizeof templates)) {
        fprintf(stderr, "profile: no templates/ folder found (try --root)\n");
        goto out;
    }
    if (mkdir(uploads, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "profile: cannot make %s: %s\n", uploads, strerror(errno));
        goto out;
    }
    db = eddy_db_open(url, NULL);
    if (!db)
        goto out; /* the reason is logged */
    struct setup s = {db, 0};
    eddy_task_spawn(setup_task, &s); /* a query waits, so it runs in a task */
    eddy_loop_run();
    if (s.rc) {
        fprintf(stderr, "profile: cannot create the table in %s\n", eddy_db_url_redacted(db));
        goto out;
    }
    tl = eddy_template_loader_new(templates, false);
    avatars = eddy_static_new(uploads, NULL);
    app = eddy_app_new();
    if (!tl || !avatars || !app || eddy_form_templates(tl) < 0 ||
        eddy_app_set_templates(app, tl) < 0 || eddy_app_set_db(app, db) < 0)
        goto out;
    db = NULL; /* the app closes it */
    if (eddy_route(app, "/", &index_page, "home") < 0 ||
        eddy_route(app, "/profiles/new", &new_page, "new") < 0 ||
        eddy_route(app, "/profiles/([0-9]+)", &profile_page, "profile") < 0 ||
        eddy_route(app, "/api/profiles", &api, "api") < 0 ||
        eddy_static_route(app, "/avatars/(.*)", avatars, "avatar") < 0)
        goto out;
    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    eddy_server_options_apply(&server, &cfg);
    srv = eddy_app_listen(app, &cfg);
    if (!srv)
        goto out;
    printf("listening on http://%s:%d/\n", cfg.address, eddy_server_port(srv));
    printf("profiles in %s, avatars in %s/\n", eddy_db_url_redacted(eddy_app_db(app)), uploads);
    status = eddy_server_run(srv) < 0;
out:
    eddy_server_free(srv);
    eddy_app_free(app); /* closes the database it holds */
    eddy_db_close(db);  /* or this one, when it never got there */
    eddy_static_free(avatars);
    eddy_template_loader_free(tl);
    eddy_thread_pool_shutdown();
    eddy_loop_free();
    eddy_options_free(opts);
    return status;
}
