/*
 * serve_thread - run a libeddy server on its own thread for a test.
 *
 * The server gets its own loop on a new thread, bound to 127.0.0.1 on a
 * free port; the test's thread is the client. Stopping goes through a
 * pipe the server's loop watches (its loop is not the test's to touch),
 * and is graceful, like SIGTERM.
 */
#ifndef TEST_SERVE_THREAD_H
#define TEST_SERVE_THREAD_H

#include <eddy/web/handler.h>
#include <eddy/http/server.h>

#include <pthread.h>

typedef struct serve_thread {
    eddy_server_config cfg; /* filled with defaults (port 0, no access log) by _init */
    eddy_request_fn fn;     /* the request function, or */
    eddy_app *app;          /* an app (its error pages are installed) */
    void *arg;
    int port;
    int connections_left; /* open connections when the loop ended */
    pthread_t thread;
    int ctl[2], ready[2];
    int running;
} serve_thread;

void serve_thread_init(serve_thread *t);

/* serve_thread_start - 0 once listening (t->port set), -1 on failure. */
int serve_thread_start(serve_thread *t);

/* serve_thread_request_stop - ask for a graceful stop, without waiting. */
void serve_thread_request_stop(serve_thread *t);

/* serve_thread_stop - stop gracefully and join; safe to call twice. */
void serve_thread_stop(serve_thread *t);

/* serve_thread_ask - send raw on a new connection and read until the
 * server closes it (5 s at most): the response, in a buffer the next call
 * reuses. Fails the test when there is no answer. */
char *serve_thread_ask(const serve_thread *t, const char *raw);

#endif
