/*
 * Tests of lib/static: an app serving a temporary folder on its own
 * thread, and what a client sees — types, exact bytes, validators and
 * 304s, ranges and 416, HEAD, folders, versioned URLs and their caching,
 * every way of reaching outside the root, a 5 MiB file, and a big
 * download that does not hold up a small request. The server's
 * eddy_send_file, which the module sends bodies with, is tested on its own
 * in static_send_file.
 */
#include "harness.h"
#include "serve_thread.h"

#include <eddy/async/future.h>
#include <eddy/web/handler.h>
#include <eddy/base/log.h>
#include <eddy/web/static.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { BIG = 5 * 1024 * 1024, RESP_CAP = BIG + 65536 };

static char tmp[64]; /* the temporary folder; root/ is served, secret.txt is not */
static char root[128];
static serve_thread st;
static int port; /* the server the tests talk to */
static eddy_app *app;
static eddy_static *files, *cached, *dots, *bare;

/* ------------------------------------------------------------ the folder */

static void put(const char *rel, const void *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void put_str(const char *rel, const char *text)
{
    put(rel, text, strlen(text));
}

static void sub(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s", path);
}

static void link_to(const char *target, const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    cr_assert_eq(symlink(target, path), 0, "symlink %s", path);
}

static unsigned char big_byte(size_t i)
{
    return (unsigned char)((i * 7 + i / 4093) & 0xff);
}

static void make_tree(void)
{
    strcpy(tmp, "/tmp/eddy-static-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(root, sizeof root, "%s/root", tmp);
    sub("root");
    put_str("secret.txt", "TOP SECRET\n");
    put_str("root/hello.txt", "Hello, static!\n");
    put_str("root/index.html", "<h1>home</h1>\n");
    const char *names[] = {"page.html", "app.css",     "app.js",     "mod.mjs",    "data.json",
                           "pic.svg",   "img.png",     "photo.jpg",  "photo.JPEG", "anim.gif",
                           "img.webp",  "favicon.ico", "doc.xml",    "font.woff",  "font.woff2",
                           "doc.pdf",   "mod.wasm",    "app.js.map", "blob.bin",   "noext",
                           "notes.txt"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "root/%s", names[i]);
        put_str(rel, "body {}\n");
    }
    put("root/empty.txt", "", 0);
    sub("root/sub");
    put_str("root/sub/index.html", "<h1>sub</h1>\n");
    sub("root/sub/deeper");
    put_str("root/sub/deeper/x.txt", "x\n");
    put_str("root/.env", "PASSWORD=1\n");
    sub("root/.hidden");
    put_str("root/.hidden/file.txt", "hidden\n");
    put_str("root/%2e%2e", "a file named %2e%2e\n");
    link_to("../secret.txt", "root/link_out");
    link_to("..", "root/dir_out");
    link_to(".env", "root/link_to_dotfile");
    link_to("hello.txt", "root/link_in");
    char fifo[256];
    snprintf(fifo, sizeof fifo, "%s/root/pipe", tmp);
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    unsigned char *big = malloc(BIG);
    cr_assert_not_null(big);
    for (size_t i = 0; i < BIG; i++)
        big[i] = big_byte(i);
    put("root/big.bin", big, BIG);
    free(big);
}

static void remove_tree(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (tmp[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
}

/* ------------------------------------------------------------ the app */

static void page_get(eddy_req *r)
{
    const char *url = eddy_static_url(r, eddy_get_argument(r, "f", "app.css"));
    eddy_writef(r, "<link href=\"%s\">\n", url ? url : "(null)");
}

static void ping_get(eddy_req *r)
{
    eddy_write_str(r, "pong\n");
}

static const eddy_handler page = {.get = page_get};
static const eddy_handler ping = {.get = ping_get};

static void start(void)
{
    make_tree();
    eddy_log_set_level(EDDY_LOG_ERROR);
    app = eddy_app_new();
    cr_assert_not_null(files = eddy_static_new(root, NULL));
    eddy_static_options o = {.max_age = 3600};
    cr_assert_not_null(cached = eddy_static_new(root, &o));
    o = (eddy_static_options){.serve_dotfiles = true};
    cr_assert_not_null(dots = eddy_static_new(root, &o));
    o = (eddy_static_options){.default_filename = ""};
    cr_assert_not_null(bare = eddy_static_new(root, &o));
    cr_assert_eq(eddy_static_route(app, "/static/(.*)", files, "static"), 0);
    cr_assert_eq(eddy_static_route(app, "/cached/(.*)", cached, NULL), 0);
    cr_assert_eq(eddy_static_route(app, "/dots/(.*)", dots, NULL), 0);
    cr_assert_eq(eddy_static_route(app, "/bare/(.*)", bare, NULL), 0);
    cr_assert_eq(eddy_route(app, "/page", &page, NULL), 0);
    cr_assert_eq(eddy_route(app, "/ping", &ping, NULL), 0);
    cr_assert_eq(eddy_app_static(app), files, "the first static routed is the app's");
    serve_thread_init(&st);
    st.app = app;
    cr_assert_eq(serve_thread_start(&st), 0);
    port = st.port;
}

static void stop(void)
{
    serve_thread_stop(&st);
    eddy_app_free(app);
    eddy_static_free(files);
    eddy_static_free(cached);
    eddy_static_free(dots);
    eddy_static_free(bare);
    eddy_thread_pool_shutdown();
    remove_tree();
}

TestSuite(static, .init = start, .fini = stop, .timeout = 60);

/* ------------------------------------------------------------ the client */

typedef struct resp {
    int status;
    char head[8192]; /* NUL-terminated, ends with the blank line */
    char *body;      /* malloc'd, NUL-terminated */
    size_t body_len;
    int closed; /* the server closed the connection after it */
} resp;

static int recv_some(int fd, char *buf, size_t cap, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0)
        return -1;
    ssize_t n = recv(fd, buf, cap, 0);
    return n < 0 ? -1 : (int)n;
}

/* read_response - one response from fd: its head, then Content-Length
 * bytes (none for HEAD, 304), or to EOF when there is no length. */
static void read_response(int fd, resp *out, int is_head)
{
    memset(out, 0, sizeof *out);
    size_t have = 0;
    char *end = NULL;
    while (!(end = strstr(out->head, "\r\n\r\n"))) {
        cr_assert_lt(have, sizeof out->head - 1, "head too long");
        int n = recv_some(fd, out->head + have, 1, 10000); /* byte by byte: never past the head */
        cr_assert_gt(n, 0, "no complete head; got:\n%s", out->head);
        have += (size_t)n;
        out->head[have] = '\0';
    }
    end[4] = '\0';
    cr_assert_eq(sscanf(out->head, "HTTP/1.1 %d", &out->status), 1, "%s", out->head);
    const char *cl = strcasestr(out->head, "\r\nContent-Length: ");
    long long want = -1;
    if (cl && !is_head)
        want = atoll(cl + 18);
    if (is_head || out->status == 304 || out->status == 204)
        want = 0;
    size_t cap = want >= 0 ? (size_t)want + 1 : RESP_CAP;
    out->body = malloc(cap);
    cr_assert_not_null(out->body);
    while (want < 0 || out->body_len < (size_t)want) {
        int n = recv_some(fd, out->body + out->body_len, cap - 1 - out->body_len, 10000);
        if (n <= 0) {
            out->closed = 1;
            break;
        }
        out->body_len += (size_t)n;
        cr_assert_lt(out->body_len, cap);
    }
    out->body[out->body_len] = '\0';
}

static void resp_free(resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* header - the value of a response header (in a static buffer), or NULL. */
static const char *header(const resp *r, const char *name)
{
    static char value[512];
    char key[128];
    snprintf(key, sizeof key, "\r\n%s: ", name);
    const char *p = strcasestr(r->head, key);
    if (!p)
        return NULL;
    p += strlen(key);
    size_t n = strcspn(p, "\r");
    snprintf(value, sizeof value, "%.*s", (int)n, p);
    return value;
}

/* request - method target with extra header lines, on a new connection. */
static resp request(const char *method, const char *target, const char *extra)
{
    char raw[4096];
    snprintf(raw, sizeof raw, "%s %s HTTP/1.1\r\nHost: t\r\n%sConnection: close\r\n\r\n", method,
             target, extra ? extra : "");
    int fd = th_connect(port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send_str(fd, raw), 0);
    resp r;
    read_response(fd, &r, strcmp(method, "HEAD") == 0);
    close(fd);
    return r;
}

static resp get(const char *target)
{
    return request("GET", target, NULL);
}

#define assert_header(r, name, expected)                                                           \
    do {                                                                                           \
        const char *v_ = header(&(r), name);                                                       \
        cr_assert(v_ &&strcmp(v_, expected) == 0, "%s: expected \"%s\", got \"%s\" in:\n%s", name, \
                  expected, v_ ? v_ : "(none)", (r).head);                                         \
    } while (0)

/* ------------------------------------------------------------ content */

Test(static, serves_exact_bytes_with_validators)
{
    resp r = get("/static/hello.txt");
    cr_assert_eq(r.status, 200, "%s", r.head);
    cr_assert_eq(r.body_len, 15);
    cr_assert_str_eq(r.body, "Hello, static!\n");
    assert_header(r, "Content-Type", "text/plain; charset=UTF-8");
    assert_header(r, "Content-Length", "15");
    assert_header(r, "Accept-Ranges", "bytes");
    assert_header(r, "Cache-Control", "no-cache");
    const char *etag = header(&r, "ETag");
    cr_assert(etag && etag[0] == '"' && etag[strlen(etag) - 1] == '"', "strong ETag: %s", r.head);
    cr_assert_not_null(header(&r, "Last-Modified"));
    cr_assert_null(header(&r, "Content-Encoding"));
    resp_free(&r);

    r = get("/static/empty.txt");
    cr_assert_eq(r.status, 200);
    assert_header(r, "Content-Length", "0");
    resp_free(&r);

    r = get("/static/link_in"); /* a symlink that stays inside the root is fine */
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "Hello, static!\n");
    resp_free(&r);
}

/* Parameters are copied into each test's process: arrays, not pointers. */
struct type_case {
    char file[32], type[48];
};

ParameterizedTestParameters(static, content_type_by_extension)
{
    static struct type_case cases[] = {
        {"page.html", "text/html; charset=UTF-8"},
        {"app.css", "text/css; charset=UTF-8"},
        {"app.js", "text/javascript; charset=UTF-8"},
        {"mod.mjs", "text/javascript; charset=UTF-8"},
        {"data.json", "application/json; charset=UTF-8"},
        {"app.js.map", "application/json; charset=UTF-8"},
        {"notes.txt", "text/plain; charset=UTF-8"},
        {"doc.xml", "application/xml; charset=UTF-8"},
        {"pic.svg", "image/svg+xml; charset=UTF-8"},
        {"img.png", "image/png"},
        {"photo.jpg", "image/jpeg"},
        {"photo.JPEG", "image/jpeg"},
        {"anim.gif", "image/gif"},
        {"img.webp", "image/webp"},
        {"favicon.ico", "image/x-icon"},
        {"font.woff", "font/woff"},
        {"font.woff2", "font/woff2"},
        {"doc.pdf", "application/pdf"},
        {"mod.wasm", "application/wasm"},
        {"blob.bin", "application/octet-stream"},
        {"noext", "application/octet-stream"},
    };
    return cr_make_param_array(struct type_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct type_case *c, static, content_type_by_extension)
{
    char target[128];
    snprintf(target, sizeof target, "/static/%s", c->file);
    resp r = get(target);
    cr_assert_eq(r.status, 200, "%s: %s", c->file, r.head);
    assert_header(r, "Content-Type", c->type);
    assert_header(r, "X-Content-Type-Options", "nosniff");
    cr_assert_str_eq(r.body, "body {}\n");
    resp_free(&r);
}

Test(static, missing_files_are_404)
{
    const char *targets[] = {"/static/nope.txt", "/static/sub/nope.txt", "/static/hello.txt/",
                             "/static/pipe"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        resp r = get(targets[i]);
        cr_assert_eq(r.status, 404, "%s: %s", targets[i], r.head);
        resp_free(&r);
    }
}

/* ------------------------------------------------------------ validators */

Test(static, if_none_match_gets_304)
{
    resp r = get("/static/hello.txt");
    char etag[128], line[256];
    snprintf(etag, sizeof etag, "%s", header(&r, "ETag"));
    resp_free(&r);

    snprintf(line, sizeof line, "If-None-Match: %s\r\n", etag);
    r = request("GET", "/static/hello.txt", line);
    cr_assert_eq(r.status, 304, "%s", r.head);
    cr_assert_eq(r.body_len, 0);
    assert_header(r, "ETag", etag);
    cr_assert_null(header(&r, "Content-Length"));
    resp_free(&r);

    snprintf(line, sizeof line, "If-None-Match: \"other\", W/%s\r\n", etag); /* weak comparison */
    r = request("GET", "/static/hello.txt", line);
    cr_assert_eq(r.status, 304, "%s", r.head);
    resp_free(&r);

    r = request("GET", "/static/hello.txt", "If-None-Match: *\r\n");
    cr_assert_eq(r.status, 304);
    resp_free(&r);

    r = request("GET", "/static/hello.txt", "If-None-Match: \"stale\"\r\n");
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "Hello, static!\n");
    resp_free(&r);

    r = request("HEAD", "/static/hello.txt", line);
    cr_assert_eq(r.status, 304);
    resp_free(&r);
}

Test(static, if_modified_since_gets_304)
{
    resp r = get("/static/hello.txt");
    char modified[128], line[256];
    snprintf(modified, sizeof modified, "%s", header(&r, "Last-Modified"));
    resp_free(&r);

    snprintf(line, sizeof line, "If-Modified-Since: %s\r\n", modified);
    r = request("GET", "/static/hello.txt", line);
    cr_assert_eq(r.status, 304, "%s", r.head);
    cr_assert_eq(r.body_len, 0);
    resp_free(&r);

    r = request("GET", "/static/hello.txt", "If-Modified-Since: Thu, 01 Jan 2099 00:00:00 GMT\r\n");
    cr_assert_eq(r.status, 304);
    resp_free(&r);
    /* the two obsolete forms a server must still read */
    r = request("GET", "/static/hello.txt",
                "If-Modified-Since: Thursday, 01-Jan-65 00:00:00 GMT\r\n");
    cr_assert_eq(r.status, 304, "RFC 850 date, two-digit year 2065: %s", r.head);
    resp_free(&r);
    r = request("GET", "/static/hello.txt", "If-Modified-Since: Thu Jan  1 00:00:00 2099\r\n");
    cr_assert_eq(r.status, 304, "asctime date: %s", r.head);
    resp_free(&r);

    r = request("GET", "/static/hello.txt", "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n");
    cr_assert_eq(r.status, 200, "the file is newer");
    resp_free(&r);
    r = request("GET", "/static/hello.txt", "If-Modified-Since: yesterday\r\n");
    cr_assert_eq(r.status, 200, "a date that does not parse is ignored");
    resp_free(&r);

    /* If-None-Match decides when both are sent */
    snprintf(line, sizeof line, "If-None-Match: \"stale\"\r\nIf-Modified-Since: %s\r\n", modified);
    r = request("GET", "/static/hello.txt", line);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
}

/* ------------------------------------------------------------ ranges */

struct range_case {
    char range[48];
    int status;
    char content_range[32], body[32];
};

ParameterizedTestParameters(static, ranges)
{
    /* hello.txt is "Hello, static!\n", 15 bytes */
    static struct range_case cases[] = {
        {"bytes=0-4", 206, "bytes 0-4/15", "Hello"},
        {"bytes=7-", 206, "bytes 7-14/15", "static!\n"},
        {"bytes=-8", 206, "bytes 7-14/15", "static!\n"},
        {"bytes=7-1000", 206, "bytes 7-14/15", "static!\n"},
        {"bytes=-1000", 206, "bytes 0-14/15", "Hello, static!\n"},
        {"bytes=14-14", 206, "bytes 14-14/15", "\n"},
        {"bytes=0-0,2-3", 200, "", "Hello, static!\n"}, /* several: the whole file */
        {"bytes=5-2", 200, "", "Hello, static!\n"},     /* invalid: ignored */
        {"lines=1-2", 200, "", "Hello, static!\n"},     /* another unit: ignored */
        {"bytes=15-", 416, "bytes */15", ""},
        {"bytes=100-200", 416, "bytes */15", ""},
        {"bytes=-0", 416, "bytes */15", ""},
        {"bytes=99999999999999999999999-", 416, "bytes */15", ""},
    };
    return cr_make_param_array(struct range_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct range_case *c, static, ranges)
{
    char line[128];
    snprintf(line, sizeof line, "Range: %s\r\n", c->range);
    resp r = request("GET", "/static/hello.txt", line);
    cr_assert_eq(r.status, c->status, "%s: %s", c->range, r.head);
    if (*c->content_range)
        assert_header(r, "Content-Range", c->content_range);
    else
        cr_assert_null(header(&r, "Content-Range"), "%s", r.head);
    cr_assert_str_eq(r.body, c->body, "%s", c->range);
    resp_free(&r);
}

Test(static, range_edge_cases)
{
    resp r = request("GET", "/static/empty.txt", "Range: bytes=0-\r\n");
    cr_assert_eq(r.status, 416, "nothing to satisfy in an empty file");
    assert_header(r, "Content-Range", "bytes */0");
    resp_free(&r);

    r = request("HEAD", "/static/hello.txt", "Range: bytes=0-4\r\n");
    cr_assert_eq(r.status, 206);
    assert_header(r, "Content-Length", "5");
    resp_free(&r);

    r = get("/static/hello.txt");
    char etag[128], modified[128], line[512];
    snprintf(etag, sizeof etag, "%s", header(&r, "ETag"));
    snprintf(modified, sizeof modified, "%s", header(&r, "Last-Modified"));
    resp_free(&r);
    snprintf(line, sizeof line, "Range: bytes=0-4\r\nIf-Range: %s\r\n", etag);
    r = request("GET", "/static/hello.txt", line);
    cr_assert_eq(r.status, 206, "If-Range with the current ETag");
    resp_free(&r);
    snprintf(line, sizeof line, "Range: bytes=0-4\r\nIf-Range: %s\r\n", modified);
    r = request("GET", "/static/hello.txt", line);
    cr_assert_eq(r.status, 206, "If-Range with the current date");
    resp_free(&r);
    r = request("GET", "/static/hello.txt", "Range: bytes=0-4\r\nIf-Range: \"old\"\r\n");
    cr_assert_eq(r.status, 200, "If-Range with an old ETag: the whole file");
    cr_assert_str_eq(r.body, "Hello, static!\n");
    resp_free(&r);
}

/* ------------------------------------------------------------ HEAD, folders */

Test(static, head_has_the_headers_without_the_body)
{
    resp r = request("HEAD", "/static/big.bin", NULL);
    cr_assert_eq(r.status, 200);
    assert_header(r, "Content-Length", "5242880");
    assert_header(r, "Content-Type", "application/octet-stream");
    cr_assert_not_null(header(&r, "ETag"));
    cr_assert_eq(r.body_len, 0);
    resp_free(&r);
}

Test(static, folders_serve_index_and_redirect_to_their_slash)
{
    resp r = get("/static/sub/");
    cr_assert_eq(r.status, 200, "%s", r.head);
    cr_assert_str_eq(r.body, "<h1>sub</h1>\n");
    assert_header(r, "Content-Type", "text/html; charset=UTF-8");
    resp_free(&r);

    r = get("/static/");
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "<h1>home</h1>\n");
    resp_free(&r);

    r = get("/static/sub");
    cr_assert_eq(r.status, 301, "%s", r.head);
    assert_header(r, "Location", "/static/sub/");
    resp_free(&r);

    r = get("/static/sub?x=1");
    cr_assert_eq(r.status, 301);
    assert_header(r, "Location", "/static/sub/?x=1");
    resp_free(&r);

    r = get("/static/sub/deeper/");
    cr_assert_eq(r.status, 404, "a folder without index.html");
    resp_free(&r);

    r = get("/bare/sub/");
    cr_assert_eq(r.status, 403, "no default file configured: folders are refused");
    resp_free(&r);
}

/* ------------------------------------------------------------ versioned URLs */

static void sha256_prefix(const char *rel, char hex[17])
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(ctx, buf, n);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

Test(static, versioned_urls_carry_the_content_hash_and_are_cached_long)
{
    char hex[17], expected[128];
    sha256_prefix("app.css", hex);
    snprintf(expected, sizeof expected, "<link href=\"/static/app.css?v=%s\">\n", hex);
    resp r = get("/page");
    cr_assert_str_eq(r.body, expected);
    resp_free(&r);
    r = get("/page"); /* from the cache now: the same */
    cr_assert_str_eq(r.body, expected);
    resp_free(&r);

    char target[128];
    snprintf(target, sizeof target, "/static/app.css?v=%s", hex);
    r = get(target);
    cr_assert_eq(r.status, 200);
    assert_header(r, "Cache-Control", "public, max-age=31536000, immutable");
    resp_free(&r);

    r = get("/cached/app.css");
    assert_header(r, "Cache-Control", "public, max-age=3600");
    resp_free(&r);

    r = get("/page?f=/sub/index.html"); /* a leading slash is forgiven */
    sha256_prefix("sub/index.html", hex);
    snprintf(expected, sizeof expected, "<link href=\"/static/sub/index.html?v=%s\">\n", hex);
    cr_assert_str_eq(r.body, expected);
    resp_free(&r);

    r = get("/page?f=missing.css");
    cr_assert_str_eq(r.body, "<link href=\"/static/missing.css\">\n",
                     "no version for a missing file");
    resp_free(&r);
    r = get("/page?f=../secret.txt");
    cr_assert_str_eq(r.body, "<link href=\"/static/../secret.txt\">\n", "nor for one outside");
    resp_free(&r);
    r = get("/page?f=a%20b%26c.css");
    cr_assert_str_eq(r.body, "<link href=\"/static/a%20b%26c.css\">\n", "segments are escaped");
    resp_free(&r);
}

Test(static, url_without_a_request_and_debug_recomputes)
{
    /* its own folder: this test changes a file */
    char dir[64] = "/tmp/eddy-static-v-XXXXXX", path[128];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/app.js", dir);
    FILE *f = fopen(path, "w");
    fputs("one", f);
    fclose(f);
    eddy_static_options o = {.debug = true, .url_prefix = "/s/"};
    eddy_static *debug = eddy_static_new(dir, &o), *plain = eddy_static_new(dir, NULL);
    cr_assert(debug && plain);

    eddy_buf a = EDDY_BUF_INIT, b = EDDY_BUF_INIT, c = EDDY_BUF_INIT, d = EDDY_BUF_INIT;
    cr_assert_eq(eddy_static_url_to(debug, "app.js", &a), 0);
    cr_assert_eq(eddy_static_url_to(plain, "app.js", &b), 0);
    cr_assert_eq(strncmp(a.data, "/s/app.js?v=", 12), 0, "%s", a.data);
    cr_assert_eq(strlen(a.data), 12 + 16);
    cr_assert_str_eq(a.data + 3, b.data + 8, "same file, same version");

    f = fopen(path, "w");
    fputs("two, longer", f); /* the size changes, so the change shows even within one mtime tick */
    fclose(f);
    cr_assert_eq(eddy_static_url_to(debug, "app.js", &c), 0);
    cr_assert_eq(eddy_static_url_to(plain, "app.js", &d), 0);
    cr_assert_str_neq(a.data, c.data, "debug mode notices the change");
    cr_assert_str_eq(b.data, d.data, "otherwise the first hash stays");

    eddy_buf_free(&a);
    eddy_buf_free(&b);
    eddy_buf_free(&c);
    eddy_buf_free(&d);
    eddy_static_free(debug);
    eddy_static_free(plain);
    unlink(path);
    rmdir(dir);
}

Test(static, new_refuses_a_root_that_is_not_a_folder)
{
    eddy_log_set_level(EDDY_LOG_NONE); /* the two errors below are expected */
    errno = 0;
    cr_assert_null(eddy_static_new("/nonexistent/eddy/root", NULL));
    cr_assert_eq(errno, ENOENT);
    char path[256];
    snprintf(path, sizeof path, "%s/hello.txt", root);
    cr_assert_null(eddy_static_new(path, NULL));
    cr_assert_eq(errno, ENOTDIR);
    cr_assert_str_eq(eddy_content_type_for_path("x/y.CSS"), "text/css; charset=UTF-8");
    cr_assert_str_eq(eddy_content_type_for_path(".css"), "application/octet-stream");
    cr_assert_str_eq(eddy_content_type_for_path("a.d/b"), "application/octet-stream");
}

Test(static_parse, range_and_date_headers_on_their_own)
{
    uint64_t a, b;
    cr_assert_eq(eddy_parse_range("bytes=0-0", 1, &a, &b), 1);
    cr_assert(a == 0 && b == 0);
    cr_assert_eq(eddy_parse_range(" bytes = -5", 3, &a, &b), 0, "no space after the unit's =");
    cr_assert_eq(eddy_parse_range("bytes=-5", 3, &a, &b), 1);
    cr_assert(a == 0 && b == 2);
    cr_assert_eq(eddy_parse_range("BYTES=1-1", 3, &a, &b), 1);
    cr_assert_eq(eddy_parse_range("bytes=1-1 x", 3, &a, &b), 0);
    cr_assert_eq(eddy_parse_range("bytes=", 3, &a, &b), 0);
    cr_assert_eq(eddy_parse_range("bytes=-", 3, &a, &b), 0);
    cr_assert_eq(eddy_parse_range("bytes=3-", 3, &a, &b), -1);
    cr_assert_eq(eddy_parse_range("bytes=0-18446744073709551615", 3, &a, &b), 1);
    cr_assert(a == 0 && b == 2);

    time_t t;
    cr_assert_eq(eddy_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", &t), 0);
    cr_assert_eq(t, 784111777);
    cr_assert_eq(eddy_parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);
    cr_assert_eq(t, 784111777);
    cr_assert_eq(eddy_parse_http_date("Sun Nov  6 08:49:37 1994", &t), 0);
    cr_assert_eq(t, 784111777);
    cr_assert_eq(eddy_parse_http_date("Sun, 06 Nov 1994 08:49:37", &t), -1, "no zone");
    cr_assert_eq(eddy_parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT", &t), -1);
    cr_assert_eq(eddy_parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT", &t), -1);
    cr_assert_eq(eddy_parse_http_date("", &t), -1);
}

/* ------------------------------------------------------------ the root is a wall */

struct escape_case {
    char target[64];
    int status;
};

ParameterizedTestParameters(static, never_serves_outside_the_root)
{
    static struct escape_case cases[] = {
        {"/static/../secret.txt", 403},
        {"/static/sub/../../secret.txt", 403},
        {"/static/sub/../hello.txt", 403}, /* even when it would stay inside */
        {"/static/./hello.txt", 403},
        {"/static/%2e%2e/secret.txt", 403},
        {"/static/%2E%2E/secret.txt", 403},
        {"/static/.%2e/secret.txt", 403},
        {"/static/..%2fsecret.txt", 403},
        {"/static/sub%2f..%2f..%2fsecret.txt", 403},
        {"/static/%252e%252e/secret.txt", 404}, /* decoded once: a name, not a parent */
        {"/static/..%5csecret.txt", 403},       /* backslash */
        {"/static/sub%5c..%5c..%5csecret.txt", 403},
        {"/static/hello.txt%00.png", 400}, /* NUL: refused before the handler */
        {"/static/%00", 400},
        {"/static//etc/passwd", 403}, /* absolute */
        {"/static/%2fetc%2fpasswd", 403},
        {"/static/link_out", 403},           /* symlink to a file outside */
        {"/static/dir_out/secret.txt", 403}, /* symlink to a folder outside */
        {"/static/.env", 404},               /* dotfiles look absent */
        {"/static/.hidden/file.txt", 404},
        {"/static/%2eenv", 404},
        {"/static/link_to_dotfile", 404},
        {"/static/%zz", 400}, /* not percent-encoding at all */
    };
    return cr_make_param_array(struct escape_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct escape_case *c, static, never_serves_outside_the_root)
{
    resp r = get(c->target);
    cr_assert_eq(r.status, c->status, "%s: %s", c->target, r.head);
    cr_assert_null(strstr(r.body, "SECRET"), "%s leaked:\n%s", c->target, r.body);
    cr_assert_null(strstr(r.body, "PASSWORD"), "%s leaked:\n%s", c->target, r.body);
    cr_assert_null(strstr(r.body, "root:"), "%s leaked:\n%s", c->target, r.body);
    resp_free(&r);
}

Test(static, dotfiles_when_allowed_and_literal_percent_names)
{
    resp r = get("/dots/.env");
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, "PASSWORD=1\n");
    resp_free(&r);
    r = get("/dots/../secret.txt");
    cr_assert_eq(r.status, 403, "dotfiles allowed, parents still not");
    resp_free(&r);
    r = get("/static/dir_out/root/hello.txt");
    cr_assert_eq(r.status, 200, "out through a symlink and back in: it resolves inside");
    resp_free(&r);
    r = get("/static/%252e%252e");
    cr_assert_eq(r.status, 200, "a file really named %%2e%%2e");
    cr_assert_str_eq(r.body, "a file named %2e%2e\n");
    resp_free(&r);
}

/* ------------------------------------------------------------ big files */

static void assert_big(const resp *r, size_t offset, size_t len)
{
    cr_assert_eq(r->body_len, len);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)r->body[i] != big_byte(offset + i))
            cr_assert_fail("byte %zu differs", offset + i);
}

Test(static, five_mebibytes_arrive_intact)
{
    resp r = get("/static/big.bin");
    cr_assert_eq(r.status, 200);
    assert_header(r, "Content-Length", "5242880");
    assert_big(&r, 0, BIG);
    resp_free(&r);

    r = request("GET", "/static/big.bin", "Range: bytes=3000000-3999999\r\n");
    cr_assert_eq(r.status, 206);
    assert_header(r, "Content-Range", "bytes 3000000-3999999/5242880");
    assert_big(&r, 3000000, 1000000);
    resp_free(&r);
}

Test(static, keep_alive_after_a_file)
{
    int fd = th_connect(port, 2000);
    cr_assert_geq(fd, 0);
    /* pipelined: a file, a page, a 304, a file again */
    th_send_str(fd, "GET /static/hello.txt HTTP/1.1\r\nHost: t\r\n\r\n"
                    "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n"
                    "GET /static/hello.txt HTTP/1.1\r\nHost: t\r\nIf-None-Match: *\r\n\r\n"
                    "GET /static/sub/ HTTP/1.1\r\nHost: t\r\n\r\n");
    resp r;
    read_response(fd, &r, 0);
    cr_assert_str_eq(r.body, "Hello, static!\n");
    resp_free(&r);
    read_response(fd, &r, 0);
    cr_assert_str_eq(r.body, "pong\n");
    resp_free(&r);
    read_response(fd, &r, 0);
    cr_assert_eq(r.status, 304);
    resp_free(&r);
    read_response(fd, &r, 0);
    cr_assert_str_eq(r.body, "<h1>sub</h1>\n");
    cr_assert_eq(r.closed, 0);
    resp_free(&r);
    close(fd);
}

Test(static, a_big_download_does_not_hold_up_a_small_request)
{
    /* A client with a small window that stops reading: its download waits
     * on the socket, and the loop goes on serving others meanwhile. */
    int slow = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(connect(slow, (struct sockaddr *)&a, sizeof a), 0);
    th_send_str(slow, "GET /static/big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    size_t total = 0, cap = RESP_CAP;
    char *all = malloc(cap);
    cr_assert_not_null(all);
    int n = recv_some(slow, all, 512, 5000); /* the download has begun */
    cr_assert_gt(n, 0);
    total = (size_t)n;

    for (int i = 0; i < 5; i++) {
        long long t0 = th_now_ms();
        resp r = get("/static/hello.txt");
        long long ms = th_now_ms() - t0;
        cr_assert_eq(r.status, 200);
        cr_assert_lt(ms, 2000 + th_slack_ms(), "a small file took %lld ms during a big download", ms);
        resp_free(&r);
    }

    /* and the big one still arrives whole */
    while ((n = recv_some(slow, all + total, cap - 1 - total, 10000)) > 0)
        total += (size_t)n;
    close(slow);
    all[total] = '\0';
    char *body = strstr(all, "\r\n\r\n");
    cr_assert_not_null(body);
    body += 4;
    resp r = {.body = body, .body_len = total - (size_t)(body - all)};
    assert_big(&r, 0, BIG);
    free(all);
}

Test(static, clients_leaving_mid_download_cost_nothing)
{
    for (int i = 0; i < 8; i++) {
        int fd = th_connect(port, 2000);
        cr_assert_geq(fd, 0);
        th_send_str(fd, "GET /static/big.bin HTTP/1.1\r\nHost: t\r\n\r\n");
        char some[256];
        if (i % 2)
            cr_assert_gt(recv_some(fd, some, sizeof some, 5000), 0);
        close(fd); /* half of them before the first byte, half after */
    }
    resp r = get("/ping");
    cr_assert_str_eq(r.body, "pong\n");
    resp_free(&r);
    r = get("/static/big.bin");
    assert_big(&r, 0, BIG);
    resp_free(&r);
}

/* ------------------------------------------------------------ eddy_send_file */

static serve_thread raw_st;
static char raw_file[128];

static void send_file_fn(eddy_req *r, void *arg)
{
    (void)arg;
    int fd = open(raw_file, O_RDONLY | O_CLOEXEC);
    eddy_str path = eddy_request_path(r);
    int rc;
    if (eddy_str_case_eq(path, "/whole")) {
        rc = eddy_send_file(r, fd, 0, 26);
    } else if (eddy_str_case_eq(path, "/part")) {
        eddy_response_status(r, 206);
        rc = eddy_send_file(r, fd, 3, 5);
    } else if (eddy_str_case_eq(path, "/short")) {
        rc = eddy_send_file(r, fd, 20, 100); /* 6 bytes are all there is */
        cr_assert_eq(rc, EIO);
    } else {
        eddy_write_str(r, "first ");
        rc = eddy_send_file(r, fd, 0, 26);
        eddy_writef(r, "then %s\n", rc == EINVAL ? "EINVAL" : "?");
        rc = 0;
    }
    if (rc && rc != EIO)
        fprintf(stderr, "eddy_send_file: %s\n", strerror(rc));
    close(fd);
}

static void raw_start(void)
{
    strcpy(tmp, "/tmp/eddy-sendfile-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(raw_file, sizeof raw_file, "%s/abc", tmp);
    put_str("abc", "abcdefghijklmnopqrstuvwxyz");
    serve_thread_init(&raw_st);
    raw_st.fn = send_file_fn;
    cr_assert_eq(serve_thread_start(&raw_st), 0);
    port = raw_st.port;
}

static void raw_stop(void)
{
    serve_thread_stop(&raw_st);
    eddy_thread_pool_shutdown();
    remove_tree();
}

TestSuite(static_send_file, .init = raw_start, .fini = raw_stop, .timeout = 30);

Test(static_send_file, sends_a_span_with_its_length)
{
    resp r = get("/whole");
    cr_assert_eq(r.status, 200);
    assert_header(r, "Content-Length", "26");
    cr_assert_null(header(&r, "Transfer-Encoding"));
    cr_assert_str_eq(r.body, "abcdefghijklmnopqrstuvwxyz");
    resp_free(&r);

    r = get("/part");
    cr_assert_eq(r.status, 206);
    assert_header(r, "Content-Length", "5");
    cr_assert_str_eq(r.body, "defgh");
    resp_free(&r);

    r = request("HEAD", "/whole", NULL);
    assert_header(r, "Content-Length", "26");
    cr_assert_eq(r.body_len, 0);
    resp_free(&r);
}

Test(static_send_file, keeps_the_connection_for_the_next_request)
{
    int fd = th_connect(port, 2000);
    cr_assert_geq(fd, 0);
    th_send_str(fd, "GET /whole HTTP/1.1\r\nHost: t\r\n\r\nGET /part HTTP/1.1\r\nHost: t\r\n\r\n");
    resp r;
    read_response(fd, &r, 0);
    cr_assert_str_eq(r.body, "abcdefghijklmnopqrstuvwxyz");
    resp_free(&r);
    read_response(fd, &r, 0);
    cr_assert_str_eq(r.body, "defgh");
    resp_free(&r);
    close(fd);
}

Test(static_send_file, a_file_shorter_than_promised_closes_the_connection)
{
    int fd = th_connect(port, 2000);
    cr_assert_geq(fd, 0);
    th_send_str(fd, "GET /short HTTP/1.1\r\nHost: t\r\n\r\n");
    resp r;
    read_response(fd, &r, 0);
    assert_header(r, "Content-Length", "100");
    cr_assert_str_eq(r.body, "uvwxyz");
    cr_assert_eq(r.closed, 1, "a short body must end the connection");
    resp_free(&r);
    close(fd);
}

Test(static_send_file, refuses_after_body_bytes_were_written)
{
    resp r = get("/late");
    cr_assert_str_eq(r.body, "first then EINVAL\n");
    resp_free(&r);
}
