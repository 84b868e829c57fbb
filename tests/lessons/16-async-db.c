/*
 * Lesson 16 smoke and fault tests: the message board as a browser and a
 * program see it, on SQLite and on MariaDB (the same tests, one run per
 * database; the MariaDB half runs on the private mariadbd started by the
 * PRE_ALL hook, or skips saying why).
 *
 * The form (303 on success, the page again with what to fix), the JSON
 * API, values that try to break out of HTML or SQL, a slow query holding
 * up nobody (and everybody under --blocking-db), every acknowledged write
 * still there after kill -9 of the server in the middle of a write load,
 * and - on a MariaDB of its own - the database stopped while the board
 * runs: 503 and a log line, then service again once it is back.
 */
#include "harness.h"
#include "mariadb_server.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BOARD "lessons/16-async-db/board"

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    mariadb_suite_start("lessons 16-17");
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    mariadb_suite_stop();
}

static th_proc server;
static char url[512];
static char tmpdir[64];

/* use_sqlite / use_mariadb - the database the next start_board uses:
 * a new SQLite file, or a new MariaDB database named after the test. */
static void use_sqlite(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/eddy-l16-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(url, sizeof url, "sqlite://%s/board.db", tmpdir);
}

static void use_mariadb(const char *name)
{
    const char *why = NULL;
    const char *u = mariadb_database(name, &why);
    if (!u)
        cr_skip_test("MariaDB: %s", why);
    snprintf(url, sizeof url, "%s", u);
}

static void start_board(const char *extra)
{
    char *argv[8] = {(char *)th_path(BOARD), "--port", "0", "--db", url, NULL, NULL, NULL};
    if (extra)
        argv[5] = (char *)extra;
    cr_assert_eq(th_start_server(&server, argv, 10000), 0, "board did not start:\n%s",
                 server.output ? server.output : "");
}

static void cleanup(void)
{
    th_free(&server);
    if (tmpdir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
        tmpdir[0] = '\0';
    }
}

/* ------------------------------------------------------------ HTTP */

struct resp {
    int status;
    char raw[262144];
    const char *body;
};
static struct resp r;

/* http - one request on its own connection; type is the body's
 * Content-Type (NULL: no body). -1 status when nothing came back. */
static struct resp *http(const char *method, const char *path, const char *type, const char *body)
{
    static char req[65536];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n", method,
                     path);
    if (type)
        n += snprintf(req + n, sizeof req - (size_t)n,
                      "Content-Type: %s\r\nContent-Length: %zu\r\n", type, strlen(body));
    snprintf(req + n, sizeof req - (size_t)n, "\r\n%s", body ? body : "");
    r.status = -1;
    r.raw[0] = '\0';
    r.body = "";
    int fd = th_connect(server.port, 2000);
    if (fd < 0)
        return &r;
    if (th_send_str(fd, req) == 0 && th_recv_until(fd, r.raw, sizeof r.raw, NULL, 10000) >= 0) {
        sscanf(r.raw, "HTTP/1.1 %d", &r.status);
        const char *end = strstr(r.raw, "\r\n\r\n");
        r.body = end ? end + 4 : "";
    }
    close(fd);
    return &r;
}

#define FORM "application/x-www-form-urlencoded"
#define JSON "application/json"

#define expect(call, code, needle)                                                                 \
    do {                                                                                           \
        const struct resp *got_ = (call);                                                          \
        cr_assert_eq(got_->status, code, "expected %d, got:\n%s", code, got_->raw);                \
        cr_assert_not_null(strstr(got_->raw, needle), "expected \"%s\" in:\n%s", needle,           \
                           got_->raw);                                                             \
    } while (0)

/* BOTH(name) - the test body once on SQLite and once on MariaDB. */
#define BOTH(name)                                                                                 \
    static void name(void);                                                                        \
    Test(lesson16_sqlite, name, .fini = cleanup, .timeout = 60)                                    \
    {                                                                                              \
        use_sqlite();                                                                              \
        name();                                                                                    \
    }                                                                                              \
    Test(lesson16_mariadb, name, .fini = cleanup, .timeout = 60)                                   \
    {                                                                                              \
        use_mariadb("l16_" #name);                                                                 \
        name();                                                                                    \
    }                                                                                              \
    static void name(void)

/* ------------------------------------------------------------ the page */

BOTH(the_form_posts_redirects_and_shows_the_message_escaped)
{
    start_board(NULL);
    expect(http("GET", "/", NULL, NULL), 200, "<h1>Message board</h1>");
    cr_assert_null(strstr(r.body, "<li>"), "no messages yet:\n%s", r.body);
    expect(
        http("POST", "/", FORM,
             "name=Ann&email=ann%40example.com&message=Hello+%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        303, "\r\nLocation: /\r\n");
    expect(http("GET", "/", NULL, NULL), 200, "<li><b>Ann</b> <time>");
    cr_assert_not_null(strstr(r.body, "<br>Hello &lt;script&gt;alert(1)&lt;/script&gt;</li>"),
                       "the message is text, not markup:\n%s", r.body);
    cr_assert_null(strstr(r.body, "ann@example.com"), "emails stay private:\n%s", r.body);
}

BOTH(validation_errors_show_on_the_page_and_nothing_is_stored)
{
    start_board(NULL);
    expect(http("POST", "/", FORM, "name=+&email=not-an-email&message=kept+text"), 400,
           "<span class=\"error\">Please give your name</span>");
    cr_assert_not_null(strstr(r.body, "That does not look like an email address"), "%s", r.body);
    cr_assert_not_null(strstr(r.body, "value=\"not-an-email\""), "what was typed stays:\n%s",
                       r.body);
    cr_assert_not_null(strstr(r.body, ">kept text</textarea>"), "%s", r.body);
    expect(http("POST", "/", FORM, "email=a%40b.c"), 400, "Please write a message");
    expect(http("GET", "/api/messages", NULL, NULL), 200, "{\"messages\":[]}");
}

/* ------------------------------------------------------------ the JSON API */

BOTH(the_json_api_adds_and_lists_newest_first)
{
    start_board(NULL);
    expect(http("POST", "/api/messages", JSON,
                "{\"name\":\"Bob\",\"email\":\"bob@example.org\",\"message\":\"first\"}"),
           201, "{\"id\":1}");
    expect(http("POST", "/api/messages", JSON,
                "{\"name\":\"Cy\",\"email\":\"cy@example.org\",\"message\":\"second\"}"),
           201, "{\"id\":2}");
    expect(http("GET", "/api/messages", NULL, NULL), 200,
           "{\"messages\":[{\"id\":2,\"name\":\"Cy\",\"message\":\"second\",\"created\":\"");
    cr_assert_not_null(strstr(r.body, "},{\"id\":1,\"name\":\"Bob\""), "%s", r.body);
    expect(http("GET", "/api/messages?limit=1", NULL, NULL), 200, "\"id\":2");
    cr_assert_null(strstr(r.body, "\"id\":1"), "limit=1: %s", r.body);
    expect(http("GET", "/api/messages?limit=0", NULL, NULL), 400, "limit must be");
    expect(http("POST", "/api/messages", JSON, "{\"name\":\"x\",\"email\":\"x@y\"}"), 400,
           "{\"errors\":{\"email\":\"That does not look like an email address\",\"message\":");
    expect(http("POST", "/api/messages", JSON, "{\"name\":"), 400, "");
}

BOTH(hostile_values_are_stored_as_data)
{
    start_board(NULL);
    const char *hostile =
        "{\"name\":\"Robert'); DROP TABLE message;--\",\"email\":\"x@y.z\","
        "\"message\":\"it's \\\"quoted\\\" \\\\ \\u00e9 \\ud83d\\ude00 ' OR '1'='1\"}";
    expect(http("POST", "/api/messages", JSON, hostile), 201, "{\"id\":1}");
    expect(http("GET", "/api/messages", NULL, NULL), 200,
           "\"name\":\"Robert'); DROP TABLE message;--\",\"message\":\"it's \\\"quoted\\\" \\\\ "
           "\xc3\xa9 \xf0\x9f\x98\x80 ' OR '1'='1\"");
    /* The table is still there and takes more. */
    expect(http("POST", "/", FORM, "name=Ann&email=a%40b.cd&message=still+here"), 303, "Location");
    expect(http("GET", "/api/messages", NULL, NULL), 200, "still here");
}

/* ------------------------------------------------------------ waiting */

/* fire - a request left in flight on its own connection. */
static int fire(const char *path)
{
    char req[256];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    int fd = th_connect(server.port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send_str(fd, req), 0);
    return fd;
}

/* page_ms_during_slow_query - how long GET / takes while a 1 s query runs. */
static long long page_ms_during_slow_query(void)
{
    expect(http("GET", "/", NULL, NULL), 200, "Message board"); /* connections open */
    int slow = fire("/api/slow?seconds=1");
    usleep(100 * 1000);
    long long t0 = th_now_ms();
    expect(http("GET", "/", NULL, NULL), 200, "Message board");
    long long ms = th_now_ms() - t0;
    char buf[1024];
    cr_assert_geq(th_recv_until(slow, buf, sizeof buf, NULL, 5000), 0);
    cr_assert_not_null(strstr(buf, "\"slept_ms\":1000"), "%s", buf);
    close(slow);
    return ms;
}

BOTH(a_slow_query_holds_up_nobody)
{
    start_board(NULL);
    long long ms = page_ms_during_slow_query();
    cr_assert_lt(ms, 400 + th_slack_ms(), "the page took %lld ms next to a 1 s query", ms);
}

BOTH(blocking_db_holds_up_everybody)
{
    start_board("--blocking-db");
    long long ms = page_ms_during_slow_query();
    cr_assert_geq(ms, 600, "with --blocking-db the page should wait for the slow query (%lld ms)",
                  ms);
}

/* ------------------------------------------------------------ kill -9 */

struct writer {
    int port;
    volatile int stop;
    int acked[4096];
    int nacked;
};

/* write_load - POST messages one after another until the server dies,
 * noting each id the server acknowledged (201 with the id). */
static void *write_load(void *arg)
{
    struct writer *w = arg;
    for (int i = 0; !w->stop && w->nacked < 4096; i++) {
        char body[256], req[512], buf[2048];
        snprintf(body, sizeof body, "{\"name\":\"w\",\"email\":\"w@x.y\",\"message\":\"write %d\"}",
                 i);
        snprintf(req, sizeof req,
                 "POST /api/messages HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                 strlen(body), body);
        int fd = th_connect(w->port, 1000);
        if (fd < 0)
            break;
        int id = 0;
        if (th_send_str(fd, req) == 0 && th_recv_until(fd, buf, sizeof buf, NULL, 3000) > 0 &&
            strncmp(buf, "HTTP/1.1 201", 12) == 0 && strstr(buf, "{\"id\":"))
            id = atoi(strstr(buf, "{\"id\":") + 6);
        close(fd);
        if (!id)
            break; /* the server is gone: this write was never acknowledged */
        w->acked[w->nacked++] = id;
    }
    return NULL;
}

BOTH(every_acknowledged_write_survives_kill_9)
{
    start_board("--access-log=false");
    static struct writer w;
    memset(&w, 0, sizeof w);
    w.port = server.port;
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, write_load, &w), 0);
    /* Kill it in the middle of the load, once some writes went through
     * (few enough that the newest 100 are all of them). */
    for (int i = 0; i < 500 && w.nacked < 40; i++)
        usleep(10 * 1000);
    kill(server.pid, SIGKILL);
    w.stop = 1;
    pthread_join(t, NULL);
    th_wait(&server, 5000);
    th_free(&server);
    cr_assert_gt(w.nacked, 5, "the load had time to write (%d acknowledged)", w.nacked);

    start_board(NULL);
    expect(http("GET", "/api/messages?limit=100", NULL, NULL), 200, "{\"messages\":[");
    cr_assert_lt(w.nacked, 90, "few enough writes to see them all on one page");
    int missing = 0;
    for (int i = 0; i < w.nacked; i++) {
        char needle[32];
        snprintf(needle, sizeof needle, "{\"id\":%d,", w.acked[i]);
        if (!strstr(r.body, needle))
            missing++;
    }
    cr_assert_eq(missing, 0, "%d of %d acknowledged writes are gone after kill -9:\n%s", missing,
                 w.nacked, r.body);
}

/* ------------------------------------------------------------ MariaDB away and back */

Test(lesson16_mariadb, database_stopped_gives_503_then_recovers, .fini = cleanup, .timeout = 90)
{
    const char *why = NULL;
    if (!mariadb_url(&why))
        cr_skip_test("MariaDB: %s", why);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/eddy-l16-own-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    const char *u = mariadb_private_start(tmpdir, &why);
    cr_assert_not_null(u, "a MariaDB of its own: %s", why);
    snprintf(url, sizeof url, "%s", u);
    start_board(NULL);
    expect(http("POST", "/api/messages", JSON,
                "{\"name\":\"Ann\",\"email\":\"a@b.cd\",\"message\":\"before\"}"),
           201, "{\"id\":1}");

    mariadb_private_stop(tmpdir);
    expect(http("GET", "/", NULL, NULL), 503, "The database is unavailable");
    cr_assert_not_null(strstr(r.raw, "\r\nRetry-After: 1\r\n"), "%s", r.raw);
    expect(http("POST", "/api/messages", JSON,
                "{\"name\":\"Ann\",\"email\":\"a@b.cd\",\"message\":\"lost\"}"),
           503, "unavailable");
    th_read_output(&server, "unavailable:", 2000);
    cr_assert_not_null(strstr(server.output, "GET /: database mysql://eddy:***@"),
                       "one log line says what happened:\n%s", server.output);

    cr_assert_not_null(mariadb_private_start(tmpdir, &why), "restart: %s", why);
    expect(http("GET", "/api/messages", NULL, NULL), 200, "\"message\":\"before\"");
    expect(http("POST", "/api/messages", JSON,
                "{\"name\":\"Ann\",\"email\":\"a@b.cd\",\"message\":\"after\"}"),
           201, "{\"id\":2}");
    th_stop(&server);
    mariadb_private_stop(tmpdir);
}

/* ------------------------------------------------------------ the command line */

Test(lesson16_cli, help_names_the_database_options, .timeout = 10)
{
    char *out = NULL;
    char *argv[] = {(char *)th_path(BOARD), "--help", NULL};
    int status = th_run(argv, 5000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d:\n%s", status, out);
    cr_assert_not_null(strstr(out, "--db"), "%s", out);
    cr_assert_not_null(strstr(out, "blocking-db"), "%s", out);
    free(out);
    char *bad[] = {(char *)th_path(BOARD), "--port", "0", "--db", "postgres://x/y", NULL};
    status = th_run(bad, 5000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d:\n%s", status, out);
    cr_assert_not_null(strstr(out, "unknown scheme"), "%s", out);
    free(out);
}
