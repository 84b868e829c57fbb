/*
 * Tests of lib/web/body: one field access for urlencoded, multipart and
 * JSON bodies, uploads in memory and spooled to disk (and removed when
 * the request ends), saving them, sanitised file names, the answer on the
 * wire for each limit, bodies sent by curl and by Python's urllib, and
 * the content sniffer (lib/base/sniff).
 */
#include "harness.h"
#include "serve_thread.h"

#include <eddy/base/buf.h>
#include <eddy/base/sniff.h>
#include <eddy/web/body.h>
#include <eddy/web/handler.h>

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static serve_thread st;
static eddy_app *app;
static char spool_dir[64], save_dir[64];
static char last_spool[512]; /* the spool path the last /spool request saw */

/* show_post - every field asked for in ?names=a,b and every upload of
 * "file", one line each, in a form a test can compare. */
static void show_post(eddy_req *r)
{
    char names[256];
    snprintf(names, sizeof names, "%s", eddy_get_query_argument(r, "names", ""));
    for (char *save = NULL, *n = strtok_r(names, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
        size_t count;
        const char **all = eddy_get_arguments(r, n, &count);
        eddy_writef(r, "%s:", n);
        for (size_t i = 0; i < count; i++)
            eddy_writef(r, " [%s]", all[i]);
        eddy_writef(r, " body=[%s]\n", eddy_get_body_argument(r, n, "-"));
    }
    size_t count;
    const eddy_upload *const *ups = eddy_get_uploads(r, "file", &count);
    for (size_t i = 0; i < count; i++) {
        const eddy_upload *u = ups[i];
        eddy_writef(r, "file %s [%s] %s sniffed %s, %llu bytes, %s\n", u->name, u->filename,
                    u->content_type, u->sniffed_type, (unsigned long long)u->size,
                    u->data ? "in memory" : u->spool_path ? "spooled" : "nowhere");
    }
    cr_assert_eq(eddy_get_upload(r, "file"), count ? ups[0] : NULL);
    cr_assert_null(eddy_get_upload(r, "nothing"));
}

/* spool_post - where the upload waits, and that it is there now. */
static void spool_post(eddy_req *r)
{
    const eddy_upload *u = eddy_get_upload(r, "file");
    if (!u || !u->spool_path) {
        eddy_send_error(r, 500, "not spooled");
        return;
    }
    snprintf(last_spool, sizeof last_spool, "%s", u->spool_path);
    struct stat sb;
    eddy_writef(r, "spooled in the upload folder: %d, on disk: %lld bytes\n",
                strncmp(u->spool_path, spool_dir, strlen(spool_dir)) == 0,
                stat(u->spool_path, &sb) == 0 ? (long long)sb.st_size : -1LL);
}

static void save_post(eddy_req *r)
{
    size_t count;
    const eddy_upload *const *ups = eddy_get_uploads(r, "file", &count);
    for (size_t i = 0; i < count; i++) {
        char name[128];
        int rc = eddy_upload_save(r, ups[i], save_dir, name, sizeof name);
        if (rc) {
            eddy_send_error(r, 500, strerror(rc));
            return;
        }
        eddy_writef(r, "saved %s\n", name);
    }
    char tiny[4];
    if (count)
        cr_assert_eq(eddy_upload_save(r, ups[0], save_dir, tiny, sizeof tiny), ENAMETOOLONG);
}

static const eddy_handler show = {.post = show_post, .put = show_post};
static const eddy_handler spool = {.post = spool_post};
static const eddy_handler save = {.post = save_post};

static void start(void)
{
    snprintf(spool_dir, sizeof spool_dir, "/tmp/eddy-spool-XXXXXX");
    snprintf(save_dir, sizeof save_dir, "/tmp/eddy-saved-XXXXXX");
    cr_assert_not_null(mkdtemp(spool_dir));
    cr_assert_not_null(mkdtemp(save_dir));
    app = eddy_app_new();
    eddy_body_limits lim;
    eddy_body_limits_defaults(&lim);
    lim.max_parts = 5;
    lim.max_part_bytes = 100000;
    lim.max_part_header_bytes = 400;
    lim.max_body_bytes = 200000;
    lim.spool_threshold = 1000;
    lim.upload_dir = spool_dir;
    cr_assert_eq(eddy_app_set_body_limits(app, &lim), 0);
    cr_assert_eq(eddy_route(app, "/show", &show, NULL), 0);
    cr_assert_eq(eddy_route(app, "/spool", &spool, NULL), 0);
    cr_assert_eq(eddy_route(app, "/save", &save, NULL), 0);
    serve_thread_init(&st);
    st.app = app;
    cr_assert_eq(serve_thread_start(&st), 0);
}

static void stop(void)
{
    serve_thread_stop(&st);
    eddy_app_free(app);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", spool_dir, save_dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(body, .init = start, .fini = stop, .timeout = 30);

#define assert_has(text, needle) \
    cr_assert_not_null(strstr(text, needle), "expected \"%s\" in:\n%s", needle, text)

/* post - send head and body (binary) on a new connection; the answer up
 * to the server's close. The buffer is reused by the next call. */
static char *post(const char *path, const char *type, const char *body, size_t len)
{
    static char answer[64 * 1024];
    eddy_buf req = EDDY_BUF_INIT;
    eddy_buf_printf(&req, "POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: %s\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n\r\n", path, type, len);
    eddy_buf_append(&req, body, len);
    int fd = th_connect(st.port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send(fd, req.data, req.len), 0);
    th_recv_until(fd, answer, sizeof answer, NULL, 5000);
    close(fd);
    eddy_buf_free(&req);
    return answer;
}

/* post_chunked - the same with the body sent as one chunk. */
static char *post_chunked(const char *path, const char *type, const char *body, size_t len)
{
    static char answer[64 * 1024];
    eddy_buf req = EDDY_BUF_INIT;
    eddy_buf_printf(&req, "POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: %s\r\n"
                          "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n%zx\r\n",
                    path, type, len);
    eddy_buf_append(&req, body, len);
    eddy_buf_append_str(&req, "\r\n0\r\n\r\n");
    int fd = th_connect(st.port, 2000);
    cr_assert_geq(fd, 0);
    cr_assert_eq(th_send(fd, req.data, req.len), 0);
    th_recv_until(fd, answer, sizeof answer, NULL, 5000);
    close(fd);
    eddy_buf_free(&req);
    return answer;
}

#define FORM "multipart/form-data; boundary=zz"

/* part - one part of a "zz" form, appended to b. */
static void part(eddy_buf *b, const char *disposition, const char *type, const char *data,
                 size_t len)
{
    eddy_buf_printf(b, "--zz\r\nContent-Disposition: form-data; %s\r\n", disposition);
    if (type)
        eddy_buf_printf(b, "Content-Type: %s\r\n", type);
    eddy_buf_append_str(b, "\r\n");
    eddy_buf_append(b, data, len);
    eddy_buf_append_str(b, "\r\n");
}

static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

Test(body, multipart_text_fields_and_files_in_memory)
{
    eddy_buf b = EDDY_BUF_INIT;
    part(&b, "name=\"title\"", NULL, "Caf\xc3\xa9 & more", 12);
    part(&b, "name=\"tag\"", NULL, "a", 1);
    part(&b, "name=\"tag\"", NULL, "", 0);
    part(&b, "name=\"file\"; filename=\"pic.png\"", "image/png", png, sizeof png - 1);
    part(&b, "name=\"file\"; filename=\"\"", "text/plain", "plain text\n", 11);
    eddy_buf_append_str(&b, "--zz--\r\n");
    char *r = post("/show?names=title,tag,none&tag=q", FORM, b.data, b.len);
    assert_has(r, "HTTP/1.1 200 OK");
    assert_has(r, "title: [Caf\xc3\xa9 & more] body=[Caf\xc3\xa9 & more]\n");
    assert_has(r, "tag: [q] [a] [] body=[a]\n");
    assert_has(r, "none: body=[-]\n");
    assert_has(r, "file file [pic.png] image/png sniffed image/png, 16 bytes, in memory\n");
    assert_has(r, "file file [] text/plain sniffed text/plain; charset=utf-8, 11 bytes, in memory\n");
    eddy_buf_free(&b);
}

Test(body, json_object_members_are_fields)
{
    const char *json = "{\"title\":\"hi there\",\"n\":3,\"x\":-1.5,\"yes\":true,\"no\":false,"
                       "\"none\":null,\"tags\":[\"a\",2,null,[\"nested\"],{\"o\":1}],\"obj\":{\"a\":1}}";
    char *r = post("/show?names=title,n,x,yes,no,none,tags,obj", "application/json", json,
                   strlen(json));
    assert_has(r, "title: [hi there] body=[hi there]\n");
    assert_has(r, "n: [3] body=[3]\n");
    assert_has(r, "x: [-1.5] body=[-1.5]\n");
    assert_has(r, "yes: [true] body=[true]\n");
    assert_has(r, "no: [false] body=[false]\n");
    assert_has(r, "none: body=[-]\n");
    assert_has(r, "tags: [a] [2] body=[a]\n");
    assert_has(r, "obj: body=[-]\n");
    r = post("/show?names=a", "application/json", "[1,2]", 5);
    assert_has(r, "a: body=[-]\n"); /* not an object: no fields */
    r = post("/show?names=a", "application/json; charset=utf-8", "{\"a\":\"\\u00e9\"}", 14);
    assert_has(r, "a: [\xc3\xa9] body=[\xc3\xa9]\n");
}

Test(body, urlencoded_fields_as_before)
{
    char *r = post("/show?names=a,b", "application/x-www-form-urlencoded", "a=1+2&b=%C3%A9&a=3",
                   18);
    assert_has(r, "a: [1 2] [3] body=[1 2]\n");
    assert_has(r, "b: [\xc3\xa9] body=[\xc3\xa9]\n");
}

Test(body, client_file_names_are_data_not_paths)
{
    eddy_buf b = EDDY_BUF_INIT;
    part(&b, "name=\"file\"; filename=\"../../etc/pass\x01wd\"", NULL, "x", 1);
    part(&b, "name=\"file\"; filename=\"C:\\\\Users\\\\ann\\\\photo.jpg\"", NULL, "x", 1);
    part(&b, "name=\"file\"; filename=\"..\"", NULL, "x", 1);
    char longname[400];
    memset(longname, 'n', 299);
    memcpy(longname + 254, "\xc3\xa9", 2); /* a sequence across the 255-byte cut */
    snprintf(longname + 299, sizeof longname - 299, ".txt");
    char disp[512];
    snprintf(disp, sizeof disp, "name=\"file\"; filename=\"%s\"", longname);
    eddy_buf body2 = EDDY_BUF_INIT;
    part(&body2, disp, NULL, "x", 1);
    eddy_buf_append_str(&body2, "--zz--\r\n");
    eddy_buf_append_str(&b, "--zz--\r\n");
    char *r = post("/show", FORM, b.data, b.len);
    assert_has(r, "file file [passwd] application/octet-stream");
    assert_has(r, "file file [photo.jpg] application/octet-stream");
    assert_has(r, "file file [] application/octet-stream");
    r = post("/show", FORM, body2.data, body2.len);
    char want[300];
    want[0] = '[';
    memset(want + 1, 'n', 254);
    snprintf(want + 255, sizeof want - 255, "] ");
    assert_has(r, want); /* cut before the two-byte sequence, at 254 bytes */
    eddy_buf_free(&b);
    eddy_buf_free(&body2);
}

/* big - n bytes of a repeating pattern after a PNG signature. */
static char *big(size_t n)
{
    char *p = malloc(n);
    for (size_t i = 0; i < n; i++)
        p[i] = (char)(i * 7 + i / 251);
    memcpy(p, png, sizeof png - 1);
    return p;
}

static int files_in(const char *d)
{
    DIR *dir = opendir(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)))
        n += e->d_name[0] != '.';
    closedir(dir);
    return n;
}

Test(body, a_large_file_is_spooled_and_removed_when_the_request_ends)
{
    char *data = big(50000);
    eddy_buf b = EDDY_BUF_INIT;
    part(&b, "name=\"file\"; filename=\"big.png\"", "image/png", data, 50000);
    eddy_buf_append_str(&b, "--zz--");
    char *r = post("/show", FORM, b.data, b.len);
    assert_has(r, "file file [big.png] image/png sniffed image/png, 50000 bytes, spooled\n");
    r = post("/spool", FORM, b.data, b.len);
    assert_has(r, "spooled in the upload folder: 1, on disk: 50000 bytes\n");
    cr_assert_neq(last_spool[0], '\0');
    cr_assert_neq(access(last_spool, F_OK), 0, "the spool file is gone after the request");
    cr_assert_eq(files_in(spool_dir), 0);
    free(data);
    eddy_buf_free(&b);
}

/* saved_file - the bytes of save_dir/name (malloc'd). */
static char *saved_file(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", save_dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *d = malloc(200000);
    *len = fread(d, 1, 200000, f);
    fclose(f);
    return d;
}

Test(body, uploads_are_saved_under_a_generated_name_with_the_sniffed_extension)
{
    char *data = big(30000);
    eddy_buf b = EDDY_BUF_INIT;
    part(&b, "name=\"file\"; filename=\"../evil.sh\"", "text/x-sh", "%PDF-1.7 small", 14);
    part(&b, "name=\"file\"; filename=\"x\"", "application/octet-stream", data, 30000);
    eddy_buf_append_str(&b, "--zz--");
    char *r = post("/save", FORM, b.data, b.len);
    assert_has(r, "HTTP/1.1 200 OK");
    char n1[128], n2[128];
    const char *body = strstr(r, "\r\n\r\n") + 4;
    cr_assert_eq(sscanf(body, "saved %127s\nsaved %127s\n", n1, n2), 2, "%s", r);
    cr_assert_eq(strlen(n1), 32 + 4);
    cr_assert_str_eq(n1 + 32, ".pdf");
    cr_assert_str_eq(n2 + 32, ".png", "spooled, sniffed from the first bytes");
    cr_assert_eq(strspn(n1, "0123456789abcdef"), 32);
    size_t len;
    char *got = saved_file(n1, &len);
    cr_assert_eq(len, 14);
    cr_assert_eq(memcmp(got, "%PDF-1.7 small", 14), 0);
    free(got);
    got = saved_file(n2, &len);
    cr_assert_eq(len, 30000);
    cr_assert_eq(memcmp(got, data, 30000), 0);
    free(got);
    cr_assert_eq(files_in(save_dir), 2, "nothing but the two files");
    cr_assert_eq(files_in(spool_dir), 0);
    free(data);
    eddy_buf_free(&b);
}

/* ------------------------------------------------------------ limits */

static void assert_refused(const char *r, const char *status, const char *reason)
{
    assert_has(r, status);
    assert_has(r, reason);
    cr_assert_null(strstr(r, "file file"), "the handler did not run:\n%s", r);
}

Test(body, each_limit_is_answered_with_its_status_and_reason)
{
    eddy_buf b = EDDY_BUF_INIT;
    for (int i = 0; i < 6; i++)
        part(&b, "name=\"f\"", NULL, "x", 1);
    eddy_buf_append_str(&b, "--zz--");
    assert_refused(post("/show", FORM, b.data, b.len), "HTTP/1.1 413", "too many multipart parts");

    eddy_buf_clear(&b);
    char *data = big(100001);
    part(&b, "name=\"file\"; filename=\"x\"", NULL, data, 100001);
    eddy_buf_append_str(&b, "--zz--");
    assert_refused(post("/show", FORM, b.data, b.len), "HTTP/1.1 413",
                   "a multipart part is too large");
    free(data);

    eddy_buf_clear(&b);
    char pad[500];
    memset(pad, 'p', 450);
    pad[450] = '\0';
    char disp[600];
    snprintf(disp, sizeof disp, "name=\"f\"; x=\"%s\"", pad);
    part(&b, disp, NULL, "x", 1);
    eddy_buf_append_str(&b, "--zz--");
    assert_refused(post("/show", FORM, b.data, b.len), "HTTP/1.1 413",
                   "a multipart part&#39;s headers are too large"); /* the page escapes it */

    eddy_buf_clear(&b);
    data = big(90000);
    part(&b, "name=\"file\"; filename=\"a\"", NULL, data, 90000);
    part(&b, "name=\"file\"; filename=\"b\"", NULL, data, 90000);
    part(&b, "name=\"file\"; filename=\"c\"", NULL, data, 90000);
    eddy_buf_append_str(&b, "--zz--");
    assert_refused(post("/show", FORM, b.data, b.len), "HTTP/1.1 413",
                   "multipart body too large");
    assert_refused(post_chunked("/show", FORM, b.data, b.len), "HTTP/1.1 413",
                   "multipart body too large"); /* found while reading */
    free(data);
    cr_assert_eq(files_in(spool_dir), 0, "files spooled before the refusal are removed");

    const char *unnamed = "--zz\r\nContent-Disposition: form-data\r\n\r\nx\r\n--zz--";
    assert_refused(post("/show", FORM, unnamed, strlen(unnamed)), "HTTP/1.1 400",
                   "a multipart part without a name");
    const char *cut = "--zz\r\nContent-Disposition: form-data; name=a\r\n\r\nx";
    assert_refused(post("/show", FORM, cut, strlen(cut)), "HTTP/1.1 400",
                   "multipart body ends early");
    assert_refused(post("/show", "multipart/form-data", "--zz--", 6), "HTTP/1.1 400",
                   "multipart/form-data without a valid boundary");
    eddy_buf_free(&b);
}

Test(body, a_declared_length_over_the_limit_is_refused_before_reading)
{
    int fd = th_connect(st.port, 2000);
    cr_assert_geq(fd, 0);
    th_send_str(fd, "POST /show HTTP/1.1\r\nHost: t\r\nContent-Type: " FORM "\r\n"
                    "Content-Length: 999999999\r\n\r\n--zz\r\n");
    char answer[4096];
    cr_assert_gt(th_recv_until(fd, answer, sizeof answer, NULL, 5000), 0);
    assert_has(answer, "HTTP/1.1 413");
    assert_has(answer, "multipart body too large");
    assert_has(answer, "Connection: close\r\n");
    close(fd);
}

Test(body, a_chunked_form_and_a_second_request_on_the_same_connection)
{
    const char *form = "--zz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nchunked!\r\n--zz--\r\n";
    eddy_buf req = EDDY_BUF_INIT;
    eddy_buf_append_str(&req, "POST /show?names=a HTTP/1.1\r\nHost: t\r\nContent-Type: " FORM
                              "\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (const char *p = form; *p;) { /* chunks of 7 bytes */
        size_t n = strlen(p) < 7 ? strlen(p) : 7;
        eddy_buf_printf(&req, "%zx\r\n", n);
        eddy_buf_append(&req, p, n);
        eddy_buf_append_str(&req, "\r\n");
        p += n;
    }
    eddy_buf_append_str(&req, "0\r\n\r\n");
    eddy_buf_printf(&req, "POST /show?names=b HTTP/1.1\r\nHost: t\r\nContent-Type: " FORM
                          "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                    strlen(form), form);
    int fd = th_connect(st.port, 2000);
    cr_assert_eq(th_send(fd, req.data, req.len), 0);
    char answer[8192];
    th_recv_until(fd, answer, sizeof answer, NULL, 5000);
    close(fd);
    assert_has(answer, "a: [chunked!] body=[chunked!]\n");
    assert_has(answer, "b: body=[-]\n"); /* the second request was read and answered */
    eddy_buf_free(&req);
}

/* ------------------------------------------------------------ real clients */

Test(body, curl_sends_a_form_with_a_file)
{
    if (access("/usr/bin/curl", X_OK) != 0)
        cr_skip_test("curl is not installed: no test with a real client");
    char file[] = "/tmp/eddy-curl-XXXXXX";
    int fd = mkstemp(file);
    char *data = big(5000);
    cr_assert_eq(write(fd, data, 5000), 5000);
    close(fd);
    char url[64], fopt[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/show?names=title,tag", st.port);
    snprintf(fopt, sizeof fopt, "file=@%s;filename=photo.png;type=image/png", file);
    char *out = NULL;
    char *argv[] = {"/usr/bin/curl", "-sS", "-F", "title=from curl", "-F", "tag=x",
                    "-F", "tag=y", "-F", fopt, url, NULL};
    int status = th_run(argv, 10000, &out);
    unlink(file);
    cr_assert_eq(status, 0, "%s", out);
    assert_has(out, "title: [from curl] body=[from curl]\n");
    assert_has(out, "tag: [x] [y] body=[x]\n");
    assert_has(out, "file file [photo.png] image/png sniffed image/png, 5000 bytes, spooled\n");
    free(out);
    free(data);
}

Test(body, python_urllib_sends_a_hand_built_form)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        cr_skip_test("/usr/bin/python3 is not installed: no test with a real client");
    char script[1024];
    snprintf(script, sizeof script,
             "import urllib.request\n"
             "b = b'--py\\r\\nContent-Disposition: form-data; name=\"note\"\\r\\n\\r\\nhello py\\r\\n'"
             " + b'--py\\r\\nContent-Disposition: form-data; name=\"file\"; filename=\"t.gif\"\\r\\n'"
             " + b'Content-Type: image/gif\\r\\n\\r\\nGIF89a' + bytes(range(256)) + b'\\r\\n--py--\\r\\n'\n"
             "r = urllib.request.Request('http://127.0.0.1:%d/show?names=note', data=b,"
             " headers={'Content-Type': 'multipart/form-data; boundary=py'})\n"
             "print(urllib.request.urlopen(r).read().decode(), end='')\n",
             st.port);
    char *out = NULL;
    char *argv[] = {"/usr/bin/python3", "-c", script, NULL};
    int status = th_run(argv, 10000, &out);
    cr_assert_eq(status, 0, "%s", out);
    assert_has(out, "note: [hello py] body=[hello py]\n");
    assert_has(out, "file file [t.gif] image/gif sniffed image/gif, 262 bytes, in memory\n");
    free(out);
}

/* ------------------------------------------------------------ sniff */

Test(sniff, magic_numbers_and_text)
{
    const struct {
        const char *bytes;
        size_t len;
        const char *type, *ext;
    } cases[] = {
        {"\x89PNG\r\n\x1a\nrest", 12, "image/png", ".png"},
        {"\xff\xd8\xff\xe0", 4, "image/jpeg", ".jpg"},
        {"GIF87a..", 8, "image/gif", ".gif"},
        {"GIF89a..", 8, "image/gif", ".gif"},
        {"RIFF\x10\0\0\0WEBPVP8 ", 16, "image/webp", ".webp"},
        {"RIFF\x10\0\0\0WAVEfmt ", 16, "application/octet-stream", ""},
        {"BM\x36\0\0\0", 6, "image/bmp", ".bmp"},
        {"%PDF-1.4", 8, "application/pdf", ".pdf"},
        {"PK\x03\x04", 4, "application/zip", ".zip"},
        {"\x1f\x8b\x08\0", 4, "application/gzip", ".gz"},
        {"plain text\twith tabs\r\n", 22, "text/plain; charset=utf-8", ".txt"},
        {"caf\xc3\xa9 \xe2\x82\xac", 9, "text/plain; charset=utf-8", ".txt"},
        {"cut \xe2\x82", 6, "text/plain; charset=utf-8", ".txt"},
        {"bad \xc3\x28", 6, "application/octet-stream", ""},
        {"overlong \xc0\xaf", 11, "application/octet-stream", ""},
        {"nul \0 byte", 10, "application/octet-stream", ""},
        {"<html><script>", 14, "text/plain; charset=utf-8", ".txt"},
        {"", 0, "application/octet-stream", ""},
        {"\x89PN", 3, "application/octet-stream", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *t = eddy_sniff_content_type(cases[i].bytes, cases[i].len);
        cr_assert_str_eq(t, cases[i].type, "case %zu", i);
        cr_assert_str_eq(eddy_sniff_extension(t), cases[i].ext, "case %zu", i);
    }
}
