/*
 * httpfetch - lesson 10: an HTTP GET that reads like lesson 01's blocking
 * one, run as a task on lesson 08's loop.
 *
 * fetch() is called from inside a task (task.h). Where lesson 01 blocked
 * in connect(), send() or recv(), it awaits the socket instead: this task
 * is suspended, the loop runs the others, and fetch() carries on when the
 * socket is ready. For its caller it is one call that returns the result
 * or an error, like any function. Compare lesson 09's httpfetch.h: no
 * done callback, no result that exists only during a callback.
 */
#ifndef LESSON10_HTTPFETCH_H
#define LESSON10_HTTPFETCH_H

#include "task.h"

#include <stddef.h>

/* What a fetch came to. body is malloc'd: fetch_result_free() it. */
struct fetch_result {
    const char *url;
    int status;       /* the HTTP status, 0 if the fetch failed */
    char *data;       /* everything received: status line, headers, body */
    const char *body; /* the response body, body_len bytes, inside data */
    size_t body_len;
    double ms;       /* from the call to the return */
    char error[300]; /* "" or what went wrong ("connect: Connection refused") */
};

/* fetch - GET url (http://host[:port][/path]) from inside a task. 0 with
 * res filled in, or -1 with res->error saying why. The host name is
 * resolved with getaddrinfo(), which blocks: fine for 127.0.0.1, not for
 * real DNS (a coroutine must never block: lesson 11 uses evdns). Each wait
 * gives up after timeout_ms. */
int fetch(const char *url, struct fetch_result *res, long long timeout_ms);

/* fetch_result_free - release res->data. */
void fetch_result_free(struct fetch_result *res);

#endif
