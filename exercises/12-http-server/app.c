/*
 * app - the request function and its handlers; see app.h.
 *
 * Everything HTTP is the library's: by the time app_handle() runs, the
 * head is parsed, the body (Content-Length or chunked) is read and decoded,
 * and the handler runs in a task of its own, so eddy_sleep() and
 * eddy_flush() may wait while the loop serves every other connection.
 * EXERCISE: write handle_echo() and handle_stream() at the bottom (see
 * app.h for what each must do); `make progress` runs their tests.
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

void handle_echo(eddy_req *r)
{
    /* TODO: a method other than POST (eddy_request_method, eddy_str_eq:
     * methods are case-sensitive) gets an "Allow: POST" header
     * (eddy_response_header) and then eddy_send_error(r, 405, ...), which
     * keeps it.
     * A POST is answered with its body (eddy_request_body, eddy_write),
     * with the request's Content-Type (eddy_request_header; its value is
     * not NUL-terminated) or "text/plain" when it has none. */
    (void)r;
}

void handle_stream(eddy_req *r, const struct app *a)
{
    /* TODO: for i in 1..a->stream_pieces, write "piece I of N\n"
     * (eddy_writef) and send it now (eddy_flush: the first flush sends the
     * head, chunked; each later one a chunk); stop if a flush fails (the
     * client has gone). Between two pieces, eddy_sleep(a->stream_ms) -
     * it suspends only this request - and stop if it fails too. */
    (void)r;
    (void)a;
}
