/*
 * The image files behind the forum's rows, as they are on disk: an
 * avatar or a group cover replaced, through the API or the pages, leaves
 * only the new file in the media folder; a deleted group takes its cover
 * with it. And what is never removed: a file another row still names
 * (demo data may share one) or a post shows in its Markdown, a name the
 * forum did not make, a path out of the media folder. On SQLite and on MariaDB.
 */
#include "pages_browser.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ft_forum forum;

static void stop(void)
{
    ft_stop(&forum);
}

#define BOTH_DATABASES(name) FT_BOTH_DATABASES(media, name)

/* A second image, other bytes than ft_png: a GIF. */
static const char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";

/* media_count - how many files the media folder holds. */
static int media_count(void)
{
    int n = 0;
    ft_media(&forum, &n);
    return n;
}

/* on_disk - is there a file name in the media folder? */
static bool on_disk(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/media/%s", forum.dir, name);
    return access(path, F_OK) == 0;
}

/* column - one value the database holds (sql's first row, first column). */
static const char *column(const char *fmt, long long id)
{
    static char value[256];
    char sql[256];
    snprintf(sql, sizeof sql, fmt, id);
    snprintf(value, sizeof value, "%s", ft_rows(&forum, sql));
    value[strcspn(value, "\n")] = '\0';
    return value;
}

/* avatar - upload image (ft_png or gif) as token's avatar; its file name. */
static const char *avatar(const char *token, bool png)
{
    ft_part part = {"image", png ? (const char *)ft_png : gif, png ? ft_png_len : sizeof gif - 1,
                    png ? "me.png" : "me.gif", png ? "image/png" : "image/gif"};
    ft_resp *r = ft_multipart(&forum, "POST", "/headimages/", token, &part, 1);
    cr_assert_eq(r->status, 200, "%d %s", r->status, r->body);
    static char name[128];
    snprintf(name, sizeof name, "%s", json_string_value(json_object_get(r->json, "image")) + 7);
    return name;
}

BOTH_DATABASES(api_replaced_and_deleted_images)
{
    char token[FT_TOKEN_MAX], other[FT_TOKEN_MAX];
    long long me, other_id;
    ft_user(&forum, "13900000061", "secret-61", token, &me);
    ft_user(&forum, "13900000062", "secret-62", other, &other_id);

    /* an avatar replaced: the old file goes, the new one stays */
    char first[128];
    snprintf(first, sizeof first, "%s", avatar(token, true));
    cr_assert(on_disk(first), "%s", ft_media(&forum, NULL));
    const char *second = avatar(token, false);
    cr_assert(on_disk(second));
    cr_assert(!on_disk(first), "the replaced avatar %s is still there: %s", first,
              ft_media(&forum, NULL));
    cr_assert_eq(media_count(), 1, "%s", ft_media(&forum, NULL));

    /* a file another row names stays (demo data may share one) */
    char shared[128], sql[512];
    snprintf(shared, sizeof shared, "%s", second);
    snprintf(sql, sizeof sql, "UPDATE user SET head_url = '%s' WHERE id = %lld", shared, other_id);
    ft_rows(&forum, sql);
    avatar(token, true);
    cr_assert(on_disk(shared), "removed while another user's avatar: %s", ft_media(&forum, NULL));
    cr_assert_eq(media_count(), 2);

    /* a name the forum did not make, or a path out of the folder: kept */
    char outside[256];
    const char *forum_like = "0123456789abcdef0123456789abcdef.png";
    snprintf(outside, sizeof outside, "%s/%s", forum.dir, forum_like);
    FILE *fp = fopen(outside, "w");
    cr_assert_not_null(fp);
    fclose(fp);
    snprintf(sql, sizeof sql, "%s/media/keep.png", forum.dir);
    fp = fopen(sql, "w");
    cr_assert_not_null(fp);
    fclose(fp);
    const char *names[] = {"keep.png", "../0123456789abcdef0123456789abcdef.png"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(sql, sizeof sql, "UPDATE user SET head_url = '%s' WHERE id = %lld", names[i], me);
        ft_rows(&forum, sql);
        avatar(token, i == 0);
    }
    cr_assert(on_disk("keep.png"), "not the forum's name, not the forum's to remove");
    cr_assert_eq(access(outside, F_OK), 0, "a path out of the media folder was followed");

    /* a group's cover replaced, then the group deleted */
    ft_part parts[] = {
        {"name", "Covers", 0, NULL, NULL},
        {"category", "程序设计", 0, NULL, NULL},
        {"desc", "d", 0, NULL, NULL},
        {"notice", "n", 0, NULL, NULL},
        {"front_image", (const char *)ft_png, ft_png_len, "cover.png", "image/png"},
    };
    ft_resp *r = ft_multipart(&forum, "POST", "/groups/", token, parts, 5);
    cr_assert_eq(r->status, 200, "%s", r->body);
    long long g = json_integer_value(json_object_get(r->json, "id"));
    char cover[128], path[64];
    snprintf(cover, sizeof cover, "%s",
             column("SELECT front_image FROM community_group WHERE id = %lld", g));
    cr_assert(on_disk(cover), "%s", cover);

    /* an avatar a post shows in its Markdown stays when replaced */
    char shown[128], body[300];
    snprintf(shown, sizeof shown, "%s", column("SELECT head_url FROM user WHERE id = %lld", me));
    cr_assert(on_disk(shown), "%s", shown);
    snprintf(body, sizeof body, "{\"title\": \"Me\", \"content\": \"Here I am: ![me](/media/%s)\"}",
             shown);
    snprintf(path, sizeof path, "/groups/%lld/posts/", g);
    r = ft_call(&forum, "POST", path, token, body);
    cr_assert_eq(r->status, 200, "%s", r->body);
    avatar(token, true);
    cr_assert(on_disk(shown), "an image a post shows was removed: %s", ft_media(&forum, NULL));

    int before = media_count();
    snprintf(path, sizeof path, "/groups/%lld/", g);
    ft_part new_cover = {"front_image", gif, sizeof gif - 1, "new.gif", "image/gif"};
    r = ft_multipart(&forum, "PATCH", path, token, &new_cover, 1);
    cr_assert_eq(r->status, 200, "%s", r->body);
    char replaced[128];
    snprintf(replaced, sizeof replaced, "%s",
             column("SELECT front_image FROM community_group WHERE id = %lld", g));
    cr_assert_str_neq(replaced, cover);
    cr_assert(on_disk(replaced));
    cr_assert(!on_disk(cover), "the old cover is still there: %s", ft_media(&forum, NULL));
    cr_assert_eq(media_count(), before);
    /* an edit without a cover keeps it */
    r = ft_call(&forum, "PATCH", path, token, "{\"notice\":\"new notice\"}");
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(on_disk(replaced));
    r = ft_call(&forum, "DELETE", path, token, NULL);
    cr_assert_eq(r->status, 200, "%s", r->body);
    cr_assert(!on_disk(replaced), "a deleted group's cover is still there: %s",
              ft_media(&forum, NULL));
    cr_assert_eq(media_count(), before - 1);
}

BOTH_DATABASES(pages_replaced_and_deleted_images)
{
    char token[FT_TOKEN_MAX];
    long long me;
    ft_user(&forum, "13900000063", "password-1", token, &me);
    pb_browser b;
    pb_init(&b, &forum);
    pb_signin(&b, "13900000063", "password-1");

    /* the profile's avatar, twice */
    char first[128];
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(pb_get(&b, "/me"), 200);
        ft_part parts[] = {{"nick_name", "Ada", 0, NULL, NULL},
                           {"gender", "female", 0, NULL, NULL},
                           {"address", "Here", 0, NULL, NULL},
                           {"avatar", i ? gif : (const char *)ft_png,
                            i ? sizeof gif - 1 : ft_png_len, i ? "a.gif" : "a.png",
                            i ? "image/gif" : "image/png"}};
        cr_assert_eq(pb_multipart(&b, "/me", parts, 4), 303, "%s", b.page);
        if (i == 0)
            snprintf(first, sizeof first, "%s",
                     column("SELECT head_url FROM user WHERE id = %lld", me));
    }
    const char *second = column("SELECT head_url FROM user WHERE id = %lld", me);
    cr_assert_str_neq(second, first);
    cr_assert(on_disk(second));
    cr_assert(!on_disk(first), "the replaced avatar %s is still there: %s", first,
              ft_media(&forum, NULL));
    /* a profile saved without a new avatar keeps the one it has */
    pb_get(&b, "/me");
    ft_part text_only[] = {{"nick_name", "Ada L", 0, NULL, NULL},
                           {"gender", "female", 0, NULL, NULL},
                           {"address", "There", 0, NULL, NULL}};
    cr_assert_eq(pb_multipart(&b, "/me", text_only, 3), 303, "%s", b.page);
    cr_assert_str_eq(column("SELECT head_url FROM user WHERE id = %lld", me), second);
    cr_assert(on_disk(second));
    cr_assert_eq(media_count(), 1, "%s", ft_media(&forum, NULL));

    /* a group made with a cover, given a new one, then deleted */
    cr_assert_eq(pb_get(&b, "/group/new"), 200);
    ft_part group[] = {{"name", "Covers", 0, NULL, NULL},
                       {"category", "程序设计", 0, NULL, NULL},
                       {"desc", "d", 0, NULL, NULL},
                       {"notice", "n", 0, NULL, NULL},
                       {"front_image", (const char *)ft_png, ft_png_len, "c.png", "image/png"}};
    cr_assert_eq(pb_multipart(&b, "/group/new", group, 5), 303, "%s", b.page);
    long long g = 0;
    cr_assert_eq(sscanf(b.location, "/group/%lld", &g), 1, "%s", b.location);
    char cover[128], path[96];
    snprintf(cover, sizeof cover, "%s",
             column("SELECT front_image FROM community_group WHERE id = %lld", g));
    cr_assert(on_disk(cover));
    snprintf(path, sizeof path, "/group/%lld/edit", g);
    cr_assert_eq(pb_get(&b, path), 200);
    group[4] = (ft_part){"front_image", gif, sizeof gif - 1, "c.gif", "image/gif"};
    cr_assert_eq(pb_multipart(&b, path, group, 5), 303, "%s", b.page);
    const char *replaced = column("SELECT front_image FROM community_group WHERE id = %lld", g);
    cr_assert_str_neq(replaced, cover);
    cr_assert(on_disk(replaced));
    cr_assert(!on_disk(cover), "the old cover is still there: %s", ft_media(&forum, NULL));
    cr_assert_eq(media_count(), 2, "an avatar and a cover: %s", ft_media(&forum, NULL));
    snprintf(path, sizeof path, "/group/%lld/delete", g);
    pb_get(&b, "/");
    cr_assert_eq(pb_post(&b, path, true, NULL, NULL), 303, "%s", b.page);
    cr_assert_eq(media_count(), 1, "a deleted group's cover is still there: %s",
                 ft_media(&forum, NULL));
    pb_free(&b);
}
