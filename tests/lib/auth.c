/*
 * Tests of login and security over HTTP: an app with a page behind the
 * login guard, a JSON API behind JWTs, XSRF-protected forms, CORS, the
 * security headers, trusted-proxy addresses and a rate limit. Every
 * attack is sent the way an attacker would send it, and the answer is
 * checked on the wire. (That hashing leaves the loop free is
 * auth_latency.c.)
 */
#include "harness.h"
#include "serve_thread.h"

#include <eddy/async/future.h>
#include <eddy/base/codec.h>
#include <eddy/base/log.h>
#include <eddy/web/auth.h>
#include <eddy/web/cors.h>
#include <eddy/web/password.h>
#include <eddy/web/render.h>
#include <eddy/web/secure_cookie.h>
#include <eddy/web/security.h>
#include <eddy/web/template.h>
#include <eddy/web/throttle.h>
#include <eddy/web/xsrf.h>

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static serve_thread st;
static eddy_app *app;
static eddy_template_loader *templates;
static atomic_int loads;
static char *ada_hash;  /* the "database": one user, id 1 */
static const eddy_password_params cheap = {10, 8, 1};
static eddy_password_params current = {10, 8, 1};

static const eddy_jwt_config jwt = {.secret = "the test app's JWT secret, 32+ bytes long",
                                    .lifetime_s = 3600};

/* load_user - the app's loader: waits as a database query would. */
static json_t *load_user(eddy_req *r, const char *id, void *arg)
{
    (void)r, (void)arg;
    loads++;
    eddy_sleep(2);
    return strcmp(id, "1") == 0 ? json_pack("{s:i,s:s}", "id", 1, "name", "Ada") : NULL;
}

static void hello_get(eddy_req *r) { eddy_write_str(r, "hello\n"); }

static void login_get(eddy_req *r)
{
    eddy_writef(r, "<form method=post>%s</form>\n", eddy_xsrf_form_html(r));
}

/* check_password - the stored hash for mobile (only Ada's exists), checked on the
 * pool; a stronger hash replaces it when the parameters were raised. */
static bool check_password(const char *mobile, const char *password)
{
    bool ok = false;
    char *rehashed = NULL;
    const char *stored = strcmp(mobile, "13800000000") == 0 ? ada_hash : NULL;
    cr_assert_eq(eddy_password_verify(password, stored, &current, &ok, &rehashed), 0);
    if (rehashed) {
        free(ada_hash);
        ada_hash = rehashed;
    }
    return ok;
}

static void login_post(eddy_req *r)
{
    const char *mobile = eddy_get_argument(r, "mobile", ""), *pw = eddy_get_argument(r, "password", "");
    if (!check_password(mobile, pw)) {
        eddy_response_status(r, 400);
        eddy_write_str(r, "wrong mobile or password\n");
        return;
    }
    eddy_login(r, "1");
    eddy_redirect(r, eddy_get_argument(r, "next", "/"), false);
}

static void page_get(eddy_req *r)
{
    json_t *user = eddy_current_user(r); /* the guard's, not a second load */
    eddy_writef(r, "page for %s\n", json_string_value(json_object_get(user, "name")));
    eddy_render(r, "who.html", json_object());
}

static void page_post(eddy_req *r) { eddy_write_str(r, "changed\n"); }

static void api_login_post(eddy_req *r)
{
    json_t *body = eddy_require_json_body(r);
    if (!body)
        return;
    const char *mobile = json_string_value(json_object_get(body, "mobile"));
    const char *pw = json_string_value(json_object_get(body, "password"));
    if (!mobile || !pw || !check_password(mobile, pw)) {
        eddy_response_status(r, 400);
        eddy_send_json(r, json_pack("{s:s}", "non_fields", "wrong mobile or password"));
        return;
    }
    eddy_send_json(r, json_pack("{s:i,s:s}", "id", 1, "token", eddy_issue_token(r, "1", NULL)));
}

static void me_get(eddy_req *r) { eddy_send_json(r, json_incref(eddy_current_user(r))); }

static void ip_get(eddy_req *r)
{
    eddy_writef(r, "ip=%s https=%d\n", eddy_client_ip(r), eddy_request_is_https(r));
    eddy_set_secure_cookie(r, "seen", "yes", NULL);
}

/* The limit's store lives on the server's loop: made by the first
 * request, closed by the last one the suite sends (teardown_get). */
static eddy_kv *kv;
static eddy_ratelimit *limit;

static void limited_post(eddy_req *r)
{
    if (!kv) {
        cr_assert_not_null(kv = eddy_kv_open("memory:", NULL));
        cr_assert_not_null(limit = eddy_ratelimit_new(kv, "tries", 3, 60 * 1000));
    }
    if (eddy_require_rate_by_ip(r, limit) < 0)
        return;
    eddy_write_str(r, "counted\n");
}

static void teardown_get(eddy_req *r)
{
    eddy_ratelimit_free(limit);
    eddy_kv_close(kv);
    limit = NULL;
    kv = NULL;
    eddy_write_str(r, "closed\n");
}

static const eddy_handler hello = {.get = hello_get};
static const eddy_handler limited = {.post = limited_post};
static const eddy_handler teardown = {.get = teardown_get};
static const eddy_handler login = {.get = login_get, .post = login_post};
static const eddy_handler page = {.get = page_get, .post = page_post,
                                  .prepare = eddy_login_required};
static const eddy_handler api_login = {.post = api_login_post};
static const eddy_handler me = {.get = me_get, .prepare = eddy_token_required};
static const eddy_handler ip = {.get = ip_get};

static const char *csp_for(eddy_req *r)
{
    (void)r;
    return "default-src 'self'";
}

static void start(void)
{
    cr_assert_not_null(ada_hash = eddy_password_hash_blocking("right horse", &cheap));
    app = eddy_app_new();
    templates = eddy_template_loader_new(NULL, false);
    const char *who = "{% if current_user %}user={{ current_user['name'] }}{% end %}\n";
    cr_assert_eq(eddy_template_add(templates, "who.html", who, strlen(who)), 0);
    cr_assert_eq(eddy_app_set_templates(app, templates), 0);
    const char *old[] = {"last year's cookie secret, rotated", NULL};
    cr_assert_eq(eddy_app_set_cookie_secret(app, "this year's cookie secret, 32 bytes", old), 0);
    eddy_auth_config ac = {.load_user = load_user, .jwt = jwt};
    cr_assert_eq(eddy_app_set_auth(app, &ac), 0);
    eddy_security_config sc = {.trusted_proxies = "127.0.0.2, ::1", .csp_hook = csp_for};
    cr_assert_eq(eddy_app_set_security(app, &sc), 0);
    eddy_cors_config cc = EDDY_CORS_FORUM;
    cr_assert_eq(eddy_app_set_cors(app, &cc), 0);
    cr_assert_eq(eddy_app_use_xsrf(app), 0);
    cr_assert_eq(eddy_xsrf_exempt(app, &api_login), 0);
    cr_assert_eq(eddy_route(app, "/hello", &hello, NULL), 0);
    cr_assert_eq(eddy_route(app, "/login", &login, NULL), 0);
    cr_assert_eq(eddy_route(app, "/page", &page, NULL), 0);
    cr_assert_eq(eddy_route(app, "/api/login", &api_login, NULL), 0);
    cr_assert_eq(eddy_route(app, "/api/me", &me, NULL), 0);
    cr_assert_eq(eddy_route(app, "/ip", &ip, NULL), 0);
    cr_assert_eq(eddy_route(app, "/limited", &limited, NULL), 0);
    cr_assert_eq(eddy_route(app, "/teardown", &teardown, NULL), 0);
    cr_assert_eq(eddy_xsrf_exempt(app, &limited), 0);
    serve_thread_init(&st);
    st.app = app;
    cr_assert_eq(serve_thread_start(&st), 0);
}

static void stop(void)
{
    serve_thread_ask(&st, "GET /teardown HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    serve_thread_stop(&st);
    eddy_app_free(app);
    eddy_template_loader_free(templates);
    free(ada_hash);
}

TestSuite(auth, .init = start, .fini = stop, .timeout = 60);

/* ask_from - send raw from source address src (a 127.x address) and read
 * the whole answer into buf. */
static char *ask_from(const char *src, const char *raw, char *buf, size_t cap)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &sa.sin_addr);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    sa.sin_port = htons((uint16_t)st.port);
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    th_send_str(fd, raw);
    ssize_t n = th_recv_until(fd, buf, cap, NULL, 10000);
    close(fd);
    cr_assert_geq(n, 0, "no answer to %s", raw);
    return buf;
}

static char *ask(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *ask(const char *fmt, ...)
{
    static char raw[8192], buf[65536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    return ask_from("127.0.0.1", raw, buf, sizeof buf);
}

static int status_of(const char *resp)
{
    int s = 0;
    sscanf(resp, "HTTP/1.1 %d", &s);
    return s;
}

/* header_value - the value of the first header name: in resp (up to the
 * line end), copied into a static buffer; NULL when absent. */
static const char *header_value(const char *resp, const char *name)
{
    static char v[1024];
    char needle[128];
    snprintf(needle, sizeof needle, "\r\n%s: ", name);
    const char *p = strcasestr(resp, needle);
    if (!p)
        return NULL;
    p += strlen(needle);
    snprintf(v, sizeof v, "%.*s", (int)strcspn(p, "\r\n"), p);
    return v;
}

/* cookie_pair - "name=value" of the cookie name set in resp, in out. */
static char *cookie_pair(const char *resp, const char *name, char *out, size_t cap)
{
    char needle[64];
    snprintf(needle, sizeof needle, "Set-Cookie: %s=", name);
    const char *p = strstr(resp, needle);
    cr_assert_not_null(p, "no cookie %s in %s", name, resp);
    p += strlen("Set-Cookie: ");
    snprintf(out, cap, "%.*s", (int)strcspn(p, ";\r\n"), p);
    return out;
}

/* The browser's side of the login form: its _xsrf cookie and field. */
struct form_tokens {
    char cookie[128], field[128];
};

static void fetch_form(struct form_tokens *t)
{
    char *resp = ask("GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    cr_assert_eq(status_of(resp), 200);
    cookie_pair(resp, "_xsrf", t->cookie, sizeof t->cookie);
    const char *v = strstr(resp, "name=\"_xsrf\" value=\"");
    cr_assert_not_null(v, "%s", resp);
    v += strlen("name=\"_xsrf\" value=\"");
    snprintf(t->field, sizeof t->field, "%.*s", (int)strcspn(v, "\""), v);
}

static char *post_login(const char *cookie, const char *body)
{
    return ask("POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: %s\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
               cookie, strlen(body), body);
}

/* log_capture - point the library's log at a temporary file; log_text
 * reads it back. */
static FILE *log_file;

static void log_capture(void)
{
    log_file = tmpfile();
    cr_assert_not_null(log_file);
    eddy_log_set_fd(fileno(log_file));
}

static char *log_text(void)
{
    static char text[16384];
    eddy_log_set_fd(2);
    rewind(log_file);
    size_t n = fread(text, 1, sizeof text - 1, log_file);
    text[n] = '\0';
    fclose(log_file);
    return text;
}

Test(auth, page_guard_redirects_a_get_and_refuses_a_post)
{
    char *resp = ask("GET /page?tab=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    cr_assert_eq(status_of(resp), 302);
    cr_assert_str_eq(header_value(resp, "Location"), "/login?next=%2Fpage%3Ftab%3D2");

    struct form_tokens t;
    fetch_form(&t);
    char body[256];
    snprintf(body, sizeof body, "_xsrf=%s", t.field);
    resp = ask("POST /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: %s\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
               t.cookie, strlen(body), body);
    cr_assert_eq(status_of(resp), 403, "%s", resp);
}

Test(auth, login_form_sets_a_signed_cookie_that_opens_the_page)
{
    struct form_tokens t;
    fetch_form(&t);
    char body[512];
    snprintf(body, sizeof body, "_xsrf=%s&mobile=13800000000&password=right+horse&next=%%2Fpage",
             t.field);
    char *resp = post_login(t.cookie, body);
    cr_assert_eq(status_of(resp), 302, "%s", resp);
    cr_assert_str_eq(header_value(resp, "Location"), "/page");
    const char *set = header_value(strstr(resp, "Set-Cookie: user=") - 2, "Set-Cookie");
    cr_assert_not_null(strstr(set, "HttpOnly"), "%s", set);
    cr_assert_not_null(strstr(set, "SameSite=Lax"), "%s", set);
    cr_assert_null(strstr(set, "Secure"), "plain HTTP from a client: no Secure (%s)", set);
    char user[256];
    cookie_pair(resp, "user", user, sizeof user);

    int before = loads;
    resp = ask("GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: %s\r\n\r\n", user);
    cr_assert_eq(status_of(resp), 200, "%s", resp);
    cr_assert_not_null(strstr(resp, "page for Ada\nuser=Ada\n"), "%s", resp);
    cr_assert_eq(loads - before, 1, "guard, handler and template share one load");
}

Test(auth, a_tampered_or_foreign_cookie_is_refused)
{
    struct form_tokens t;
    fetch_form(&t);
    char body[512], user[256];
    snprintf(body, sizeof body, "_xsrf=%s&mobile=13800000000&password=right+horse", t.field);
    cookie_pair(post_login(t.cookie, body), "user", user, sizeof user);

    /* user=1|<time>|MQ|<mac>: claim to be user 2 ("Mg") under the same MAC. */
    char forged[256];
    snprintf(forged, sizeof forged, "%s", user);
    char *v = strstr(forged, "|MQ|");
    cr_assert_not_null(v, "%s", forged);
    v[2] = 'g';
    log_capture();
    char *resp = ask("GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: %s\r\n\r\n",
                     forged);
    cr_assert_eq(status_of(resp), 302, "%s", resp);
    cr_assert_not_null(strstr(log_text(), "cookie user from 127.0.0.1 refused: bad signature"));

    /* A value signed with a secret the app never had. */
    eddy_buf b = EDDY_BUF_INIT;
    eddy_secure_value_sign(&b, "a secret the attacker made up!!!", "user", "1", time(NULL));
    resp = ask("GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: user=%s\r\n\r\n",
               b.data);
    cr_assert_eq(status_of(resp), 302);
    /* Signed with last year's secret: still accepted after the rotation. */
    eddy_buf_clear(&b);
    eddy_secure_value_sign(&b, "last year's cookie secret, rotated", "user", "1", time(NULL));
    resp = ask("GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: user=%s\r\n\r\n",
               b.data);
    cr_assert_eq(status_of(resp), 200);
    eddy_buf_free(&b);
}

Test(auth, xsrf_missing_wrong_or_from_another_browser_is_refused)
{
    struct form_tokens t, other;
    fetch_form(&t);
    fetch_form(&other);
    const char *creds = "mobile=13800000000&password=right+horse";
    log_capture();
    /* No token at all: what a forged cross-site form sends. */
    cr_assert_eq(status_of(post_login(t.cookie, creds)), 403);
    /* Another browser's token with this browser's cookie. */
    char body[512];
    snprintf(body, sizeof body, "_xsrf=%s&%s", other.field, creds);
    cr_assert_eq(status_of(post_login(t.cookie, body)), 403);
    /* A token but no cookie. */
    snprintf(body, sizeof body, "_xsrf=%s&%s", t.field, creds);
    cr_assert_eq(status_of(post_login("theme=dark", body)), 403);
    snprintf(body, sizeof body, "_xsrf=garbage&%s", creds);
    cr_assert_eq(status_of(post_login(t.cookie, body)), 403);
    char *log = log_text();
    cr_assert_not_null(strstr(log, "no _xsrf argument or X-XSRFToken header"), "%s", log);
    cr_assert_not_null(strstr(log, "token does not match the cookie"), "%s", log);
    cr_assert_not_null(strstr(log, "no _xsrf cookie"), "%s", log);

    /* The masked field differs each time, yet each one is good; so is the
     * raw cookie value in the header, as a script sends it. */
    struct form_tokens again;
    snprintf(again.cookie, sizeof again.cookie, "%s", t.cookie);
    cr_assert_str_neq(t.field, other.field);
    snprintf(body, sizeof body, "_xsrf=%s&%s", t.field, creds);
    cr_assert_eq(status_of(post_login(t.cookie, body)), 302);
    char *resp = ask("POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: %s\r\n"
                     "X-XSRFToken: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     t.cookie, strchr(t.cookie, '=') + 1, strlen(creds), creds);
    cr_assert_eq(status_of(resp), 302, "%s", resp);
}

Test(auth, wrong_password_and_unknown_mobile_get_the_same_answer)
{
    const char *wrong = "{\"mobile\":\"13800000000\",\"password\":\"wrong horse\"}";
    const char *nobody = "{\"mobile\":\"13900000000\",\"password\":\"right horse\"}";
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s",
             ask("POST /api/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                 strlen(wrong), wrong));
    snprintf(b, sizeof b, "%s",
             ask("POST /api/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                 strlen(nobody), nobody));
    cr_assert_eq(status_of(a), 400);
    cr_assert_str_eq(strstr(a, "\r\n\r\n"), strstr(b, "\r\n\r\n"));
    cr_assert_not_null(strstr(a, "{\"non_fields\":\"wrong mobile or password\"}"));
}

Test(auth, raised_parameters_rehash_at_the_next_login)
{
    current = (eddy_password_params){11, 8, 1};
    const char *creds = "{\"mobile\":\"13800000000\",\"password\":\"right horse\"}";
    char *resp = ask("POST /api/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(creds), creds);
    current = cheap;
    cr_assert_eq(status_of(resp), 200, "%s", resp);
    cr_assert_eq(strncmp(ada_hash, "$scrypt$ln=11,r=8,p=1$", 22), 0, "%s", ada_hash);
    cr_assert_eq(eddy_password_check_blocking("right horse", ada_hash), 1);
}

/* api_token - log in over the API and return the token. */
static const char *api_token(void)
{
    static char token[1024];
    const char *creds = "{\"mobile\":\"13800000000\",\"password\":\"right horse\"}";
    char *resp = ask("POST /api/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     strlen(creds), creds);
    cr_assert_eq(status_of(resp), 200, "%s", resp);
    json_t *j = json_loads(strstr(resp, "\r\n\r\n") + 4, 0, NULL);
    snprintf(token, sizeof token, "%s", json_string_value(json_object_get(j, "token")));
    json_decref(j);
    return token;
}

static char *get_me(const char *header_line)
{
    return ask("GET /api/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s\r\n", header_line);
}

Test(auth, api_guard_takes_the_tsessionid_header_or_a_bearer_token)
{
    const char *token = api_token();
    char line[1200];
    snprintf(line, sizeof line, "tsessionid: %s\r\n", token);
    char *resp = get_me(line);
    cr_assert_eq(status_of(resp), 200, "%s", resp);
    cr_assert_not_null(strstr(resp, "{\"id\":1,\"name\":\"Ada\"}"), "%s", resp);
    snprintf(line, sizeof line, "Authorization: Bearer %s\r\n", token);
    cr_assert_eq(status_of(get_me(line)), 200);
}

static char *b64url(const char *s)
{
    static eddy_buf b;
    eddy_buf_free(&b);
    b = (eddy_buf)EDDY_BUF_INIT;
    eddy_base64url_encode(&b, s, strlen(s));
    return b.data;
}

Test(auth, each_forged_or_stale_token_gets_401_and_a_logged_reason)
{
    const char *token = api_token();
    const char *dot = strchr(token, '.'), *dot2 = strrchr(token, '.');
    char payload[512], forged[2048], line[2100];
    snprintf(payload, sizeof payload, "%.*s", (int)(dot2 - dot - 1), dot + 1);
    struct {
        const char *what;
        char token[1024];
    } cases[6];
    int n = 0;
    /* alg none, no signature */
    snprintf(cases[n].token, sizeof cases[n].token, "%s.%s.",
             b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}"), payload);
    cases[n++].what = "unsigned token (alg none)";
    /* another algorithm, the real signature */
    snprintf(cases[n].token, sizeof cases[n].token, "%s.%s%s",
             b64url("{\"alg\":\"HS512\",\"typ\":\"JWT\"}"), payload, dot2);
    cases[n++].what = "algorithm other than HS256";
    /* the last character of the signature changed */
    snprintf(cases[n].token, sizeof cases[n].token, "%s", token);
    char *last = cases[n].token + strlen(cases[n].token) - 1;
    *last = *last == 'A' ? 'Q' : 'A';
    cases[n++].what = "bad signature";
    snprintf(cases[n].token, sizeof cases[n].token, "not-a-token");
    cases[n++].what = "malformed (not three parts)";
    /* signed properly, but eight days ago with a one-hour lifetime */
    json_t *claims = json_pack("{s:i}", "id", 1);
    char *old = eddy_jwt_encode(&jwt, claims, time(NULL) - 8 * 86400);
    snprintf(cases[n].token, sizeof cases[n].token, "%s", old);
    cases[n++].what = "expired";
    free(old);
    /* signed properly for a user who does not exist */
    json_object_set_new(claims, "id", json_integer(99));
    char *ghost = eddy_jwt_encode(&jwt, claims, time(NULL));
    snprintf(cases[n].token, sizeof cases[n].token, "%s", ghost);
    cases[n++].what = "the user no longer exists";
    free(ghost);
    json_decref(claims);

    for (int i = 0; i < n; i++) {
        log_capture();
        snprintf(line, sizeof line, "tsessionid: %s\r\n", cases[i].token);
        char *resp = get_me(line);
        cr_assert_eq(status_of(resp), 401, "%s accepted: %s", cases[i].what, resp);
        cr_assert_not_null(strstr(resp, "{\"non_fields\":\"authentication required\"}"));
        char *log = log_text();
        cr_assert_not_null(strstr(log, cases[i].what), "reason '%s' not in: %s", cases[i].what,
                           log);
    }
    (void)forged;
    cr_assert_eq(status_of(get_me("")), 401, "no token at all");
}

Test(auth, forwarded_headers_count_only_from_a_trusted_proxy)
{
    char buf[8192];
    const char *spoof = "GET /ip HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        "X-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.7\r\n"
                        "X-Forwarded-Proto: https\r\n\r\n";
    char *resp = ask_from("127.0.0.1", spoof, buf, sizeof buf);
    cr_assert_not_null(strstr(resp, "ip=127.0.0.1 https=0"), "%s", resp);
    cr_assert_null(strstr(header_value(resp, "Set-Cookie"), "Secure"));
    cr_assert_null(header_value(resp, "Strict-Transport-Security"));

    resp = ask_from("127.0.0.2", spoof, buf, sizeof buf);
    cr_assert_not_null(strstr(resp, "ip=6.6.6.7 https=1"), "%s", resp);
    cr_assert_not_null(strstr(header_value(resp, "Set-Cookie"), "; Secure"), "%s", resp);
    cr_assert_not_null(header_value(resp, "Strict-Transport-Security"));

    /* Without X-Real-IP: the rightmost address no trusted proxy added. */
    resp = ask_from("127.0.0.2",
                    "GET /ip HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    "X-Forwarded-For: 6.6.6.6, 203.0.113.9, 127.0.0.2\r\n\r\n",
                    buf, sizeof buf);
    cr_assert_not_null(strstr(resp, "ip=203.0.113.9 https=0"), "%s", resp);
    resp = ask_from("127.0.0.2",
                    "GET /ip HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    "X-Forwarded-For: <script>\r\n\r\n",
                    buf, sizeof buf);
    cr_assert_not_null(strstr(resp, "ip=127.0.0.2 "), "garbage is not an address: %s", resp);
}

Test(auth, responses_carry_the_security_headers_and_cors)
{
    char *resp = ask("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    cr_assert_str_eq(header_value(resp, "X-Content-Type-Options"), "nosniff");
    cr_assert_str_eq(header_value(resp, "Referrer-Policy"), "strict-origin-when-cross-origin");
    cr_assert_str_eq(header_value(resp, "X-Frame-Options"), "DENY");
    cr_assert_str_eq(header_value(resp, "Content-Security-Policy"), "default-src 'self'");
    cr_assert_str_eq(header_value(resp, "Access-Control-Allow-Origin"), "*");

    /* A browser's preflight before a PATCH with the tsessionid header. */
    resp = ask("OPTIONS /api/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
               "Origin: http://front.example\r\nAccess-Control-Request-Method: PATCH\r\n"
               "Access-Control-Request-Headers: tsessionid, content-type\r\n\r\n");
    cr_assert_eq(status_of(resp), 200, "%s", resp);
    cr_assert_not_null(strstr(header_value(resp, "Access-Control-Allow-Headers"), "tsessionid"));
    cr_assert_not_null(strstr(header_value(resp, "Access-Control-Allow-Methods"), "PATCH"));
    cr_assert_str_eq(header_value(resp, "Access-Control-Max-Age"), "1000");
    /* Without a token the real request still gets 401, with CORS so the
     * front end can read it. */
    resp = get_me("Origin: http://front.example\r\n");
    cr_assert_eq(status_of(resp), 401);
    cr_assert_str_eq(header_value(resp, "Access-Control-Allow-Origin"), "*");
}

Test(auth, a_rate_limit_answers_429_and_a_spoofed_address_does_not_reset_it)
{
    char buf[4096];
    const char *hit = "POST /limited HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      "Content-Length: 0\r\n\r\n";
    const char *spoofed = "POST /limited HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                          "X-Forwarded-For: 198.51.100.7\r\nContent-Length: 0\r\n\r\n";
    for (int i = 3; i >= 1; i--) {
        char *resp = ask_from("127.0.0.3", hit, buf, sizeof buf);
        cr_assert_eq(status_of(resp), 200, "%s", resp);
        cr_assert_eq(atoi(header_value(resp, "X-RateLimit-Remaining")), i - 1);
    }
    log_capture();
    char *resp = ask_from("127.0.0.3", hit, buf, sizeof buf);
    cr_assert_eq(status_of(resp), 429, "%s", resp);
    long retry = atol(header_value(resp, "Retry-After"));
    cr_assert(retry >= 1 && retry <= 60, "Retry-After: %ld", retry);
    /* A new X-Forwarded-For from a peer nobody trusts changes nothing. */
    resp = ask_from("127.0.0.3", spoofed, buf, sizeof buf);
    cr_assert_eq(status_of(resp), 429, "%s", resp);
    cr_assert_not_null(strstr(log_text(), "refused for 127.0.0.3"));
    /* Another client has its own allowance. */
    resp = ask_from("127.0.0.4", hit, buf, sizeof buf);
    cr_assert_eq(status_of(resp), 200, "%s", resp);
}
