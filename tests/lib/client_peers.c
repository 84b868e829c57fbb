/*
 * Tests for lib/http/client against servers nobody here wrote.
 *
 * nginx (static files, gzip, keep-alive, and a TLS listener whose CA and
 * certificate are made here with the openssl command line), Python's
 * http.server (HTTP/1.0, bodies ended by the close) and Tornado (chunked
 * bodies, every kind of redirect, gzip), each started on 127.0.0.1 and a
 * free port in a temporary folder and stopped afterwards. A machine
 * without one of them skips its tests with one line saying which package
 * is missing.
 */
#include "harness.h"

#include <criterion/criterion.h>
#include <eddy/eddy.h>
#include <eddy/http/client.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static th_proc peer;
static char dir[256];
static int port, tls_port;
static eddy_http_client *client;

static char *u(const char *scheme, int p, const char *path)
{
    static char buf[4][256];
    static int n;
    char *b = buf[n++ % 4];
    snprintf(b, sizeof buf[0], "%s://127.0.0.1:%d%s", scheme, p, path);
    return b;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static void write_file(const char *name, const char *text, int repeat)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    for (int i = 0; i < repeat; i++)
        fputs(text, f);
    fclose(f);
}

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/eddy-client-peers-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    write_file("hello.txt", "hello from a real server\n", 1);
    write_file("big.txt", "all work and no play makes a dull client\n", 5000);
}

static void cleanup(void)
{
    eddy_http_client_free(client);
    client = NULL;
    eddy_loop_free();
    th_free(&peer);
    if (dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
}

static const char *find_nginx(void)
{
    static const char *where[] = {"/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"};
    for (size_t i = 0; i < 3; i++)
        if (access(where[i], X_OK) == 0)
            return where[i];
    return NULL;
}

/* wait_port - until 127.0.0.1:p accepts (the peer prints nothing). */
static int wait_port(int p)
{
    for (int i = 0; i < 100; i++) {
        int fd = th_connect(p, 100);
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        usleep(50000);
    }
    return -1;
}

struct job {
    eddy_http_request req;
    eddy_http_response *resp;
    int err;
};

static void fetch_task(void *arg)
{
    struct job *j = arg;
    j->err = eddy_http_fetch(client, &j->req, &j->resp);
    eddy_loop_stop();
}

static eddy_http_response *fetch(eddy_http_request req, int *err)
{
    static struct job j;
    j = (struct job){.req = req};
    if (!j.req.request_timeout_ms)
        j.req.request_timeout_ms = 5000;
    cr_assert_not_null(eddy_task_spawn(fetch_task, &j));
    eddy_loop_run();
    *err = j.err;
    cr_assert_not_null(j.resp);
    return j.resp;
}

static eddy_http_response *fetch_ok(eddy_http_request req, int status)
{
    int err;
    eddy_http_response *r = fetch(req, &err);
    cr_assert_eq(err, 0, "%s: %s", req.url, r->error_text);
    cr_expect_eq(r->status, status, "%s: %d", req.url, r->status);
    return r;
}

static eddy_http_client *new_client(const char *ca_file, int insecure)
{
    eddy_http_client_config cfg;
    eddy_http_client_config_defaults(&cfg);
    cfg.ca_file = ca_file;
    cfg.insecure = insecure;
    eddy_http_client *c = eddy_http_client_new(&cfg);
    cr_assert_not_null(c);
    return c;
}

/* ------------------------------------------------------------ nginx */

static void start_nginx(void)
{
    const char *nginx = find_nginx();
    if (!nginx)
        cr_skip("nginx is not installed (Debian package nginx-light): skipping the nginx peer tests");
    char *out = NULL;
    if (access("/usr/bin/openssl", X_OK) != 0)
        cr_skip("openssl is not installed (Debian package openssl): skipping the nginx peer tests");
    make_dir();
    /* A throwaway CA, and a certificate for localhost signed by it. */
    char script[2048];
    snprintf(script, sizeof script,
             "set -e; cd '%s';"
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
             " -keyout ca.key -out ca.pem -subj /CN=eddy-test-ca 2>/dev/null;"
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
             " -keyout srv.key -out srv.csr -subj /CN=localhost 2>/dev/null;"
             "printf 'subjectAltName=DNS:localhost\\n' > ext.cnf;"
             "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1"
             " -extfile ext.cnf -out srv.pem 2>/dev/null",
             dir);
    char *sh[] = {"/bin/sh", "-c", script, NULL};
    int st = th_run(sh, 20000, &out);
    cr_assert_eq(st, 0, "making the test CA failed: %s", out ? out : "");
    free(out);
    port = free_port();
    tls_port = free_port();
    char conf[4096];
    snprintf(conf, sizeof conf,
             "%s worker_processes 1; daemon off; pid %s/nginx.pid; error_log %s/error.log warn;\n"
             "events { worker_connections 256; }\n"
             "http { access_log off; client_body_temp_path %s/body; proxy_temp_path %s/proxy;\n"
             "  fastcgi_temp_path %s/fcgi; uwsgi_temp_path %s/uwsgi; scgi_temp_path %s/scgi;\n"
             "  types { text/plain txt; text/html html; }\n"
             "  gzip on; gzip_types text/plain; gzip_min_length 100;\n"
             "  server { listen 127.0.0.1:%d; root %s; }\n"
             "  server { listen 127.0.0.1:%d ssl; root %s; ssl_certificate %s/srv.pem;\n"
             "           ssl_certificate_key %s/srv.key; }\n"
             "}\n",
             getuid() == 0 ? "user root;" : "", dir, dir, dir, dir, dir, dir, dir, port, dir,
             tls_port, dir, dir, dir);
    write_file("nginx.conf", conf, 1);
    char confpath[300], errlog[300];
    snprintf(confpath, sizeof confpath, "%s/nginx.conf", dir);
    snprintf(errlog, sizeof errlog, "%s/error.log", dir);
    char *argv[] = {(char *)nginx, "-p", dir, "-c", confpath, "-e", errlog, NULL};
    cr_assert_eq(th_start(&peer, argv), 0);
    cr_assert_eq(wait_port(port), 0, "nginx did not start");
    cr_assert_eq(wait_port(tls_port), 0, "nginx's TLS listener did not start");
}

TestSuite(client_nginx, .init = start_nginx, .fini = cleanup, .timeout = 60);

Test(client_nginx, static_files_over_keep_alive)
{
    client = new_client(NULL, 0);
    for (int i = 0; i < 3; i++) {
        eddy_http_response *r = fetch_ok((eddy_http_request){.url = u("http", port, "/hello.txt")}, 200);
        cr_expect_str_eq(r->body, "hello from a real server\n");
        cr_expect_str_eq(eddy_http_response_header(r, "content-type"), "text/plain");
        eddy_http_response_free(r);
    }
    eddy_http_client_stats st;
    eddy_http_client_stats_get(client, &st);
    cr_expect_eq(st.connections, 1, "nginx keeps the connection: one for three requests");
    eddy_http_response *r = fetch_ok((eddy_http_request){.url = u("http", port, "/nowhere")}, 404);
    eddy_http_response_free(r);
    r = fetch_ok((eddy_http_request){.url = u("http", port, "/hello.txt"), .method = "HEAD"}, 200);
    cr_expect_eq(r->body_len, 0);
    cr_expect_str_eq(eddy_http_response_header(r, "content-length"), "25");
    eddy_http_response_free(r);
}

Test(client_nginx, gzip_is_asked_for_and_decoded)
{
    client = new_client(NULL, 0);
    eddy_http_response *r = fetch_ok((eddy_http_request){.url = u("http", port, "/big.txt")}, 200);
    cr_expect_str_eq(eddy_http_response_header(r, "content-encoding"), "gzip");
    cr_expect_eq(r->body_len, 5000 * 41);
    cr_expect_eq(strncmp(r->body, "all work and no play", 20), 0);
    eddy_http_response_free(r);
    r = fetch_ok((eddy_http_request){.url = u("http", port, "/big.txt"), .no_decompress = 1}, 200);
    cr_expect_null(eddy_http_response_header(r, "content-encoding"));
    cr_expect_eq(r->body_len, 5000 * 41);
    eddy_http_response_free(r);
}

Test(client_nginx, tls_with_the_test_ca)
{
    char ca[300];
    snprintf(ca, sizeof ca, "%s/ca.pem", dir);
    client = new_client(ca, 0);
    char url[128];
    snprintf(url, sizeof url, "https://localhost:%d/hello.txt", tls_port);
    eddy_http_response *r = fetch_ok((eddy_http_request){.url = url}, 200);
    cr_expect_str_eq(r->body, "hello from a real server\n");
    eddy_http_response_free(r);
    r = fetch_ok((eddy_http_request){.url = url}, 200);
    cr_expect(r->reused, "TLS connections are pooled too");
    eddy_http_response_free(r);
    /* the certificate names localhost, not 127.0.0.1 */
    int err;
    r = fetch((eddy_http_request){.url = u("https", tls_port, "/hello.txt")}, &err);
    cr_expect_eq(err, EPROTO, "%s", r->error_text);
    cr_expect_not_null(strstr(r->error_text, "certificate verify failed"), "%s", r->error_text);
    eddy_http_response_free(r);
}

Test(client_nginx, tls_is_verified_by_default_and_insecure_is_explicit)
{
    client = new_client(NULL, 0); /* the system's CAs do not know the test CA */
    char url[128];
    snprintf(url, sizeof url, "https://localhost:%d/hello.txt", tls_port);
    int err;
    eddy_http_response *r = fetch((eddy_http_request){.url = url}, &err);
    cr_expect_eq(err, EPROTO);
    cr_expect_not_null(strstr(r->error_text, "certificate verify failed"), "%s", r->error_text);
    eddy_http_response_free(r);
    eddy_http_client_free(client);
    client = new_client(NULL, 1);
    r = fetch_ok((eddy_http_request){.url = u("https", tls_port, "/hello.txt")}, 200);
    cr_expect_str_eq(r->body, "hello from a real server\n");
    eddy_http_response_free(r);
}

Test(client_nginx, a_ca_file_that_does_not_load_is_a_setup_error)
{
    eddy_http_client_config cfg;
    eddy_http_client_config_defaults(&cfg);
    cfg.ca_file = "/nonexistent/ca.pem";
    errno = 0;
    cr_expect_null(eddy_http_client_new(&cfg));
    cr_expect_eq(errno, EINVAL);
}

/* ------------------------------------------------------------ python's http.server */

static void start_python(const char *mode)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        cr_skip("python3 is not installed: skipping the Python peer tests");
    if (strcmp(mode, "tornado") == 0 && system("/usr/bin/python3 -c 'import tornado' 2>/dev/null") != 0)
        cr_skip("Tornado is not installed (Debian package python3-tornado): skipping the Tornado peer tests");
    make_dir();
    char script[300];
    snprintf(script, sizeof script, "%s/../tests/fixtures/client_peers.py", TEST_BUILD_DIR);
    if (access(script, R_OK) != 0) /* a build folder elsewhere: the source tree is the cwd */
        snprintf(script, sizeof script, "tests/fixtures/client_peers.py");
    char *argv[] = {"/usr/bin/python3", script, (char *)mode, dir, NULL};
    if (strcmp(mode, "tornado") == 0)
        argv[3] = NULL;
    cr_assert_eq(th_start_server(&peer, argv, 10000), 0, "%s did not start: %s", mode,
                 peer.output ? peer.output : "");
    port = peer.port;
    client = new_client(NULL, 0);
}

static void start_http_server(void) { start_python("http.server"); }
static void start_tornado(void) { start_python("tornado"); }

TestSuite(client_http_server, .init = start_http_server, .fini = cleanup, .timeout = 60);

Test(client_http_server, http_1_0_files_and_no_keep_alive)
{
    for (int i = 0; i < 2; i++) {
        eddy_http_response *r = fetch_ok((eddy_http_request){.url = u("http", port, "/hello.txt")}, 200);
        cr_expect_str_eq(r->body, "hello from a real server\n");
        cr_expect_eq(r->head.version_minor, 0);
        cr_expect_eq(r->reused, 0, "an HTTP/1.0 server closes after each response");
        eddy_http_response_free(r);
    }
    eddy_http_client_stats st;
    eddy_http_client_stats_get(client, &st);
    cr_expect_eq(st.connections, 2);
    cr_expect_eq(st.idle, 0);
}

Test(client_http_server, a_body_ended_by_the_close)
{
    eddy_http_response *r =
        fetch_ok((eddy_http_request){.url = u("http", port, "/close-delimited/100000")}, 200);
    cr_expect_null(eddy_http_response_header(r, "content-length"));
    cr_expect_eq(r->body_len, 100000);
    eddy_http_response_free(r);
    int err;
    r = fetch((eddy_http_request){.url = u("http", port, "/close-delimited/100000"),
                                  .max_body_bytes = 1000},
              &err);
    cr_expect_eq(err, EMSGSIZE);
    eddy_http_response_free(r);
}

/* ------------------------------------------------------------ tornado */

TestSuite(client_tornado, .init = start_tornado, .fini = cleanup, .timeout = 60);

Test(client_tornado, chunked_bodies)
{
    eddy_http_response *r = fetch_ok((eddy_http_request){.url = u("http", port, "/chunked")}, 200);
    cr_expect_str_eq(eddy_http_response_header(r, "transfer-encoding"), "chunked");
    cr_expect_str_eq(r->body, "piece 0\npiece 1\npiece 2\npiece 3\npiece 4\n");
    eddy_http_response_free(r);
}

Test(client_tornado, redirects_change_the_method_as_each_status_says)
{
    /* 301, 302, 303: a POST becomes a GET without its body */
    int turns_to_get[] = {301, 302, 303};
    for (int i = 0; i < 3; i++) {
        char path[64];
        snprintf(path, sizeof path, "/redirect/%d/2", turns_to_get[i]);
        eddy_http_response *r =
            fetch_ok((eddy_http_request){.url = u("http", port, path), .method = "POST",
                                         .body = "x=1", .body_len = 3},
                     200);
        cr_expect_str_eq(r->body, "arrived by GET\n", "%d", turns_to_get[i]);
        cr_expect_eq(r->redirects, 2);
        eddy_http_response_free(r);
    }
    /* 307, 308: the same method and body, after a relative Location */
    int keep[] = {307, 308};
    for (int i = 0; i < 2; i++) {
        char path[64];
        snprintf(path, sizeof path, "/redirect/%d/3", keep[i]);
        eddy_http_response *r =
            fetch_ok((eddy_http_request){.url = u("http", port, path), .method = "POST",
                                         .body = "x=1", .body_len = 3},
                     200);
        cr_expect_str_eq(r->body, "arrived by POST with 'x=1'\n", "%d", keep[i]);
        char final[64];
        snprintf(final, sizeof final, "/redirect/%d/0", keep[i]);
        cr_expect_str_eq(r->url, u("http", port, final));
        eddy_http_response_free(r);
    }
}

Test(client_tornado, redirect_loops_and_limits)
{
    int err;
    eddy_http_response *r = fetch((eddy_http_request){.url = u("http", port, "/loop/a")}, &err);
    cr_expect_eq(err, ELOOP);
    cr_expect_not_null(strstr(r->error_text, "redirect loop"), "%s", r->error_text);
    eddy_http_response_free(r);
    r = fetch((eddy_http_request){.url = u("http", port, "/redirect/302/6")}, &err);
    cr_expect_eq(err, ELOOP);
    cr_expect_not_null(strstr(r->error_text, "too many redirects"), "%s", r->error_text);
    eddy_http_response_free(r);
    r = fetch_ok((eddy_http_request){.url = u("http", port, "/redirect/302/6"), .max_redirects = 6}, 200);
    eddy_http_response_free(r);
    r = fetch_ok((eddy_http_request){.url = u("http", port, "/redirect/302/1"), .no_follow = 1}, 302);
    cr_expect_str_eq(eddy_http_response_header(r, "location"), "/redirect/302/0");
    eddy_http_response_free(r);
}

Test(client_tornado, bodies_as_form_json_and_bytes_with_headers)
{
    eddy_http_response *r = fetch_ok(
        (eddy_http_request){.url = u("http", port, "/echo"),
                            .form = (const char *[]){"name", "Ada Lovelace", "q", "a&b=c", NULL}},
        200);
    cr_expect_str_eq(r->body, "POST /echo\nContent-Type: application/x-www-form-urlencoded\n"
                              "name=Ada+Lovelace&q=a%26b%3Dc");
    eddy_http_response_free(r);
    json_t *j = json_pack("{s:i}", "n", 42);
    r = fetch_ok((eddy_http_request){.url = u("http", port, "/echo"), .method = "PUT", .json = j}, 200);
    cr_expect_str_eq(r->body, "PUT /echo\nContent-Type: application/json\n{\"n\":42}");
    json_decref(j);
    eddy_http_response_free(r);
    r = fetch_ok((eddy_http_request){.url = u("http", port, "/echo?a=1"),
                                     .headers = (const char *[]){"X-Test: yes", NULL}},
                 200);
    cr_expect_str_eq(r->body, "GET /echo?a=1\nX-Test: yes\n");
    eddy_http_response_free(r);
}

Test(client_tornado, gzip_from_tornado)
{
    eddy_http_response *r = fetch_ok((eddy_http_request){.url = u("http", port, "/big")}, 200);
    cr_expect_str_eq(eddy_http_response_header(r, "content-encoding"), "gzip");
    cr_expect_eq(r->body_len, 2000 * 41);
    eddy_http_response_free(r);
}
