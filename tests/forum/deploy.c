/*
 * deploy - lesson 21's sample nginx configuration, run for real in front
 * of the forum (lessons/21-forum/deploy/forum.nginx.conf).
 *
 * The test runs the sample as it is, with the four strings a reader
 * changes replaced (the listen address, the folder the forum runs in, the
 * two processes' addresses: here both the one forum started), inside a
 * minimal nginx.conf of its own. With the forum up, the pages and the API
 * come through nginx the same as from the forum itself, and the live
 * notifications' WebSocket is upgraded through it; with the forum
 * stopped, /static/ and /media/ are still served, from disk, while the
 * rest is 502: nginx, not the forum, serves the files.
 *
 * Without nginx (Debian package nginx-light) the test skips with one line.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "harness.h"

#define SAMPLE TEST_SOURCE_DIR "/lessons/21-forum/deploy/forum.nginx.conf"

static const char *find_nginx(void)
{
    static const char *where[] = {"/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"};
    for (size_t i = 0; i < sizeof where / sizeof *where; i++)
        if (access(where[i], X_OK) == 0)
            return where[i];
    return NULL;
}

/* substitute - replace from by to in *conf, failing the test when the
 * sample no longer holds from (the reader's instructions would be wrong). */
static void substitute(char **conf, const char *from, const char *to)
{
    char *next = e2e_replace(*conf, from, to);
    cr_assert_not_null(next, "the sample no longer contains \"%s\", which its comment tells to change", from);
    free(*conf);
    *conf = next;
}

/* write_nginx_conf - dir/forum.conf (the sample, substituted) and
 * dir/nginx.conf including it; the path of the latter in conf_path. */
static void write_nginx_conf(const char *dir, int nginx_port, int forum_port, char *conf_path, size_t size)
{
    char *conf = e2e_read_file(SAMPLE);
    cr_assert_not_null(conf, "cannot read %s", SAMPLE);
    char listen[64], app[64];
    snprintf(listen, sizeof listen, "listen 127.0.0.1:%d;", nginx_port);
    snprintf(app, sizeof app, "127.0.0.1:%d", forum_port);
    substitute(&conf, "listen 80;", listen);
    substitute(&conf, "/srv/forum", dir);
    substitute(&conf, "127.0.0.1:8888", app);
    substitute(&conf, "127.0.0.1:8889", app);
    char path[600];
    snprintf(path, sizeof path, "%s/forum.conf", dir);
    cr_assert_eq(e2e_write_file(path, conf), 0);
    free(conf);

    char main_conf[4096];
    snprintf(main_conf, sizeof main_conf,
             "%s\nworker_processes 1;\ndaemon off;\npid %s/nginx.pid;\nerror_log %s/error.log warn;\n"
             "events { worker_connections 256; }\n"
             "http {\n    include /etc/nginx/mime.types;\n    access_log %s/access.log;\n"
             "    client_body_temp_path %s/body;\n    proxy_temp_path %s/proxy;\n"
             "    fastcgi_temp_path %s/fastcgi;\n    uwsgi_temp_path %s/uwsgi;\n    scgi_temp_path %s/scgi;\n"
             "    include %s/forum.conf;\n}\n",
             getuid() == 0 ? "user root;" : "", dir, dir, dir, dir, dir, dir, dir, dir, dir);
    snprintf(conf_path, size, "%s/nginx.conf", dir);
    cr_assert_eq(e2e_write_file(conf_path, main_conf), 0);
}

/* get - status of GET target through port, with the answer in *answer. */
static int get(int port, const char *target, char **answer)
{
    free(*answer);
    *answer = e2e_http(port, "GET", target, NULL, NULL);
    return e2e_status(*answer);
}

Test(forum_deploy, nginx_serves_the_files_and_passes_the_rest_and_the_websocket, .timeout = 90)
{
    const char *nginx = find_nginx();
    if (!nginx)
        cr_skip_test("nginx is not installed (Debian package nginx-light): skipping the deployment test");

    char *dir = strdup(e2e_tempdir());
    cr_assert_not_null(dir);
    char path[700], db[800], media[800];
    snprintf(path, sizeof path, "%s/static", dir);
    cr_assert_eq(symlink(TEST_SOURCE_DIR "/lessons/21-forum/static", path), 0);
    snprintf(path, sizeof path, "%s/media", dir);
    snprintf(media, sizeof media, "--media-dir=%s", path);
    snprintf(db, sizeof db, "--db=sqlite://%s/forum.db", dir);
    th_proc forum;
    cr_assert_eq(e2e_start_forum(&forum, db, media, "--secret=deployment-test-secret-0123456789", NULL), 0,
                 "the forum did not start: %s", forum.output);
    snprintf(path, sizeof path, "%s/media/cover.png", dir);
    cr_assert_eq(e2e_write_png(path), 0);

    int port = e2e_free_port();
    char conf[700], errlog[700];
    write_nginx_conf(dir, port, forum.port, conf, sizeof conf);
    snprintf(errlog, sizeof errlog, "%s/error.log", dir);
    th_proc proxy;
    char *argv[] = {(char *)nginx, "-p", dir, "-c", conf, "-e", errlog, NULL};
    cr_assert_eq(th_start(&proxy, argv), 0);
    int fd = -1;
    for (int i = 0; i < 100 && fd < 0; i++)
        if ((fd = th_connect(port, 100)) < 0)
            usleep(50000);
    cr_assert_geq(fd, 0, "nginx did not start: %s", (th_read_output(&proxy, NULL, 1000), proxy.output));
    close(fd);

    /* With the forum up: the API through nginx is the forum's own answer. */
    char *via = NULL, *direct = NULL;
    cr_expect_eq(get(port, "/groups/", &via), 200, "GET /groups/ through nginx: %s", via);
    cr_expect_eq(get(forum.port, "/groups/", &direct), 200);
    cr_expect_str_eq(e2e_body(via), e2e_body(direct), "nginx passes the forum's answer as it is");
    cr_expect(strstr(e2e_header(via, "Content-Type") ? e2e_header(via, "Content-Type") : "", "json") != NULL);

    /* The live notifications' WebSocket: upgraded through nginx with a token. */
    const char *why = NULL;
    char *token = e2e_sign_up(port, &forum, "13712340001", "deploy-pass-1", &why);
    cr_expect_not_null(token, "signing up through nginx: %s", why);
    if (token) {
        char header[1024];
        snprintf(header, sizeof header, "tsessionid: %s\r\n", token);
        cr_expect_eq(e2e_ws_handshake(port, "/ws/notifications", header, NULL), 101,
                     "the WebSocket handshake through nginx is answered 101 with the right accept key");
        free(token);
    }

    /* With the forum stopped: files still come from disk, the rest is 502. */
    th_stop(&forum);
    cr_expect_eq(get(port, "/static/forum.css", &via), 200, "static through nginx alone: %s", via);
    cr_expect_str_eq(e2e_header(via, "Content-Type"), "text/css");
    cr_expect_eq(get(port, "/media/cover.png", &via), 200, "media through nginx alone: %s", via);
    cr_expect_str_eq(e2e_header(via, "Content-Type"), "image/png");
    cr_expect_str_eq(e2e_header(via, "X-Content-Type-Options"), "nosniff");
    cr_expect_eq(get(port, "/groups/", &via), 502, "the API needs the forum: %s", via);

    free(via);
    free(direct);
    th_stop(&proxy);
    th_free(&proxy);
    th_free(&forum);
    char rm[700];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    cr_expect_eq(system(rm), 0);
    free(dir);
}
