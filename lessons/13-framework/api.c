/*
 * api - lesson 13: a small JSON REST API on libeddy's framework.
 *
 * Lesson 12 answered every request in one function that looked at the
 * path itself. Here the framework does the dispatching, as Tornado's
 * Application does: a route maps a URL pattern to a handler table (one
 * function per HTTP method), captures in the pattern become arguments,
 * routes have names so URLs can be built back from them, and every error
 * a request gets - ours, and the framework's (404, 405, a bad JSON body,
 * a missing argument) - goes through one error writer that answers in
 * JSON. (Errors in the protocol itself - a malformed head, a body over
 * --max-body - are answered by lib/server before any handler exists.)
 *
 *   GET    /api/notes?limit=20&offset=0   a page of notes
 *   POST   /api/notes                     create: 201 + Location, or 400
 *   GET    /api/notes/ID                  one note, or 404
 *   PUT    /api/notes/ID                  replace title and body
 *   PATCH  /api/notes/ID                  change the fields given
 *   DELETE /api/notes/ID                  204
 *   GET    /api/slow?ms=500               waits with eddy_sleep: others go on
 *   GET    /api/hash?text=hi              CPU work on the thread pool
 *
 * Each request runs in its own task, so a handler may wait - a timer, the
 * thread pool - and the loop serves everyone else meanwhile.
 * --blocking-demo makes /api/slow and /api/hash do the wrong thing instead
 * (sleep() and the hash on the loop thread) to show what that costs.
 *
 * main() writes out the steps hello.c leaves to eddy_app_run (options,
 * workers, listen, print, run, free) because it has work to do between
 * them: its own options, the thread pool's size, the demo notes.
 */
#include "notes.h"
#include "validate.h"

#include <eddy/eddy.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The application's state, reached from every request. */
struct api {
    note_store notes;
    int64_t hash_rounds;
    bool blocking_demo;
};

static struct api *api_of(eddy_req *r)
{
    return eddy_req_app_data(r);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ------------------------------------------------------------ errors in JSON */

/* quote:begin errors */
/* json_error - the app's error writer: every error a request gets from
 * us or the framework (404, 405, 400 for a bad body...) comes out as JSON. */
static void json_error(eddy_req *r, int status, const char *reason)
{
    const char *message = reason && *reason ? reason : eddy_status_reason(status);
    eddy_send_json(r, json_pack("{s:s,s:i}", "error", message, "status", status));
}

/* send_invalid - 400 naming the field a client has to fix. */
static void send_invalid(eddy_req *r, const note_error *e)
{
    eddy_response_status(r, 400);
    eddy_send_json(
        r, json_pack("{s:s,s:s*,s:i}", "error", e->message, "field", e->field, "status", 400));
}
/* quote:end errors */

/* int_argument - query argument name as a number in [min, max], def when
 * absent; -1 after answering 400 when it is something else. */
static int int_argument(eddy_req *r, const char *name, long def, long min, long max, long *out)
{
    const char *text = eddy_get_query_argument(r, name, NULL);
    if (!text) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (*text && !*end && !errno && v >= min && v <= max) {
        *out = v;
        return 0;
    }
    char *message = eddy_alloc(r, 96);
    if (message)
        snprintf(message, 96, "must be a whole number from %ld to %ld", min, max);
    send_invalid(r, &(note_error){message ? message : "bad number", name});
    return -1;
}

/* ------------------------------------------------------------ /api/notes */

/* note_json - a note as JSON, with its own URL built from the route's name. */
static json_t *note_json(eddy_req *r, const note *n)
{
    char id[24];
    snprintf(id, sizeof id, "%ld", n->id);
    return note_to_json(n, eddy_reverse_url(r, "note", id, NULL));
}

/* quote:begin list */
static void notes_get(eddy_req *r)
{
    note_store *s = &api_of(r)->notes;
    long limit, offset;
    if (int_argument(r, "limit", 20, 1, 100, &limit) < 0 ||
        int_argument(r, "offset", 0, 0, LONG_MAX, &offset) < 0)
        return; /* 400 sent */

    json_t *items = json_array();
    for (size_t i = (size_t)offset; i < s->count && i < (size_t)offset + (size_t)limit; i++)
        json_array_append_new(items, note_json(r, &s->items[i]));
    json_t *page = json_pack("{s:o,s:I,s:I,s:I}", "notes", items, "total", (json_int_t)s->count,
                             "limit", (json_int_t)limit, "offset", (json_int_t)offset);
    if ((size_t)offset + (size_t)limit < s->count) {
        char next[160];
        snprintf(next, sizeof next, "%s?limit=%ld&offset=%ld", eddy_reverse_url(r, "notes", NULL),
                 limit, offset + limit);
        json_object_set_new(page, "next", json_string(next));
    }
    eddy_send_json(r, page);
}
/* quote:end list */

/* quote:begin create */
static void notes_post(eddy_req *r)
{
    json_t *json = eddy_require_json_body(r); /* owned by the request */
    if (!json)
        return; /* 400 "invalid JSON body: ..." sent, through json_error */
    note_fields f;
    note_error e;
    if (note_validate(json, false, &f, &e) < 0) {
        send_invalid(r, &e);
        return;
    }
    note *n = note_store_add(&api_of(r)->notes, f.title, f.body);
    if (!n) {
        eddy_send_error(r, 503, "the store is full");
        return;
    }
    json_t *out = note_json(r, n);
    eddy_response_status(r, 201);
    eddy_response_set_header(r, "Location", json_string_value(json_object_get(out, "url")));
    eddy_send_json(r, out);
    eddy_debug("note %ld created", n->id);
}
/* quote:end create */

/* ------------------------------------------------------------ /api/notes/ID */

/* quote:begin find */
/* find_note - the note the path names; NULL after answering 400 or 404. */
static note *find_note(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1); /* capture 1 of "/api/notes/([0-9]+)" */
    if (id < 0)
        return NULL; /* not a number that fits: 400 sent */
    note *n = note_store_find(&api_of(r)->notes, id);
    if (!n) {
        char reason[64];
        snprintf(reason, sizeof reason, "no note with id %ld", id);
        eddy_send_error(r, 404, reason);
    }
    return n;
}
/* quote:end find */

static void note_get(eddy_req *r)
{
    note *n = find_note(r);
    if (n)
        eddy_send_json(r, note_json(r, n));
}

/* quote:begin update */
/* update - PUT replaces the note (a missing body becomes ""), PATCH
 * changes only the fields it sends; both are validated the same way. */
static void update(eddy_req *r, bool partial)
{
    note *n = find_note(r);
    json_t *json = n ? eddy_require_json_body(r) : NULL;
    if (!json)
        return; /* 404 or 400 sent */
    note_fields f;
    note_error e;
    if (note_validate(json, partial, &f, &e) < 0) {
        send_invalid(r, &e);
        return;
    }
    if (!partial && !f.body)
        f.body = "";
    if (note_set(n, f.title, f.body) < 0) {
        eddy_send_error(r, 500, "out of memory");
        return;
    }
    eddy_send_json(r, note_json(r, n));
}

static void note_put(eddy_req *r)
{
    update(r, false);
}
static void note_patch(eddy_req *r)
{
    update(r, true);
}
/* quote:end update */

static void note_delete(eddy_req *r)
{
    note *n = find_note(r);
    if (!n)
        return;
    long id = n->id;
    note_store_remove(&api_of(r)->notes, id);
    eddy_response_status(r, 204); /* No Content: the empty body says it all */
    eddy_debug("note %ld deleted", id);
}

/* ------------------------------------------------------------ waiting handlers */

/* quote:begin slow */
static void slow_get(eddy_req *r)
{
    long ms;
    if (int_argument(r, "ms", 500, 0, 10000, &ms) < 0)
        return;
    double t0 = now_ms();
    if (api_of(r)->blocking_demo) {
        /* Wrong: the loop thread sleeps, and every other client with it. */
        nanosleep(&(struct timespec){ms / 1000, ms % 1000 * 1000000L}, NULL);
    } else if (eddy_sleep(ms) != 0) {
        return; /* ECANCELED: the client went away; nobody to answer */
    }
    eddy_send_json(r, json_pack("{s:I,s:I,s:s}", "slept_ms", (json_int_t)ms, "took_ms",
                                (json_int_t)(now_ms() - t0 + 0.5), "how",
                                api_of(r)->blocking_demo ? "sleep() on the loop" : "eddy_sleep"));
}
/* quote:end slow */

/* quote:begin hash */
/* A job for the thread pool: its input and output, on the task's stack
 * (eddy_run_blocking does not return while the job may still run). */
struct hash_job {
    const char *text;
    size_t len;
    long rounds;
    uint64_t hash;
    double ms;
};

/* hash_work - deliberately slow: rounds of a 64-bit mix (splitmix64's
 * finaliser) over the text, the way a password hash is made slow on
 * purpose. Pure CPU: no I/O to wait for, so no eddy_ call could help. */
static void hash_work(void *arg)
{
    struct hash_job *j = arg;
    double t0 = now_ms();
    uint64_t h = 0x9E3779B97F4A7C15u;
    for (long i = 0; i < j->rounds; i++) {
        h ^= (unsigned char)j->text[(size_t)i % j->len];
        h ^= h >> 30;
        h *= 0xBF58476D1CE4E5B9u;
        h ^= h >> 27;
        h *= 0x94D049BB133111EBu;
        h ^= h >> 31;
    }
    j->hash = h;
    j->ms = now_ms() - t0;
}

static void hash_get(eddy_req *r)
{
    struct api *a = api_of(r);
    const char *text = eddy_require_argument(r, "text"); /* else 400 */
    long rounds;
    if (!text || int_argument(r, "rounds", (long)a->hash_rounds, 1, 1000000000L, &rounds) < 0)
        return;
    if (!*text) {
        send_invalid(r, &(note_error){"must not be empty", "text"});
        return;
    }
    struct hash_job job = {.text = text, .len = strlen(text), .rounds = rounds};
    if (a->blocking_demo)
        hash_work(&job); /* wrong: the loop computes, nobody else is served */
    else if (eddy_run_blocking(hash_work, &job) != 0)
        return; /* cancelled (the client left) or the pool is unavailable */
    char hex[17];
    snprintf(hex, sizeof hex, "%016" PRIx64, job.hash);
    eddy_send_json(r, json_pack("{s:s,s:I,s:s,s:I,s:s}", "text", text, "rounds", (json_int_t)rounds,
                                "hash", hex, "took_ms", (json_int_t)(job.ms + 0.5), "where",
                                a->blocking_demo ? "the loop thread" : "the thread pool"));
}
/* quote:end hash */

/* ------------------------------------------------------------ / */

/* home_get - where everything is, every URL built from a route's name. */
static void home_get(eddy_req *r)
{
    eddy_send_json(r, json_pack("{s:s,s:s,s:s,s:s}", "notes", eddy_reverse_url(r, "notes", NULL),
                                "note", eddy_reverse_url(r, "note", "1", NULL), "slow",
                                eddy_reverse_url(r, "slow", NULL), "hash",
                                eddy_reverse_url(r, "hash", NULL)));
}

/* ------------------------------------------------------------ the app */

/* quote:begin routes */
static const eddy_handler home = {.get = home_get};
static const eddy_handler notes = {.get = notes_get, .post = notes_post};
static const eddy_handler one_note = {
    .get = note_get, .put = note_put, .patch = note_patch, .delete_ = note_delete};
static const eddy_handler slow = {.get = slow_get};
static const eddy_handler hash = {.get = hash_get};

static eddy_app *make_app(struct api *a)
{
    eddy_app *app = eddy_app_new();
    if (!app)
        return NULL;
    if (eddy_route(app, "/", &home, "home") < 0 ||
        eddy_route(app, "/api/notes", &notes, "notes") < 0 ||
        eddy_route(app, "/api/notes/([0-9]+)", &one_note, "note") < 0 ||
        eddy_route(app, "/api/slow", &slow, "slow") < 0 ||
        eddy_route(app, "/api/hash", &hash, "hash") < 0) {
        fprintf(stderr, "route: %s\n", eddy_app_error(app));
        eddy_app_free(app);
        return NULL;
    }
    eddy_app_error_writer(app, json_error);
    eddy_app_set_data(app, a);
    return app;
}
/* quote:end routes */

/* seed - the demo notes --seed asks for. */
static void seed(note_store *s, long n)
{
    static const char *const titles[] = {"Buy milk", "Read the epoll man page", "Write lesson 13",
                                         "Call the plumber"};
    char title[64], body[96];
    for (long i = 0; i < n; i++) {
        snprintf(title, sizeof title, "%s", titles[i % 4]);
        if (i >= 4)
            snprintf(title, sizeof title, "%s (%ld)", titles[i % 4], i / 4 + 1);
        snprintf(body, sizeof body, "Demo note %ld of %ld, made by --seed.", i + 1, n);
        note_store_add(s, title, body);
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* quote:begin options */
    eddy_server_option_values server;
    int64_t seed_count, max_notes, hash_rounds, threads;
    bool blocking_demo;
    eddy_options *opts = eddy_options_new();
    if (!opts || eddy_server_options(opts, &server) < 0)
        return 1;
    eddy_options_group(opts, "notes");
    eddy_option_int(opts, "seed", &seed_count, 3, "demo notes to start with");
    eddy_option_range(opts, "seed", 0, 10000);
    eddy_option_int(opts, "max-notes", &max_notes, 10000, "notes kept at most (503 beyond)");
    eddy_option_range(opts, "max-notes", 1, 1000000);
    eddy_option_int(opts, "hash-rounds", &hash_rounds, 40000000, "default work of /api/hash");
    eddy_option_range(opts, "hash-rounds", 1, 1000000000);
    eddy_option_int(opts, "threads", &threads, 4, "thread pool size for blocking work");
    eddy_option_range(opts, "threads", 1, 256);
    eddy_option_bool(opts, "blocking-demo", &blocking_demo, false,
                     "do it wrong: sleep() and hash on the loop thread");
    eddy_options_define_logging(opts);
    int first = eddy_options_parse_command_line(opts, argc, argv);
    if (first < 0) { /* it printed the help (exit 0) or what is wrong (exit 2) */
        eddy_options_free(opts);
        return first == EDDY_OPTIONS_HELP ? 0 : 2;
    }
    /* quote:end options */

    /* quote:begin serve */
    if (server.processes != 1 && server.port == 0) {
        fprintf(stderr, "--processes needs a fixed --port: workers must share one\n");
        eddy_options_free(opts);
        return 2;
    }
    int worker = server.processes != 1 ? eddy_fork_processes((int)server.processes) : 0;
    if (worker == EDDY_FORK_PARENT_DONE)
        return 0; /* the parent, once every worker has stopped */
    if (worker < 0) {
        perror("fork");
        return 1;
    }
    eddy_thread_pool_set_size((int)threads);

    struct api a = {.hash_rounds = hash_rounds, .blocking_demo = blocking_demo};
    note_store_init(&a.notes, (size_t)max_notes);
    seed(&a.notes, seed_count < max_notes ? seed_count : max_notes);

    eddy_server_config cfg;
    eddy_server_config_defaults(&cfg);
    eddy_server_options_apply(&server, &cfg);
    eddy_app *app = make_app(&a);
    eddy_server *s = app ? eddy_app_listen(app, &cfg) : NULL;
    if (!s)
        return 1; /* the reason is logged */
    int port = eddy_server_port(s);
    printf("listening on http://%s:%d/ (%zu notes%s)\n", cfg.address, port, a.notes.count,
           blocking_demo ? ", --blocking-demo: slow handlers block the loop" : "");
    printf("try: curl -i 'http://%s:%d/api/notes?limit=2'\n", cfg.address, port);
    int rc = eddy_server_run(s);

    eddy_server_free(s);
    eddy_app_free(app);
    eddy_thread_pool_shutdown();
    eddy_loop_free();
    note_store_free(&a.notes);
    eddy_options_free(opts); /* cfg.address pointed into it */
    return rc < 0 ? 1 : 0;
    /* quote:end serve */
}
