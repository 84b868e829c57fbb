/*
 * httpfetch - lesson 09: an HTTP GET written in callbacks on lesson 08's
 * loop.
 *
 * fetch_start() does not fetch anything: it starts the connection, tells
 * the loop which callback to call when the socket is ready, and returns.
 * The fetch then goes on in pieces, each piece a callback the loop calls
 * (on_connected, on_writable, on_readable), until the last one calls the
 * caller's `done` callback with the result. Whoever called fetch_start() is
 * long gone by then: the result, and any error, can only be handed to
 * another callback.
 */
#ifndef LESSON09_HTTPFETCH_H
#define LESSON09_HTTPFETCH_H

#include "../08-event-loop/loop.h"

#include <stddef.h>

/* What a fetch came to; everything in it is valid only during the done
 * callback (it is freed when the callback returns). */
struct fetch_result {
    const char *url;
    int status;       /* the HTTP status, 0 if the fetch failed */
    const char *body; /* the response body, body_len bytes (not NUL-terminated) */
    size_t body_len;
    double ms;         /* from fetch_start() to the end */
    const char *error; /* NULL, or what went wrong ("connect: Connection refused") */
};

typedef void fetch_done_fn(loop *l, const struct fetch_result *res, void *arg);

/* fetch_start - start GET url (http://host[:port][/path]) on l and return
 * at once. done(l, result, arg) is called exactly once, later, from the
 * loop: on success and on every error, even one found before anything was
 * sent (a bad URL, an unknown host), so the caller handles errors in one
 * place. 0, or -1 with errno set if the fetch could not even be set up
 * (no memory); done is then never called. The host name is resolved with
 * getaddrinfo(), which blocks: fine for 127.0.0.1, not for real DNS. */
int fetch_start(loop *l, const char *url, fetch_done_fn *done, void *arg);

#endif
