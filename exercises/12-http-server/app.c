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
    /* TODO: app.h says what /echo answers. A 405 must still say which
     * method is allowed. The request API (method, headers, body) and the
     * response API are in lib/http/server.h; a header value from the
     * request is not NUL-terminated. */
    (void)r;
}

void handle_stream(eddy_req *r, const struct app *a)
{
    /* TODO: app.h says what /stream sends: each piece must reach the client
     * when it is written, not when the handler returns, and the pause
     * between two pieces must not hold up any other request. When the
     * client has gone, stop. lib/http/server.h has the calls. */
    (void)r;
    (void)a;
}
