/*
 * Lesson 13 smoke tests: the REST API and the hello world as a client
 * sees them.
 *
 * Every endpoint of api (list with paging, create with 201 + Location,
 * read, replace, patch, delete, the home page of named URLs), every kind
 * of error answered in JSON (validation naming the field, a bad body,
 * 404, 405 with Allow, a bad number), /api/slow and /api/hash holding up
 * no other client - and holding everyone up under --blocking-demo -,
 * --help and an unknown option; hello answering, and with --processes 2
 * serving one port and stopping on SIGTERM.
 */
#include "harness.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define API   "lessons/13-framework/api"
#define HELLO "lessons/13-framework/hello"

static th_proc server;

static void start_prog(const char *prog, char *const extra[])
{
    /* A test's own .init runs after the suite's: the server the suite
     * started is stopped first, not left running with its output. */
    if (server.pid)
        th_free(&server);
    char *argv[16] = {(char *)th_path(prog), "--port", "0"};
    int n = 3;
    for (int i = 0; extra && extra[i] && n < 15; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    cr_assert_eq(th_start_server(&server, argv, 5000), 0, "%s did not start:\n%s", prog,
                 server.output ? server.output : "");
}

static void start_api(void)
{
    start_prog(API, NULL);
}
static void stop_server(void)
{
    th_free(&server);
}

/* A response, split up. */
struct resp {
    int status;
    char raw[65536];
    const char *body; /* into raw */
};

/* send_request - one request on its own connection (Connection: close),
 * read to EOF. body may be NULL. */
static void send_request(struct resp *out, const char *method, const char *path, const char *body)
{
    char req[16384];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n", method,
                     path);
    if (body)
        n += snprintf(req + n, sizeof req - (size_t)n,
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n", strlen(body));
    snprintf(req + n, sizeof req - (size_t)n, "\r\n%s", body ? body : "");
    int fd = th_connect(server.port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send_str(fd, req), 0);
    cr_assert_geq(th_recv_until(fd, out->raw, sizeof out->raw, NULL, 8000), 0, "no answer to %s %s",
                  method, path);
    close(fd);
    out->status = 0;
    sscanf(out->raw, "HTTP/1.1 %d", &out->status);
    const char *end = strstr(out->raw, "\r\n\r\n");
    out->body = end ? end + 4 : "";
}

static struct resp r; /* the last response: big, so not on the stack */

static struct resp *http(const char *method, const char *path, const char *body)
{
    send_request(&r, method, path, body);
    return &r;
}

#define expect(call, code, needle)                                                                 \
    do {                                                                                           \
        const struct resp *got_ = (call); /* once: it sends a request */                           \
        cr_assert_eq(got_->status, code, "expected %d, got:\n%s", code, got_->raw);                \
        cr_assert_not_null(strstr(got_->raw, needle), "expected \"%s\" in:\n%s", needle,           \
                           got_->raw);                                                             \
    } while (0)

TestSuite(lesson13, .init = start_api, .fini = stop_server, .timeout = 30);

Test(lesson13, home_lists_urls_built_from_route_names)
{
    expect(http("GET", "/", NULL), 200, "\"notes\":\"/api/notes\",\"note\":\"/api/notes/1\"");
    cr_assert_not_null(strstr(r.raw, "Content-Type: application/json"), "%s", r.raw);
}

Test(lesson13, list_pages_through_the_seeded_notes)
{
    expect(http("GET", "/api/notes", NULL), 200, "\"total\":3,\"limit\":20,\"offset\":0}");
    cr_assert_not_null(strstr(r.body, "\"title\":\"Buy milk\""), "%s", r.body);
    expect(http("GET", "/api/notes?limit=2", NULL), 200,
           "\"next\":\"/api/notes?limit=2&offset=2\"");
    cr_assert_null(strstr(r.body, "\"id\":3"), "limit=2 shows two: %s", r.body);
    expect(http("GET", "/api/notes?limit=2&offset=2", NULL), 200, "\"id\":3,");
    cr_assert_null(strstr(r.body, "\"next\""), "the last page has no next: %s", r.body);
    expect(http("GET", "/api/notes?limit=0", NULL), 400, "\"field\":\"limit\"");
    expect(http("GET", "/api/notes?offset=-1", NULL), 400, "\"field\":\"offset\"");
    expect(http("GET", "/api/notes?limit=abc", NULL), 400, "must be a whole number");
}

Test(lesson13, create_read_replace_patch_delete)
{
    expect(http("POST", "/api/notes", "{\"title\":\"Test note\",\"body\":\"hi\"}"), 201,
           "\r\nLocation: /api/notes/4\r\n");
    cr_assert_not_null(strstr(r.body, "\"id\":4,\"title\":\"Test note\",\"body\":\"hi\""), "%s",
                       r.body);
    expect(http("GET", "/api/notes/4", NULL), 200, "\"url\":\"/api/notes/4\"");
    expect(http("PUT", "/api/notes/4", "{\"title\":\"Replaced\"}"), 200,
           "\"title\":\"Replaced\",\"body\":\"\"");
    expect(http("PATCH", "/api/notes/4", "{\"body\":\"patched\"}"), 200,
           "\"title\":\"Replaced\",\"body\":\"patched\"");
    expect(http("DELETE", "/api/notes/4", NULL), 204, "HTTP/1.1 204 No Content");
    cr_assert_str_eq(r.body, "", "a 204 has no body");
    expect(http("GET", "/api/notes/4", NULL), 404,
           "{\"error\":\"no note with id 4\",\"status\":404}");
    expect(http("DELETE", "/api/notes/4", NULL), 404, "no note with id 4");
    expect(http("GET", "/api/notes", NULL), 200, "\"total\":3");
}

Test(lesson13, validation_errors_name_the_field)
{
    expect(http("POST", "/api/notes", "{\"body\":\"no title\"}"), 400,
           "{\"error\":\"title is required\",\"field\":\"title\",\"status\":400}");
    expect(http("POST", "/api/notes", "{\"title\":\"   \"}"), 400, "must not be empty");
    char big[256] = "{\"title\":\"";
    memset(big + strlen(big), 'x', 101);
    strcat(big, "\"}");
    expect(http("POST", "/api/notes", big), 400, "too long");
    expect(http("POST", "/api/notes", "{\"title\":\"x\",\"colour\":\"red\"}"), 400,
           "\"field\":\"colour\"");
    expect(http("PATCH", "/api/notes/1", "{\"title\":42}"), 400, "\"field\":\"title\"");
    expect(http("PUT", "/api/notes/1", "{\"body\":\"b\"}"), 400, "title is required");
    expect(http("POST", "/api/notes", "[1,2]"), 400, "expected a JSON object");
    expect(http("GET", "/api/notes/1", NULL), 200, "\"title\":\"Buy milk\""); /* unchanged */
}

Test(lesson13, every_other_error_is_json_too)
{
    expect(http("POST", "/api/notes", "{\"title\":"), 400, "{\"error\":\"invalid JSON body:");
    expect(http("GET", "/nowhere", NULL), 404, "{\"error\":\"Not Found\",\"status\":404}");
    expect(http("POST", "/api/notes/1", "{}"), 405, "\"status\":405");
    cr_assert_not_null(strstr(r.raw, "\r\nAllow: GET, HEAD, PUT, PATCH, DELETE\r\n"), "%s", r.raw);
    expect(http("GET", "/api/notes/99999999999999999999999", NULL), 400, "\"status\":400");
    expect(http("GET", "/api/notes/77", NULL), 404, "no note with id 77");
    expect(http("PATCH", "/api/notes/77", "{}"), 404, "no note with id 77");
    expect(http("GET", "/api/hash", NULL), 400, "Missing argument text");
    expect(http("GET", "/api/slow?ms=99999", NULL), 400, "\"field\":\"ms\"");
}

/* fire - send a request on a new connection and leave it in flight. */
static int fire(const char *path)
{
    char req[512];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    int fd = th_connect(server.port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send_str(fd, req), 0);
    return fd;
}

/* fast_ms - how long GET /api/notes takes now. */
static long long fast_ms(void)
{
    long long t0 = th_now_ms();
    expect(http("GET", "/api/notes?limit=1", NULL), 200, "\"total\":");
    return th_now_ms() - t0;
}

Test(lesson13, slow_and_hash_hold_up_no_other_client)
{
    int slow = fire("/api/slow?ms=1000");
    int hash = fire("/api/hash?text=hello&rounds=50000000");
    usleep(100 * 1000);
    long long fast = fast_ms();
    cr_assert_lt(fast, 400 + th_slack_ms(), "a list next to /api/slow and /api/hash took %lld ms", fast);
    char buf[4096];
    cr_assert_geq(th_recv_until(hash, buf, sizeof buf, NULL, 20000), 0);
    cr_assert_not_null(strstr(buf, "\"where\":\"the thread pool\""), "%s", buf);
    cr_assert_not_null(strstr(buf, "\"rounds\":50000000,\"hash\":\""), "%s", buf);
    cr_assert_geq(th_recv_until(slow, buf, sizeof buf, NULL, 5000), 0);
    cr_assert_not_null(strstr(buf, "\"slept_ms\":1000"), "%s", buf);
    close(slow);
    close(hash);
}

static void start_blocking(void)
{
    char *extra[] = {"--blocking-demo", NULL};
    start_prog(API, extra);
}

Test(lesson13, blocking_demo_holds_up_everyone, .init = start_blocking)
{
    int slow = fire("/api/slow?ms=1000");
    usleep(100 * 1000);
    long long fast = fast_ms();
    cr_assert_geq(fast, 600, "with sleep() on the loop a list should wait; took %lld ms", fast);
    char buf[4096];
    cr_assert_geq(th_recv_until(slow, buf, sizeof buf, NULL, 5000), 0);
    cr_assert_not_null(strstr(buf, "sleep() on the loop"), "%s", buf);
    close(slow);
}

Test(lesson13, sigterm_stops_it_cleanly)
{
    /* An answer means the loop runs, so its SIGTERM handler is in place
     * (the port accepts, into the backlog, a moment before that). */
    expect(http("GET", "/api/notes", NULL), 200, "\"total\":3");
    kill(server.pid, SIGTERM);
    int status = th_wait(&server, 5000);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d:\n%s", status,
              server.output);
    cr_assert_not_null(strstr(server.output, "try: curl"), "%s", server.output);
}

/* ------------------------------------------------------------ the command line */

Test(lesson13_cli, help_lists_the_options_and_exits_0, .timeout = 10)
{
    char *out = NULL;
    char *argv[] = {(char *)th_path(API), "--help", NULL};
    int status = th_run(argv, 5000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d:\n%s", status, out);
    const char *want[] = {"--port",        "--address",     "--processes", "--seed",
                          "--hash-rounds", "blocking-demo", "--logging"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert_not_null(strstr(out, want[i]), "no %s in --help:\n%s", want[i], out);
    free(out);
    char *hargv[] = {(char *)th_path(HELLO), "--help", NULL};
    status = th_run(hargv, 5000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d:\n%s", status, out);
    cr_assert_not_null(strstr(out, "--processes"), "%s", out);
    free(out);
}

Test(lesson13_cli, a_bad_option_exits_2_saying_which, .timeout = 10)
{
    char *out = NULL;
    char *argv[] = {(char *)th_path(API), "--colour", "red", NULL};
    int status = th_run(argv, 5000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d:\n%s", status, out);
    cr_assert_not_null(strstr(out, "colour"), "the message names the option:\n%s", out);
    free(out);
    char *argv2[] = {(char *)th_path(API), "--seed", "lots", NULL};
    status = th_run(argv2, 5000, &out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d:\n%s", status, out);
    cr_assert_not_null(strstr(out, "seed"), "%s", out);
    free(out);
}

Test(lesson13_cli, seed_sets_how_many_notes_there_are, .timeout = 30)
{
    char *extra[] = {"--seed", "30", NULL};
    start_prog(API, extra);
    expect(http("GET", "/api/notes?limit=100&offset=25", NULL), 200, "\"total\":30");
    cr_assert_not_null(strstr(r.body, "\"id\":30,"), "%s", r.body);
    th_free(&server);
}

/* ------------------------------------------------------------ hello */

Test(lesson13_hello, says_hello_world, .timeout = 30)
{
    start_prog(HELLO, NULL);
    expect(http("GET", "/", NULL), 200, "\r\n\r\nHello, world\n");
    expect(http("GET", "/other", NULL), 404, "404");
    th_free(&server);
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* free_port - a port nobody is listening on right now. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

Test(lesson13_hello, two_processes_share_a_port_and_stop_on_sigterm, .timeout = 30)
{
    char port[16];
    snprintf(port, sizeof port, "%d", free_port());
    char *argv[] = {(char *)th_path(HELLO), "--port", port, "--processes", "2", NULL};
    cr_assert_eq(th_start_server(&server, argv, 5000), 0, "%s", server.output);
    for (int i = 0; i < 10; i++)
        expect(http("GET", "/", NULL), 200, "Hello, world\n");
    /* Both workers are up (and, a moment later, their loops): */
    for (int i = 0; i < 30 && count(server.output, "listening on") < 2; i++)
        th_read_output(&server, "\n\n", 100);
    usleep(200 * 1000);
    kill(server.pid, SIGTERM);
    int status = th_wait(&server, 5000);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d:\n%s", status,
              server.output);
    cr_assert_eq(count(server.output, "listening on http://127.0.0.1:"), 2,
                 "two workers, two lines:\n%s", server.output);
    th_free(&server);
}
