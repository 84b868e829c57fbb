/*
 * evhttp - lesson 11: the hello server once more, on libevent's own HTTP
 * server (evhttp), for comparison with server.c.
 *
 * evhttp parses requests, keeps connections alive, answers pipelined
 * requests in order, refuses garbage with 400, and calls one function per
 * request. That is the whole of this file. What it does not give: a
 * handler that can wait without being split into callbacks (/slow below
 * keeps the request and answers it from a timer), routing beyond exact
 * paths, templates, an allocation-free request (headers are malloc'd
 * lists), control over its write path. Lessons 12-13 build those on
 * bufferevents, as server.c does.
 *
 *   evhttp [--port N] [--address A]
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static struct event_base *base;

/* reply - send body with status code, as text/plain. */
static void reply(struct evhttp_request *req, int code, const char *reason, const char *body)
{
    struct evbuffer *b = evbuffer_new();
    if (b)
        evbuffer_add(b, body, strlen(body));
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
    evhttp_send_reply(req, code, reason, b);
    if (b)
        evbuffer_free(b);
}

/* on_slow - the second is up: answer the request we kept. */
static void on_slow(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    reply(arg, 200, "OK", "Hello, slow world!\n");
}

/* quote:begin evhttp-handler */
/* on_request - every request, already parsed; evhttp owns the connection. */
static void on_request(struct evhttp_request *req, void *arg)
{
    (void)arg;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    if (path && strcmp(path, "/slow") == 0) { /* answer later: keep req, set a timer */
        struct timeval second = {1, 0};
        if (event_base_once(base, -1, EV_TIMEOUT, on_slow, req, &second) < 0)
            reply(req, 503, "Service Unavailable", "Try again later\n");
    } else if (path && strcmp(path, "/") == 0) {
        reply(req, 200, "OK", "Hello, world!\n");
    } else {
        reply(req, 404, "Not Found", "Not found\n");
    }
}
/* quote:end evhttp-handler */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig, (void)what, (void)arg;
    event_base_loopexit(base, NULL);
}

int main(int argc, char **argv)
{
    const char *address = "127.0.0.1";
    int port = 8000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--address") == 0 && i + 1 < argc)
            address = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--port N] [--address A]\n", argv[0]);
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    base = event_base_new();
    struct evhttp *http = base ? evhttp_new(base) : NULL;
    struct evhttp_bound_socket *sock =
        http ? evhttp_bind_socket_with_handle(http, address, (ev_uint16_t)port) : NULL;
    if (!sock) {
        fprintf(stderr, "cannot listen on %s:%d\n", address, port);
        return 1;
    }
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
    evhttp_set_gencb(http, on_request, NULL);
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, NULL);
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, NULL);
    event_add(sigterm, NULL);
    event_add(sigint, NULL);

    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&bound, &blen);
    printf("listening on http://%s:%d/ (evhttp, libevent %s, backend %s)\n", address,
           ntohs(bound.sin_port), event_get_version(), event_base_get_method(base));
    event_base_dispatch(base);

    event_free(sigterm);
    event_free(sigint);
    evhttp_free(http);
    event_base_free(base);
    return 0;
}
