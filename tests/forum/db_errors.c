/*
 * The forum when its database fails (MariaDB): a request answers 500 or
 * 503, never the 401 that would send a signed-in user to log in again, and
 * the forum's log carries the server's code and message - for a query and
 * for a write's transaction alike (a transaction's failure was logged as
 * "out of memory (code 0)"). The failure is made for real: a table the
 * request needs is renamed away under the running forum.
 */
#include "content_client.h"
#include "mariadb_server.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static fc_forum forum;

static void cleanup(void)
{
    fc_stop(&forum);
}

/* logged - whether the forum's output has (or soon has) needle. */
static bool logged(const char *needle)
{
    return th_read_output(&forum.proc, needle, 3000) == 0;
}

Test(forum_db_errors, mariadb, .fini = cleanup, .timeout = 90)
{
    const char *why = NULL;
    const char *url = mariadb_database("forum_db_errors", &why);
    if (!url)
        cr_skip_test("%s", why);
    cr_assert_eq(fc_start(&forum, url, NULL, &why), 0, "%s:\n%s", why,
                 forum.proc.output ? forum.proc.output : "");
    long long owner = fc_user(&forum, 1, "owner");
    long long group = fc_group(&forum, owner, "errors");
    fc_member(&forum, owner, group, "agree");
    char path[128];
    snprintf(path, sizeof path, "/groups/%lld/posts/", group);
    fc_response r = fc_call(&forum, "POST", path, owner, "{\"title\": \"t\", \"content\": \"c\"}");
    cr_assert_eq(r.status, 200, "%d %s", r.status, r.body);
    long long post = fc_id(&r);
    fc_free(&r);

    /* the user's table away: the token is good, the user cannot be looked up */
    cr_assert_eq(fc_sql(&forum, "RENAME TABLE `user` TO user_away"), 0);
    r = fc_call(&forum, "GET", "/info/", owner, NULL);
    cr_expect_eq(r.status, 500, "a database failure, not a bad token: %d %s", r.status, r.body);
    fc_free(&r);
    cr_expect(logged("(code 1146)"), "the server's code is logged:\n%s", forum.proc.output);
    cr_assert_eq(fc_sql(&forum, "RENAME TABLE user_away TO `user`"), 0);

    /* a comment's transaction fails on its insert: the log says why */
    cr_assert_eq(fc_sql(&forum, "RENAME TABLE post_comment TO comment_away"), 0);
    snprintf(path, sizeof path, "/posts/%lld/comments/", post);
    r = fc_call(&forum, "POST", path, owner, "{\"content\": \"lost\"}");
    cr_expect_eq(r.status, 500, "%d %s", r.status, r.body);
    fc_free(&r);
    cr_expect(logged("comments/: database"), "the request is logged:\n%s", forum.proc.output);
    const char *line = strstr(forum.proc.output, "comments/: database");
    cr_expect(line && strstr(line, "(code 1146)"), "with the server's code:\n%s",
              forum.proc.output);
    cr_expect(!strstr(forum.proc.output, "out of memory"), "and no false label:\n%s",
              forum.proc.output);
    cr_assert_eq(fc_sql(&forum, "RENAME TABLE comment_away TO post_comment"), 0);
    cr_expect_eq(fc_sql_int(&forum, "SELECT comment_nums FROM post WHERE id = %lld", post), 0,
                 "the counter went back with the failed insert");

    /* and the forum is whole again */
    r = fc_call(&forum, "POST", path, owner, "{\"content\": \"kept\"}");
    cr_expect_eq(r.status, 200, "%d %s", r.status, r.body);
    fc_free(&r);
    cr_expect_eq(fc_sql_int(&forum, "SELECT comment_nums FROM post WHERE id = %lld", post), 1);
}
