/*
 * Lesson 17 smoke tests: the blog's JSON API on SQLite and on MariaDB
 * (the private mariadbd of the lessons suite, started by lesson 16's
 * PRE_ALL hook; skipped with its reason when there is none).
 *
 * The tables appear on start and hold the demo rows; the list joins each
 * post's author and never shows private fields; a comment raises its
 * post's count in the same transaction (and a refused comment raises
 * nothing); users come with their post counts; deleting a post takes its
 * comments; --show-sql prints each dialect's CREATE TABLE.
 */
#include "harness.h"
#include "mariadb_server.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BLOG "lessons/17-orm/blog"

static th_proc server;
static char url[512];
static char tmpdir[64];

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

static void start_blog(void)
{
    char *argv[] = {(char *)th_path(BLOG), "--port", "0", "--db", url, NULL};
    cr_assert_eq(th_start_server(&server, argv, 10000), 0, "blog did not start:\n%s",
                 server.output ? server.output : "");
}

static char raw[65536];
static int status;
static const char *body;

static void http(const char *method, const char *path, const char *json)
{
    char req[4096];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n", method,
                     path);
    if (json)
        n += snprintf(req + n, sizeof req - (size_t)n,
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n", strlen(json));
    snprintf(req + n, sizeof req - (size_t)n, "\r\n%s", json ? json : "");
    int fd = th_connect(server.port, 2000);
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

#define expect(method, path, json, code, needle)                                                   \
    do {                                                                                           \
        http(method, path, json);                                                                  \
        cr_assert_eq(status, code, "%s %s: expected %d, got:\n%s", method, path, code, raw);       \
        cr_assert_not_null(strstr(body, needle), "%s %s: expected \"%s\" in:\n%s", method, path,   \
                           needle, body);                                                          \
    } while (0)

static void the_api_on(void)
{
    start_blog();
    expect(
        "GET", "/api/posts", NULL, 200,
        "{\"posts\":[{\"id\":3,\"author\":{\"id\":1,\"name\":\"ann\"},\"title\":\"Rows to JSON\"");
    cr_assert_not_null(strstr(body, "\"total\":3}"), "%s", body);
    cr_assert_null(strstr(body, "password"), "no password hash: %s", body);
    cr_assert_null(strstr(body, "@example.com"), "no email in a post's author: %s", body);
    expect("GET", "/api/posts?limit=1&offset=2", NULL, 200, "\"title\":\"Models in C\"");
    cr_assert_null(strstr(body, "\"id\":2,"), "one post: %s", body);

    /* A comment raises the count; a refused one raises nothing. */
    expect("POST", "/api/posts/2/comments", "{\"author\":1,\"text\":\"agreed\"}", 201,
           "{\"id\":2}");
    expect("POST", "/api/posts/2/comments", "{\"author\":99,\"text\":\"who?\"}", 400,
           "no such author");
    expect("POST", "/api/posts/77/comments", "{\"author\":1,\"text\":\"where?\"}", 404,
           "no such post");
    expect("GET", "/api/posts/2", NULL, 200, "\"comments\":1,");
    cr_assert_not_null(strstr(body, "\"comment_list\":[{\"id\":2,\"post\":2,\"author\":{\"id\":1,"
                                    "\"name\":\"ann\"},\"text\":\"agreed\""),
                       "%s", body);

    expect("GET", "/api/users", NULL, 200, "{\"users\":[{\"id\":1,\"name\":\"ann\"");
    cr_assert_not_null(strstr(body, "\"posts\":2}"), "ann wrote two: %s", body);
    cr_assert_not_null(strstr(body, "\"name\":\"bob\""), "%s", body);
    cr_assert_null(strstr(body, "password"), "%s", body);
    expect("GET", "/api/users/2", NULL, 200, "\"email\":\"bob@example.com\"");
    expect("GET", "/api/users/9", NULL, 404, "no such user");

    expect("POST", "/api/posts",
           "{\"author\":2,\"title\":\"New\",\"body\":\"it's \\\"quoted\\\"\"}", 201, "{\"id\":4}");
    expect("GET", "/api/posts/4", NULL, 200, "\"body\":\"it's \\\"quoted\\\"\"");
    expect("POST", "/api/posts", "{\"author\":5,\"title\":\"x\",\"body\":\"\"}", 400,
           "no such author");

    expect("DELETE", "/api/posts/1", NULL, 204, "");
    expect("GET", "/api/posts/1", NULL, 404, "no such post");
    expect("GET", "/api/posts", NULL, 200, "\"total\":3}");

    /* Restarted, it finds its tables and does not seed twice. */
    th_stop(&server);
    th_free(&server);
    start_blog();
    expect("GET", "/api/posts", NULL, 200, "\"total\":3}");
}

Test(lesson17_sqlite, the_blog_api, .fini = cleanup, .timeout = 60)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/eddy-l17-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(url, sizeof url, "sqlite://%s/blog.db", tmpdir);
    the_api_on();
}

Test(lesson17_mariadb, the_blog_api, .fini = cleanup, .timeout = 60)
{
    const char *why = NULL;
    const char *u = mariadb_database("l17_blog", &why);
    if (!u)
        cr_skip_test("MariaDB: %s", why);
    snprintf(url, sizeof url, "%s", u);
    the_api_on();
}

Test(lesson17_cli, show_sql_prints_each_dialect, .timeout = 10)
{
    char *out = NULL;
    char *argv[] = {(char *)th_path(BLOG), "--db", "sqlite::memory:", "--show-sql", NULL};
    int st = th_run(argv, 5000, &out);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d:\n%s", st, out);
    cr_assert_not_null(
        strstr(out,
               "CREATE TABLE IF NOT EXISTS `comment` (\n  `id` INTEGER PRIMARY KEY AUTOINCREMENT"),
        "%s", out);
    cr_assert_not_null(
        strstr(out, "FOREIGN KEY (`post_id`) REFERENCES `post` (`id`) ON DELETE CASCADE"), "%s",
        out);
    free(out);
    char *my[] = {(char *)th_path(BLOG), "--db", "mysql://u:p@127.0.0.1:1/x", "--show-sql", NULL};
    st = th_run(my, 5000, &out);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d:\n%s", st, out);
    cr_assert_not_null(strstr(out, "`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"), "%s", out);
    cr_assert_not_null(strstr(out, "ENGINE=InnoDB"), "%s", out);
    free(out);
}
