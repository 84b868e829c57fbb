/*
 * The forum's accounts API as a client sees it, on SQLite and on MariaDB:
 * SMS code -> register -> login -> token; the profile, avatar and
 * password; and the fixes to the course's code: codes single-use and
 * attempt-limited, the same answer for an unknown mobile and a wrong
 * password, 401 (never 500) for a forged or missing token, rate limits on
 * codes and logins, avatars judged by their bytes and size, SQL and HTML
 * kept as data.
 */
#include "forum_test.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static ft_forum forum;

static void stop(void)
{
    ft_stop(&forum);
}

/* BOTH_DATABASES(name) { ... } - the body, as a test on SQLite and as
 * one on MariaDB. */
#define BOTH_DATABASES(name) FT_BOTH_DATABASES(accounts, name)

BOTH_DATABASES(register_login_info)
{
    char token[FT_TOKEN_MAX];
    long long id;
    ft_user(&forum, "13900000001", "secret-1", token, &id);
    cr_assert_gt(id, 0);
    /* the row: the mobile, and a scrypt hash, never the password */
    const char *row = ft_rows(&forum, "SELECT mobile, password FROM user");
    cr_assert(strstr(row, "13900000001|$scrypt$"), "%s", row);
    cr_assert_null(strstr(row, "secret-1"));

    ft_resp *r = ft_call(&forum, "GET", "/info/", token, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "mobile")), "13900000001");
    cr_assert_null(json_object_get(r->json, "password"), "the hash leaked: %s", r->body);

    r = ft_call(&forum, "PATCH", "/info/", token,
                "{\"nick_name\":\"Ada\",\"gender\":\"female\",\"address\":\"Hangzhou\","
                "\"desc\":\"hi\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    r = ft_call(&forum, "GET", "/info/", token, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "nick_name")), "Ada");
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "gender")), "female");

    /* login now answers with the nick name */
    r = ft_call(&forum, "POST", "/login/", NULL,
                "{\"mobile\":\"13900000001\",\"password\":\"secret-1\"}");
    cr_assert_eq(r->status, 200);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "nick_name")), "Ada");
}

BOTH_DATABASES(profile_errors)
{
    char token[FT_TOKEN_MAX];
    ft_user(&forum, "13900000002", "secret-2", token, NULL);
    ft_resp *r = ft_call(&forum, "PATCH", "/info/", token, "{\"gender\":\"robot\"}");
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "nick_name"), "%s", r->body);
    cr_assert_not_null(json_object_get(r->json, "gender"), "%s", r->body);
    cr_assert_not_null(json_object_get(r->json, "address"), "%s", r->body);
}

Test(accounts_sqlite, code_rules, .fini = stop)
{
    ft_start(&forum, FT_SQLITE, NULL);
    ft_resp *r = ft_call(&forum, "POST", "/code/", NULL, "{\"mobile\":\"12345\"}");
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "mobile"), "%s", r->body);

    r = ft_call(&forum, "POST", "/code/", NULL, "{\"mobile\":\"13900000003\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    char code[16];
    snprintf(code, sizeof code, "%s", ft_code(&forum, "13900000003"));
    /* a second code at once: the cooldown */
    r = ft_call(&forum, "POST", "/code/", NULL, "{\"mobile\":\"13900000003\"}");
    cr_assert_eq(r->status, 429, "%s", r->body);
    cr_assert_not_null(ft_header(r, "Retry-After"));

    /* a wrong code: 400 on code; the right one works once */
    r = ft_call(&forum, "POST", "/register/", NULL,
                "{\"mobile\":\"13900000003\",\"code\":\"000000x\",\"password\":\"secret-3\"}");
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "code"), "%s", r->body);
    char body[256];
    snprintf(body, sizeof body,
             "{\"mobile\":\"13900000003\",\"code\":\"%s\",\"password\":\"secret-3\"}", code);
    r = ft_call(&forum, "POST", "/register/", NULL, body);
    cr_assert_eq(r->status, 200, "%s", r->body);
    /* the same number again: refused before the code is looked at */
    r = ft_call(&forum, "POST", "/register/", NULL, body);
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "mobile"), "%s", r->body);
    cr_assert_str_eq(ft_rows(&forum, "SELECT COUNT(*) FROM user"), "1\n");
}

Test(accounts_sqlite, code_single_use, .fini = stop)
{
    ft_start(&forum, FT_SQLITE, NULL);
    ft_resp *r = ft_call(&forum, "POST", "/code/", NULL, "{\"mobile\":\"13900000004\"}");
    cr_assert_eq(r->status, 200);
    char body[256];
    snprintf(body, sizeof body, "{\"mobile\":\"13900000004\",\"code\":\"%s\",\"password\":\"x\"}",
             ft_code(&forum, "13900000004"));
    /* a password too short: the form fails first, the code is not used */
    r = ft_call(&forum, "POST", "/register/", NULL, body);
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "password"), "%s", r->body);
    snprintf(strstr(body, "\"password\""), 64, "\"password\":\"long-enough\"}");
    r = ft_call(&forum, "POST", "/register/", NULL, body);
    cr_assert_eq(r->status, 200, "%s", r->body);
    /* the course left the key in Redis: here a used code is gone */
    cr_assert_str_eq(ft_rows(&forum, "DELETE FROM user"), "");
    r = ft_call(&forum, "POST", "/register/", NULL, body);
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_not_null(json_object_get(r->json, "code"), "%s", r->body);
}

Test(accounts_sqlite, login_does_not_tell_who_exists, .fini = stop)
{
    ft_start(&forum, FT_SQLITE, NULL);
    char token[FT_TOKEN_MAX];
    ft_user(&forum, "13900000005", "secret-5", token, NULL);
    ft_resp *r = ft_call(&forum, "POST", "/login/", NULL,
                         "{\"mobile\":\"13900000005\",\"password\":\"wrong\"}");
    cr_assert_eq(r->status, 400);
    char wrong_password[256];
    snprintf(wrong_password, sizeof wrong_password, "%s", r->body);
    r = ft_call(&forum, "POST", "/login/", NULL,
                "{\"mobile\":\"13900000099\",\"password\":\"wrong\"}");
    cr_assert_eq(r->status, 400);
    cr_assert_str_eq(r->body, wrong_password);
    cr_assert_not_null(json_object_get(r->json, "non_fields"), "%s", r->body);
}

Test(accounts_sqlite, tokens, .fini = stop)
{
    ft_start(&forum, FT_SQLITE, NULL);
    char token[FT_TOKEN_MAX];
    ft_user(&forum, "13900000006", "secret-6", token, NULL);
    ft_resp *r = ft_call(&forum, "GET", "/info/", NULL, NULL);
    cr_assert_eq(r->status, 401);
    /* a bad signature: 401, where the course answered 500 */
    token[strlen(token) - 2] = token[strlen(token) - 2] == 'A' ? 'B' : 'A';
    r = ft_call(&forum, "GET", "/info/", token, NULL);
    cr_assert_eq(r->status, 401, "%s", r->body);
    r = ft_call(&forum, "GET", "/info/", "not.a.token", NULL);
    cr_assert_eq(r->status, 401);
    /* CORS preflight, as the course's front end sends it */
    r = ft_raw(&forum, "OPTIONS /info/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                       "Origin: http://front.example\r\nAccess-Control-Request-Method: PATCH\r\n"
                       "Access-Control-Request-Headers: tsessionid, content-type\r\n\r\n");
    cr_assert_eq(r->status, 200, "%s", r->raw);
    cr_assert_str_eq(ft_header(r, "Access-Control-Allow-Origin"), "*");
}

Test(accounts_sqlite, login_rate_limited, .fini = stop)
{
    ft_start(&forum, FT_SQLITE, NULL);
    ft_resp *r = NULL;
    int tries;
    /* one account: ten tries in ten minutes, from anywhere */
    for (tries = 1; tries <= 40; tries++) {
        r = ft_call(&forum, "POST", "/login/", NULL,
                    "{\"mobile\":\"13900000007\",\"password\":\"guess\"}");
        if (r->status != 400)
            break;
    }
    cr_assert_eq(r->status, 429, "status %d after %d tries", r->status, tries);
    cr_assert_eq(tries, 11);
    cr_assert_not_null(ft_header(r, "Retry-After"));
    /* one address: twenty a minute, whatever the accounts (11 so far) */
    for (tries = 1; tries <= 40; tries++) {
        char body[96];
        snprintf(body, sizeof body, "{\"mobile\":\"1380000%04d\",\"password\":\"guess\"}", tries);
        r = ft_call(&forum, "POST", "/login/", NULL, body);
        if (r->status != 400)
            break;
    }
    cr_assert_eq(r->status, 429, "status %d after %d tries", r->status, tries);
    cr_assert_eq(tries, 10, "refused after %d more tries, not 10", tries);
}

Test(accounts_sqlite, password_change, .fini = stop)
{
    ft_start(&forum, FT_SQLITE, NULL);
    char token[FT_TOKEN_MAX];
    ft_user(&forum, "13900000008", "secret-8", token, NULL);
    ft_resp *r = ft_call(&forum, "POST", "/password/", token,
                         "{\"old_password\":\"nope\",\"new_password\":\"secret-9\","
                         "\"confirm_password\":\"secret-9\"}");
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "old_password"), "%s", r->body);
    r = ft_call(&forum, "POST", "/password/", token,
                "{\"old_password\":\"secret-8\",\"new_password\":\"secret-9\","
                "\"confirm_password\":\"secret-0\"}");
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "confirm_password"), "%s", r->body);
    r = ft_call(&forum, "POST", "/password/", token,
                "{\"old_password\":\"secret-8\",\"new_password\":\"secret-9\","
                "\"confirm_password\":\"secret-9\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    r = ft_call(&forum, "POST", "/login/", NULL,
                "{\"mobile\":\"13900000008\",\"password\":\"secret-9\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
}

Test(accounts_sqlite, avatar, .fini = stop)
{
    ft_start(&forum, FT_SQLITE, NULL);
    char token[FT_TOKEN_MAX];
    ft_user(&forum, "13900000010", "secret-10", token, NULL);
    /* a script named .png: judged by its bytes, refused */
    const char *script = "<script>alert(1)</script>";
    ft_part bad = {"image", script, strlen(script), "../../evil.png", "image/png"};
    ft_resp *r = ft_multipart(&forum, "POST", "/headimages/", token, &bad, 1);
    cr_assert_eq(r->status, 400, "%s", r->body);
    cr_assert_not_null(json_object_get(r->json, "image"), "%s", r->body);

    ft_part good = {"image", (const char *)ft_png, ft_png_len, "../../me.png", "image/png"};
    r = ft_multipart(&forum, "POST", "/headimages/", token, &good, 1);
    cr_assert_eq(r->status, 200, "%s", r->body);
    const char *url = json_string_value(json_object_get(r->json, "image"));
    cr_assert(url && strncmp(url, "/media/", 7) == 0, "%s", r->body);
    cr_assert_null(strstr(url, ".."), "%s", url);
    /* served back, byte for byte */
    char path[256];
    snprintf(path, sizeof path, "%s", url);
    r = ft_call(&forum, "GET", path, NULL, NULL);
    cr_assert_eq(r->status, 200);
    cr_assert_eq(memcmp(r->body, ft_png, 8), 0);
    r = ft_call(&forum, "GET", "/headimages/", token, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "image")), path);
}

Test(accounts_sqlite, injection_and_markup_are_data, .fini = stop)
{
    ft_start(&forum, FT_SQLITE, NULL);
    char token[FT_TOKEN_MAX];
    ft_user(&forum, "13900000011", "secret-11", token, NULL);
    ft_resp *r = ft_call(&forum, "POST", "/login/", NULL,
                         "{\"mobile\":\"' OR '1'='1\",\"password\":\"' OR '1'='1\"}");
    cr_assert_eq(r->status, 400, "%s", r->body);
    r = ft_call(&forum, "PATCH", "/info/", token,
                "{\"nick_name\":\"<b>x</b>'--\",\"address\":\"a'); DROP TABLE user;--\","
                "\"gender\":\"male\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(ft_rows(&forum, "SELECT nick_name, address FROM user"),
                     "<b>x</b>'--|a'); DROP TABLE user;--\n");
    /* JSON carries it as a string; pages escape it when they show it */
    r = ft_call(&forum, "GET", "/info/", token, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "nick_name")), "<b>x</b>'--");
}

Test(accounts_sqlite, users_groups_questions_answers, .fini = stop)
{
    ft_start(&forum, FT_SQLITE, NULL);
    char token[FT_TOKEN_MAX];
    long long id;
    ft_user(&forum, "13900000012", "secret-12", token, &id);
    char path[64];
    snprintf(path, sizeof path, "/users/%lld/groups/", id);
    ft_resp *r = ft_call(&forum, "GET", path, token, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(json_is_array(r->json) && json_array_size(r->json) == 3, "%s", r->body);
    cr_assert(json_is_array(json_object_get(json_array_get(r->json, 1), "owner")), "%s", r->body);
    snprintf(path, sizeof path, "/users/%lld/questions/", id);
    r = ft_call(&forum, "GET", path, token, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(json_is_array(r->json));
    snprintf(path, sizeof path, "/users/%lld/answers/", id);
    r = ft_call(&forum, "GET", path, token, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    r = ft_call(&forum, "GET", "/users/999999/groups/", token, NULL);
    cr_assert_eq(r->status, 404, "%s", r->body);
}
