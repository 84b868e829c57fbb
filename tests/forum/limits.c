/*
 * What runs out, and what is capped, through both of the forum's faces
 * (the course checked none of it): an API token expires (seven days,
 * really, where the course set exp to the moment of issue) and a forged
 * one is 401; a page's signed session cookie expires and a forged one
 * signs nobody in; an SMS code expires, is used once and dies after a
 * few wrong tries, on /register/ and on the sign-up page alike; an image
 * over 2 MB is refused as an avatar by the API and by the profile page.
 */
#include "content_client.h"
#include "pages_browser.h"

#include <eddy/base/buf.h>
#include <eddy/base/codec.h>
#include <eddy/web/secure_cookie.h>

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static ft_forum forum;

static void stop(void)
{
    ft_stop(&forum);
}

/* The forum started with the secret the tests sign with, and codes that
 * live for ttl ("10m": the default). */
static void start(const char *ttl)
{
    const char *extra[] = {"--secret", FC_SECRET, "--sms-code-ttl", ttl, NULL};
    ft_start(&forum, FT_SQLITE, extra);
}

/* ------------------------------------------------------------ tokens, sessions */

Test(limits, api_tokens_expire_and_forged_ones_are_401, .fini = stop)
{
    start("10m");
    char token[FT_TOKEN_MAX];
    long long id;
    ft_user(&forum, "13900000071", "secret-71", token, &id);

    /* the forum's own token: good for seven days, not one second */
    const char *dot = strchr(token, '.');
    cr_assert_not_null(dot);
    eddy_buf claims = EDDY_BUF_INIT;
    cr_assert_eq(eddy_base64url_decode(&claims, dot + 1, strcspn(dot + 1, ".")), 0);
    cr_assert_eq(eddy_buf_append_char(&claims, '\0'), 0);
    json_t *c = json_loads(claims.data, 0, NULL);
    eddy_buf_free(&claims);
    cr_assert_not_null(c);
    long long life = json_integer_value(json_object_get(c, "exp")) - (long long)time(NULL);
    json_decref(c);
    cr_assert(life > 7 * 86400 - 120 && life <= 7 * 86400, "the token lives %lld s", life);

    ft_resp *r = ft_call(&forum, "GET", "/info/", token, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    r = ft_call(&forum, "GET", "/info/", fc_token_until(id, (long long)time(NULL) + 600), NULL);
    cr_assert_eq(r->status, 200, "a token made here is one the forum takes: %s", r->body);
    /* expired two minutes ago: 401 with the course's body shape */
    r = ft_call(&forum, "GET", "/info/", fc_token_until(id, (long long)time(NULL) - 120), NULL);
    cr_assert_eq(r->status, 401, "an expired token: %d %s", r->status, r->body);
    cr_assert_not_null(json_object_get(r->json, "non_fields"), "%s", r->body);
    /* signed with another key: 401, never 500 */
    char forged[FT_TOKEN_MAX];
    snprintf(forged, sizeof forged, "%s", token);
    forged[strlen(forged) - 3] = forged[strlen(forged) - 3] == 'x' ? 'y' : 'x';
    r = ft_call(&forum, "GET", "/info/", forged, NULL);
    cr_assert_eq(r->status, 401, "a forged token: %d %s", r->status, r->body);
}

/* set_session - replace the browser's session cookie ("user") with
 * value, signed at when with secret. */
static void set_session(pb_browser *b, const char *secret, const char *value, long long when)
{
    eddy_buf signed_value = EDDY_BUF_INIT;
    cr_assert_eq(eddy_secure_value_sign(&signed_value, secret, "user", value, when), 0);
    cr_assert_eq(eddy_buf_append_char(&signed_value, '\0'), 0);
    for (int i = 0; i < PB_COOKIES; i++)
        if (strcmp(b->cookies[i][0], "user") == 0) {
            snprintf(b->cookies[i][1], sizeof b->cookies[i][1], "%s", signed_value.data);
            eddy_buf_free(&signed_value);
            return;
        }
    eddy_buf_free(&signed_value);
    cr_assert_fail("no session cookie to replace");
}

Test(limits, page_sessions_expire_and_forged_ones_sign_nobody_in, .fini = stop)
{
    start("10m");
    char token[FT_TOKEN_MAX], id[24];
    long long user;
    ft_user(&forum, "13900000072", "secret-72", token, &user);
    snprintf(id, sizeof id, "%lld", user);
    pb_browser b;
    pb_init(&b, &forum);
    pb_signin(&b, "13900000072", "secret-72");
    cr_assert_eq(pb_get(&b, "/me"), 200);

    long long now = (long long)time(NULL);
    set_session(&b, FC_SECRET, id, now - 60);
    cr_assert_eq(pb_get(&b, "/me"), 200, "a cookie signed here is one the forum takes");
    /* a cookie signed 31 days ago has expired: signed out, not an error */
    set_session(&b, FC_SECRET, id, now - 31 * 86400);
    cr_assert_eq(pb_get(&b, "/me"), 302, "%s", b.page);
    cr_assert_str_eq(b.location, "/signin?next=%2Fme");
    /* signed with another key, or altered by one character: nobody */
    set_session(&b, "another-secret-0123456789abcdef-xyz", id, now);
    cr_assert_eq(pb_get(&b, "/me"), 302);
    set_session(&b, FC_SECRET, id, now);
    for (int i = 0; i < PB_COOKIES; i++)
        if (strcmp(b.cookies[i][0], "user") == 0)
            b.cookies[i][1][strlen(b.cookies[i][1]) / 2] ^= 1;
    int status = pb_get(&b, "/me");
    cr_assert_eq(status, 302, "a tampered cookie: %d %s", status, b.page);
    pb_free(&b);
}

/* ------------------------------------------------------------ SMS codes */

/* register_with - POST /register/ for mobile with code; the response. */
static ft_resp *register_with(const char *mobile, const char *code)
{
    char body[256];
    snprintf(body, sizeof body, "{\"mobile\":\"%s\",\"code\":\"%s\",\"password\":\"long-enough\"}",
             mobile, code);
    return ft_call(&forum, "POST", "/register/", NULL, body);
}

/* code_for - ask /code/ for a code to mobile; the code (static). */
static const char *code_for(const char *mobile)
{
    char body[64];
    snprintf(body, sizeof body, "{\"mobile\":\"%s\"}", mobile);
    ft_resp *r = ft_call(&forum, "POST", "/code/", NULL, body);
    cr_assert_eq(r->status, 200, "%s", r->body);
    static char code[16];
    const char *got = ft_code(&forum, mobile);
    cr_assert_not_null(got);
    snprintf(code, sizeof code, "%s", got);
    return code;
}

/* wrong - a code that is not code. */
static const char *wrong(const char *code)
{
    return strcmp(code, "000000") ? "000000" : "111111";
}

Test(limits, api_codes_expire, .fini = stop)
{
    start("300ms");
    const char *code = code_for("13900000073");
    usleep(1200 * 1000); /* four times its life */
    ft_resp *r = register_with("13900000073", code);
    cr_assert_eq(r->status, 400, "an expired code: %d %s", r->status, r->body);
    cr_assert_not_null(json_object_get(r->json, "code"), "%s", r->body);
    cr_assert_str_eq(ft_rows(&forum, "SELECT COUNT(*) FROM user"), "0\n");
}

Test(limits, api_codes_die_after_five_wrong_tries, .fini = stop)
{
    start("10m");
    const char *code = code_for("13900000074");
    for (int i = 0; i < 5; i++) {
        ft_resp *r = register_with("13900000074", wrong(code));
        cr_assert_eq(r->status, 400, "try %d: %d %s", i + 1, r->status, r->body);
    }
    ft_resp *r = register_with("13900000074", code);
    cr_assert_eq(r->status, 400, "the right code after five wrong ones: %d %s", r->status, r->body);
    cr_assert_not_null(json_object_get(r->json, "code"), "%s", r->body);
    cr_assert_str_eq(ft_rows(&forum, "SELECT COUNT(*) FROM user"), "0\n");
}

/* signup - the sign-up page's second step for mobile with code; the status. */
static int signup(pb_browser *b, const char *mobile, const char *code)
{
    return pb_post(b, "/signup", true, NULL, "mobile", mobile, "code", code, "password",
                   "long-password", NULL);
}

/* page_code_for - ask the sign-up page for a code to mobile (static). */
static const char *page_code_for(pb_browser *b, const char *mobile)
{
    cr_assert_eq(pb_get(b, "/signup"), 200);
    cr_assert_eq(pb_post(b, "/signup/code", true, NULL, "mobile", mobile, NULL), 200, "%s",
                 b->page);
    static char code[16];
    const char *got = ft_code(&forum, mobile);
    cr_assert_not_null(got);
    snprintf(code, sizeof code, "%s", got);
    return code;
}

#define CODE_ERROR "class=\"field has-error\"><label for=\"code\""

Test(limits, page_codes_expire, .fini = stop)
{
    start("300ms");
    pb_browser b;
    pb_init(&b, &forum);
    const char *code = page_code_for(&b, "13900000075");
    usleep(1200 * 1000);
    cr_assert_eq(signup(&b, "13900000075", code), 400, "an expired code: %s", b.page);
    cr_assert(pb_has(&b, CODE_ERROR), "%s", b.page);
    cr_assert_str_eq(ft_rows(&forum, "SELECT COUNT(*) FROM user"), "0\n");
    pb_free(&b);
}

Test(limits, page_codes_are_used_once_and_die_after_five_wrong_tries, .fini = stop)
{
    start("10m");
    pb_browser b;
    pb_init(&b, &forum);
    char code[16];
    snprintf(code, sizeof code, "%s", page_code_for(&b, "13900000076"));
    cr_assert_eq(signup(&b, "13900000076", code), 303, "%s", b.page);
    /* the account gone, the same code again: it was used */
    cr_assert_eq(pb_post(&b, "/signout", true, NULL, NULL), 303);
    ft_rows(&forum, "DELETE FROM user");
    pb_get(&b, "/signup");
    cr_assert_eq(signup(&b, "13900000076", code), 400, "a used code: %s", b.page);
    cr_assert(pb_has(&b, CODE_ERROR), "%s", b.page);

    /* another number: five wrong tries, then the right code is dead */
    pb_browser c;
    pb_init(&c, &forum);
    snprintf(code, sizeof code, "%s", page_code_for(&c, "13900000077"));
    for (int i = 0; i < 5; i++)
        cr_assert_eq(signup(&c, "13900000077", wrong(code)), 400, "try %d", i + 1);
    cr_assert_eq(signup(&c, "13900000077", code), 400, "the right code after five wrong ones");
    cr_assert(pb_has(&c, CODE_ERROR), "%s", c.page);
    cr_assert_str_eq(ft_rows(&forum, "SELECT COUNT(*) FROM user"), "0\n");
    pb_free(&b);
    pb_free(&c);
}

/* ------------------------------------------------------------ image sizes */

Test(limits, images_over_2_mb_are_refused_by_both_faces, .fini = stop)
{
    start("10m");
    char token[FT_TOKEN_MAX];
    long long id;
    ft_user(&forum, "13900000078", "secret-78", token, &id);
    size_t big = 2 * 1024 * 1024 + 1;
    char *large = calloc(1, big);
    cr_assert_not_null(large);
    memcpy(large, ft_png, ft_png_len); /* an image by its first bytes, too big */

    ft_part api = {"image", large, big, "big.png", "image/png"};
    ft_resp *r = ft_multipart(&forum, "POST", "/headimages/", token, &api, 1);
    cr_assert_eq(r->status, 400, "%d %s", r->status, r->body);
    cr_assert_not_null(json_object_get(r->json, "image"), "%s", r->body);

    pb_browser b;
    pb_init(&b, &forum);
    pb_signin(&b, "13900000078", "secret-78");
    pb_get(&b, "/me");
    ft_part page[] = {{"nick_name", "Ada", 0, NULL, NULL},
                      {"gender", "female", 0, NULL, NULL},
                      {"address", "Here", 0, NULL, NULL},
                      {"avatar", large, big, "big.png", "image/png"}};
    cr_assert_eq(pb_multipart(&b, "/me", page, 4), 400, "%s", b.page);
    cr_assert(pb_has(&b, "class=\"field has-error\"><label for=\"avatar\""), "%s", b.page);
    free(large);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT head_url IS NULL FROM user WHERE id = %lld", id);
    cr_assert_str_eq(ft_rows(&forum, sql), "1\n");
    int files = -1;
    ft_media(&forum, &files);
    cr_assert_eq(files, 0, "nothing was saved: %s", ft_media(&forum, NULL));
    pb_free(&b);
}
