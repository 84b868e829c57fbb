/*
 * app - the request function and its handlers; see app.h.
 *
 * Everything HTTP is the library's: by the time app_handle() runs, the
 * head is parsed, the body (Content-Length or chunked) is read and decoded,
 * and the handler runs in a task of its own, so eddy_sleep() and
 * eddy_flush() may wait while the loop serves every other connection.
 * handle_echo() and handle_stream() are the lesson's exercise:
 * exercises/12-http-server/app.c is this file with their bodies removed.
 */
#include "app.h"

#include <string.h>

void app_init(struct app *a)
{
    a->slow_ms = 1000;
    a->stream_pieces = 5;
    a->stream_ms = 200;
    atomic_init(&a->requests, 0);
}

/* is - the request's path is exactly p (paths are not NUL-terminated). */
static int is(eddy_str path, const char *p)
{
    return path.len == strlen(p) && memcmp(path.p, p, path.len) == 0;
}

/* quote:begin handle */
void app_handle(eddy_req *r, void *arg)
{
    struct app *a = arg;
    eddy_str path = eddy_request_path(r);
    atomic_fetch_add(&a->requests, 1);
    if (is(path, "/")) {
        eddy_response_header(r, "Content-Type", "text/plain");
        eddy_write_str(r, "Hello, world!\n");
        /* returning finishes the response: Content-Length 14 */
    } else if (is(path, "/echo")) {
        handle_echo(r);
    } else if (is(path, "/stream")) {
        handle_stream(r, a);
    } else if (is(path, "/slow")) {
        /* Suspends this request's task; the loop serves others meanwhile. */
        if (eddy_sleep(a->slow_ms) != 0)
            return; /* ECANCELED: the client left or the server gave up */
        eddy_response_header(r, "Content-Type", "text/plain");
        eddy_writef(r, "Hello after %ld ms!\n", a->slow_ms);
    } else {
        eddy_send_error(r, 404, "no such page");
    }
}
/* quote:end handle */

/* quote:begin echo */
void handle_echo(eddy_req *r)
{
    if (!eddy_str_eq(eddy_request_method(r), "POST")) {
        /* A 405 must say which methods would work: eddy_send_error()
         * keeps the Allow header (it drops only those of a body). */
        eddy_response_header(r, "Allow", "POST");
        eddy_send_error(r, 405, "POST a body to /echo");
        return;
    }
    const eddy_str *type = eddy_request_header(r, "Content-Type");
    if (type) {
        /* The value points into the request; copy it to a C string. */
        char t[256];
        size_t n = type->len < sizeof t - 1 ? type->len : sizeof t - 1;
        memcpy(t, type->p, n);
        t[n] = '\0';
        if (eddy_response_header(r, "Content-Type", t) < 0)
            eddy_response_header(r, "Content-Type", "application/octet-stream");
    } else {
        eddy_response_header(r, "Content-Type", "text/plain");
    }
    eddy_str body = eddy_request_body(r); /* already de-chunked */
    eddy_write(r, body.p, body.len);
}
/* quote:end echo */

/* quote:begin stream */
void handle_stream(eddy_req *r, const struct app *a)
{
    eddy_response_header(r, "Content-Type", "text/plain");
    for (int i = 1; i <= a->stream_pieces; i++) {
        eddy_writef(r, "piece %d of %d\n", i, a->stream_pieces);
        /* The first flush sends the head with Transfer-Encoding: chunked
         * (the length is not known yet); each flush is one chunk. */
        if (eddy_flush(r) != 0)
            return; /* the client has gone */
        if (i < a->stream_pieces && eddy_sleep(a->stream_ms) != 0)
            return;
    }
    /* returning finishes: the last, empty chunk "0\r\n\r\n" */
}
/* quote:end stream */
