/*
 * The forum's groups API as a client sees it, on SQLite and on MariaDB:
 * the list and its filters, creating a group with a cover, the detail,
 * applying, the owner's review and the member count, editing and
 * deleting; and the course's gaps closed: only the creator may review,
 * edit or delete (another user's ids reach nothing), the creator is a
 * member, the count moves on approval (and back on a later refusal),
 * covers judged by their bytes.
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

/* create_group - a group by token in the given category; its id. */
static long long create_group(const char *token, const char *name, const char *category)
{
    ft_part parts[] = {
        {"name", name, 0, NULL, NULL},
        {"category", category, 0, NULL, NULL},
        {"desc", "about it", 0, NULL, NULL},
        {"notice", "be nice", 0, NULL, NULL},
        {"front_image", (const char *)ft_png, ft_png_len, "cover.png", "image/png"},
    };
    ft_resp *r = ft_multipart(&forum, "POST", "/groups/", token, parts, 5);
    cr_assert_eq(r->status, 200, "POST /groups/: %d %s", r->status, r->body);
    return json_integer_value(json_object_get(r->json, "id"));
}

static long long int_of(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* BOTH_DATABASES(name) { ... } - the body, as a test on SQLite and as
 * one on MariaDB. */
#define BOTH_DATABASES(name) FT_BOTH_DATABASES(groups, name)

BOTH_DATABASES(create_list_detail)
{
    char owner[FT_TOKEN_MAX];
    long long owner_id;
    ft_user(&forum, "13900000021", "secret-21", owner, &owner_id);
    long long g1 = create_group(owner, "C programmers", "程序设计");
    long long g2 = create_group(owner, "Books", "同城交易");
    cr_assert_gt(g2, g1);

    /* the creator is a member, counted */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT user_id, status FROM community_group_member WHERE community_id = %lld", g1);
    char expect[64];
    snprintf(expect, sizeof expect, "%lld|agree\n", owner_id);
    cr_assert_str_eq(ft_rows(&forum, sql), expect);

    ft_resp *r = ft_call(&forum, "GET", "/groups/", NULL, NULL); /* public */
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(json_array_size(r->json), 2, "%s", r->body);
    json_t *first = json_array_get(r->json, 0); /* newest first */
    cr_assert_eq(int_of(first, "id"), g2);
    cr_assert_eq(int_of(first, "member_nums"), 1);
    const char *cover = json_string_value(json_object_get(first, "front_image"));
    cr_assert(cover && strstr(cover, "http://127.0.0.1:") && strstr(cover, "/media/"), "%s",
              r->body);
    json_t *creator = json_object_get(first, "creator");
    cr_assert_eq(int_of(creator, "id"), owner_id, "%s", r->body);
    cr_assert_null(json_object_get(creator, "mobile"), "the creator's number leaked: %s", r->body);
    cr_assert_null(json_object_get(creator, "password"), "%s", r->body);

    r = ft_call(&forum, "GET", "/groups/?c=%E7%A8%8B%E5%BA%8F%E8%AE%BE%E8%AE%A1", NULL, NULL);
    cr_assert_eq(json_array_size(r->json), 1, "%s", r->body);
    cr_assert_eq(int_of(json_array_get(r->json, 0), "id"), g1);
    r = ft_call(&forum, "GET", "/groups/?c=%E5%85%A8%E9%83%A8&limit=1", NULL, NULL); /* 全部 */
    cr_assert_eq(json_array_size(r->json), 1, "%s", r->body);

    char path[64];
    snprintf(path, sizeof path, "/groups/%lld/", g1);
    r = ft_call(&forum, "GET", path, NULL, NULL);
    cr_assert_eq(r->status, 401);
    r = ft_call(&forum, "GET", path, owner, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "name")), "C programmers");
    cr_assert(json_is_true(json_object_get(r->json, "is_owner")));
    r = ft_call(&forum, "GET", "/groups/999999/", owner, NULL);
    cr_assert_eq(r->status, 404);
}

BOTH_DATABASES(apply_review_count)
{
    char owner[FT_TOKEN_MAX], member[FT_TOKEN_MAX], other[FT_TOKEN_MAX];
    long long member_id;
    ft_user(&forum, "13900000022", "secret-22", owner, NULL);
    ft_user(&forum, "13900000023", "secret-23", member, &member_id);
    ft_user(&forum, "13900000024", "secret-24", other, NULL);
    long long g = create_group(owner, "Hikers", "生活兴趣");
    char path[64], detail[64];
    snprintf(path, sizeof path, "/groups/%lld/members/", g);
    snprintf(detail, sizeof detail, "/groups/%lld/", g);

    ft_resp *r = ft_call(&forum, "POST", path, member, "{}");
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "apply_reason"), "%s", r->body);
    r = ft_call(&forum, "POST", path, member, "{\"apply_reason\":\"I walk a lot\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    long long application = int_of(r->json, "id");
    r = ft_call(&forum, "POST", path, member, "{\"apply_reason\":\"again\"}");
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "non_fields"), "%s", r->body);
    /* applying counts nobody yet (the course counted at once) */
    r = ft_call(&forum, "GET", detail, member, NULL);
    cr_assert_eq(int_of(r->json, "member_nums"), 1, "%s", r->body);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "my_status")), "pending");

    /* the owner sees it; the other user sees nothing of it */
    r = ft_call(&forum, "GET", "/applys/", owner, NULL);
    cr_assert_eq(json_array_size(r->json), 1, "%s", r->body);
    json_t *a = json_array_get(r->json, 0);
    cr_assert_eq(int_of(a, "id"), application);
    cr_assert_str_eq(json_string_value(json_object_get(a, "apply_reason")), "I walk a lot");
    cr_assert_eq(int_of(json_object_get(a, "user"), "id"), member_id);
    cr_assert_str_eq(json_string_value(json_object_get(a, "group")), "Hikers");
    r = ft_call(&forum, "GET", "/applys/", other, NULL);
    cr_assert_eq(json_array_size(r->json), 0, "%s", r->body);

    /* IDOR: another user cannot decide, nor the applicant themselves */
    char decide[64];
    snprintf(decide, sizeof decide, "/members/%lld/", application);
    r = ft_call(&forum, "PATCH", decide, other, "{\"status\":\"agree\"}");
    cr_assert_eq(r->status, 403, "%s", r->body);
    r = ft_call(&forum, "PATCH", decide, member, "{\"status\":\"agree\"}");
    cr_assert_eq(r->status, 403, "%s", r->body);
    r = ft_call(&forum, "PATCH", decide, owner, "{\"status\":\"maybe\"}");
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "status"), "%s", r->body);
    r = ft_call(&forum, "PATCH", "/members/999999/", owner, "{\"status\":\"agree\"}");
    cr_assert_eq(r->status, 404);

    /* agree: counted once, however often it is sent */
    r = ft_call(&forum, "PATCH", decide, owner,
                "{\"status\":\"agree\",\"handle_msg\":\"welcome\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    r = ft_call(&forum, "PATCH", decide, owner, "{\"status\":\"agree\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    r = ft_call(&forum, "GET", detail, member, NULL);
    cr_assert_eq(int_of(r->json, "member_nums"), 2, "%s", r->body);
    cr_assert_str_eq(json_string_value(json_object_get(r->json, "my_status")), "agree");
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT status, handle_msg FROM community_group_member WHERE id = %lld", application);
    cr_assert_str_eq(ft_rows(&forum, sql), "agree|welcome\n");
    r = ft_call(&forum, "GET", "/applys/", owner, NULL);
    cr_assert_eq(json_array_size(r->json), 0, "%s", r->body);

    /* refused later: one member fewer; and may apply again */
    r = ft_call(&forum, "PATCH", decide, owner, "{\"status\":\"refuse\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    r = ft_call(&forum, "GET", detail, member, NULL);
    cr_assert_eq(int_of(r->json, "member_nums"), 1, "%s", r->body);
    r = ft_call(&forum, "POST", path, member, "{\"apply_reason\":\"please\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(int_of(r->json, "id"), application);
    r = ft_call(&forum, "GET", "/applys/", owner, NULL);
    cr_assert_eq(json_array_size(r->json), 1, "%s", r->body);
}

BOTH_DATABASES(edit_delete_owner_only)
{
    char owner[FT_TOKEN_MAX], other[FT_TOKEN_MAX];
    ft_user(&forum, "13900000025", "secret-25", owner, NULL);
    ft_user(&forum, "13900000026", "secret-26", other, NULL);
    long long g = create_group(owner, "Runners", "生活兴趣");
    char path[64];
    snprintf(path, sizeof path, "/groups/%lld/", g);
    ft_resp *r = ft_call(&forum, "PATCH", path, other, "{\"notice\":\"hijacked\"}");
    cr_assert_eq(r->status, 403, "%s", r->body);
    r = ft_call(&forum, "DELETE", path, other, NULL);
    cr_assert_eq(r->status, 403, "%s", r->body);
    r = ft_call(&forum, "PATCH", path, owner, "{\"notice\":\"Sunday 7am\",\"category\":\"nope\"}");
    cr_assert_eq(r->status, 400, "%s", r->body);
    r = ft_call(&forum, "PATCH", path, owner, "{\"notice\":\"Sunday 7am\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT name, notice FROM community_group WHERE id = %lld", g);
    cr_assert_str_eq(ft_rows(&forum, sql), "Runners|Sunday 7am\n");
    /* a new cover, multipart */
    ft_part cover = {"front_image", (const char *)ft_png, ft_png_len, "new.png", "image/png"};
    r = ft_multipart(&forum, "PATCH", path, owner, &cover, 1);
    cr_assert_eq(r->status, 200, "%s", r->body);

    r = ft_call(&forum, "DELETE", path, owner, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(int_of(r->json, "res"), 1, "%s", r->body);
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM community_group_member WHERE community_id = %lld", g);
    cr_assert_str_eq(ft_rows(&forum, sql), "0\n"); /* cascaded */
    r = ft_call(&forum, "GET", path, owner, NULL);
    cr_assert_eq(r->status, 404);
}

Test(groups_sqlite, create_refuses_bad_input, .fini = stop)
{
    ft_start(&forum, FT_SQLITE, NULL);
    char token[FT_TOKEN_MAX];
    ft_user(&forum, "13900000027", "secret-27", token, NULL);
    ft_part no_cover[] = {
        {"name", "x", 0, NULL, NULL},
        {"category", "程序设计", 0, NULL, NULL},
        {"desc", "d", 0, NULL, NULL},
        {"notice", "n", 0, NULL, NULL},
    };
    ft_resp *r = ft_multipart(&forum, "POST", "/groups/", token, no_cover, 4);
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "front_image"), "%s", r->body);

    const char *html = "<html><script>alert(1)</script></html>";
    ft_part fake[] = {
        {"name", "x", 0, NULL, NULL},
        {"category", "not one", 0, NULL, NULL},
        {"desc", "d", 0, NULL, NULL},
        {"notice", "n", 0, NULL, NULL},
        {"front_image", html, strlen(html), "cover.png", "image/png"},
    };
    r = ft_multipart(&forum, "POST", "/groups/", token, fake, 5);
    cr_assert_eq(r->status, 400);
    cr_assert_not_null(json_object_get(r->json, "front_image"), "%s", r->body);
    cr_assert_not_null(json_object_get(r->json, "category"), "%s", r->body);
    cr_assert_str_eq(ft_rows(&forum, "SELECT COUNT(*) FROM community_group"), "0\n");

    /* no token: 401 before anything is read */
    r = ft_multipart(&forum, "POST", "/groups/", NULL, no_cover, 4);
    cr_assert_eq(r->status, 401);
}

Test(groups_sqlite, injection_and_markup_are_data, .fini = stop)
{
    ft_start(&forum, FT_SQLITE, NULL);
    char token[FT_TOKEN_MAX];
    ft_user(&forum, "13900000028", "secret-28", token, NULL);
    long long g =
        create_group(token, "<img src=x onerror=alert(1)>'; DROP TABLE user;--", "程序设计");
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT name FROM community_group WHERE id = %lld", g);
    cr_assert_str_eq(ft_rows(&forum, sql), "<img src=x onerror=alert(1)>'; DROP TABLE user;--\n");
    ft_resp *r = ft_call(&forum, "GET", "/groups/?c=%27%20OR%201%3D1--&o=hot%27", NULL, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert_eq(json_array_size(r->json), 0, "%s", r->body);
    r = ft_call(&forum, "GET", "/groups/1%20OR%201=1/", token, NULL);
    cr_assert_eq(r->status, 404, "%s", r->body);
}

Test(groups_sqlite, demo_data, .fini = stop)
{
    const char *demo[] = {"--demo", NULL};
    ft_start(&forum, FT_SQLITE, demo);
    cr_assert_eq(th_read_output(&forum.proc, "demo login: mobile 13800000001", 5000), 0, "%s",
                 forum.proc.output);
    ft_resp *r = ft_call(&forum, "POST", "/login/", NULL,
                         "{\"mobile\":\"13800000001\",\"password\":\"demo-password\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    char token[FT_TOKEN_MAX];
    snprintf(token, sizeof token, "%s", json_string_value(json_object_get(r->json, "token")));
    r = ft_call(&forum, "GET", "/groups/", NULL, NULL);
    cr_assert_eq(json_array_size(r->json), 4, "%s", r->body);
    r = ft_call(&forum, "GET", "/applys/", token, NULL); /* work waiting for the owner */
    cr_assert_eq(json_array_size(r->json), 1, "%s", r->body);
}
