/*
 * serve_thread - a libeddy server on its own thread; see serve_thread.h.
 */
#include "serve_thread.h"

#include "harness.h"

#include <eddy/async/future.h>
#include <eddy/web/websocket.h>

#include <criterion/criterion.h>

#include <event2/event.h>
#include <string.h>
#include <unistd.h>

void serve_thread_init(serve_thread *t)
{
    memset(t, 0, sizeof *t);
    eddy_server_config_defaults(&t->cfg);
    t->cfg.port = 0;
    t->cfg.access_log = 0;
    t->cfg.handle_signals = 0; /* the test process's signals are not this thread's */
}

static void on_ctl(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    char cmd;
    if (read(fd, &cmd, 1) == 1 && cmd == 's')
        eddy_server_stop(arg);
}

static void *serve(void *arg)
{
    serve_thread *t = arg;
    eddy_server *s;
    int port = -1;
    if (t->app) { /* set up the way a program's would be */
        if ((s = eddy_app_listen(t->app, &t->cfg)))
            port = eddy_server_port(s);
    } else if ((s = eddy_server_new(&t->cfg, t->fn, t->arg)) && eddy_server_listen(s) == 0) {
        port = eddy_server_port(s);
    }
    if (write(t->ready[1], &port, sizeof port) != sizeof port || port < 0) {
        eddy_server_free(s);
        eddy_loop_free();
        return NULL;
    }
    struct event *ctl = event_new(eddy_loop_base(), t->ctl[0], EV_READ | EV_PERSIST, on_ctl, s);
    event_add(ctl, NULL);
    eddy_server_run(s);
    eddy_ws_close_all(); /* taken-over connections are no longer the server's */
    t->connections_left = eddy_server_connections(s);
    event_free(ctl);
    eddy_server_free(s);
    eddy_loop_free();
    return NULL;
}

int serve_thread_start(serve_thread *t)
{
    if (pipe(t->ctl) < 0 || pipe(t->ready) < 0)
        return -1;
    if (pthread_create(&t->thread, NULL, serve, t) != 0)
        return -1;
    t->running = 1;
    if (read(t->ready[0], &t->port, sizeof t->port) != sizeof t->port || t->port <= 0) {
        pthread_join(t->thread, NULL);
        t->running = 0;
        return -1;
    }
    return 0;
}

void serve_thread_request_stop(serve_thread *t)
{
    if (t->running && write(t->ctl[1], "s", 1) != 1)
        return;
}

void serve_thread_stop(serve_thread *t)
{
    if (!t->running)
        return;
    serve_thread_request_stop(t);
    pthread_join(t->thread, NULL);
    t->running = 0;
    close(t->ctl[0]);
    close(t->ctl[1]);
    close(t->ready[0]);
    close(t->ready[1]);
}

char *serve_thread_ask(const serve_thread *t, const char *raw)
{
    static char buf[65536];
    int fd = th_connect(t->port, 2000);
    cr_assert_geq(fd, 0);
    th_send_str(fd, raw);
    ssize_t n = th_recv_until(fd, buf, sizeof buf, NULL, 5000);
    close(fd);
    cr_assert_geq(n, 0, "no answer to %s", raw);
    return buf;
}
