/*
 * Lesson 20 smoke tests: the site's sign-up, login, API and pages, and
 * every attack the chapter shows, each sent over HTTP the way an attacker
 * would send it: a reused or guessed SMS code, a code asked for again and
 * again, a wrong password, a forged or missing token, a post without the
 * XSRF token, a login that tries to forward the browser off the site.
 * The SMS codes are read from the server's log (the console backend).
 */
#include "harness.h"
#include "redis_server.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SITE "lessons/20-auth-sms-rest/site"

static th_proc server, second;
static th_proc *target = &server; /* the site http() and sms_code() talk to */
static char tmpdir[64], redis_dir[64];

static void cleanup(void)
{
    th_stop(&server);
    th_free(&server);
    th_stop(&second);
    th_free(&second);
    target = &server;
    if (redis_dir[0]) {
        redis_private_stop(redis_dir);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", redis_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", redis_dir);
        redis_dir[0] = '\0';
    }
    if (tmpdir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
        tmpdir[0] = '\0';
    }
}

/* start_site_on - one site process in p, on the database in tmpdir
 * (made by the first call) and the kv store kv. */
static void start_site_on(th_proc *p, const char *kv)
{
    static char db[128];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/eddy-l20-XXXXXX");
        cr_assert_not_null(mkdtemp(tmpdir));
    }
    snprintf(db, sizeof db, "sqlite://%s/accounts.db", tmpdir);
    char *argv[] = {(char *)th_path(SITE), "--port", "0", "--db", db, "--templates",
                    TEST_SOURCE_DIR "/lessons/20-auth-sms-rest/templates",
                    "--scrypt-log2-n", "12", "--logins-per-account", "3", "--kv", (char *)kv,
                    NULL};
    cr_assert_eq(th_start_server(p, argv, 10000), 0, "site did not start:\n%s",
                 p->output ? p->output : "");
}

static void start_site(void) { start_site_on(&server, "memory:"); }

static char raw[65536];
static int status;
static const char *body;

/* http - one request; extra is more header lines ("Name: value\r\n"...). */
static void http(const char *method, const char *path, const char *extra, const char *type,
                 const char *content)
{
    char req[8192];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s",
                     method, path, extra ? extra : "");
    if (content)
        n += snprintf(req + n, sizeof req - (size_t)n, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                      type, strlen(content));
    snprintf(req + n, sizeof req - (size_t)n, "\r\n%s", content ? content : "");
    int fd = th_connect(target->port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send_str(fd, req), 0);
    cr_assert_geq(th_recv_until(fd, raw, sizeof raw, NULL, 8000), 0, "no answer to %s %s", method,
                  path);
    close(fd);
    status = 0;
    sscanf(raw, "HTTP/1.1 %d", &status);
    const char *end = strstr(raw, "\r\n\r\n");
    body = end ? end + 4 : "";
}

#define json(method, path, extra, content, code, needle)                                         \
    do {                                                                                         \
        http(method, path, extra, "application/json", content);                                  \
        cr_assert_eq(status, code, "%s %s: expected %d, got:\n%s", method, path, code, raw);     \
        cr_assert_not_null(strstr(body, needle), "%s %s: expected '%s' in:\n%s", method, path,   \
                           needle, body);                                                        \
    } while (0)

static const char *header(const char *name)
{
    static char v[1024];
    char needle[128];
    snprintf(needle, sizeof needle, "\r\n%s: ", name);
    const char *p = strcasestr(raw, needle);
    if (!p)
        return NULL;
    p += strlen(needle);
    snprintf(v, sizeof v, "%.*s", (int)strcspn(p, "\r\n"), p);
    return v;
}

/* sms_code - the last code the console backend logged for mobile. */
static const char *sms_code(const char *mobile)
{
    static char code[16];
    char needle[64];
    snprintf(needle, sizeof needle, "sms to %s: Your verification code is ", mobile);
    cr_assert_eq(th_read_output(target, needle, 3000), 0, "no code logged for %s", mobile);
    usleep(20000); /* the rest of the line */
    th_read_output(target, "\n", 200);
    const char *p = NULL, *q = target->output;
    while ((q = strstr(q, needle)))
        p = q += strlen(needle);
    snprintf(code, sizeof code, "%.*s", (int)strspn(p, "0123456789"), p);
    return code;
}

static void ask_code(const char *mobile)
{
    char b[128];
    snprintf(b, sizeof b, "{\"mobile\":\"%s\"}", mobile);
    json("POST", "/code/", NULL, b, 200, "{}");
}

static void register_with(const char *mobile, const char *code, int expect, const char *needle)
{
    char b[256];
    snprintf(b, sizeof b, "{\"mobile\":\"%s\",\"code\":\"%s\",\"password\":\"correct horse\"}",
             mobile, code);
    json("POST", "/register/", NULL, b, expect, needle);
}

static const char *login_token(const char *mobile)
{
    static char token[1024];
    char b[256];
    snprintf(b, sizeof b, "{\"mobile\":\"%s\",\"password\":\"correct horse\"}", mobile);
    json("POST", "/login/", NULL, b, 200, "\"token\":\"");
    json_t *j = json_loads(body, 0, NULL);
    snprintf(token, sizeof token, "%s", json_string_value(json_object_get(j, "token")));
    json_decref(j);
    return token;
}

Test(lesson20, signup_codes_cannot_be_reused_guessed_or_spammed, .fini = cleanup, .timeout = 60)
{
    start_site();
    json("POST", "/code/", NULL, "{\"mobile\":\"12345\"}", 400, "{\"mobile\":");
    ask_code("13800000001");
    const char *code = sms_code("13800000001");
    char first[16];
    snprintf(first, sizeof first, "%s", code);
    /* Asking again at once: 429, and when to come back. */
    json("POST", "/code/", NULL, "{\"mobile\":\"13800000001\"}", 429, "{\"mobile\":");
    cr_assert_not_null(header("Retry-After"), "%s", raw);

    register_with("13800000001", first, 201, "{\"id\":1}");
    cr_assert_str_eq(header("Location"), "/info/");
    /* The same number again: 409, whatever the code. */
    register_with("13800000001", first, 409, "{\"mobile\":\"already registered\"}");

    /* Another number: its code is used up by one registration... */
    ask_code("13800000002");
    snprintf(first, sizeof first, "%s", sms_code("13800000002"));
    /* ...and five wrong guesses kill it, even for the right code after. */
    char wrong[16];
    snprintf(wrong, sizeof wrong, "%s", strcmp(first, "000000") ? "000000" : "111111");
    for (int i = 0; i < 4; i++)
        register_with("13800000002", wrong, 400, "{\"code\":\"Wrong code\"}");
    register_with("13800000002", wrong, 400, "Too many wrong codes");
    register_with("13800000002", first, 400, "No valid code");

    /* A used code does not register a second number. */
    ask_code("13800000003");
    snprintf(first, sizeof first, "%s", sms_code("13800000003"));
    register_with("13800000003", first, 201, "{\"id\":");
    register_with("13800000003", first, 409, "already registered");
    register_with("13800000004", first, 400, "No valid code");
}

Test(lesson20, the_api_on_tokens_with_rest_conventions, .fini = cleanup, .timeout = 60)
{
    start_site();
    ask_code("13800000001");
    register_with("13800000001", sms_code("13800000001"), 201, "{\"id\":1}");
    ask_code("13900000002");
    register_with("13900000002", sms_code("13900000002"), 201, "{\"id\":2}");

    /* A wrong password and an unknown number get the same answer. */
    json("POST", "/login/", NULL, "{\"mobile\":\"13800000001\",\"password\":\"wrong horse\"}", 400,
         "{\"non_fields\":\"wrong mobile number or password\"}");
    json("POST", "/login/", NULL, "{\"mobile\":\"13700000009\",\"password\":\"correct horse\"}",
         400, "{\"non_fields\":\"wrong mobile number or password\"}");
    json("POST", "/login/", NULL, "{\"mobile\":\"13800000001\"}", 400, "{\"password\":\"This field is required.\"}");

    char ann[1100], bob[1100];
    snprintf(ann, sizeof ann, "tsessionid: %s\r\n", login_token("13800000001"));
    snprintf(bob, sizeof bob, "tsessionid: %s\r\n", login_token("13900000002"));
    json("GET", "/info/", ann, NULL, 200, "{\"id\":1,\"mobile\":\"13800000001\"");
    json("GET", "/info/", NULL, NULL, 401, "{\"non_fields\":");
    /* A token with its claims changed keeps its old signature: refused. */
    char forged[1100];
    snprintf(forged, sizeof forged, "%s", ann);
    char *dot = strchr(forged, '.');
    dot[3] = dot[3] == 'A' ? 'B' : 'A';
    json("GET", "/info/", forged, NULL, 401, "{\"non_fields\":");
    json("GET", "/info/", "tsessionid: eyJhbGciOiJub25lIn0.eyJpZCI6MX0.\r\n", NULL, 401, "");

    json("POST", "/api/notes/", ann, "{\"text\":\"first\"}", 201, "{\"id\":1}");
    cr_assert_str_eq(header("Location"), "/api/notes/1/");
    json("POST", "/api/notes/", ann, "{\"text\":\"second\"}", 201, "{\"id\":2}");
    json("POST", "/api/notes/", ann, "{\"text\":\"\"}", 400, "{\"text\":");
    json("POST", "/api/notes/", ann, "{\"text\":", 400, "");
    json("GET", "/api/notes/?per_page=1", ann, NULL, 200,
         "{\"items\":[{\"id\":2,\"text\":\"second\"}],\"page\":1,\"per_page\":1,\"total\":2}");
    cr_assert_str_eq(header("Link"), "</api/notes/?page=2&per_page=1>; rel=\"next\"");
    json("GET", "/api/notes/?page=2&per_page=1", ann, NULL, 200, "\"text\":\"first\"");
    cr_assert_null(header("Link"), "the last page has no next");
    json("GET", "/api/notes/?per_page=500", ann, NULL, 400, "{\"per_page\":");
    json("GET", "/api/notes/", bob, NULL, 200, "{\"items\":[],");
    json("DELETE", "/api/notes/1/", bob, NULL, 403, "not your note");
    json("DELETE", "/api/notes/1/", ann, NULL, 204, "");
    json("DELETE", "/api/notes/1/", ann, NULL, 404, "no such note");

    /* A front end on another origin: its preflight, then the call. */
    http("OPTIONS", "/api/notes/",
         "Origin: http://front.example\r\nAccess-Control-Request-Method: POST\r\n"
         "Access-Control-Request-Headers: tsessionid, content-type\r\n",
         NULL, NULL);
    cr_assert_eq(status, 200, "%s", raw);
    cr_assert_not_null(strstr(header("Access-Control-Allow-Headers"), "tsessionid"));
    cr_assert_str_eq(header("Access-Control-Allow-Origin"), "*");
    /* The API needs no XSRF token: it does not trust cookies. */
    json("POST", "/api/notes/", ann, "{\"text\":\"third\"}", 201, "{\"id\":3}");
    cr_assert_str_eq(header("X-Content-Type-Options"), "nosniff");

    /* Guessing bob's password: the site runs with --logins-per-account 3
     * (his token was the first try), so the fourth try is refused unread. */
    const char *guess = "{\"mobile\":\"13900000002\",\"password\":\"guess\"}";
    json("POST", "/login/", NULL, guess, 400, "wrong mobile number or password");
    json("POST", "/login/", NULL, guess, 400, "wrong mobile number or password");
    http("POST", "/login/", NULL, "application/json", guess);
    cr_assert_eq(status, 429, "%s", raw);
    cr_assert_not_null(header("Retry-After"), "%s", raw);
    cr_assert_not_null(strstr(body, "{\"non_fields\":\"Too many requests; try again in "), "%s",
                       body);
    /* ...even with the right password, until the window ends. */
    http("POST", "/login/", NULL, "application/json",
         "{\"mobile\":\"13900000002\",\"password\":\"correct horse\"}");
    cr_assert_eq(status, 429, "%s", raw);
}

/* cookie - "name=value" from the last answer's Set-Cookie for name. */
static char *cookie(const char *name, char *out, size_t cap)
{
    char needle[64];
    snprintf(needle, sizeof needle, "Set-Cookie: %s=", name);
    const char *p = strstr(raw, needle);
    cr_assert_not_null(p, "no %s cookie in:\n%s", name, raw);
    p += strlen("Set-Cookie: ");
    snprintf(out, cap, "%.*s", (int)strcspn(p, ";\r\n"), p);
    return out;
}

static void form(const char *path, const char *cookies, const char *fields, int expect)
{
    char extra[2048];
    snprintf(extra, sizeof extra, "Cookie: %s\r\n", cookies);
    http("POST", path, extra, "application/x-www-form-urlencoded", fields);
    cr_assert_eq(status, expect, "POST %s %s: expected %d, got:\n%s", path, fields, expect, raw);
}

Test(lesson20, pages_behind_the_guard_and_forms_behind_xsrf, .fini = cleanup, .timeout = 60)
{
    start_site();
    ask_code("13800000001");
    register_with("13800000001", sms_code("13800000001"), 201, "{\"id\":1}");

    http("GET", "/", NULL, NULL, NULL);
    cr_assert_eq(status, 302);
    cr_assert_str_eq(header("Location"), "/login?next=%2F");

    http("GET", "/login?next=%2F", NULL, NULL, NULL);
    cr_assert_eq(status, 200);
    char xsrf[128], cookies[1024], fields[512];
    cookie("_xsrf", xsrf, sizeof xsrf);
    const char *v = strstr(body, "name=\"_xsrf\" value=\"");
    cr_assert_not_null(v, "%s", body);
    v += strlen("name=\"_xsrf\" value=\"");
    char token[128];
    snprintf(token, sizeof token, "%.*s", (int)strcspn(v, "\""), v);

    /* A forged cross-site login form has no token: 403. */
    form("/login", xsrf, "mobile=13800000001&password=correct+horse", 403);
    snprintf(fields, sizeof fields, "_xsrf=%s&mobile=13800000001&password=wrong", token);
    form("/login", xsrf, fields, 400);
    cr_assert_not_null(strstr(body, "Wrong mobile number or password."));
    /* next= pointing off the site is not followed. */
    snprintf(fields, sizeof fields,
             "_xsrf=%s&mobile=13800000001&password=correct+horse&next=%%2F%%2Fevil.example", token);
    form("/login", xsrf, fields, 302);
    cr_assert_str_eq(header("Location"), "/");
    char user[512];
    cookie("user", user, sizeof user);
    cr_assert_not_null(strstr(header("Set-Cookie"), "HttpOnly"), "%s", raw);

    snprintf(cookies, sizeof cookies, "%s; %s", xsrf, user);
    char extra[1200];
    snprintf(extra, sizeof extra, "Cookie: %s\r\n", cookies);
    http("GET", "/", extra, NULL, NULL);
    cr_assert_eq(status, 200, "%s", raw);
    cr_assert_not_null(strstr(body, "Hello, 13800000001"), "%s", body);

    form("/nick", cookies, "nick_name=Ann", 403); /* no token */
    snprintf(fields, sizeof fields, "_xsrf=%s&nick_name=Ann", token);
    form("/nick", user, fields, 403); /* a token, but no _xsrf cookie */
    form("/nick", cookies, fields, 302);
    http("GET", "/", extra, NULL, NULL);
    cr_assert_not_null(strstr(body, "Hello, Ann"), "%s", body);

    /* A signed cookie with its value changed: the guard sends it to log in. */
    char *mac_start = strrchr(user, '|');
    mac_start[-1] = mac_start[-1] == 'Q' ? 'g' : 'Q';
    snprintf(extra, sizeof extra, "Cookie: %s\r\n", user);
    http("GET", "/", extra, NULL, NULL);
    cr_assert_eq(status, 302, "%s", raw);
}

Test(lesson20_redis, two_processes_share_codes_and_login_limits, .fini = cleanup, .timeout = 60)
{
    snprintf(redis_dir, sizeof redis_dir, "/tmp/eddy-l20-redis-XXXXXX");
    cr_assert_not_null(mkdtemp(redis_dir));
    const char *why = NULL;
    const char *url = redis_private_start(redis_dir, &why);
    if (!url) {
        rmdir(redis_dir);
        redis_dir[0] = '\0';
        cr_skip_test("Redis: %s", why);
    }
    char kv[256];
    snprintf(kv, sizeof kv, "%s", url);
    start_site_on(&server, kv);
    start_site_on(&second, kv);

    /* A code asked for on one process: the other knows, and refuses a second. */
    target = &server;
    ask_code("13800000001");
    char code[16];
    snprintf(code, sizeof code, "%s", sms_code("13800000001"));
    target = &second;
    json("POST", "/code/", NULL, "{\"mobile\":\"13800000001\"}", 429, "{\"mobile\":");
    /* ...and takes the code the first one sent. */
    register_with("13800000001", code, 201, "{\"id\":1}");

    /* Three wrong passwords spread over both processes use up the account's tries. */
    const char *guess = "{\"mobile\":\"13800000001\",\"password\":\"guess\"}";
    target = &server;
    json("POST", "/login/", NULL, guess, 400, "wrong mobile number or password");
    target = &second;
    json("POST", "/login/", NULL, guess, 400, "wrong mobile number or password");
    target = &server;
    json("POST", "/login/", NULL, guess, 400, "wrong mobile number or password");
    target = &second;
    json("POST", "/login/", NULL, guess, 429, "Too many requests");
}
