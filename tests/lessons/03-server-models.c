/*
 * Lesson 03 smoke tests: the hello server in each model, run as a student
 * runs it, and what a stalled client does to each of them.
 */
#include "hello_checks.h"

#include "harness.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static th_proc server;

static void start(const char *model, const char *workers)
{
    char *argv[] = {(char *)th_path("lessons/03-server-models/server"),
                    "--model",
                    (char *)model,
                    "--port",
                    "0",
                    workers ? "--workers" : NULL,
                    (char *)workers,
                    NULL};
    cr_assert_eq(th_start_server(&server, argv, 5000), 0, "server --model %s did not start:\n%s",
                 model, server.output ? server.output : "");
}

static void stop(void)
{
    th_free(&server);
}

static const char GET[] = "GET / HTTP/1.1\r\nHost: test\r\n\r\n";
static const char HELLO[] = "Content-Length: 14\r\nConnection: keep-alive\r\n\r\nHello, world!\n";

/* hello_answered - one request on a new connection, answered within ms? */
static int hello_answered(int ms)
{
    int fd = th_connect(server.port, 1000);
    if (fd < 0)
        return 0;
    char buf[1024];
    th_send_str(fd, GET);
    int ok = th_recv_until(fd, buf, sizeof buf, "Hello, world!\n", ms) >= 0;
    close(fd);
    return ok;
}

/* children_of - pids whose parent is pid (from /proc); *zombies counts state Z. */
static int children_of(int pid, int *out, int cap, int *zombies)
{
    int n = 0;
    *zombies = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        int child = atoi(e->d_name);
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%d/stat", child);
        FILE *f = child > 0 ? fopen(path, "r") : NULL;
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        char state;
        int ppid;
        char *paren = strrchr(buf, ')');
        if (paren && sscanf(paren + 1, " %c %d", &state, &ppid) == 2 && ppid == pid) {
            if (n < cap)
                out[n++] = child;
            if (state == 'Z')
                (*zombies)++;
        }
    }
    if (d)
        closedir(d);
    return n;
}

static void answers_hello_and_404(const char *model)
{
    start(model, NULL);
    int fd = th_connect(server.port, 1000);
    char buf[2048];
    th_send_str(fd, GET);
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Hello, world!\n", 3000), 0,
                  "model %s, got: %s", model, buf);
    cr_assert_not_null(strstr(buf, "HTTP/1.1 200 OK\r\n"), "got: %s", buf);
    cr_assert_not_null(strstr(buf, HELLO), "got: %s", buf);
    th_send_str(fd, "GET /nothing-here HTTP/1.1\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Not found\n", 3000), 0, "got: %s", buf);
    cr_assert_not_null(strstr(buf, "HTTP/1.1 404 Not Found\r\n"), "got: %s", buf);
    close(fd);
}

Test(lesson03, iterative_answers_hello, .fini = stop, .timeout = 30)
{
    answers_hello_and_404("iterative");
}
Test(lesson03, fork_answers_hello, .fini = stop, .timeout = 30)
{
    answers_hello_and_404("fork");
}
Test(lesson03, thread_answers_hello, .fini = stop, .timeout = 30)
{
    answers_hello_and_404("thread");
}
Test(lesson03, prefork_answers_hello, .fini = stop, .timeout = 30)
{
    answers_hello_and_404("prefork");
}

Test(lesson03, keep_alive_then_close_when_asked, .fini = stop, .timeout = 30)
{
    start("thread", NULL);
    int fd = th_connect(server.port, 1000);
    char buf[2048];
    for (int i = 0; i < 3; i++) {
        th_send_str(fd, GET);
        cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Hello, world!\n", 3000), 0,
                      "request %d on the same connection, got: %s", i + 1, buf);
    }
    th_send_str(fd, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, NULL, 3000), 0);
    cr_assert_not_null(strstr(buf, "Connection: close\r\n"), "got: %s", buf);
    cr_assert_not_null(strstr(buf, "Hello, world!\n"), "got: %s", buf);
    close(fd);

    fd = th_connect(server.port, 1000); /* HTTP/1.0 closes unless asked not to */
    th_send_str(fd, "GET / HTTP/1.0\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, NULL, 3000), 0,
                  "an HTTP/1.0 answer ends with the connection");
    cr_assert_not_null(strstr(buf, "Hello, world!\n"), "got: %s", buf);
    close(fd);
}

Test(lesson03, pipelined_requests_are_answered_in_order, .fini = stop, .timeout = 30)
{
    start("iterative", NULL);
    int fd = th_connect(server.port, 1000);
    char buf[4096];
    th_send_str(fd, "GET / HTTP/1.1\r\n\r\nGET /missing HTTP/1.1\r\n\r\nHEAD / HTTP/1.1\r\n\r\n"
                    "GET /?last HTTP/1.1\r\nConnection: close\r\n\r\n");
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, NULL, 3000), 0, "got: %s", buf);
    char *first = strstr(buf, "200 OK"), *second = strstr(buf, "404 Not Found");
    cr_assert(first && second && first < second, "200 then 404, got: %s", buf);
    char *third = strstr(second, "200 OK");
    cr_assert_not_null(third, "got: %s", buf);
    char *fourth = strstr(third + 1, "200 OK");
    cr_assert_not_null(fourth, "four answers, got: %s", buf);
    cr_assert_null(strstr(third, "Not found\n"), "HEAD has no body");
    cr_assert_not_null(strstr(fourth, "Connection: close\r\n\r\nHello, world!\n"), "got: %s", buf);
    close(fd);
}

Test(lesson03, malformed_request_gets_400_and_close, .fini = stop, .timeout = 30)
{
    start("fork", NULL);
    hc_garbage_gets_400_and_close(server.port);
}

/* stall - a client that sends half a request and then nothing. */
static int stall(void)
{
    int fd = th_connect(server.port, 1000);
    cr_assert_geq(fd, 0);
    th_send_str(fd, "GET / HTTP/1.1\r\nHost: stall");
    return fd;
}

Test(lesson03, a_stalled_client_freezes_the_iterative_server, .fini = stop, .timeout = 30)
{
    start("iterative", NULL);
    int stalled = stall();
    int fd = th_connect(server.port, 1000); /* connects: the kernel's queue accepts it */
    cr_assert_geq(fd, 0);
    char buf[1024];
    th_send_str(fd, GET);
    cr_assert_lt(th_recv_until(fd, buf, sizeof buf, "Hello", 1500), 0,
                 "the iterative server should still be waiting for the stalled client");
    close(stalled); /* the stalled client goes: now it is our turn */
    cr_assert_geq(th_recv_until(fd, buf, sizeof buf, "Hello, world!\n", 3000), 0,
                  "answered once the stalled client left, got: %s", buf);
    close(fd);
}

static void not_frozen(const char *model, const char *workers)
{
    start(model, workers);
    int stalled = stall();
    long long t0 = th_now_ms();
    cr_assert(hello_answered(3000), "model %s should answer beside a stalled client", model);
    cr_assert_lt(th_now_ms() - t0, 1500 + th_slack_ms());
    close(stalled);
}

Test(lesson03, a_stalled_client_does_not_freeze_fork, .fini = stop, .timeout = 30)
{
    not_frozen("fork", NULL);
}
Test(lesson03, a_stalled_client_does_not_freeze_thread, .fini = stop, .timeout = 30)
{
    not_frozen("thread", NULL);
}
Test(lesson03, a_stalled_client_does_not_freeze_prefork, .fini = stop, .timeout = 30)
{
    not_frozen("prefork", "2");
}

Test(lesson03, as_many_stalled_clients_as_workers_freeze_prefork, .fini = stop, .timeout = 30)
{
    start("prefork", "2");
    int a = stall(), b = stall();
    usleep(200 * 1000); /* both workers take one */
    cr_assert(!hello_answered(1500), "two workers, two stalled clients: nobody is left");
    close(a);
    cr_assert(hello_answered(3000), "one worker is free again");
    close(b);
}

Test(lesson03, slow_requests_overlap_in_the_thread_model, .fini = stop, .timeout = 30)
{
    start("thread", NULL);
    int fds[3];
    char buf[1024];
    long long t0 = th_now_ms();
    for (int i = 0; i < 3; i++) {
        fds[i] = th_connect(server.port, 1000);
        th_send_str(fds[i], "GET /slow HTTP/1.1\r\n\r\n");
    }
    for (int i = 0; i < 3; i++)
        cr_assert_geq(th_recv_until(fds[i], buf, sizeof buf, "Hello, world!\n", 5000), 0);
    long long took = th_now_ms() - t0;
    cr_assert_geq(took, 900, "/slow sleeps a second, took %lld ms", took);
    cr_assert_lt(took, 2500 + th_slack_ms(), "three /slow at once in three threads take ~1 s, took %lld ms", took);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
}

Test(lesson03, the_fork_server_reaps_its_children, .fini = stop, .timeout = 30)
{
    start("fork", NULL);
    int fds[5], kids[64], zombies = 0;
    for (int i = 0; i < 5; i++) {
        fds[i] = th_connect(server.port, 1000);
        cr_assert(fds[i] >= 0);
    }
    for (int i = 0; i < 5; i++) { /* one answer each: all five children exist now */
        char buf[1024];
        th_send_str(fds[i], GET);
        cr_assert_geq(th_recv_until(fds[i], buf, sizeof buf, "Hello, world!\n", 3000), 0);
    }
    cr_assert_geq(children_of(server.pid, kids, 64, &zombies), 5, "a process per connection");
    for (int i = 0; i < 5; i++)
        close(fds[i]);
    int n = -1;
    for (int tries = 0; tries < 100 && n != 0; tries++) {
        usleep(20 * 1000);
        n = children_of(server.pid, kids, 64, &zombies);
    }
    cr_assert_eq(n, 0, "%d children left (%d zombies) 2 s after their clients left", n, zombies);
}

Test(lesson03, sigterm_stops_prefork_and_leaves_no_child, .fini = stop, .timeout = 30)
{
    start("prefork", "3");
    int kids[64], zombies;
    int n = 0;
    for (int tries = 0; tries < 100 && n < 3; tries++) {
        n = children_of(server.pid, kids, 64, &zombies);
        usleep(10 * 1000);
    }
    cr_assert_eq(n, 3, "three workers");
    int busy = th_connect(server.port, 1000); /* one worker is in the middle of a connection */
    char buf[1024];
    th_send_str(busy, GET);
    cr_assert_geq(th_recv_until(busy, buf, sizeof buf, "Hello, world!\n", 3000), 0);
    kill(server.pid, SIGTERM); /* the parent only, not its process group */
    int status = th_wait(&server, 5000);
    cr_assert(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "the server exits by itself on SIGTERM:\n%s", server.output);
    cr_assert_not_null(strstr(server.output, "stopped"), "output:\n%s", server.output);
    for (int i = 0; i < n; i++)
        cr_assert(kill(kids[i], 0) < 0 && errno == ESRCH, "worker %d still exists", kids[i]);
    close(busy);
}

Test(lesson03, conncost_measures_both_models, .timeout = 60)
{
    const char *models[] = {"thread", "fork"};
    for (int i = 0; i < 2; i++) {
        char *argv[] = {(char *)th_path("lessons/03-server-models/conncost"),
                        "--model",
                        (char *)models[i],
                        "--count",
                        "20",
                        NULL};
        char *out = NULL;
        int status = th_run(argv, 20000, &out);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "conncost failed:\n%s", out);
        cr_assert_not_null(strstr(out, "20 idle keep-alive connections"), "output:\n%s", out);
        cr_assert_not_null(strstr(out, "PSS, summed"), "output:\n%s", out);
        free(out);
    }
}
