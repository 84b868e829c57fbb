/*
 * demo - lesson 08: the event loop's parts, one at a time, with times.
 *
 * Three one-shot timers added out of order fire in deadline order; a
 * repeating timer ticks and cancels itself; a timer writes into a pipe and
 * the pipe's read callback picks the bytes up; then, with nothing left to
 * wait for, loop_run() returns by itself. A second run shows loop_stop():
 * a timer that would tick for ever, stopped from another callback.
 *
 *   demo [--backend select|epoll] [--ticks N]
 */
#include "loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long started;
static int pipe_fds[2];
static int ticks_wanted = 3, ticks;

/* say - print a line stamped with the time since the start. */
static void say(const char *what, const char *detail)
{
    printf("%6lld ms  %s%s\n", loop_now_ms() - started, what, detail);
}

/* quote:begin demo-callbacks */
static void on_timer(loop *l, long id, void *arg)
{
    (void)l, (void)id;
    say("timer: ", arg);
}

static void on_tick(loop *l, long id, void *arg)
{
    (void)arg;
    char n[32];
    snprintf(n, sizeof n, "%d of %d", ++ticks, ticks_wanted);
    say("tick ", n);
    if (ticks == ticks_wanted)
        loop_timer_cancel(l, id); /* a repeating timer ends itself */
}

/* on_write_pipe - a timer puts bytes in the pipe; on_pipe_readable is
 * called by the loop on its next round, not by us. */
static void on_write_pipe(loop *l, long id, void *arg)
{
    (void)l, (void)id, (void)arg;
    say("timer: ", "writing \"ping\" into the pipe");
    if (write(pipe_fds[1], "ping", 4) != 4)
        perror("write");
}

static void on_pipe_readable(loop *l, int fd, int events, void *arg)
{
    (void)events, (void)arg;
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return; /* level-triggered: we will be called again */
    buf[n > 0 ? n : 0] = '\0';
    say("pipe readable, read: ", buf);
    loop_unwatch(l, fd); /* the last thing we wait for */
}
/* quote:end demo-callbacks */

static void on_stop(loop *l, long id, void *arg)
{
    (void)id, (void)arg;
    say("timer: ", "calling loop_stop()");
    loop_stop(l);
}

static void print_stats(loop *l)
{
    struct loop_stats s;
    loop_get_stats(l, &s);
    printf("          (%lu rounds, %lu fd callbacks, %lu timer callbacks so far)\n", s.rounds,
           s.io_calls, s.timer_calls);
}

int main(int argc, char **argv)
{
    const char *backend = "epoll";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc)
            backend = argv[++i];
        else if (strcmp(argv[i], "--ticks") == 0 && i + 1 < argc)
            ticks_wanted = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--backend select|epoll] [--ticks N]\n", argv[0]);
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    loop *l = loop_new(backend);
    if (!l) {
        fprintf(stderr, "loop_new(%s): %s\n", backend, strerror(errno));
        return 2;
    }
    if (pipe(pipe_fds) < 0) {
        perror("pipe");
        return 1;
    }
    started = loop_now_ms();
    printf("backend %s\n", loop_backend_name(l));

    /* quote:begin demo-setup */
    loop_timer_add(l, 300, 0, on_timer, "third (added first, due at 300 ms)");
    loop_timer_add(l, 100, 0, on_timer, "first (due at 100 ms)");
    loop_timer_add(l, 200, 0, on_timer, "second (due at 200 ms)");
    loop_timer_add(l, 50, 50, on_tick, NULL);       /* every 50 ms, --ticks times */
    loop_timer_add(l, 150, 0, on_write_pipe, NULL); /* then the pipe fires */
    loop_watch(l, pipe_fds[0], LOOP_READ, on_pipe_readable, NULL);
    say("loop_run() with 5 timers and 1 fd", "");
    loop_run(l);
    say("loop_run() returned: nothing left to wait for", "");
    /* quote:end demo-setup */
    print_stats(l);

    loop_timer_add(l, 100, 100, on_timer, "every 100 ms, for ever");
    loop_timer_add(l, 350, 0, on_stop, NULL);
    say("loop_run() with a timer that never ends", "");
    loop_run(l);
    say("loop_run() returned: stopped", "");
    print_stats(l);

    loop_free(l); /* frees the for-ever timer too */
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return 0;
}
