/*
 * Tests of streamed request bodies (lib/http/server_stream.c) and large
 * uploads: a handler that reads its body piece by piece gets every byte
 * of a Content-Length and of a chunked body; one that stops reading early
 * has its connection closed after the answer; and a 64 MB multipart
 * upload goes to disk with the process's peak memory (VmHWM) growing by
 * far less than the upload.
 */
#include "harness.h"
#include "serve_thread.h"

#include <eddy/base/buf.h>
#include <eddy/web/body.h>
#include <eddy/web/handler.h>

#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static serve_thread st;
static eddy_app *app;
static char dir[64];

/* pattern - the byte at offset i of every body sent here. */
static unsigned char pattern(uint64_t i) { return (unsigned char)(i * 131 + (i >> 12)); }

/* count_post - reads the body as it comes: its length, whether every
 * byte is the pattern's, and how many pieces it came in. */
static void count_post(eddy_req *r)
{
    uint64_t n = 0, pieces = 0, wrong = 0;
    for (;;) {
        eddy_str piece;
        int rc = eddy_request_read_body(r, &piece);
        if (rc) {
            eddy_send_error(r, 400, strerror(rc));
            return;
        }
        if (!piece.len)
            break;
        pieces++;
        for (size_t i = 0; i < piece.len; i++)
            wrong += (unsigned char)piece.p[i] != pattern(n + i);
        n += piece.len;
    }
    eddy_str again;
    cr_assert_eq(eddy_request_read_body(r, &again), 0);
    cr_assert_eq(again.len, 0, "the end stays the end");
    eddy_writef(r, "%llu bytes, %llu wrong, in %s\n", (unsigned long long)n,
                (unsigned long long)wrong, pieces > 1 ? "pieces" : "one piece");
}

/* early_post - answers after the first piece, leaving the rest unread. */
static void early_post(eddy_req *r)
{
    eddy_str piece;
    eddy_request_read_body(r, &piece);
    eddy_write_str(r, "enough\n");
}

/* store_post - the form's file, saved where the test can compare it. */
static void store_post(eddy_req *r)
{
    const eddy_upload *u = eddy_get_upload(r, "file");
    char name[128];
    int rc = u ? eddy_upload_save(r, u, dir, name, sizeof name) : EINVAL;
    if (rc) {
        eddy_send_error(r, 500, strerror(rc));
        return;
    }
    eddy_writef(r, "saved %s %llu\n", name, (unsigned long long)u->size);
}

static const eddy_handler count = {.post = count_post, .put = count_post, .stream_body = true};
static const eddy_handler early = {.post = early_post, .stream_body = true};
static const eddy_handler store = {.post = store_post};

static void start(void)
{
    snprintf(dir, sizeof dir, "/tmp/eddy-upload-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    app = eddy_app_new();
    eddy_body_limits lim;
    eddy_body_limits_defaults(&lim);
    lim.upload_dir = dir;
    cr_assert_eq(eddy_app_set_body_limits(app, &lim), 0);
    cr_assert_eq(eddy_route(app, "/count", &count, NULL), 0);
    cr_assert_eq(eddy_route(app, "/early", &early, NULL), 0);
    cr_assert_eq(eddy_route(app, "/store", &store, NULL), 0);
    serve_thread_init(&st);
    st.app = app;
    st.cfg.max_body_bytes = 1024; /* streamed bodies are not held to it */
    cr_assert_eq(serve_thread_start(&st), 0);
}

static void stop(void)
{
    serve_thread_stop(&st);
    eddy_app_free(app);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(upload, .init = start, .fini = stop, .timeout = 120);

#define assert_has(text, needle) \
    cr_assert_not_null(strstr(text, needle), "expected \"%s\" in:\n%s", needle, text)

/* send_pattern - n bytes of the pattern from offset at, in blocks of at
 * most 64 KiB (as chunks when chunked). */
static void send_pattern(int fd, uint64_t at, uint64_t n, int chunked)
{
    static unsigned char block[64 * 1024];
    while (n) {
        size_t len = n < sizeof block ? (size_t)n : sizeof block;
        for (size_t i = 0; i < len; i++)
            block[i] = pattern(at + i);
        if (chunked) {
            char size[32];
            snprintf(size, sizeof size, "%zx\r\n", len);
            cr_assert_eq(th_send_str(fd, size), 0);
        }
        cr_assert_eq(th_send(fd, block, len), 0);
        if (chunked)
            cr_assert_eq(th_send_str(fd, "\r\n"), 0);
        at += len;
        n -= len;
    }
}

Test(upload, a_streaming_handler_reads_a_content_length_body_whole)
{
    int fd = th_connect(st.port, 2000);
    cr_assert_eq(th_send_str(fd, "POST /count HTTP/1.1\r\nHost: t\r\nContent-Length: 3000000\r\n"
                                 "Connection: close\r\n\r\n"), 0);
    send_pattern(fd, 0, 3000000, 0);
    char answer[4096];
    th_recv_until(fd, answer, sizeof answer, NULL, 10000);
    close(fd);
    assert_has(answer, "HTTP/1.1 200 OK");
    assert_has(answer, "3000000 bytes, 0 wrong, in pieces\n");
}

Test(upload, a_streaming_handler_reads_a_chunked_body_and_the_connection_goes_on)
{
    int fd = th_connect(st.port, 2000);
    cr_assert_eq(th_send_str(fd, "PUT /count HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                                 "Expect: 100-continue\r\n\r\n"), 0);
    char answer[4096];
    cr_assert_gt(th_recv_until(fd, answer, sizeof answer, "\r\n\r\n", 5000), 0);
    assert_has(answer, "HTTP/1.1 100 Continue\r\n");
    send_pattern(fd, 0, 1000001, 1);
    cr_assert_eq(th_send_str(fd, "0\r\nTrailer: x\r\n\r\n"), 0);
    cr_assert_gt(th_recv_until(fd, answer, sizeof answer, "pieces\n", 10000), 0);
    assert_has(answer, "1000001 bytes, 0 wrong, in pieces\n");
    cr_assert_null(strstr(answer, "Connection: close"));
    /* the same connection takes the next request */
    cr_assert_eq(th_send_str(fd, "POST /count HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
                                 "Connection: close\r\n\r\n"), 0);
    th_recv_until(fd, answer, sizeof answer, NULL, 5000);
    assert_has(answer, "0 bytes, 0 wrong, in one piece\n");
    close(fd);
}

Test(upload, a_handler_that_stops_reading_early_closes_the_connection_after_its_answer)
{
    int fd = th_connect(st.port, 2000);
    cr_assert_eq(th_send_str(fd, "POST /early HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n"),
                 0);
    send_pattern(fd, 0, 50000, 0);
    char answer[4096];
    cr_assert_gt(th_recv_until(fd, answer, sizeof answer, "enough\n", 5000), 0);
    assert_has(answer, "HTTP/1.1 200 OK");
    assert_has(answer, "Connection: close\r\n");
    cr_assert(th_closed_within(fd, 8000), "the rest of the body is not taken for a request");
    close(fd);
}

Test(upload, a_malformed_chunked_body_is_an_error_for_the_reader)
{
    int fd = th_connect(st.port, 2000);
    cr_assert_eq(th_send_str(fd, "POST /count HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                                 "\r\n5\r\nabcde\r\nzz\r\n"), 0);
    char answer[4096];
    th_recv_until(fd, answer, sizeof answer, NULL, 5000);
    close(fd);
    assert_has(answer, "HTTP/1.1 400 Bad Request");
    assert_has(answer, "Connection: close\r\n");
}

/* vm_hwm_kb - the process's peak resident memory so far, in KiB. */
static long vm_hwm_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

/* post_form - a multipart form with one file of n pattern bytes; the answer. */
static void post_form(uint64_t n, char *answer, size_t cap)
{
    const char *head = "--bound\r\nContent-Disposition: form-data; name=\"file\"; "
                       "filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n";
    const char *tail = "\r\n--bound--\r\n";
    char req[512];
    snprintf(req, sizeof req,
             "POST /store HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=bound\r\n"
             "Content-Length: %llu\r\nConnection: close\r\n\r\n%s",
             (unsigned long long)(strlen(head) + n + strlen(tail)), head);
    int fd = th_connect(st.port, 2000);
    cr_assert_eq(th_send_str(fd, req), 0);
    send_pattern(fd, 0, n, 0);
    cr_assert_eq(th_send_str(fd, tail), 0);
    th_recv_until(fd, answer, cap, NULL, 60000);
    close(fd);
}

Test(upload, a_64_mb_upload_goes_to_disk_with_memory_flat)
{
    char answer[4096];
    post_form(100000, answer, sizeof answer); /* warm up: threads, stacks, buffers */
    assert_has(answer, "HTTP/1.1 200 OK");
    long before = vm_hwm_kb();
    cr_assert_gt(before, 0);

    enum { SIZE = 64 * 1024 * 1024 };
    post_form(SIZE, answer, sizeof answer);
    long after = vm_hwm_kb();
    assert_has(answer, "HTTP/1.1 200 OK");
    char name[128];
    unsigned long long size;
    cr_assert_eq(sscanf(strstr(answer, "saved "), "saved %127s %llu", name, &size), 2);
    cr_assert_eq(size, SIZE);

    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    static unsigned char block[64 * 1024];
    uint64_t at = 0, wrong = 0;
    size_t n;
    while ((n = fread(block, 1, sizeof block, f)) > 0) {
        for (size_t i = 0; i < n; i++)
            wrong += block[i] != pattern(at + i);
        at += n;
    }
    fclose(f);
    cr_assert_eq(at, SIZE, "the file on disk has every byte");
    cr_assert_eq(wrong, 0, "and each one right");
    cr_log_info("64 MB upload: VmHWM %ld kB before, %ld kB after", before, after);
    cr_assert_lt(after - before, 16 * 1024, "peak memory grew by %ld kB for a 64 MB upload",
                 after - before);
}
