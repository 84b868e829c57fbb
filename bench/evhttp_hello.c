/*
 * evhttp_hello - libevent's built-in HTTP server answering Hello, world!
 *
 * The reference for bench/12-hello.sh: what a C event library's stock HTTP
 * server costs per request, next to lesson 12 (libeddy) and lesson 06
 * (hand-written epoll). One thread, one event_base, one callback.
 *
 *   evhttp_hello [--port N]      prints listening on http://127.0.0.1:PORT/
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hello(struct evhttp_request *req, void *arg)
{
    struct evbuffer *out = arg;
    evbuffer_add(out, "Hello, world!\n", 14);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
    evhttp_send_reply(req, 200, "OK", out); /* drains out */
}

static void on_term(evutil_socket_t sig, short what, void *base)
{
    (void)sig, (void)what;
    event_base_loopbreak(base);
}

int main(int argc, char **argv)
{
    int port = 0;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
            port = atoi(argv[++i]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    struct event_base *base = event_base_new();
    struct evhttp *http = base ? evhttp_new(base) : NULL;
    struct evbuffer *out = evbuffer_new();
    if (!http || !out)
        return 1;
    evhttp_set_gencb(http, hello, out);
    struct evhttp_bound_socket *sock = evhttp_bind_socket_with_handle(http, "127.0.0.1", port);
    if (!sock) {
        fprintf(stderr, "evhttp_hello: cannot bind 127.0.0.1:%d\n", port);
        return 1;
    }
    struct sockaddr_storage ss;
    ev_socklen_t len = sizeof ss;
    getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &len);
    printf("listening on http://127.0.0.1:%d/\n", ntohs(((struct sockaddr_in *)&ss)->sin_port));
    struct event *term = evsignal_new(base, SIGTERM, on_term, base);
    evsignal_add(term, NULL);
    event_base_dispatch(base);
    event_free(term);
    evbuffer_free(out);
    evhttp_free(http);
    event_base_free(base);
    return 0;
}
