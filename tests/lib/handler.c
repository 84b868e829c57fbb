/*
 * Tests of lib/handler: an app with routes served on its own thread, and
 * what a client sees — routing, 404/405, arguments, cookies, JSON,
 * redirects, reverse URLs, prepare/on_finish and error pages.
 */
#include "harness.h"
#include "serve_thread.h"

#include <eddy/async/future.h>
#include <eddy/web/handler.h>

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static serve_thread st;
static eddy_app *app;
static atomic_int finishes;

static void hello_get(eddy_req *r) { eddy_write_str(r, "Hello, world!\n"); }

static void topic_get(eddy_req *r)
{
    long id = eddy_require_path_long(r, 1);
    if (id < 0)
        return;
    eddy_writef(r, "topic %ld, link %s\n", id, eddy_reverse_url(r, "topic", "99", NULL));
}

static void user_get(eddy_req *r) { eddy_writef(r, "user [%s]\n", eddy_path_arg(r, 1)); }

static void args_get(eddy_req *r)
{
    size_t n;
    const char **tags = eddy_get_arguments(r, "tag", &n);
    eddy_writef(r, "q=[%s] missing=[%s] tags=%zu", eddy_get_argument(r, "q", ""),
                eddy_get_argument(r, "nope", "default"), n);
    for (size_t i = 0; i < n; i++)
        eddy_writef(r, " [%s]", tags[i]);
    eddy_write_str(r, "\n");
}

static void form_post(eddy_req *r)
{
    const char *title = eddy_require_argument(r, "title");
    if (!title)
        return;
    eddy_writef(r, "title=[%s] body-only=[%s] query-only=[%s]\n", title,
                eddy_get_body_argument(r, "title", "-"), eddy_get_query_argument(r, "title", "-"));
}

static void cookie_get(eddy_req *r)
{
    eddy_writef(r, "theme=[%s]\n", eddy_get_cookie(r, "theme", "none"));
    eddy_cookie_options o = {.path = "/", .max_age = 3600, .http_only = true, .secure = true,
                             .same_site = "Lax"};
    eddy_set_cookie(r, "seen", "yes", &o);
    cr_assert_eq(eddy_set_cookie(r, "bad name", "x", NULL), -1);
    cr_assert_eq(eddy_set_cookie(r, "ok", "semi;colon", NULL), -1);
    eddy_clear_cookie(r, "old", NULL);
}

static void json_post(eddy_req *r)
{
    json_t *body = eddy_require_json_body(r);
    if (!body)
        return;
    json_t *name = json_object_get(body, "name");
    eddy_response_status(r, 201);
    eddy_send_json(r, json_pack("{s:s?,s:i}", "hello", json_string_value(name), "n", 1));
}

static void go_get(eddy_req *r) { eddy_redirect(r, "/topic/1", false); }

static void guarded_prepare(eddy_req *r)
{
    if (!eddy_get_cookie(r, "user", NULL))
        eddy_redirect(r, "/login", false); /* the method does not run */
}

static void guarded_get(eddy_req *r) { eddy_write_str(r, "secret\n"); }

static void count_finish(eddy_req *r)
{
    (void)r;
    finishes++;
}

static void teapot_error(eddy_req *r, int status, const char *reason)
{
    eddy_writef(r, "custom %d (%s)\n", status, reason ? reason : "-");
}

static void fail_get(eddy_req *r) { eddy_send_error(r, 503, "down for maintenance"); }

static void slow_get(eddy_req *r)
{
    eddy_sleep(200);
    eddy_write_str(r, "slow done\n");
}

static const eddy_handler hello = {.get = hello_get, .on_finish = count_finish};
static const eddy_handler topic = {.get = topic_get};
static const eddy_handler user = {.get = user_get};
static const eddy_handler args = {.get = args_get};
static const eddy_handler form = {.post = form_post};
static const eddy_handler cookie = {.get = cookie_get};
static const eddy_handler json = {.post = json_post, .put = json_post};
static const eddy_handler go = {.get = go_get};
static const eddy_handler guarded = {.prepare = guarded_prepare, .get = guarded_get};
static const eddy_handler failing = {.get = fail_get, .write_error = teapot_error};
static const eddy_handler slow = {.get = slow_get};

static void start(void)
{
    app = eddy_app_new();
    cr_assert_eq(eddy_route(app, "/", &hello, "home"), 0);
    cr_assert_eq(eddy_route(app, "/topic/([0-9]+)", &topic, "topic"), 0);
    cr_assert_eq(eddy_route(app, "/user/([^/]+)", &user, NULL), 0);
    cr_assert_eq(eddy_route(app, "/args", &args, NULL), 0);
    cr_assert_eq(eddy_route(app, "/form", &form, NULL), 0);
    cr_assert_eq(eddy_route(app, "/cookie", &cookie, NULL), 0);
    cr_assert_eq(eddy_route(app, "/json", &json, NULL), 0);
    cr_assert_eq(eddy_route(app, "/go", &go, NULL), 0);
    cr_assert_eq(eddy_route(app, "/guarded", &guarded, NULL), 0);
    cr_assert_eq(eddy_route(app, "/fail", &failing, NULL), 0);
    cr_assert_eq(eddy_route(app, "/slow", &slow, NULL), 0);
    cr_assert_eq(eddy_route(app, "/bad/(", &hello, NULL), -1);
    cr_assert_not_null(strstr(eddy_app_error(app), "/bad/("));
    serve_thread_init(&st);
    st.app = app;
    cr_assert_eq(serve_thread_start(&st), 0);
}

static void stop(void)
{
    serve_thread_stop(&st);
    eddy_app_free(app);
}

TestSuite(handler, .init = start, .fini = stop, .timeout = 30);

static char *ask(const char *raw)
{
    return serve_thread_ask(&st, raw);
}

static char *get(const char *path)
{
    char raw[2048];
    snprintf(raw, sizeof raw, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    return ask(raw);
}

#define assert_has(text, needle) \
    cr_assert_not_null(strstr(text, needle), "expected \"%s\" in:\n%s", needle, text)

Test(handler, routes_with_captures_decoded_and_reverse_urls)
{
    char *r = get("/topic/42");
    assert_has(r, "HTTP/1.1 200 OK");
    assert_has(r, "topic 42, link /topic/99\n");
    assert_has(get("/user/ann%20lee"), "user [ann lee]\n");
    assert_has(get("/topic/99999999999999999999999"), "400 Bad Request");
}

Test(handler, unknown_path_is_404_and_wrong_method_405_with_allow)
{
    assert_has(get("/nowhere"), "HTTP/1.1 404 Not Found");
    char *r = ask("DELETE /form HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert_has(r, "HTTP/1.1 405 Method Not Allowed");
    assert_has(r, "Allow: POST\r\n");
    r = ask("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert_has(r, "Allow: GET, HEAD\r\n");
    r = ask("HEAD / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert_has(r, "Content-Length: 14\r\n");
    cr_assert_null(strstr(r, "Hello"));
}

Test(handler, methods_are_case_sensitive_unknown_and_lowercase_ones_are_405_with_allow)
{
    const char *methods[] = {"get", "FOOBAR", "Get", "head"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        char raw[128];
        snprintf(raw, sizeof raw, "%s / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                 methods[i]);
        char *r = ask(raw);
        assert_has(r, "HTTP/1.1 405 Method Not Allowed");
        assert_has(r, "\r\nAllow: GET, HEAD\r\n");
        cr_assert_null(strstr(r, "Hello"), "%s ran the GET handler:\n%s", methods[i], r);
    }
}

Test(handler, the_405_page_comes_from_the_handlers_error_writer_with_allow)
{
    char *r = ask("POST /fail HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert_has(r, "HTTP/1.1 405 Method Not Allowed");
    assert_has(r, "\r\nAllow: GET, HEAD\r\n");
    assert_has(r, "custom 405 (-)\n");
}

Test(handler, query_and_form_arguments)
{
    assert_has(get("/args?q=a+b%21&tag=x&tag=y%2Fz"), "q=[a b!] missing=[default] tags=2 [x] [y/z]\n");
    char *r = ask("POST /form?title=fromquery HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                  "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 16\r\n\r\n"
                  "title=Hello+body");
    assert_has(r, "title=[fromquery] body-only=[Hello body] query-only=[fromquery]\n");
    r = ask("POST /form HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    assert_has(r, "HTTP/1.1 400 Bad Request");
    assert_has(r, "Missing argument title");
}

Test(handler, cookies_in_and_out_with_attributes)
{
    char *r = ask("GET /cookie HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                  "Cookie: a=1; theme=\"dark\" ; z=2\r\n\r\n");
    assert_has(r, "theme=[dark]\n");
    assert_has(r, "Set-Cookie: seen=yes; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax\r\n");
    assert_has(r, "Set-Cookie: old=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT\r\n");
    assert_has(get("/cookie"), "theme=[none]\n");
}

Test(handler, json_in_and_out)
{
    const char *body = "{\"name\": \"ann\"}";
    char raw[512];
    snprintf(raw, sizeof raw, "POST /json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
    char *r = ask(raw);
    assert_has(r, "HTTP/1.1 201 Created");
    assert_has(r, "Content-Type: application/json; charset=UTF-8\r\n");
    assert_has(r, "{\"hello\":\"ann\",\"n\":1}");
    r = ask("PUT /json HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 9\r\n\r\n{\"name\":,");
    assert_has(r, "HTTP/1.1 400 Bad Request");
    assert_has(r, "invalid JSON body");
}

Test(handler, redirects_and_prepare_guards)
{
    char *r = get("/go");
    assert_has(r, "HTTP/1.1 302 Found");
    assert_has(r, "Location: /topic/1\r\n");
    r = get("/guarded");
    assert_has(r, "Location: /login\r\n");
    cr_assert_null(strstr(r, "secret"), "prepare finished the response: the method must not run");
    r = ask("GET /guarded HTTP/1.1\r\nHost: t\r\nCookie: user=ann\r\nConnection: close\r\n\r\n");
    assert_has(r, "secret\n");
}

Test(handler, handler_error_page_and_on_finish)
{
    char *r = get("/fail");
    assert_has(r, "HTTP/1.1 503 Service Unavailable");
    assert_has(r, "custom 503 (down for maintenance)\n");
    get("/");
    get("/");
    cr_assert_eq(finishes, 2);
}

Test(handler, a_waiting_handler_does_not_hold_up_others)
{
    int slow_fd = th_connect(st.port, 2000);
    th_send_str(slow_fd, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    long long t0 = th_now_ms();
    assert_has(get("/"), "Hello, world!");
    cr_assert_lt(th_now_ms() - t0, 150 + th_slack_ms());
    char buf[1024];
    cr_assert_geq(th_recv_until(slow_fd, buf, sizeof buf, "slow done\n", 3000), 0);
    close(slow_fd);
}

Test(handler, error_pages_escape_what_the_client_sent)
{
    /* A control byte inside a short string: Jansson's message quotes the
     * string (up to 20 bytes), and the reason carries the message. */
    const char *body = "[\"<svg/onload=x()>\x01\"]";
    char raw[512];
    snprintf(raw, sizeof raw, "PUT /json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
             "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
    char *r = ask(raw);
    assert_has(r, "HTTP/1.1 400 Bad Request");
    cr_assert_null(strstr(r, "<svg"), "the client's markup came back live:\n%s", r);
    assert_has(r, "&lt;svg/onload=x()&gt;");
}
