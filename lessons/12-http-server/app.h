/*
 * app - lesson 12's application: one request function for the whole site.
 *
 * There is no framework yet (that is lesson 13): the server calls
 * app_handle() for every request and app_handle() looks at the path itself.
 * What each path shows:
 *
 *   /        Hello, world!            the smallest complete response
 *   /echo    POST: the body back      the request body, read for us
 *   /stream  pieces, one at a time    a chunked response, flushed as it goes
 *   /slow    after a second           a handler that waits without blocking
 *   else     404                      eddy_send_error
 */
#ifndef LESSON12_APP_H
#define LESSON12_APP_H

#include <eddy/eddy.h>

#include <stdatomic.h>

struct app {
    long slow_ms;           /* how long /slow waits (1000) */
    int stream_pieces;      /* how many pieces /stream sends (5) */
    long stream_ms;         /* the pause between two pieces (200) */
    atomic_long requests;   /* served so far, for the line printed at exit */
};

/* app_init - the defaults above. */
void app_init(struct app *a);

/* app_handle - the eddy_request_fn: arg is a struct app. */
void app_handle(eddy_req *r, void *arg);

/* The exercise: */

/* handle_echo - POST /echo answers with the request body as it came
 * (Content-Type copied from the request, or text/plain); any other method
 * gets 405 Method Not Allowed with "Allow: POST". */
void handle_echo(eddy_req *r);

/* handle_stream - a chunked response written in a->stream_pieces pieces,
 * "piece I of N\n", each flushed at once, with a->stream_ms between them.
 * Stops early if the client has gone. */
void handle_stream(eddy_req *r, const struct app *a);

#endif
