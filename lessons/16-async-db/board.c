/*
 * board - lesson 16: a message board on the async database API.
 *
 * The course's aiomysql message board in C. Messages live in a database
 * (db.h): SQLite in a file by default, or MariaDB when --db says
 * mysql://...; the code is the same for both, and every query suspends
 * only the request that made it, never the server.
 *
 *   GET  /                  the form and the latest 20 messages (a template)
 *   POST /                  add one from the form: 303 back to / on success,
 *                           the page again with what to fix (400) if not
 *   GET  /api/messages      the latest messages as JSON (?limit=1..100)
 *   POST /api/messages      add one from JSON {name, email, message}: 201
 *   GET  /api/slow?seconds=S  a query that takes S seconds (SELECT sleep(S))
 *   GET  /ping              "pong", touching no database: is the server itself alive?
 *
 * --blocking-db makes the database calls wait the way a blocking driver
 * does - on the loop thread - so the lesson can show what that costs:
 * one slow query then holds up every other client.
 *
 * Run as one process, the board keeps its SQLite file to itself (see
 * sqlite_one_process in db.h): its reads then take no file lock, and the
 * sqlite3 shell has to wait until it stops, or it runs with --shared-db.
 * With --processes the workers share the file and lock it as usual.
 *
 * When the database cannot be reached (MariaDB stopped), requests that
 * need it get 503 and the log says why; nothing has to be restarted: the
 * pool reconnects on the next request once the server is back.
 */
#include "messages.h"

#include <eddy/eddy.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------ the page */

/* The page's names when there is no form to refill and nothing to fix,
 * as for nearly every GET: made once in main and shared, since rendering
 * only reads a context (a context per page cost about as much as
 * rendering one message). */
static json_t *blank_page;

/* show_page - the board: the form (with what was typed and what to fix)
 * and the latest messages. */
static void show_page(eddy_req *r, json_t *form, json_t *errors)
{
    eddy_db_result *res;
    int rc = board_latest(eddy_req_db(r), 20, &res);
    if (rc) {
        json_decref(form);
        json_decref(errors);
        eddy_send_db_error(r, rc, res); /* 503 when the database is away */
        return;
    }
    /* The rows go to the template as they are (no JSON made per row): the
     * loop in board.html reads them from the result, freed once the page
     * is written. */
    json_t *ctx = !form && !errors ? json_incref(blank_page)
                                   : json_pack("{s:o,s:o}", "form", form ? form : json_object(),
                                               "errors", errors ? errors : json_object());
    eddy_render_rows(r, "board.html", ctx, (eddy_template_rows[]){{"messages", res}, {NULL, NULL}});
    eddy_db_result_free(res);
}

/* quote:begin home */
static void home_get(eddy_req *r)
{
    show_page(r, NULL, NULL);
}

static void home_post(eddy_req *r)
{
    board_form f = {eddy_get_body_argument(r, "name", NULL),
                    eddy_get_body_argument(r, "email", NULL),
                    eddy_get_body_argument(r, "message", NULL)};
    json_t *errors = json_object();
    if (board_check(&f, errors) < 0) { /* the page again, with what to fix */
        eddy_response_status(r, 400);
        show_page(
            r,
            json_pack("{s:s?,s:s?,s:s?}", "name", f.name, "email", f.email, "message", f.message),
            errors);
        return;
    }
    json_decref(errors);
    eddy_db_result *res;
    int rc = board_add(eddy_req_db(r), &f, &res);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    eddy_db_result_free(res);
    /* 303 See Other: the browser GETs / next, so a reload does not post twice. */
    eddy_response_status(r, 303);
    eddy_response_set_header(r, "Location", "/");
}
/* quote:end home */

/* ------------------------------------------------------------ the JSON API */

static void api_list(eddy_req *r)
{
    const char *text = eddy_get_query_argument(r, "limit", "20");
    char *end;
    long limit = strtol(text, &end, 10);
    if (*end || limit < 1 || limit > 100) {
        eddy_send_error(r, 400, "limit must be a whole number from 1 to 100");
        return;
    }
    eddy_db_result *res;
    int rc = board_latest(eddy_req_db(r), limit, &res);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    eddy_send_json(r, json_pack("{s:o}", "messages", board_json(res)));
    eddy_db_result_free(res);
}

/* quote:begin api-post */
static void api_post(eddy_req *r)
{
    json_t *body = eddy_require_json_body(r); /* owned by the request */
    if (!body)
        return; /* 400 sent */
    board_form f = {json_string_value(json_object_get(body, "name")),
                    json_string_value(json_object_get(body, "email")),
                    json_string_value(json_object_get(body, "message"))};
    json_t *errors = json_object();
    if (board_check(&f, errors) < 0) {
        eddy_response_status(r, 400);
        eddy_send_json(r, json_pack("{s:o}", "errors", errors));
        return;
    }
    json_decref(errors);
    eddy_db_result *res;
    int rc = board_add(eddy_req_db(r), &f, &res);
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    eddy_response_status(r, 201);
    eddy_send_json(r, json_pack("{s:I}", "id", (json_int_t)eddy_db_last_id(res)));
    eddy_db_result_free(res);
}
/* quote:end api-post */

/* quote:begin slow */
static void slow_get(eddy_req *r)
{
    double seconds = atof(eddy_get_query_argument(r, "seconds", "0.5"));
    if (seconds < 0 || seconds > 10) {
        eddy_send_error(r, 400, "seconds must be from 0 to 10");
        return;
    }
    double t0 = now_ms();
    eddy_db_result *res;
    int rc = eddy_db_query(eddy_req_db(r), &res, "SELECT sleep(?)",
                           EDDY_DB_PARAMS(EDDY_DB_REAL(seconds)));
    if (rc) {
        eddy_send_db_error(r, rc, res);
        return;
    }
    eddy_db_result_free(res);
    eddy_send_json(r, json_pack("{s:I,s:I}", "slept_ms", (json_int_t)(seconds * 1000 + 0.5),
                                "took_ms", (json_int_t)(now_ms() - t0 + 0.5)));
}
/* quote:end slow */

static void ping_get(eddy_req *r)
{
    eddy_write_str(r, "pong\n");
}

static const eddy_handler home = {.get = home_get, .post = home_post};
static const eddy_handler ping = {.get = ping_get};
static const eddy_handler api_messages = {.get = api_list, .post = api_post};
static const eddy_handler slow = {.get = slow_get};

/* ------------------------------------------------------------ starting */

/* setup - make the table before serving; run in a task (a query waits). */
struct setup {
    eddy_db *db;
    int rc;
};

static void setup_task(void *arg)
{
    struct setup *s = arg;
    s->rc = board_create_table(s->db);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* quote:begin options */
    eddy_server_option_values server;
    const char *url, *root;
    int64_t pool, threads;
    bool blocking, shared_db;
    eddy_options *opts = eddy_options_new();
    eddy_server_options(opts, &server);
    eddy_options_group(opts, "board");
    eddy_option_string(opts, "db", &url, "sqlite://board.db",
                       "database URL: sqlite:///path/file.db or mysql://user:pass@host:port/name");
    eddy_option_int(opts, "pool", &pool, 8, "database connections at most");
    eddy_option_range(opts, "pool", 1, 1000);
    eddy_option_int(opts, "threads", &threads, 4, "thread pool size (SQLite's queries run there)");
    eddy_option_range(opts, "threads", 1, 256);
    eddy_option_bool(opts, "blocking-db", &blocking, false,
                     "do it wrong: wait for the database on the loop thread");
    eddy_option_bool(opts, "shared-db", &shared_db, false,
                     "SQLite: let other programs (the sqlite3 shell) open the file while the "
                     "board runs; every read then takes file locks (always so with --processes)");
    eddy_option_string(opts, "root", &root, NULL,
                       "folder holding templates/ (default: the lesson's)");
    eddy_options_define_logging(opts);
    int first = eddy_options_parse_command_line(opts, argc, argv);
    if (first < 0) { /* it printed the help (exit 0) or what is wrong (exit 2) */
        eddy_options_free(opts);
        return first == EDDY_OPTIONS_HELP ? 0 : 2;
    }
    /* quote:end options */

    int status = 1;
    eddy_db *db = NULL;
    eddy_template_loader *tl = NULL;
    eddy_app *app = NULL;
    eddy_server *srv = NULL;
    char templates[PATH_MAX + 32];
    if (!eddy_find_app_dir(root, __FILE__, "lessons/16-async-db", "templates", templates,
                           sizeof templates)) {
        fprintf(stderr, "board: no templates/ folder found (try --root)\n");
        goto out;
    }
    eddy_thread_pool_set_size((int)threads);
    /* quote:begin open */
    /* One process alone on an SQLite file can skip the file locks of every
     * read; with --processes the workers share the file and must lock. */
    bool one_process = !shared_db && server.processes == 1;
    db = eddy_db_open(url, &(eddy_db_options){.max_connections = (int)pool,
                                              .blocking = blocking,
                                              .sqlite_one_process = one_process});
    if (!db)
        goto out; /* the reason is logged */
    struct setup s = {db, 0};
    eddy_task_spawn(setup_task, &s); /* a query waits, so it runs in a task */
    eddy_loop_run();
    if (s.rc) {
        fprintf(stderr, "board: cannot create the message table in %s\n", eddy_db_url_redacted(db));
        goto out;
    }
    /* quote:end open */

    blank_page = json_pack("{s:o,s:o}", "form", json_object(), "errors", json_object());
    tl = eddy_template_loader_new(templates, false);
    app = eddy_app_new();
    if (!tl || !app || eddy_app_set_templates(app, tl) < 0 || eddy_app_set_db(app, db) < 0)
        goto out;
    db = NULL; /* the app closes it */
    if (eddy_route(app, "/", &home, "home") < 0 ||
        eddy_route(app, "/api/messages", &api_messages, "messages") < 0 ||
        eddy_route(app, "/api/slow", &slow, "slow") < 0 ||
        eddy_route(app, "/ping", &ping, "ping") < 0)
        goto out;
    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    eddy_server_options_apply(&server, &cfg);
    srv = eddy_app_listen(app, &cfg);
    if (!srv)
        goto out;
    printf("listening on http://%s:%d/\n", cfg.address, eddy_server_port(srv));
    printf("messages in %s (%s)%s\n", eddy_db_url_redacted(eddy_app_db(app)),
           eddy_db_dialect(eddy_app_db(app)),
           blocking ? ", --blocking-db: every query stalls the server" : "");
    status = eddy_server_run(srv) < 0;
out:
    eddy_server_free(srv);
    eddy_app_free(app); /* closes the database it holds */
    eddy_db_close(db);  /* or this one, when it never got there */
    eddy_template_loader_free(tl);
    json_decref(blank_page);
    eddy_thread_pool_shutdown();
    eddy_loop_free();
    eddy_options_free(opts);
    return status;
}
